/**
 * The origin is stateless over its one PostgreSQL database: two origin processes on one database book
 * a slot's capacity exactly and count every limit once, whichever process each request reaches; under
 * node:cluster (ORIGIN_PROCESSES) a worker that dies is replaced at once, and what the development
 * sink and identity provider recorded is answered by any worker.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, rows } from "../../origin/db";
import { scratchDatabase } from "../../origin/db/scratch";
import { seed } from "../../origin/db/seed";
import { LOOKUP_MISSES } from "../../origin/limits";
import { STARTS_PER_CLIENT, STARTS_PER_PHONE } from "../../origin/routes/identity";
import { makeRrn } from "./booking";
import { TEST_DATABASE_URL } from "./database";
import { type Answer, edgeClient, type OriginProcess, startOrigin } from "./origin-process";
import { verifiedPerson } from "./sessions";

const pgUrl = TEST_DATABASE_URL;
if (!pgUrl) {
  console.warn(
    "TEST_DATABASE_URL is not set: the tests of several origin processes on one database are skipped (PGlite is one process by design; CI sets it).",
  );
}

/** Identity starts allowed per phone and per client in 15 minutes (origin/routes/identity.ts). */

/** A Korean mobile number nobody else in the run has. */
let phones = 0;
const newPhone = () => `010-7${String(process.pid % 1000).padStart(3, "0")}-${String(++phones).padStart(4, "0")}`;

describe.skipIf(!pgUrl)("several origin processes on one PostgreSQL database", () => {
  let database: Database & { url: string };
  let a: OriginProcess;
  let b: OriginProcess;
  /** the two processes in turn: request i goes to a, i+1 to b */
  const either = (i: number) => (i % 2 === 0 ? a : b).url;

  beforeAll(async () => {
    database = await scratchDatabase(pgUrl!);
    await seed(database.db, { now: new Date(), clinics: 60, days: 7 });
    [a, b] = await Promise.all([startOrigin({ databaseUrl: database.url }), startOrigin({ databaseUrl: database.url })]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await database?.close();
  });

  it("books exactly a slot's capacity when people race for it through both processes", async () => {
    const db = database.db;
    const [slot] = await rows<{ id: number }>(
      db,
      sql`select id from slots where starts_at > now() + interval '2 hours' order by starts_at, id limit 1`,
    );
    const capacity = 3;
    await db.execute(sql`update slots set capacity = ${capacity} where id = ${slot!.id}`);
    const racers = await Promise.all(Array.from({ length: 24 }, () => verifiedPerson(db, { now: Date.now(), birthDate: "1980-02-02" })));
    const call = await edgeClient();

    const outcomes = await Promise.all(
      racers.map(async (p, i) => {
        const hold = await call(either(i), "POST", "/api/holds", { cookie: p.cookie, body: { slotId: Number(slot!.id) } });
        if (hold.status !== 201) return hold;
        // the confirmation goes to the other process
        return call(either(i + 1), "POST", "/api/reservations", {
          cookie: p.cookie,
          headers: { "idempotency-key": randomUUID() },
          body: { holdId: hold.body.holdId, notifyChannel: "kakao" },
        });
      }),
    );
    expect(outcomes.filter((o) => o.status === 201)).toHaveLength(capacity);
    expect(outcomes.filter((o) => o.status !== 201).map((o) => `${o.status} ${o.body.code}`)).toEqual(
      Array(racers.length - capacity).fill("409 slot_full"),
    );
    const [after] = await rows<{ taken: number; active: number }>(
      db,
      sql`select taken, (select count(*) from reservation_doses d where d.slot_id = s.id and d.status = 'active')::int as active from slots s where id = ${slot!.id}`,
    );
    expect(after).toEqual({ taken: capacity, active: capacity });
  });

  it("counts identity starts per phone and per client once across both processes", async () => {
    const start = (call: Awaited<ReturnType<typeof edgeClient>>, i: number, who: { name: string; rrn: string; phone: string }) =>
      call(either(i), "POST", "/api/identity/start", { body: who });
    const statuses = (answers: Answer[]) => answers.map((r) => r.status);

    // One phone, a new connection for each start, in turn through a and b.
    const person = { name: "김하나", rrn: makeRrn("1981-03-03"), phone: newPhone() };
    const perPhone: Answer[] = [];
    for (let i = 0; i < STARTS_PER_PHONE + 3; i++)
      perPhone.push(await start(await edgeClient({ address: `198.51.100.${i + 1}` }), i, person));
    expect(statuses(perPhone)).toEqual([...Array(STARTS_PER_PHONE).fill(201), 429, 429, 429]);

    // One connection, a new person and phone for each start.
    const sameClient = await edgeClient({ address: "198.51.100.200" });
    const perClient: Answer[] = [];
    for (let i = 0; i < STARTS_PER_CLIENT + 2; i++) {
      perClient.push(await start(sameClient, i, { name: "이둘", rrn: makeRrn("1982-04-04"), phone: newPhone() }));
    }
    expect(statuses(perClient)).toEqual([...Array(STARTS_PER_CLIENT).fill(201), 429, 429]);
  });

  it("answers no more identity starts for one phone than the limit when they arrive at once through both", async () => {
    const racer = { name: "박셋", rrn: makeRrn("1983-05-05"), phone: newPhone() };
    const burst = await Promise.all(
      Array.from({ length: 16 }, async (_, i) =>
        (await edgeClient({ address: `192.0.2.${i + 1}` }))(either(i), "POST", "/api/identity/start", { body: racer }),
      ),
    );
    expect(burst.map((r) => r.status).filter((s) => s !== 201 && s !== 429)).toEqual([]);
    expect(burst.filter((r) => r.status === 201).length).toBeLessThanOrEqual(STARTS_PER_PHONE);
  });

  it("counts lookup misses of one reservation number once across both processes", async () => {
    const db = database.db;
    const [slot] = await rows<{ id: number }>(
      db,
      sql`select id from slots where starts_at > now() + interval '2 hours' order by starts_at desc, id limit 1`,
    );
    const me = await verifiedPerson(db, { now: Date.now(), birthDate: "1984-06-06" });
    const call = await edgeClient();
    const hold = await call(a.url, "POST", "/api/holds", { cookie: me.cookie, body: { slotId: Number(slot!.id) } });
    const booked = await call(b.url, "POST", "/api/reservations", {
      cookie: me.cookie,
      headers: { "idempotency-key": randomUUID() },
      body: { holdId: hold.body.holdId, notifyChannel: "sms" },
    });
    expect(booked.status).toBe(201);

    // Wrong details for that number, each from a new connection and a new resident number, in turn through a and b.
    const answers: number[] = [];
    for (let i = 0; i < LOOKUP_MISSES.perNumber.max + 3; i++) {
      const guesser = await edgeClient({ address: `203.0.113.${i + 10}` });
      const r = await guesser(either(i), "POST", "/api/reservations/lookup", {
        body: { name: "최넷", rrn: makeRrn("1970-07-07"), reservationNumber: booked.body.reservationNumber },
      });
      answers.push(r.status);
    }
    expect(answers).toEqual([...Array(LOOKUP_MISSES.perNumber.max).fill(404), 429, 429, 429]);
  });
});

describe.skipIf(!pgUrl)("the origin under node:cluster (ORIGIN_PROCESSES=2)", () => {
  let database: Database & { url: string };
  let origin: OriginProcess;

  beforeAll(async () => {
    database = await scratchDatabase(pgUrl!);
    await seed(database.db, { now: new Date(), clinics: 60, days: 7 });
    origin = await startOrigin({ databaseUrl: database.url, processes: 2 });
  }, 120_000);
  afterAll(async () => {
    await origin?.stop();
    await database?.close();
  });

  const workerPids = (out: string) => [...out.matchAll(/origin worker \d+ \(pid (\d+)\) listening/g)].map((m) => Number(m[1]));

  it("replaces a worker that dies at once, says so, and keeps answering", async () => {
    const call = await edgeClient({ fresh: true, timeoutMs: 2000 });
    const health = () =>
      call(origin.url, "GET", "/health").then(
        (r) => r.status,
        () => 0,
      );
    const [victim] = workerPids(origin.output());
    expect(workerPids(origin.output())).toHaveLength(2);
    process.kill(victim!, "SIGKILL");
    // While the replacement starts, the other worker answers (a connection handed to the dying worker
    // at that very moment may be lost: the edge's timeout to the origin covers it).
    const during: number[] = [];
    const deadline = Date.now() + 20_000;
    while (workerPids(origin.output()).length < 3 && Date.now() < deadline) {
      during.push(await health());
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(origin.output()).toMatch(
      new RegExp(`origin worker \\d+ \\(pid ${victim}\\) was killed by SIGKILL; started origin worker \\d+ \\(pid \\d+\\) in its place`),
    );
    expect(workerPids(origin.output())).toHaveLength(3);
    expect(during.filter((s) => s !== 200).length).toBeLessThanOrEqual(1);
    expect(origin.alive()).toBe(true);
    for (let i = 0; i < 6; i++) expect(await health()).toBe(200);
  }, 40_000);

  it("answers the development sink's messages and codes from whichever worker a request reaches", async () => {
    const db = database.db;
    const call = await edgeClient({ fresh: true });
    const me = await verifiedPerson(db, { now: Date.now(), birthDate: "1986-08-08" });
    const phone = newPhone().replace(/\D/g, "");
    await db.execute(sql`update people set phone = ${phone} where id = ${me.personId}`);
    const [slot] = await rows<{ id: number }>(
      db,
      sql`select id from slots where starts_at > now() + interval '2 hours' order by starts_at, id limit 1`,
    );
    const hold = await call(origin.url, "POST", "/api/holds", { cookie: me.cookie, body: { slotId: Number(slot!.id) } });
    const booked = await call(origin.url, "POST", "/api/reservations", {
      cookie: me.cookie,
      headers: { "idempotency-key": randomUUID() },
      body: { holdId: hold.body.holdId, notifyChannel: "sms" },
    });
    expect(booked.status).toBe(201);
    const deadline = Date.now() + 10_000;
    while ((await rows(db, sql`select 1 from outbox where recipient = ${phone} and sent_at is not null`)).length === 0) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 100));
    }
    // New connections are spread over the workers: every one of them answers with the message.
    for (let i = 0; i < 6; i++) {
      const listed = await call(origin.url, "GET", `/api/dev/messages?phone=${phone}`);
      expect(listed.status).toBe(200);
      expect(listed.body.messages).toHaveLength(1);
      expect(listed.body.messages[0]).toMatchObject({ channel: "sms", to: phone });
      expect(listed.body.messages[0].text).toContain(booked.body.reservationNumber);
    }

    const otpPhone = newPhone();
    const started = await call(origin.url, "POST", "/api/identity/start", {
      body: { name: "정다섯", rrn: makeRrn("1987-09-09"), phone: otpPhone },
    });
    expect(started.status).toBe(201);
    const codes = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const otp = await call(origin.url, "GET", `/api/dev/otp?phone=${otpPhone.replace(/\D/g, "")}`);
      expect(otp.status).toBe(200);
      codes.add(otp.body.code);
    }
    expect(codes.size).toBe(1);
  }, 30_000);
});
