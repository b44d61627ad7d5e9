/** Identity challenges, people and sessions: plain functions over the database. */
import { sql } from "drizzle-orm";
import { instant, rows, type Db } from "../db";

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
  const [r] = await rows<{ by_phone: number; phone_oldest: string | null; by_client: number; client_oldest: string | null }>(
    db,
    sql`select count(*) filter (where phone = ${p.phone})::int as by_phone,
               min(created_at) filter (where phone = ${p.phone}) as phone_oldest,
               count(*) filter (where client_key = ${p.clientKey})::int as by_client,
               min(created_at) filter (where client_key = ${p.clientKey}) as client_oldest
        from identity_challenges
        where created_at > ${instant(p.since)} and (phone = ${p.phone} or client_key = ${p.clientKey})`,
  );
  return {
    byPhone: r?.by_phone ?? 0,
    phoneOldest: r?.phone_oldest ? new Date(r.phone_oldest) : null,
    byClient: r?.by_client ?? 0,
    clientOldest: r?.client_oldest ? new Date(r.client_oldest) : null,
  };
}

export async function insertChallenge(db: Db, c: NewChallenge): Promise<void> {
  await rows(db, sql`
    insert into identity_challenges (id, phone, client_key, name, rrn_hash, rrn_cipher, rrn_masked, birth_date, sex, code_hash, expires_at, created_at)
    values (${c.id}, ${c.phone}, ${c.clientKey}, ${c.name}, ${c.rrnHash}, ${c.rrnCipher}, ${c.rrnMasked}, ${c.birthDate},
            ${c.sex}, ${c.codeHash}, ${instant(c.expiresAt)}, ${instant(c.createdAt)})`);
}

export async function findChallenge(db: Db, id: string): Promise<Challenge | null> {
  const [r] = await rows<Record<string, any>>(
    db,
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
    expiresAt: new Date(r.expires_at),
    verifiedAt: r.verified_at ? new Date(r.verified_at) : null,
    createdAt: new Date(r.created_at),
  };
}

/** Counts a wrong code, atomically; returns the attempts used, or null if the challenge was already spent. */
export async function countWrongAttempt(db: Db, id: string, maxAttempts: number): Promise<number | null> {
  const [r] = await rows<{ attempts: number }>(
    db,
    sql`update identity_challenges set attempts = attempts + 1
        where id = ${id} and attempts < ${maxAttempts} and verified_at is null returning attempts`,
  );
  return r ? r.attempts : null;
}

/** Marks a challenge verified once; false if another request got there first or it ran out of attempts. */
export async function markVerified(db: Db, id: string, now: Date, maxAttempts: number): Promise<boolean> {
  const r = await rows<{ id: string }>(
    db,
    sql`update identity_challenges set verified_at = ${instant(now)}
        where id = ${id} and verified_at is null and attempts < ${maxAttempts} returning id`,
  );
  return r.length === 1;
}

/** The person for a verified challenge: found by the resident-number hash, details refreshed. */
export async function upsertPerson(db: Db, c: Challenge): Promise<number> {
  const [r] = await rows<{ id: number }>(
    db,
    sql`insert into people (rrn_hash, rrn_cipher, rrn_masked, name, birth_date, sex, phone)
        values (${c.rrnHash}, ${c.rrnCipher}, ${c.rrnMasked}, ${c.name}, ${c.birthDate}, ${c.sex}, ${c.phone})
        on conflict (rrn_hash) do update set name = excluded.name, phone = excluded.phone
        returning id`,
  );
  return r!.id;
}

export async function insertSession(db: Db, s: { tokenHash: string; personId: number; expiresAt: Date }): Promise<void> {
  await rows(db, sql`insert into sessions (token_hash, person_id, expires_at)
                       values (${s.tokenHash}, ${s.personId}, ${instant(s.expiresAt)})`);
}
