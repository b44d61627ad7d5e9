import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { people } from "../../drizzle/schema";
import { keyring, signPass } from "../../lib/tokens";
import { createApp } from "../../origin/app";
import { loadConfig } from "../../origin/config";
import { type Database, instant, rows } from "../../origin/db";
import { seed } from "../../origin/db/seed";
import { ORIGIN_TEST_ENV, TEST_SECRETS } from "../secrets";
import { testDatabase } from "./database";

// Monday 23 November 2026, 09:30 in Seoul.
const NOW = new Date("2026-11-23T09:30:00+09:00");
const TODAY = "2026-11-23";
const JONGNO = "11010";
const SEOUL = "11";

let database: Database;
let statements: string[] = [];
let app: ReturnType<typeof createApp>;
let pass: string;

beforeAll(async () => {
  database = await testDatabase({ onQuery: (q) => statements.push(q) });
  await seed(database.db, { now: NOW, clinics: 400, days: 28 });
  const config = loadConfig(ORIGIN_TEST_ENV);
  app = createApp({ config, db: database.db, clock: () => NOW.getTime() });
  pass = await signPass(await keyring(TEST_SECRETS.PASS_SECRET), { lane: "booking", seq: 1, exp: NOW.getTime() + 600_000 });
}, 120_000);
afterAll(() => database?.close());

async function get(path: string) {
  const res = await app.request(path, { headers: { "x-wr-pass": pass } });
  return { status: res.status, body: (await res.json()) as any };
}

describe("regions", () => {
  it("lists the 17 시/도 with their real 시/군/구, in Korean and English", async () => {
    const { status, body } = await get("/api/regions");
    expect(status).toBe(200);
    expect(body.regions).toHaveLength(17);
    const seoul = body.regions.find((r: any) => r.code === SEOUL);
    expect(seoul).toMatchObject({ name: "서울특별시", nameEn: "Seoul" });
    expect(seoul.districts).toHaveLength(25);
    expect(seoul.districts[0]).toEqual({ code: JONGNO, name: "종로구", nameEn: "Jongno-gu" });
    const total = body.regions.reduce((s: number, r: any) => s + r.districts.length, 0);
    expect(total).toBeGreaterThan(220);
  });
});

describe("clinic search", () => {
  it("finds clinics with free places in a 시/군/구 that day, from the next free time on", async () => {
    const { status, body } = await get(`/api/clinics?date=${TODAY}&region=${JONGNO}`);
    expect(status).toBe(200);
    expect(body.clinics.length).toBeGreaterThan(0);
    for (const c of body.clinics) {
      expect(c).toEqual({
        id: expect.any(Number),
        name: expect.any(String),
        address: expect.stringContaining("종로구"),
        vaccine: expect.any(String),
        freeSlots: expect.any(Number),
        firstFreeTime: "10:00",
      });
      expect(c.freeSlots).toBeGreaterThan(0);
    }
    const [row] = await rows<{ n: number }>(database.db, sql`select count(*)::int as n from clinics where region_code = ${JONGNO}`);
    expect(body.clinics).toHaveLength(row!.n);
  });

  it("runs one SQL statement per search", async () => {
    await get(`/api/clinics?date=${TODAY}&region=${JONGNO}`); // reference data now cached
    statements = [];
    await get(`/api/clinics?date=2026-11-24&region=${SEOUL}`);
    expect(statements).toHaveLength(1);
  });

  it("searches a whole 시/도 and filters by vaccine", async () => {
    const all = (await get(`/api/clinics?date=2026-11-24&region=${SEOUL}`)).body.clinics;
    expect(new Set(all.map((c: any) => c.address.split(" ")[1])).size).toBeGreaterThan(5);
    const pfizer = (await get(`/api/clinics?date=2026-11-24&region=${SEOUL}&vaccine=pfizer`)).body.clinics;
    expect(pfizer.length).toBeGreaterThan(0);
    expect(pfizer.length).toBeLessThan(all.length);
    expect(pfizer.every((c: any) => c.vaccine === "pfizer")).toBe(true);
  });

  it("counts active holds against free places, and forgets expired ones by themselves", async () => {
    const date = "2026-11-25";
    const before = (await get(`/api/clinics?date=${date}&region=${JONGNO}`)).body.clinics[0];
    const [slot] = await rows<{ id: number }>(
      database.db,
      sql`select id from slots where clinic_id = ${before.id} and starts_at = ${instant(new Date(`${date}T10:00:00+09:00`))}`,
    );
    const [person] = await database.db
      .insert(people)
      .values({ rrnHash: "hold-test", rrnCipher: "x", name: "홍길동", birthDate: "1965-01-01", sex: "M", phone: "01000000000" })
      .returning();
    await database.db.execute(sql`insert into holds (slot_id, person_id, expires_at) values
      (${slot!.id}, ${person!.id}, ${instant(new Date(NOW.getTime() + 300_000))}),
      (${slot!.id}, ${person!.id}, ${instant(new Date(NOW.getTime() - 1))})`);
    const after = (await get(`/api/clinics?date=${date}&region=${JONGNO}`)).body.clinics.find((c: any) => c.id === before.id);
    expect(after.freeSlots).toBe(before.freeSlots - 1);
    const times = (await get(`/api/clinics/${before.id}/slots?date=${date}`)).body.slots;
    const ten = times.find((t: any) => t.time === "10:00");
    const eleven = times.find((t: any) => t.time === "11:00");
    expect(ten.free).toBe(eleven.free - 1);
  });

  it("leaves out a clinic whose day is full, and weekends with no slots", async () => {
    const date = "2026-11-26";
    const first = (await get(`/api/clinics?date=${date}&region=${JONGNO}`)).body.clinics[0];
    await database.db.execute(sql`update slots set taken = capacity where clinic_id = ${first.id}
      and starts_at >= ${instant(new Date(`${date}T00:00:00+09:00`))} and starts_at < ${instant(new Date(`${date}T24:00:00+09:00`))}`);
    const after = (await get(`/api/clinics?date=${date}&region=${JONGNO}`)).body.clinics;
    expect(after.find((c: any) => c.id === first.id)).toBeUndefined();
    expect((await get(`/api/clinics?date=2026-11-28&region=${JONGNO}`)).body.clinics).toEqual([]);
  });

  it.each([
    ["", "bad_date"],
    ["date=26-11-24&region=11010", "bad_date"],
    ["date=2026-02-30&region=11010", "bad_date"],
    ["date=2026-13-01&region=11010", "bad_date"],
    ["date=2026-11-22&region=11010", "date_past"],
    ["date=2026-12-21&region=11010", "date_beyond_horizon"],
    ["date=2026-11-24", "region_required"],
    ["date=2026-11-24&region=99999", "unknown_region"],
    ["date=2026-11-24&region=11010&vaccine=sputnik", "unknown_vaccine"],
  ])("answers %j with 400 %s and a message", async (query, code) => {
    const { status, body } = await get(`/api/clinics?${query}`);
    expect(status).toBe(400);
    expect(body.code).toBe(code);
    expect(body.message.length).toBeGreaterThan(10);
  });

  it("accepts the last day of the horizon", async () => {
    expect((await get(`/api/clinics?date=2026-12-20&region=${JONGNO}`)).status).toBe(200);
  });
});

describe("a clinic's times", () => {
  it("lists the day's remaining times with what is left of each", async () => {
    const clinic = (await get(`/api/clinics?date=${TODAY}&region=${JONGNO}`)).body.clinics[0];
    const { status, body } = await get(`/api/clinics/${clinic.id}/slots?date=${TODAY}`);
    expect(status).toBe(200);
    expect(body.clinic).toMatchObject({ id: clinic.id, name: clinic.name });
    expect(body.slots.map((s: any) => s.time)).toEqual([
      "10:00",
      "10:30",
      "11:00",
      "11:30",
      "12:00",
      "12:30",
      "13:00",
      "13:30",
      "14:00",
      "14:30",
      "15:00",
      "15:30",
      "16:00",
      "16:30",
      "17:00",
      "17:30",
    ]);
    expect(body.slots[0]).toEqual({
      id: expect.any(Number),
      time: "10:00",
      startsAt: "2026-11-23T01:00:00.000Z",
      free: expect.any(Number),
    });
  });

  it("answers 404 for an unknown clinic and 400 for a malformed id", async () => {
    expect((await get(`/api/clinics/999999/slots?date=${TODAY}`)).body.code).toBe("clinic_not_found");
    expect((await get(`/api/clinics/abc/slots?date=${TODAY}`)).status).toBe(400);
  });

  it("is behind the pass check", async () => {
    const res = await app.request(`/api/clinics?date=${TODAY}&region=${JONGNO}`);
    expect(res.status).toBe(403);
  });
});
