/**
 * The origin when its database goes away. Without a database at all (nothing listens where DATABASE_URL
 * points) every answer that needs it is `503 database_unavailable` with Retry-After, the pages a "try
 * again in a moment" page. On a real PostgreSQL the real origin process runs under concurrent bookings
 * and searches while every one of its connections is terminated (pg_terminate_backend, as a failover or
 * a pooler restart does): it stays up, answers 2xx or 503 and nothing else, serves again within seconds,
 * and the database holds no partial booking.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyring, signPass } from "../../lib/tokens";
import { createApp } from "../../origin/app";
import { formatReservationNumber, newReservationNumber } from "../../origin/booking/numbers";
import { loadConfig } from "../../origin/config";
import { type Database, openDatabase, rows } from "../../origin/db";
import { DATABASE_RETRY_AFTER_SECONDS } from "../../origin/db/errors";
import { scratchDatabase } from "../../origin/db/scratch";
import { seed } from "../../origin/db/seed";
import { ORIGIN_TEST_ENV } from "../secrets";
import { TEST_DATABASE_URL } from "./database";
import { type Answer, edgeClient, type OriginProcess, startOrigin } from "./origin-process";
import { verifiedPerson } from "./sessions";

describe("the origin without its database", () => {
  let database: Database;
  let app: ReturnType<typeof createApp>;
  let pass: string;
  beforeAll(async () => {
    // postgres.js connects on the first query; nothing listens on port 1, so every query is refused
    database = await openDatabase({ url: "postgres://postgres@127.0.0.1:1/nowhere", migrate: false });
    app = createApp({ config: loadConfig(ORIGIN_TEST_ENV), db: database.db });
    pass = await signPass(await keyring(ORIGIN_TEST_ENV.PASS_SECRET), { lane: "booking", seq: 1, exp: Date.now() + 3_600_000 });
  });
  afterAll(() => database?.close());

  const number = formatReservationNumber(newReservationNumber());

  it("answers the API with 503 database_unavailable and Retry-After, never 500", async () => {
    for (const [method, path, body] of [
      ["GET", "/api/regions", undefined],
      ["GET", "/api/clinics/1/slots?date=2026-12-03", undefined],
      ["POST", "/api/reservations/lookup", { name: "홍길동", rrn: "650101-1000076", reservationNumber: number }],
    ] as const) {
      const res = await app.request(path, {
        method,
        headers: { "x-wr-pass": pass, "content-type": "application/json" },
        body: body && JSON.stringify(body),
      });
      expect(res.status, path).toBe(503);
      expect(res.headers.get("retry-after")).toBe(String(DATABASE_RETRY_AFTER_SECONDS));
      expect(await res.json()).toMatchObject({ code: "database_unavailable", message: expect.stringContaining("try again") });
    }
  });

  it("answers a page, and a form the page sends on to the API, with the try-again page (503)", async () => {
    const page = { "x-wr-pass": pass, accept: "text/html" };
    const home = await app.request("/", { headers: page });
    expect(home.status).toBe(503);
    expect(home.headers.get("retry-after")).toBe(String(DATABASE_RETRY_AFTER_SECONDS));
    expect(await home.text()).toContain("잠시 후 다시 시도해 주세요");

    const form = new URLSearchParams({ name: "홍길동", rrn1: "650101", rrn2: "1000076", reservationNumber: number });
    const lookup = await app.request("/lookup", {
      method: "POST",
      headers: { ...page, "content-type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    });
    expect(lookup.status).toBe(503);
    expect(lookup.headers.get("retry-after")).toBe(String(DATABASE_RETRY_AFTER_SECONDS));
    const html = await lookup.text();
    expect(html).toContain("잠시 후 다시 시도해 주세요");
    expect(html).not.toContain("650101"); // the typed resident number is not echoed on an outage page
  });
});

const pgUrl = TEST_DATABASE_URL;
if (!pgUrl) {
  console.warn(
    "TEST_DATABASE_URL is not set: the tests that terminate the origin's PostgreSQL connections mid-load are skipped (they need a real server; CI sets it).",
  );
}

describe.skipIf(!pgUrl)("the origin process while PostgreSQL terminates its connections (real PostgreSQL)", () => {
  const APP_NAME = `outage_${process.pid}`;
  let database: Database & { url: string };
  let admin: postgres.Sql;
  let origin: OriginProcess;

  beforeAll(async () => {
    database = await scratchDatabase(pgUrl!);
    await seed(database.db, { now: new Date(), clinics: 60, days: 7 });
    // application_name marks the origin's own connections, the ones the test terminates
    origin = await startOrigin({ databaseUrl: `${database.url}?application_name=${APP_NAME}` });
    admin = postgres(pgUrl!, { max: 1, onnotice: () => {} });
  }, 120_000);
  afterAll(async () => {
    await origin?.stop();
    await admin?.end();
    await database?.close();
  });

  /** Terminates every connection the origin holds; how many there were. */
  async function terminateOrigin(): Promise<number> {
    const r = await admin`select pg_terminate_backend(pid) from pg_stat_activity where application_name = ${APP_NAME}`;
    return r.length;
  }

  it("answers 2xx or 503 database_unavailable, never 500, stays up, serves again within seconds and commits nothing partial", async () => {
    const call = await edgeClient();
    const db = database.db;
    const now = Date.now();
    // First-dose places, each for one person, at distinct clinics and times from two hours on.
    const slots = await rows<{ id: number; clinic_id: number; date: string }>(
      db,
      sql`select distinct on (s.clinic_id) s.id, s.clinic_id, to_char(s.starts_at at time zone 'Asia/Seoul', 'YYYY-MM-DD') as date
          from slots s where s.starts_at > now() + interval '2 hours' order by s.clinic_id, s.starts_at`,
    );
    const people: { cookie: string; personId: number }[] = [];
    for (let i = 0; i < slots.length; i += 25) {
      people.push(
        ...(await Promise.all(
          slots.slice(i, i + 25).map(() => verifiedPerson(db, { now, birthDate: "1975-05-05", sessionMs: 3_600_000 })),
        )),
      );
    }
    expect(people.length).toBeGreaterThan(150);

    type Seen = Answer & { path: string; at: number; doneAt: number };
    const seen: Seen[] = [];
    const cutOffConfirms: { cookie: string; key: string; holdId: string }[] = [];
    const record = async (method: string, path: string, o: Parameters<typeof call>[3] = {}) => {
      const at = Date.now();
      const a = await call(origin.url, method, path, o);
      seen.push({ ...a, path: `${method} ${path.replace(/\?.*/, "")}`, at, doneAt: Date.now() });
      return a;
    };

    let next = 0;
    const started = Date.now();
    const stopAt = started + 7000;
    async function citizen() {
      while (Date.now() < stopAt) {
        const i = next++;
        const slot = slots[i % slots.length]!;
        await record("GET", `/api/clinics/${slot.clinic_id}/slots?date=${slot.date}`);
        if (i >= people.length) continue; // everyone has had their turn: searches only
        const person = people[i]!;
        const hold = await record("POST", "/api/holds", { cookie: person.cookie, body: { slotId: Number(slot.id) } });
        if (hold.status !== 201) continue;
        const key = randomUUID();
        const confirm = await record("POST", "/api/reservations", {
          cookie: person.cookie,
          headers: { "idempotency-key": key },
          body: { holdId: hold.body.holdId, notifyChannel: "sms" },
        });
        if (confirm.status === 503) cutOffConfirms.push({ cookie: person.cookie, key, holdId: hold.body.holdId });
      }
    }
    const load = Promise.all(Array.from({ length: 40 }, citizen));

    // Twice mid-load, every connection of the origin is terminated.
    const kills: { at: number; terminated: number }[] = [];
    for (const after of [1500, 3500]) {
      await new Promise((r) => setTimeout(r, started + after - Date.now()));
      kills.push({ at: Date.now(), terminated: await terminateOrigin() });
    }
    await load;

    // The process is still there, and said nothing about an error nobody caught.
    expect(origin.alive(), origin.output()).toBe(true);
    expect(origin.output()).not.toMatch(/uncaught|unhandled|TypeError/i);
    for (const k of kills) expect(k.terminated).toBeGreaterThan(0);

    // Every answer was a success or the clear, retryable 503: no 500, no other failure.
    const bad = seen.filter(
      (a) =>
        !(a.status >= 200 && a.status < 300) &&
        !(
          a.status === 503 &&
          a.body?.code === "database_unavailable" &&
          a.headers.get("retry-after") === String(DATABASE_RETRY_AFTER_SECONDS)
        ),
    );
    expect(bad.map((a) => `${a.path} ${a.status} ${JSON.stringify(a.body).slice(0, 200)}`)).toEqual([]);
    const unavailable = seen.filter((a) => a.status === 503).length;
    expect(unavailable, "the terminations reached requests in flight").toBeGreaterThan(0);

    // It served again within seconds: a request that started after the last termination succeeded soon.
    const lastKill = kills.at(-1)!.at;
    const recovered = seen.filter((a) => a.at >= lastKill && a.status < 300).sort((a, b) => a.doneAt - b.doneAt)[0];
    expect(recovered, "a success after the last termination").toBeDefined();
    expect(recovered!.doneAt - lastKill).toBeLessThan(5000);
    const booked = seen.filter((a) => a.path === "POST /api/reservations" && a.status === 201).length;
    console.log(
      `outage under load: ${seen.length} answers (${booked} bookings, ${unavailable} × 503 database_unavailable), ` +
        `terminated ${kills.map((k) => k.terminated).join(" + ")} connections, first success ${recovered!.doneAt - lastKill} ms after the last`,
    );

    // A booking cut off by the outage, retried with its Idempotency-Key, ends in one reservation.
    for (const c of cutOffConfirms) {
      const again = await call(origin.url, "POST", "/api/reservations", {
        cookie: c.cookie,
        headers: { "idempotency-key": c.key },
        body: { holdId: c.holdId, notifyChannel: "sms" },
      });
      expect(again.status, JSON.stringify(again.body)).toBe(201);
    }

    // Nothing partial: every reservation has all its doses and its message, and each slot's taken
    // count is exactly its active doses.
    const incomplete = await rows<{ id: number }>(
      db,
      sql`select r.id from reservations r join vaccines v on v.code = r.vaccine_code
          where (select count(*) from reservation_doses d where d.reservation_id = r.id) <> v.doses
             or not exists (select 1 from outbox o where o.reservation_id = r.id and o.kind = 'booked')`,
    );
    expect(incomplete).toEqual([]);
    const miscounted = await rows<{ id: number; taken: number; active: number }>(
      db,
      sql`select s.id, s.taken, (select count(*) from reservation_doses d where d.slot_id = s.id and d.status = 'active')::int as active
          from slots s where s.taken <> (select count(*) from reservation_doses d where d.slot_id = s.id and d.status = 'active')`,
    );
    expect(miscounted).toEqual([]);
    const [twice] = await rows<{ n: number }>(
      db,
      sql`select count(*)::int as n from (select subject_id from reservations group by subject_id having count(*) > 1) x`,
    );
    expect(twice!.n).toBe(0);
  }, 120_000);
});
