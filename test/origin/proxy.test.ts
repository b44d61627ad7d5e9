import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cohortWindows } from "../../drizzle/schema";
import { keyring, signPass } from "../../lib/tokens";
import { createApp } from "../../origin/app";
import { loadConfig } from "../../origin/config";
import { type Database, instant, rows } from "../../origin/db";
import { seed } from "../../origin/db/seed";
import { forgetCohortWindows } from "../../origin/identity/eligibility";
import { identityKeys } from "../../origin/identity/secrets";
import { ORIGIN_TEST_ENV, TEST_SECRETS } from "../secrets";
import { testDatabase } from "./database";
import { verifiedPerson } from "./sessions";

const NOW = new Date("2026-11-23T10:00:00+09:00").getTime();
const PARENT = "650101-1000076"; // born 1965-01-01
const PROXY_RRN = "9408121001751"; // born 1994-08-12
let database: Database;
let app: ReturnType<typeof createApp>;
let pass: string;
let slotId: number;

beforeAll(async () => {
  database = await testDatabase();
  await seed(database.db, { now: new Date(NOW), clinics: 250, days: 3 });
  const config = loadConfig(ORIGIN_TEST_ENV);
  app = createApp({ config, db: database.db, clock: () => NOW });
  pass = await signPass(await keyring(TEST_SECRETS.PASS_SECRET), { lane: "booking", seq: 1, exp: NOW + 86_400_000 });
  const [slot] = await rows<{ id: number }>(
    database.db,
    sql`select id from slots where starts_at = ${instant(new Date("2026-11-24T11:00:00+09:00"))} limit 1`,
  );
  slotId = Number(slot!.id);
}, 120_000);
afterAll(() => database?.close());

/** The person who books for others: one record (a resident number is one person), made once. */
let proxyOnce: Promise<{ cookie: string; personId: number }> | undefined;
function proxyPerson() {
  proxyOnce ??= identityKeys(loadConfig(ORIGIN_TEST_ENV)).then(async (keys) =>
    verifiedPerson(database.db, { now: NOW, birthDate: "1994-08-12", rrnHash: await keys.hashRrn(PROXY_RRN) }),
  );
  return proxyOnce;
}

async function call(method: string, path: string, cookie: string | null, body?: unknown) {
  const res = await app.request(path, {
    method,
    headers: { "x-wr-pass": pass, "content-type": "application/json", ...(cookie ? { cookie } : {}) },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe("proxy booking (대리예약)", () => {
  it("lets a verified person act for a parent, whose hold is theirs", async () => {
    const proxy = await proxyPerson();
    const { status, body } = await call("POST", "/api/proxy/subject", proxy.cookie, {
      name: "김순자",
      rrn: PARENT,
      relationship: "parent",
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      subject: { name: "김순자", birthDate: "1965-01-01", sex: "M", rrn: "650101-1******" },
      relationship: "parent",
      eligibility: { eligible: true },
    });
    const [session] = await rows<{ subject_id: number; relationship: string }>(
      database.db,
      sql`select subject_id, relationship from sessions where person_id = ${proxy.personId}`,
    );
    expect(session).toMatchObject({ relationship: "parent" });
    const hold = await call("POST", "/api/holds", proxy.cookie, { slotId });
    expect(hold.status).toBe(201);
    const [held] = await rows<{ person_id: number }>(database.db, sql`select person_id from holds where id = ${hold.body.holdId}`);
    expect(held!.person_id).toBe(session!.subject_id);

    // Back to booking for oneself.
    expect((await call("DELETE", "/api/proxy/subject", proxy.cookie)).body).toEqual({ subject: null });
    const own = await call("POST", "/api/holds", proxy.cookie, { slotId });
    const [mine] = await rows<{ person_id: number }>(database.db, sql`select person_id from holds where id = ${own.body.holdId}`);
    expect(mine!.person_id).toBe(proxy.personId);
  });

  it.each([
    [{ name: "김순자", rrn: PARENT, relationship: "friend" }, 400, "relationship_invalid"],
    [{ name: "김순자", rrn: PARENT }, 400, "relationship_invalid"],
    [{ name: "김순자", rrn: "650101-1000077", relationship: "parent" }, 400, "rrn_checksum"],
    [{ name: "", rrn: PARENT, relationship: "parent" }, 400, "name_invalid"],
    [{ name: "나", rrn: "940812-1001751", relationship: "other" }, 400, "proxy_self"],
    [{ name: "어린이", rrn: "150601-3000000", relationship: "child" }, 403, "not_eligible"],
    ["oops", 400, "bad_json"],
  ])("refuses %j with %i %s", async (payload, status, code) => {
    const proxy = await proxyPerson();
    const r = await call("POST", "/api/proxy/subject", proxy.cookie, payload);
    expect(r.status).toBe(status);
    expect(r.body.code).toBe(code);
    const [session] = await rows<{ subject_id: number | null }>(
      database.db,
      sql`select subject_id from sessions where person_id = ${proxy.personId}`,
    );
    expect(session!.subject_id).toBeNull();
  });

  it("needs a verified session", async () => {
    expect((await call("POST", "/api/proxy/subject", null, { name: "김순자", rrn: PARENT, relationship: "parent" })).body.code).toBe(
      "no_session",
    );
  });

  it("is refused where the booking window forbids proxies, as for ages 18–49 in 2021", async () => {
    await database.db.execute(sql`delete from cohort_windows where name like 'Demo%'`);
    await database.db.insert(cohortWindows).values({
      name: "Ages 50–69, book for yourself",
      nameKo: "50~69세 (본인 예약)",
      birthFrom: "1957-01-01",
      birthTo: "1976-12-31",
      opensAt: new Date(NOW - 3_600_000),
      closesAt: new Date(NOW + 3_600_000),
      allowProxy: false,
    });
    forgetCohortWindows(database.db);
    const proxy = await verifiedPerson(database.db, { now: NOW });
    const r = await call("POST", "/api/proxy/subject", proxy.cookie, { name: "김순자", rrn: PARENT, relationship: "parent" });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe("proxy_not_allowed");
  });
});
