import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { cohortWindows } from "../../drizzle/schema";
import { keyring, signPass } from "../../lib/tokens";
import { createApp } from "../../origin/app";
import { loadConfig } from "../../origin/config";
import { type Database, rows } from "../../origin/db";
import { seed } from "../../origin/db/seed";
import { type CohortWindow, evaluateEligibility, forgetCohortWindows } from "../../origin/identity/eligibility";
import { ORIGIN_TEST_ENV, PRODUCTION_ENV, TEST_SECRETS } from "../secrets";
import { clientHeaders } from "./clients";
import { testDatabase } from "./database";

const START = new Date("2026-11-23T10:00:00+09:00").getTime();
let now = START;
let database: Database;
let app: ReturnType<typeof createApp>;
let pass: string;
const logged: string[] = [];
const RRNS = ["650101-1000076", "940812-1001751", "050715-4000020", "971013-9019902"];

beforeAll(async () => {
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(" ")));
  }
  database = await testDatabase();
  await seed(database.db, { now: new Date(START), clinics: 250, days: 3 });
  app = createApp({ config: loadConfig(ORIGIN_TEST_ENV), db: database.db, clock: () => now });
  pass = await signPass(await keyring(TEST_SECRETS.PASS_SECRET), { lane: "booking", seq: 1, exp: START + 86_400_000 });
}, 120_000);
afterAll(async () => {
  vi.restoreAllMocks();
  await database?.close();
});

let client = 0;
async function call(path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await app.request(path, {
    method: body === undefined ? "GET" : "POST",
    headers: { "x-wr-pass": pass, "content-type": "application/json", ...(await clientHeaders(now, `10.0.0.${client}`)), ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { res, status: res.status, body: (await res.json()) as any };
}

async function start(rrn: string, phone: string, name = "홍길동") {
  return call("/api/identity/start", { name, rrn, phone });
}
const otp = async (phone: string) => (await call(`/api/dev/otp?phone=${phone}`)).body.code as string;

describe("starting an identity check", () => {
  it("sends a 6-digit code and answers with the challenge", async () => {
    client = 1;
    const { status, body } = await start(RRNS[0]!, "010-1111-0001");
    expect(status).toBe(201);
    expect(body.challengeId).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(body.expiresAt).getTime()).toBe(now + 180_000);
    expect(await otp("01011110001")).toMatch(/^\d{6}$/);
  });

  it.each([
    [{ name: "홍길동", rrn: "650101-100007", phone: "010-1111-0002" }, "rrn_format"],
    [{ name: "홍길동", rrn: "650230-1000076", phone: "010-1111-0002" }, "rrn_date"],
    [{ name: "홍길동", rrn: "300101-3000076", phone: "010-1111-0002" }, "rrn_century"],
    [{ name: "홍길동", rrn: "850803-1056740", phone: "010-1111-0002" }, "rrn_checksum"],
    [{ name: "", rrn: RRNS[0], phone: "010-1111-0002" }, "name_invalid"],
    [{ name: "홍길동1", rrn: RRNS[0], phone: "010-1111-0002" }, "name_invalid"],
    [{ name: "x".repeat(51), rrn: RRNS[0], phone: "010-1111-0002" }, "name_invalid"],
    [{ name: "홍길동", rrn: RRNS[0], phone: "02-123-4567" }, "phone_invalid"],
    [{ name: "홍길동", rrn: RRNS[0], phone: "010-123-4567" }, "phone_invalid"],
    [{ name: "홍길동", phone: "010-1111-0002" }, "rrn_format"],
    ["not json", "bad_json"],
    ["[1]", "bad_json"],
  ])("rejects %j with %s, names the field, and stores nothing", async (payload, code) => {
    client = 2;
    const before = await rows<{ n: number }>(database.db, sql`select count(*)::int as n from identity_challenges`);
    const { status, body } = await call("/api/identity/start", payload);
    expect(status).toBe(400);
    expect(body.code).toBe(code);
    expect(body.message).toBeTruthy();
    const after = await rows<{ n: number }>(database.db, sql`select count(*)::int as n from identity_challenges`);
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it("accepts Latin names and the older mobile prefixes", async () => {
    client = 3;
    expect((await start(RRNS[1]!, "011-123-4567", "Kim Min-su")).status).toBe(201);
  });

  it("limits starts per phone, with Retry-After and a time to come back", async () => {
    client = 4;
    const phone = "010-2222-0001";
    for (let i = 0; i < 5; i++) expect((await start(RRNS[0]!, phone)).status).toBe(201);
    const limited = await start(RRNS[0]!, phone);
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe("too_many_requests");
    expect(Number(limited.body.retryAfterSeconds)).toBeGreaterThan(800);
    expect(limited.res.headers.get("retry-after")).toBe(String(limited.body.retryAfterSeconds));
    expect(limited.body.message).toMatch(/Try again after \d\d:\d\d/);
    now += 15 * 60_000 + 1000;
    expect((await start(RRNS[0]!, phone)).status).toBe(201);
  });

  it("limits starts per client across phones", async () => {
    client = 5;
    for (let i = 0; i < 20; i++) expect((await start(RRNS[0]!, `010-3333-${String(i).padStart(4, "0")}`)).status).toBe(201);
    expect((await start(RRNS[0]!, "010-3333-9999")).status).toBe(429);
    client = 6;
    expect((await start(RRNS[0]!, "010-3333-9999")).status).toBe(201);
  });
});

describe("verifying the code", () => {
  it("logs the person in with a signed HttpOnly session cookie and says whether they may book", async () => {
    client = 7;
    const { body: started } = await start(RRNS[0]!, "010-4444-0001");
    const { res, status, body } = await call("/api/identity/verify", { challengeId: started.challengeId, code: await otp("01044440001") });
    expect(status).toBe(200);
    expect(body.person).toEqual({ name: "홍길동", birthDate: "1965-01-01", sex: "M", rrn: "650101-1******" });
    expect(body.eligibility).toMatchObject({ eligible: true, window: { nameKo: "데모: 모든 성인" } });
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^sid=[^;]+\.[^;]+;/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    const again = await call("/api/identity/verify", { challengeId: started.challengeId, code: await otp("01044440001") });
    expect(again.body.code).toBe("challenge_used");
  });

  it("counts wrong codes and ends the challenge after five", async () => {
    client = 8;
    const { body: started } = await start(RRNS[1]!, "010-4444-0002");
    const right = await otp("01044440002");
    const wrong = right === "000000" ? "111111" : "000000";
    for (let left = 4; left >= 1; left--) {
      const r = await call("/api/identity/verify", { challengeId: started.challengeId, code: wrong });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ code: "wrong_code", attemptsLeft: left });
    }
    expect((await call("/api/identity/verify", { challengeId: started.challengeId, code: wrong })).body.code).toBe("too_many_attempts");
    const late = await call("/api/identity/verify", { challengeId: started.challengeId, code: right });
    expect(late.status).toBe(429);
    expect(late.body.code).toBe("too_many_attempts");
  });

  it("refuses an expired code, an unknown challenge and malformed input", async () => {
    client = 9;
    const { body: started } = await start(RRNS[2]!, "010-4444-0003");
    const code = await otp("01044440003");
    now += 181_000;
    expect((await call("/api/identity/verify", { challengeId: started.challengeId, code })).body.code).toBe("code_expired");
    expect((await call("/api/identity/verify", { challengeId: "00000000-0000-0000-0000-000000000000", code })).status).toBe(404);
    expect((await call("/api/identity/verify", { challengeId: started.challengeId, code: "12ab" })).body.code).toBe("code_format");
    expect((await call("/api/identity/verify", { challengeId: "x", code })).body.code).toBe("bad_challenge");
  });

  it("tells a person outside every window so, by the server's clock", async () => {
    client = 10;
    await database.db.execute(sql`delete from cohort_windows where name like 'Demo%'`);
    forgetCohortWindows(database.db);
    const { body: started } = await start(RRNS[2]!, "010-4444-0004"); // born 2005: no 2021 cohort, no demo window now
    const { body } = await call("/api/identity/verify", { challengeId: started.challengeId, code: await otp("01044440004") });
    expect(body.eligibility).toEqual({ eligible: false, reason: "not_in_cohort", window: null });
  });
});

describe("eligibility rules", () => {
  const kst = (s: string) => new Date(`${s}+09:00`);
  const base = { id: 1, name: "w", nameKo: "w", vaccineCode: null, allowProxy: true };
  const w55: CohortWindow = {
    ...base,
    birthFrom: "1962-01-01",
    birthTo: "1966-12-31",
    birthDayDigit: null,
    opensAt: kst("2021-07-14T20:00"),
    closesAt: kst("2021-07-24T18:00"),
  };
  const d9: CohortWindow = {
    ...base,
    id: 2,
    birthFrom: "1972-01-01",
    birthTo: "2003-12-31",
    birthDayDigit: 9,
    opensAt: kst("2021-08-09T20:00"),
    closesAt: kst("2021-08-10T18:00"),
  };

  it("is closed before, open inside and over after the window", () => {
    expect(evaluateEligibility([w55], "1965-01-01", kst("2021-07-14T19:59"))).toMatchObject({
      eligible: false,
      reason: "not_open_yet",
      opensAt: w55.opensAt.toISOString(),
    });
    expect(evaluateEligibility([w55], "1965-01-01", kst("2021-07-14T20:00"))).toMatchObject({ eligible: true });
    expect(evaluateEligibility([w55], "1965-01-01", kst("2021-07-24T18:00"))).toMatchObject({ eligible: false, reason: "window_closed" });
    expect(evaluateEligibility([w55], "1967-01-01", kst("2021-07-15T12:00"))).toMatchObject({ eligible: false, reason: "not_in_cohort" });
  });

  it("applies the 10부제 last-digit rule to the day of birth", () => {
    const at = kst("2021-08-09T21:00");
    expect(evaluateEligibility([d9], "1985-03-19", at)).toMatchObject({ eligible: true });
    expect(evaluateEligibility([d9], "1985-03-09", at)).toMatchObject({ eligible: true });
    expect(evaluateEligibility([d9], "1985-03-18", at)).toMatchObject({ eligible: false, reason: "not_in_cohort" });
  });

  it("reads the 2021 windows from the seeded data", async () => {
    const windows = await rows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from cohort_windows where birth_day_digit is not null and allow_proxy = false`,
    );
    expect(windows[0]!.n).toBe(10);
    void cohortWindows;
  });
});

describe("development code endpoint", () => {
  it("does not exist outside development mode", async () => {
    const testMode = createApp({ config: loadConfig({ ...ORIGIN_TEST_ENV, APP_ENV: "test" }), db: database.db, clock: () => now });
    expect((await testMode.request("/api/dev/otp?phone=01011110001", { headers: { "x-wr-pass": pass } })).status).toBe(404);
    const prod = createApp({
      config: loadConfig(PRODUCTION_ENV),
      db: database.db,
      clock: () => now,
      identityProvider: { check: async () => "match", sendCode: async () => {}, confirm: async () => "match" },
    });
    const res = await prod.request("/api/dev/otp?phone=01011110001", { headers: { "x-wr-pass": pass } });
    expect(res.status).toBe(404);
    expect(() => createApp({ config: loadConfig(PRODUCTION_ENV), db: database.db })).toThrow(/IdentityProvider/);
  });
});

describe("privacy", () => {
  it("keeps no resident number in clear anywhere in the database or the logs", async () => {
    const tables = await rows<{ table_name: string }>(
      database.db,
      sql`select table_name from information_schema.tables where table_schema = 'public'`,
    );
    let dump = "";
    for (const { table_name } of tables) {
      dump += JSON.stringify(await rows(database.db, sql.raw(`select * from "${table_name}"`)));
    }
    expect(dump).toContain("650101-1******"); // the masked form is there, so the dump is real
    for (const rrn of RRNS) {
      const digits = rrn.replace("-", "");
      expect(dump).not.toContain(digits);
      expect(dump).not.toContain(rrn);
      expect(dump).not.toContain(digits.slice(6)); // not even the back half
      for (const line of logged) expect(line).not.toContain(digits.slice(6));
    }
  });
});
