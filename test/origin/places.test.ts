/**
 * Places left in the booking window open now (origin/booking/places.ts) and `GET /health/places`, on PGlite
 * and, when TEST_DATABASE_URL is set, on PostgreSQL: free places (capacity − taken − active holds) of the
 * slots still ahead up to the booking horizon, of the vaccines the open windows allow, without clinics'
 * closure days; none when no window is open; the open window and the next opening; the answer kept per
 * process for a moment; the route open like /health, with aggregate numbers only.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../origin/app";
import { forgetPlaces, nextOpening, placesLeft, placesReport, readPlaces } from "../../origin/booking/places";
import { loadConfig } from "../../origin/config";
import { type Database, execute, instant, openDatabase, rows } from "../../origin/db";
import { scratchDatabase } from "../../origin/db/scratch";
import { seed } from "../../origin/db/seed";
import { ORIGIN_TEST_ENV } from "../secrets";
import { TEST_DATABASE_URL } from "./database";
import { verifiedPerson } from "./sessions";

const drivers: [string, () => Promise<Database>][] = [["PGlite", () => openDatabase({})]];
if (TEST_DATABASE_URL) drivers.push(["PostgreSQL", () => scratchDatabase(TEST_DATABASE_URL!)]);
else console.warn("TEST_DATABASE_URL is not set: the PostgreSQL half of the places tests is skipped (CI sets it).");

/** A Monday, 10:00 in Seoul: slots of Monday to Wednesday are seeded from 09:00. */
const START = new Date("2026-11-23T10:00:00+09:00");
const HORIZON = 28;
const kst = (s: string) => new Date(`${s}+09:00`);

describe.each(drivers)("places left on %s", (_, open) => {
  let database: Database;
  let demoWindow: { id: number; closes_at: string };

  /** The same sum, slot by slot, as a plain statement (the reference the aggregate is checked against). */
  async function reference(opts: { now: Date; until: Date; vaccines?: string[] }): Promise<number> {
    const [r] = await rows<{ n: number | string }>(
      database.db,
      sql`select coalesce(sum(s.capacity - s.taken - (select count(*) from holds h where h.slot_id = s.id and h.expires_at > ${instant(opts.now)})), 0)::int as n
          from slots s
          where s.starts_at > ${instant(opts.now)} and s.starts_at < ${instant(opts.until)}
            ${opts.vaccines ? sql`and s.vaccine_code in ${opts.vaccines}` : sql``}
            and not exists (select 1 from clinic_closures cc where cc.clinic_id = s.clinic_id and cc.date = (s.starts_at at time zone 'Asia/Seoul')::date)`,
    );
    return Number(r!.n);
  }

  /** The count over every slot (no bound), so it equals the reference sum. */
  const read = (now = START, horizonDays = HORIZON) => readPlaces(database.db, { now, horizonDays, countSlots: 1_000_000 });

  beforeAll(async () => {
    database = await open();
    await seed(database.db, { now: START, clinics: 0, days: 3 });
    const [demo] = await rows<{ id: number; closes_at: string }>(
      database.db,
      sql`select id, to_char(closes_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as closes_at from cohort_windows where name = 'Demo: every adult'`,
    );
    demoWindow = { id: Number(demo!.id), closes_at: demo!.closes_at };
  }, 120_000);
  afterAll(() => database?.close());

  it("sums the free places of the slots still ahead, up to the horizon, in the window open now", async () => {
    const all = await read();
    expect(all.placesLeft).toBeGreaterThan(0);
    expect(all.placesLeft).toBe(await reference({ now: START, until: kst("2026-12-21T00:00") }));
    expect(all.window).toEqual({ id: demoWindow.id, closesAt: new Date(demoWindow.closes_at).toISOString() });
    // The 2021 windows are long past: no next opening.
    expect(all.nextOpensAt).toBeNull();
    // A horizon of one day: today's slots after 10:00 only; later, fewer are ahead.
    const today = await read(START, 1);
    expect(today.placesLeft).toBe(await reference({ now: START, until: kst("2026-11-24T00:00") }));
    expect(today.placesLeft).toBeLessThan(all.placesLeft);
    const noon = kst("2026-11-23T12:00");
    expect((await read(noon)).placesLeft).toBe(await reference({ now: noon, until: kst("2026-12-21T00:00") }));
    expect((await read(noon)).placesLeft).toBeLessThan(all.placesLeft);
  });

  it("counts a booked place and a live hold against it, an expired hold not, and leaves out a closed day", async () => {
    const before = (await read()).placesLeft;
    const [slot] = await rows<{ id: number; clinic_id: number }>(
      database.db,
      sql`select id, clinic_id from slots where starts_at = ${instant(kst("2026-11-24T11:00"))} and capacity >= 4 order by id limit 1`,
    );
    await execute(database.db, sql`update slots set taken = taken + 2 where id = ${slot!.id}`);
    expect((await read()).placesLeft).toBe(before - 2);
    const { personId } = await verifiedPerson(database.db, { now: START.getTime() });
    await execute(
      database.db,
      sql`insert into holds (slot_id, person_id, expires_at) values (${slot!.id}, ${personId}, ${instant(new Date(START.getTime() + 300_000))})`,
    );
    await execute(
      database.db,
      sql`insert into holds (slot_id, person_id, expires_at) values (${slot!.id}, ${personId}, ${instant(new Date(START.getTime() - 1000))})`,
    );
    expect((await read()).placesLeft).toBe(before - 3);
    // A clinic closed on Wednesday: its Wednesday places are not bookable.
    const wednesday = await reference({ now: kst("2026-11-25T00:00"), until: kst("2026-11-26T00:00") });
    await execute(
      database.db,
      sql`insert into clinic_closures (clinic_id, date, reason) values (${slot!.clinic_id}, '2026-11-25', '휴진')`,
    );
    const closedOff = wednesday - (await reference({ now: kst("2026-11-25T00:00"), until: kst("2026-11-26T00:00") }));
    expect(closedOff).toBeGreaterThan(0);
    expect((await read()).placesLeft).toBe(before - 3 - closedOff);
    expect((await read()).placesLeft).toBe(await reference({ now: START, until: kst("2026-12-21T00:00") }));
  });

  it("counts only the vaccines the open windows allow, names the window, and says when the next one opens", async () => {
    // The demo window closes; one for Moderna is open, one for everyone opens on Thursday at 20:00.
    await execute(database.db, sql`update cohort_windows set closes_at = ${instant(START)} where id = ${demoWindow.id}`);
    const [moderna] = await rows<{ id: number }>(
      database.db,
      sql`insert into cohort_windows (name, name_ko, birth_from, birth_to, opens_at, closes_at, vaccine_code)
          values ('Moderna now', '모더나', '1900-01-01', '2000-12-31', ${instant(kst("2026-11-23T09:00"))}, ${instant(kst("2026-11-27T18:00"))}, 'moderna') returning id`,
    );
    await execute(
      database.db,
      sql`insert into cohort_windows (name, name_ko, birth_from, birth_to, opens_at, closes_at)
          values ('Everyone later', '모두', '1900-01-01', '2000-12-31', ${instant(kst("2026-11-26T20:00"))}, ${instant(kst("2026-11-27T18:00"))})`,
    );
    const now = await read();
    expect(now.placesLeft).toBeGreaterThan(0);
    expect(now.placesLeft).toBe(await reference({ now: START, until: kst("2026-12-21T00:00"), vaccines: ["moderna"] }));
    expect(now.placesLeft).toBeLessThan(await reference({ now: START, until: kst("2026-12-21T00:00") }));
    expect(now.window).toEqual({ id: Number(moderna!.id), closesAt: kst("2026-11-27T18:00").toISOString() });
    expect(now.nextOpensAt).toBe(kst("2026-11-26T20:00").toISOString());
    forgetPlaces(database.db);
    expect(await nextOpening(database.db, { now: START, horizonDays: HORIZON })).toEqual(kst("2026-11-26T20:00"));

    // Every Moderna place taken: none left, the window still open.
    await execute(database.db, sql`update slots set taken = capacity where vaccine_code = 'moderna'`);
    expect(await read()).toMatchObject({ placesLeft: 0, window: { id: Number(moderna!.id) } });
    // No window open: nobody can book, so none are left; the next opening still shows.
    await execute(database.db, sql`update cohort_windows set closes_at = ${instant(START)} where id = ${moderna!.id}`);
    expect(await read()).toEqual({ placesLeft: 0, atLeast: false, window: null, nextOpensAt: kst("2026-11-26T20:00").toISOString() });
  });

  it("keeps an answer per process for a moment, and reads again once told to forget it", async () => {
    forgetPlaces(database.db);
    const p = { now: START, horizonDays: HORIZON };
    const first = await placesReport(database.db, p);
    await execute(database.db, sql`update cohort_windows set closes_at = ${instant(kst("2026-11-27T18:00"))} where id = ${demoWindow.id}`);
    expect(await placesReport(database.db, p)).toEqual(first);
    forgetPlaces(database.db);
    const fresh = await placesReport(database.db, p);
    expect(fresh.placesLeft).toBeGreaterThan(first.placesLeft);
    expect(await placesLeft(database.db, p)).toBe(fresh.placesLeft);
  });

  it("answers GET /health/places openly, with aggregate numbers only", async () => {
    forgetPlaces(database.db);
    const app = createApp({ config: loadConfig(ORIGIN_TEST_ENV), db: database.db, clock: () => START.getTime() });
    const res = await app.request("/health/places");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(["atLeast", "nextOpensAt", "placesLeft", "window"]);
    expect(body).toEqual(await readPlaces(database.db, { now: START, horizonDays: HORIZON }));
    expect(body.window).toEqual({ id: demoWindow.id, closesAt: kst("2026-11-27T18:00").toISOString() });
  });

  it("reads a bounded number of slots: a lower bound then, exact below it, and never sold out by the bound", async () => {
    const exact = await read();
    const bounded = await readPlaces(database.db, { now: START, horizonDays: HORIZON, countSlots: 3 });
    expect(bounded.atLeast).toBe(true);
    expect(bounded.placesLeft).toBeGreaterThan(0);
    expect(bounded.placesLeft).toBeLessThan(exact.placesLeft);
    expect(exact.atLeast).toBe(false);
    // No window open: none left, and that is exact.
    const none = await readPlaces(database.db, { now: kst("2099-01-01T00:00"), horizonDays: HORIZON, countSlots: 3 });
    expect(none).toMatchObject({ placesLeft: 0, atLeast: false });
  });
});
