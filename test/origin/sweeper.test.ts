/**
 * The sweeper deletes what has outlived its use (expired identity challenges and sessions, lookup attempts
 * older than every limit, long-expired holds, day-old idempotency answers, ended journeys, old development codes) and keeps what a limit or a journey may still read. Rows are
 * written at known times and swept on an injected clock, on PostgreSQL and on PGlite.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, instant, rows } from "../../origin/db";
import { seed } from "../../origin/db/seed";
import { LONGEST_LIMIT_WINDOW_MS, LOOKUP_MISSES } from "../../origin/limits";
import { createSweeper, IDEMPOTENCY_RETENTION_MS } from "../../origin/maintenance/sweeper";
import { testDatabase } from "./database";

const START = new Date("2026-11-23T10:00:00+09:00").getTime();
const MIN = 60_000;
const SESSION_TTL = 30 * MIN;
let database: Database;
let personId: number;
let slotId: number;

beforeAll(async () => {
  database = await testDatabase();
  await seed(database.db, { now: new Date(START), clinics: 5, days: 1 });
  const [person] = await rows<{ id: number }>(
    database.db,
    sql`insert into people (rrn_hash, rrn_cipher, rrn_masked, name, birth_date, sex, phone)
        values ('sweeper-test', 'x', '', '홍길동', '1965-01-01', 'M', '01000000000') returning id`,
  );
  personId = person!.id;
  const [slot] = await rows<{ id: number }>(database.db, sql`select id from slots order by id limit 1`);
  slotId = Number(slot!.id);
}, 120_000);
afterAll(() => database?.close());

const at = (msFromStart: number) => instant(new Date(START + msFromStart));

/** Clears the four kinds and writes one row of each kind per `tag`, at the given times (ms from START). */
async function write(p: {
  challenges?: Record<string, { created: number; expires: number }>;
  sessions?: Record<string, number>;
  misses?: Record<string, number>;
  holds?: Record<string, number>;
  /** idempotency keys by the time they were stored */
  keys?: Record<string, number>;
  /** pass bindings by the end of their pass */
  journeys?: Record<string, number>;
  /** development codes by the time they were sent */
  codes?: Record<string, number>;
}) {
  const db = database.db;
  for (const [tag, c] of Object.entries(p.challenges ?? {})) {
    await rows(
      db,
      sql`insert into identity_challenges (phone, client_key, name, rrn_hash, rrn_cipher, birth_date, sex, code_hash, expires_at, created_at)
                       values (${tag}, 'test', '홍길동', 'h', 'c', '1965-01-01', 'M', 'x', ${at(c.expires)}, ${at(c.created)})`,
    );
  }
  for (const [tag, expires] of Object.entries(p.sessions ?? {})) {
    await rows(
      db,
      sql`insert into sessions (token_hash, person_id, expires_at, created_at) values (${tag}, ${personId}, ${at(expires)}, ${at(expires - SESSION_TTL)})`,
    );
  }
  for (const [tag, when] of Object.entries(p.misses ?? {})) {
    await rows(db, sql`insert into lookup_failures (client_key, reservation_number, rrn_hash, at) values (${tag}, 'N', 'R', ${at(when)})`);
  }
  for (const [tag, expires] of Object.entries(p.holds ?? {})) {
    const [person] = await rows<{ id: number }>(
      db,
      sql`insert into people (rrn_hash, rrn_cipher, rrn_masked, name, birth_date, sex, phone)
          values (${`hold-${tag}`}, 'x', '', '홍길동', '1965-01-01', 'M', '01000000000') returning id`,
    );
    await rows(
      db,
      sql`insert into holds (slot_id, person_id, expires_at, created_at) values (${slotId}, ${person!.id}, ${at(expires)}, ${at(expires - 5 * MIN)})`,
    );
  }
  for (const [tag, created] of Object.entries(p.keys ?? {})) {
    await rows(
      db,
      sql`insert into idempotency_keys (person_id, key, request_hash, status, response, created_at)
                       values (${personId}, ${tag}, 'h', 201, '{}'::jsonb, ${at(created)})`,
    );
  }
  for (const [tag, expires] of Object.entries(p.journeys ?? {})) {
    await rows(db, sql`insert into pass_bindings (pass_id, person_id, expires_at) values (${tag}, ${personId}, ${at(expires)})`);
  }
  for (const [tag, sent] of Object.entries(p.codes ?? {})) {
    await rows(db, sql`insert into dev_sent_codes (phone, code, sent_at) values (${tag}, '123456', ${at(sent)})`);
  }
}

/** The tags of each kind still stored. */
async function left() {
  const db = database.db;
  const tags = async (q: ReturnType<typeof sql>) => (await rows<{ tag: string }>(db, q)).map((r) => r.tag).sort();
  return {
    challenges: await tags(sql`select phone as tag from identity_challenges where client_key = 'test'`),
    sessions: await tags(sql`select token_hash as tag from sessions where token_hash like 's-%'`),
    misses: await tags(sql`select client_key as tag from lookup_failures where client_key like 'm-%'`),
    holds: await tags(
      sql`select substr(p.rrn_hash, 6) as tag from holds h join people p on p.id = h.person_id where p.rrn_hash like 'hold-%'`,
    ),
    keys: await tags(sql`select key as tag from idempotency_keys where key like 'k-%'`),
    journeys: await tags(sql`select pass_id as tag from pass_bindings where pass_id like 'j-%'`),
    codes: await tags(sql`select phone as tag from dev_sent_codes where phone like 'd-%'`),
  };
}

describe("sweeper", () => {
  it("deletes expired challenges and sessions, stale lookup attempts and long-expired holds, and keeps the rest", async () => {
    const clock = { now: START };
    const sweeper = createSweeper({ db: database.db, sessionTtlMs: SESSION_TTL, clock: () => clock.now });
    await write({
      challenges: {
        "c-old": { created: -2 * 60 * MIN, expires: -2 * 60 * MIN + 3 * MIN }, // expired, older than any limit window
        "c-counted": { created: -10 * MIN, expires: -7 * MIN }, // expired, but the start limits still count it
        "c-live": { created: -1 * MIN, expires: 2 * MIN },
      },
      sessions: { "s-ended": -1000, "s-live": 10 * MIN },
      misses: { "m-stale": -LONGEST_LIMIT_WINDOW_MS - 1000, "m-counted": -LONGEST_LIMIT_WINDOW_MS + MIN },
      holds: { "h-long-gone": -SESSION_TTL - 1000, "h-just-expired": -MIN, "h-active": 4 * MIN },
      keys: { "k-old": -IDEMPOTENCY_RETENTION_MS - 1000, "k-recent": -IDEMPOTENCY_RETENTION_MS + LONGEST_LIMIT_WINDOW_MS / 2 },
      journeys: { "j-ended": -1000, "j-live": 30 * MIN },
      codes: { "d-old": -LONGEST_LIMIT_WINDOW_MS - 1000, "d-recent": -MIN },
    });

    const none = { challenges: 0, sessions: 0, lookupMisses: 0, holds: 0, idempotencyKeys: 0, journeys: 0, devCodes: 0 };
    expect(await sweeper.runOnce()).toEqual({
      ...none,
      challenges: 1,
      sessions: 1,
      lookupMisses: 1,
      holds: 1,
      idempotencyKeys: 1,
      journeys: 1,
      devCodes: 1,
    });
    expect(await left()).toEqual({
      challenges: ["c-counted", "c-live"],
      sessions: ["s-live"],
      misses: ["m-counted"],
      holds: ["h-active", "h-just-expired"],
      keys: ["k-recent"],
      journeys: ["j-live"],
      codes: ["d-recent"],
    });

    // An hour on, everything has expired and outlived its use.
    clock.now = START + LONGEST_LIMIT_WINDOW_MS;
    expect(await sweeper.runOnce()).toEqual({
      ...none,
      challenges: 2,
      sessions: 1,
      lookupMisses: 1,
      holds: 2,
      idempotencyKeys: 1,
      journeys: 1,
      devCodes: 1,
    });
    expect(await left()).toEqual({ challenges: [], sessions: [], misses: [], holds: [], keys: [], journeys: [], codes: [] });
    expect(await sweeper.runOnce()).toEqual(none);
  });

  it("never deletes a row a lookup limit still counts", () => {
    for (const limit of Object.values(LOOKUP_MISSES)) expect(limit.windowMs).toBeLessThanOrEqual(LONGEST_LIMIT_WINDOW_MS);
  });

  it("deletes in batches until none is left", async () => {
    await write({ misses: Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`m-${i}`, -2 * LONGEST_LIMIT_WINDOW_MS])) });
    const sweeper = createSweeper({ db: database.db, sessionTtlMs: SESSION_TTL, clock: () => START, batch: 2 });
    expect((await sweeper.runOnce()).lookupMisses).toBe(7);
    expect((await left()).misses).toEqual([]);
  });

  it("sweeps periodically once started, and stops", async () => {
    await write({ sessions: { "s-a": -1000 }, misses: { "m-a": -2 * LONGEST_LIMIT_WINDOW_MS } });
    const sweeper = createSweeper({ db: database.db, sessionTtlMs: SESSION_TTL, clock: () => START, intervalMs: 20 });
    sweeper.start();
    await expect.poll(async () => left(), { timeout: 5000 }).toMatchObject({ sessions: [], misses: [] });
    // rows written later go on a later round
    await write({ sessions: { "s-b": -1000 } });
    await expect.poll(async () => (await left()).sessions, { timeout: 5000 }).toEqual([]);
    await sweeper.stop();
    await write({ sessions: { "s-c": -1000 } });
    await new Promise((r) => setTimeout(r, 100));
    expect((await left()).sessions).toEqual(["s-c"]);
  });
});
