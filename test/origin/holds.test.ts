import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyring, signPass } from "../../lib/tokens";
import { createApp } from "../../origin/app";
import { loadConfig } from "../../origin/config";
import { type Database, instant, rows } from "../../origin/db";
import { seed } from "../../origin/db/seed";
import { ORIGIN_TEST_ENV, TEST_SECRETS } from "../secrets";
import { testDatabase } from "./database";
import { verifiedPerson } from "./sessions";

const START = new Date("2026-11-23T10:00:00+09:00").getTime();
let now = START;
let database: Database;
let app: ReturnType<typeof createApp>;
let pass: string;
let slotIds: number[] = [];

beforeAll(async () => {
  database = await testDatabase();
  await seed(database.db, { now: new Date(START), clinics: 250, days: 3 });
  app = createApp({ config: loadConfig(ORIGIN_TEST_ENV), db: database.db, clock: () => now });
  pass = await signPass(await keyring(TEST_SECRETS.PASS_SECRET), { lane: "booking", seq: 1, exp: START + 86_400_000 });
  slotIds = (
    await rows<{ id: number }>(
      database.db,
      sql`select id from slots where starts_at = ${instant(new Date("2026-11-24T10:00:00+09:00"))} order by id limit 10`,
    )
  ).map((r) => Number(r.id));
}, 120_000);
afterAll(() => database?.close());

async function verifiedPersonCookie(birthDate = "1965-01-01", sessionMs = 1_800_000): Promise<string> {
  return (await verifiedPerson(database.db, { now, birthDate, sessionMs })).cookie;
}

async function hold(cookie: string | null, body: unknown) {
  const res = await app.request("/api/holds", {
    method: "POST",
    headers: { "x-wr-pass": pass, "content-type": "application/json", ...(cookie ? { cookie } : {}) },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function free(slotId: number): Promise<number> {
  const [r] = await rows<{ free: number }>(
    database.db,
    sql`select capacity - taken - (select count(*) from holds h where h.slot_id = s.id and h.expires_at > ${instant(new Date(now))})::int as free from slots s where id = ${slotId}`,
  );
  return r!.free;
}

describe("holds", () => {
  it("keeps a place for a few minutes and counts it against the slot", async () => {
    const me = await verifiedPersonCookie();
    const before = await free(slotIds[0]!);
    const { status, body } = await hold(me, { slotId: slotIds[0] });
    expect(status).toBe(201);
    expect(body).toMatchObject({
      slotId: slotIds[0],
      startsAt: "2026-11-24T01:00:00.000Z",
      expiresAt: new Date(now + 300_000).toISOString(),
    });
    expect(body.clinic.name).toBeTruthy();
    expect(await free(slotIds[0]!)).toBe(before - 1);
  });

  it("keeps one hold per person: a new one replaces the old", async () => {
    const me = await verifiedPersonCookie();
    const a = await free(slotIds[1]!);
    await hold(me, { slotId: slotIds[1] });
    expect(await free(slotIds[1]!)).toBe(a - 1);
    await hold(me, { slotId: slotIds[2] });
    expect(await free(slotIds[1]!)).toBe(a);
    await hold(me, { slotId: slotIds[2] }); // holding the same slot again does not count twice
    const [{ n }] = (await rows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from holds h join sessions s on s.person_id = h.person_id where h.slot_id = ${slotIds[2]!}`,
    )) as [{ n: number }];
    expect(n).toBe(1);
  });

  it("frees an expired hold by itself, with no job", async () => {
    const me = await verifiedPersonCookie();
    const before = await free(slotIds[3]!);
    await hold(me, { slotId: slotIds[3] });
    expect(await free(slotIds[3]!)).toBe(before - 1);
    now += 300_001;
    expect(await free(slotIds[3]!)).toBe(before);
    now = START;
  });

  it("gives exactly 5 of 300 concurrent holds on a slot of capacity 5; the rest hear slot_full", async () => {
    const slot = slotIds[4]!;
    await database.db.execute(sql`update slots set capacity = 5, taken = 0 where id = ${slot}`);
    const cookies = await Promise.all(Array.from({ length: 300 }, () => verifiedPersonCookie()));
    const results = await Promise.all(cookies.map((cookie) => hold(cookie, { slotId: slot })));
    const ok = results.filter((r) => r.status === 201);
    expect(ok).toHaveLength(5);
    const refused = results.filter((r) => r.status !== 201);
    expect(refused.every((r) => r.status === 409 && r.body.code === "slot_full")).toBe(true);
    expect(await free(slot)).toBe(0);
  }, 60_000);

  it("refuses a full slot, a past slot, an unknown slot and a malformed body, clearly", async () => {
    const me = await verifiedPersonCookie();
    await database.db.execute(sql`update slots set taken = capacity where id = ${slotIds[5]!}`);
    expect((await hold(me, { slotId: slotIds[5] })).body.code).toBe("slot_full");
    const [past] = await rows<{ id: number }>(database.db, sql`select id from slots where starts_at < ${instant(new Date(START))} limit 1`);
    expect((await hold(me, { slotId: Number(past!.id) })).body.code).toBe("slot_past");
    expect((await hold(me, { slotId: 99_999_999 })).status).toBe(404);
    for (const bad of [{}, { slotId: "3" }, { slotId: -1 }, { slotId: 1.5 }, "nope"]) {
      const r = await hold(me, bad);
      expect(r.status).toBe(400);
      expect(r.body.code).toBe("bad_slot");
    }
  });

  it("needs a verified session", async () => {
    expect((await hold(null, { slotId: slotIds[6] })).body.code).toBe("no_session");
    expect((await hold("sid=forged.value", { slotId: slotIds[6] })).body.code).toBe("no_session");
    const stale = await verifiedPersonCookie("1965-01-01", 1000);
    now += 2000;
    const r = await hold(stale, { slotId: slotIds[6] });
    now = START;
    expect(r.status).toBe(401);
    expect(r.body.code).toBe("session_expired");
  });

  it("is only for people whose booking window is open now", async () => {
    const child = await verifiedPersonCookie("2015-06-01");
    const r = await hold(child, { slotId: slotIds[7] });
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ code: "not_eligible", reason: "not_in_cohort" });
  });
});
