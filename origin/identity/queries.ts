/** Identity challenges, people and sessions: plain functions over the database. */
import { type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { col, type Db, execute, instant, query, queryOne, transaction } from "../db";

export interface NewChallenge {
  id: string;
  phone: string;
  clientKey: string;
  name: string;
  rrnHash: string;
  rrnCipher: string;
  rrnMasked: string;
  birthDate: string;
  sex: string;
  codeHash: string;
  expiresAt: Date;
  createdAt: Date;
}

export interface Challenge extends NewChallenge {
  attempts: number;
  verifiedAt: Date | null;
}

/** How many codes were started since `since` for this phone and for this client, and the oldest of each. */
export async function recentStarts(db: Db, p: { phone: string; clientKey: string; since: Date }) {
  const r = await queryOne(
    db,
    z.object({ by_phone: col.int, phone_oldest: col.instant.nullable(), by_client: col.int, client_oldest: col.instant.nullable() }),
    sql`select count(*) filter (where phone = ${p.phone})::int as by_phone,
               min(created_at) filter (where phone = ${p.phone}) as phone_oldest,
               count(*) filter (where client_key = ${p.clientKey})::int as by_client,
               min(created_at) filter (where client_key = ${p.clientKey}) as client_oldest
        from identity_challenges
        where created_at > ${instant(p.since)} and (phone = ${p.phone} or client_key = ${p.clientKey})`,
  );
  return {
    byPhone: r?.by_phone ?? 0,
    phoneOldest: r?.phone_oldest ?? null,
    byClient: r?.by_client ?? 0,
    clientOldest: r?.client_oldest ?? null,
  };
}

export type StartClaim = { ok: true } | { ok: false; limited: "phone" | "client"; oldest: Date };

/**
 * Counts the starts for this phone and this client since `since` and, within the limits, inserts the new
 * challenge, in one transaction that holds an advisory lock per phone and per client (always phone first, so
 * two starts never wait on each other in a cycle). Concurrent starts are thereby counted one after another,
 * in this process and every other, and no burst gets past a limit.
 */
export async function claimStart(
  db: Db,
  p: { challenge: NewChallenge; since: Date; perPhone: number; perClient: number },
): Promise<StartClaim> {
  return transaction(db, async (tx) => {
    const c = p.challenge;
    await execute(tx, sql`select pg_advisory_xact_lock(hashtext(${`identity-start:phone:${c.phone}`}))`);
    await execute(tx, sql`select pg_advisory_xact_lock(hashtext(${`identity-start:client:${c.clientKey}`}))`);
    const recent = await recentStarts(tx, { phone: c.phone, clientKey: c.clientKey, since: p.since });
    if (recent.byPhone >= p.perPhone && recent.phoneOldest) return { ok: false, limited: "phone", oldest: recent.phoneOldest } as const;
    if (recent.byClient >= p.perClient && recent.clientOldest)
      return { ok: false, limited: "client", oldest: recent.clientOldest } as const;
    await insertChallenge(tx, c);
    return { ok: true } as const;
  });
}

export async function insertChallenge(db: Db, c: NewChallenge): Promise<void> {
  await execute(
    db,
    sql`
    insert into identity_challenges (id, phone, client_key, name, rrn_hash, rrn_cipher, rrn_masked, birth_date, sex, code_hash, expires_at, created_at)
    values (${c.id}, ${c.phone}, ${c.clientKey}, ${c.name}, ${c.rrnHash}, ${c.rrnCipher}, ${c.rrnMasked}, ${c.birthDate},
            ${c.sex}, ${c.codeHash}, ${instant(c.expiresAt)}, ${instant(c.createdAt)})`,
  );
}

const ChallengeRow = z.object({
  id: col.text,
  phone: col.text,
  client_key: col.text,
  name: col.text,
  rrn_hash: col.text,
  rrn_cipher: col.text,
  rrn_masked: col.text,
  birth_date: col.text,
  sex: col.text,
  code_hash: col.text,
  attempts: col.int,
  expires_at: col.instant,
  verified_at: col.instant.nullable(),
  created_at: col.instant,
});

export async function findChallenge(db: Db, id: string): Promise<Challenge | null> {
  const r = await queryOne(
    db,
    ChallengeRow,
    sql`select id, phone, client_key, name, rrn_hash, rrn_cipher, rrn_masked, birth_date::text, sex, code_hash,
               attempts, expires_at, verified_at, created_at
        from identity_challenges where id = ${id}`,
  );
  if (!r) return null;
  return {
    id: r.id,
    phone: r.phone,
    clientKey: r.client_key,
    name: r.name,
    rrnHash: r.rrn_hash,
    rrnCipher: r.rrn_cipher,
    rrnMasked: r.rrn_masked,
    birthDate: r.birth_date,
    sex: r.sex,
    codeHash: r.code_hash,
    attempts: r.attempts,
    expiresAt: r.expires_at,
    verifiedAt: r.verified_at,
    createdAt: r.created_at,
  };
}

/** Counts a wrong code, atomically; returns the attempts used, or null if the challenge was already spent. */
export async function countWrongAttempt(db: Db, id: string, maxAttempts: number): Promise<number | null> {
  const r = await queryOne(
    db,
    z.object({ attempts: col.int }),
    sql`update identity_challenges set attempts = attempts + 1
        where id = ${id} and attempts < ${maxAttempts} and verified_at is null returning attempts`,
  );
  return r ? r.attempts : null;
}

/** Marks a challenge verified once; false if another request got there first or it ran out of attempts. */
export async function markVerified(db: Db, id: string, now: Date, maxAttempts: number): Promise<boolean> {
  const r = await query(
    db,
    z.object({ id: col.text }),
    sql`update identity_challenges set verified_at = ${instant(now)}
        where id = ${id} and verified_at is null and attempts < ${maxAttempts} returning id`,
  );
  return r.length === 1;
}

export interface PersonOnRecord {
  id: number;
  name: string;
  phone: string;
  /** only a proxy has entered this person: the name is what the proxy typed, the phone the proxy's */
  addedByProxy: boolean;
}

/** The person with this resident-number hash, if any. */
export async function personByRrnHash(db: Db, rrnHash: string): Promise<PersonOnRecord | null> {
  const r = await queryOne(
    db,
    z.object({ id: col.int, name: col.text, phone: col.text, added_by_proxy: col.bool }),
    sql`select id, name, phone, added_by_proxy from people where rrn_hash = ${rrnHash}`,
  );
  return r ? { id: r.id, name: r.name, phone: r.phone, addedByProxy: r.added_by_proxy } : null;
}

/** The person an insert ... on conflict ... returning id, name wrote or found (it always answers one row). */
async function insertedPerson(db: Db, statement: SQL): Promise<{ id: number; name: string }> {
  const r = await queryOne(db, z.object({ id: col.int, name: col.text }), statement);
  if (!r) throw new Error("The insert of a person answered no row.");
  return r;
}

/**
 * The person for a verified challenge, found by the resident-number hash. A person on record keeps their
 * name and phone; only a record a proxy made takes the verified name and phone, once. Returns the name on
 * record, which the caller compares with the one verified.
 */
export async function upsertPerson(db: Db, c: Challenge): Promise<{ id: number; name: string }> {
  return insertedPerson(
    db,
    sql`insert into people (rrn_hash, rrn_cipher, rrn_masked, name, birth_date, sex, phone, added_by_proxy)
        values (${c.rrnHash}, ${c.rrnCipher}, ${c.rrnMasked}, ${c.name}, ${c.birthDate}, ${c.sex}, ${c.phone}, false)
        on conflict (rrn_hash) do update
          set name = case when people.added_by_proxy then excluded.name else people.name end,
              phone = case when people.added_by_proxy then excluded.phone else people.phone end,
              added_by_proxy = false
        returning id, name`,
  );
}

/** The verified person's own resident-number hash and phone (a proxy's, to enter a subject with). */
export async function personById(db: Db, id: number): Promise<{ rrnHash: string; phone: string } | null> {
  const r = await queryOne(db, z.object({ rrn_hash: col.text, phone: col.text }), sql`select rrn_hash, phone from people where id = ${id}`);
  return r ? { rrnHash: r.rrn_hash, phone: r.phone } : null;
}

/**
 * The subject a proxy names, found by the resident-number hash, or entered as the proxy typed them (with
 * the proxy's phone standing in until they verify themselves). Never changes a person on record: returns
 * that person's name for the caller to compare.
 */
export async function findOrAddProxySubject(
  db: Db,
  s: { rrnHash: string; rrnCipher: string; rrnMasked: string; name: string; birthDate: string; sex: string; proxyPhone: string },
): Promise<{ id: number; name: string }> {
  // The no-op update makes the statement return the row already there, even one inserted concurrently.
  return insertedPerson(
    db,
    sql`insert into people (rrn_hash, rrn_cipher, rrn_masked, name, birth_date, sex, phone, added_by_proxy)
        values (${s.rrnHash}, ${s.rrnCipher}, ${s.rrnMasked}, ${s.name}, ${s.birthDate}, ${s.sex}, ${s.proxyPhone}, true)
        on conflict (rrn_hash) do update set rrn_hash = people.rrn_hash
        returning id, name`,
  );
}

/** The session acts for `subjectId` (null: for the person themselves again). */
export async function setSessionSubject(
  db: Db,
  p: { tokenHash: string; subjectId: number | null; relationship: string | null },
): Promise<void> {
  await execute(
    db,
    sql`update sessions set subject_id = ${p.subjectId}, relationship = ${p.relationship} where token_hash = ${p.tokenHash}`,
  );
}

/** A person a session names (its person, or the subject they book for) as the booking pages show them. */
export interface SessionPerson {
  id: number;
  name: string;
  rrnMasked: string;
  birthDate: string;
  /** the session's relationship to its subject (대리예약), on every row */
  relationship: string | null;
}

/** The session's person and subject. */
export async function sessionPeople(db: Db, tokenHash: string): Promise<SessionPerson[]> {
  const list = await query(
    db,
    z.object({ id: col.int, name: col.text, rrn_masked: col.text, birth_date: col.text, relationship: col.text.nullable() }),
    sql`select p.id, p.name, p.rrn_masked, p.birth_date::text, s.relationship from sessions s join people p on p.id in (s.person_id, s.subject_id)
        where s.token_hash = ${tokenHash}`,
  );
  return list.map((r) => ({ id: r.id, name: r.name, rrnMasked: r.rrn_masked, birthDate: r.birth_date, relationship: r.relationship }));
}

/** The relationship a session's person named for the subject they book for; null for themselves. */
export async function sessionRelationship(db: Db, tokenHash: string): Promise<string | null> {
  const r = await queryOne(
    db,
    z.object({ relationship: col.text.nullable() }),
    sql`select relationship from sessions where token_hash = ${tokenHash}`,
  );
  return r?.relationship ?? null;
}

/** A live session by its token's hash, with the birth date of whoever it books for (the subject, else the person). */
export async function liveSession(db: Db, p: { tokenHash: string; now: Date }) {
  return queryOne(
    db,
    z.object({
      person_id: col.int,
      subject_id: col.int.nullable(),
      birth_date: col.text,
      expires_at: col.instant,
      created_at: col.instant,
    }),
    sql`select s.person_id, s.subject_id, p.birth_date::text, s.expires_at, s.created_at
        from sessions s join people p on p.id = coalesce(s.subject_id, s.person_id)
        where s.token_hash = ${p.tokenHash} and s.expires_at > ${instant(p.now)}`,
  );
}

/** A new session; `createdAt` is the moment of verification, from which its hard maximum is counted. */
export async function insertSession(db: Db, s: { tokenHash: string; personId: number; expiresAt: Date; createdAt: Date }): Promise<void> {
  await execute(
    db,
    sql`insert into sessions (token_hash, person_id, expires_at, created_at)
                       values (${s.tokenHash}, ${s.personId}, ${instant(s.expiresAt)}, ${instant(s.createdAt)})`,
  );
}

/**
 * A live session runs `ttlMs` from now again, but never past `maxMs` after verification and never shorter
 * than it already runs. Returns the new end, or null for an unknown or ended session (an ended one stays ended).
 */
export async function extendSession(db: Db, p: { tokenHash: string; now: Date; ttlMs: number; maxMs: number }): Promise<Date | null> {
  const r = await queryOne(
    db,
    z.object({ expires_at: col.instant }),
    sql`update sessions
        set expires_at = greatest(expires_at, least(${instant(new Date(p.now.getTime() + p.ttlMs))}::timestamptz,
                                                    created_at + make_interval(secs => ${p.maxMs / 1000})))
        where token_hash = ${p.tokenHash} and expires_at > ${instant(p.now)}
        returning expires_at`,
  );
  return r?.expires_at ?? null;
}
