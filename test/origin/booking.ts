/**
 * A booking test bench: a real database seeded with a small demo (250 clinics, 3 days of slots from
 * Monday 2026-11-23), the origin app on an adjustable clock, its development notification sink, and
 * helpers that hold and confirm like a client does.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { keyring, signPass } from "../../lib/tokens";
import { createApp } from "../../origin/app";
import { loadConfig } from "../../origin/config";
import { type Database, instant, rows } from "../../origin/db";
import { seed } from "../../origin/db/seed";
import { checkDigit } from "../../origin/identity/rrn";
import { identityKeys } from "../../origin/identity/secrets";
import { DevSink } from "../../origin/notify/channels";
import { ORIGIN_TEST_ENV, TEST_SECRETS } from "../secrets";
import { testDatabase } from "./database";
import { verifiedPerson } from "./sessions";

export const START = new Date("2026-11-23T10:00:00+09:00").getTime();

let serial = 0;
/** A valid resident number for a birth date (YYYY-MM-DD), unique within the run. */
export function makeRrn(birthDate: string): string {
  const [y, m, d] = birthDate.split("-");
  const g = Number(y) >= 2000 ? "3" : "1";
  const first12 = `${y!.slice(2)}${m}${d}${g}${String(++serial).padStart(5, "0")}`;
  return `${first12.slice(0, 6)}-${first12.slice(6)}${checkDigit(first12)}`;
}

export interface Bench {
  database: Database;
  app: ReturnType<typeof createApp>;
  sink: DevSink;
  clock: { now: number };
  config: ReturnType<typeof loadConfig>;
  /** an admission pass for X-WR-Pass */
  pass: string;
  call(
    method: string,
    path: string,
    opts?: { cookie?: string | null; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  /** a verified person (resident number known, so lookups can match) with a live session */
  person(opts?: { birthDate?: string; name?: string }): Promise<{ cookie: string; personId: number; rrn: string; name: string }>;
  /** first slot of a clinic giving `vaccine` at Seoul `date` `time` */
  slotOf(vaccine: string, date: string, time: string, skip?: number): Promise<{ id: number; clinicId: number }>;
  /** hold + confirm; returns the confirmation response */
  book(cookie: string, slotId: number, opts?: { channel?: string; key?: string }): Promise<{ status: number; body: any; headers: Headers }>;
}

/** `start` and `days` move the seed and the clock (default: START, 3 days). */
export async function bookingBench(opts: { start?: number; days?: number } = {}): Promise<Bench> {
  const start = opts.start ?? START;
  const database = await testDatabase();
  await seed(database.db, { now: new Date(start), clinics: 250, days: opts.days ?? 3 });
  const config = loadConfig(ORIGIN_TEST_ENV);
  const sink = new DevSink();
  const clock = { now: start };
  const app = createApp({ config, db: database.db, clock: () => clock.now });
  const pass = await signPass(await keyring(TEST_SECRETS.PASS_SECRET), { lane: "booking", seq: 1, exp: start + 400 * 86_400_000 });
  const keys = await identityKeys(config);

  const call: Bench["call"] = async (method, path, opts = {}) => {
    const res = await app.request(path, {
      method,
      headers: { "x-wr-pass": pass, "content-type": "application/json", ...(opts.cookie ? { cookie: opts.cookie } : {}), ...opts.headers },
      body: opts.body === undefined ? undefined : typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body),
    });
    return { status: res.status, body: await res.json(), headers: res.headers };
  };

  return {
    database,
    app,
    sink,
    clock,
    config,
    pass,
    call,
    async person(opts = {}) {
      const birthDate = opts.birthDate ?? "1965-03-15";
      const rrn = makeRrn(birthDate);
      const p = await verifiedPerson(database.db, { now: clock.now, birthDate, rrnHash: await keys.hashRrn(rrn.replace("-", "")) });
      return { ...p, rrn, name: "홍길동" };
    },
    async slotOf(vaccine, date, time, skip = 0) {
      const [slot] = await rows<{ id: number; clinic_id: number }>(
        database.db,
        sql`select s.id, s.clinic_id from slots s where s.vaccine_code = ${vaccine}
            and s.starts_at = ${instant(new Date(`${date}T${time}:00+09:00`))} order by s.clinic_id offset ${skip} limit 1`,
      );
      if (!slot) throw new Error(`no ${vaccine} slot at ${date} ${time}`);
      return { id: Number(slot.id), clinicId: slot.clinic_id };
    },
    async book(cookie, slotId, opts = {}) {
      const hold = await call("POST", "/api/holds", { cookie, body: { slotId } });
      if (hold.status !== 201) return hold;
      return call("POST", "/api/reservations", {
        cookie,
        headers: { "idempotency-key": opts.key ?? randomUUID() },
        body: { holdId: hold.body.holdId, notifyChannel: opts.channel ?? "kakao" },
      });
    },
  };
}

/** taken and free places of a slot right now (free counts active holds) */
export async function placesOf(bench: Bench, slotId: number): Promise<{ capacity: number; taken: number; free: number }> {
  const [r] = await rows<{ capacity: number; taken: number; free: number }>(
    bench.database.db,
    sql`select capacity, taken, capacity - taken - (select count(*) from holds h where h.slot_id = s.id and h.expires_at > ${instant(new Date(bench.clock.now))})::int as free
        from slots s where id = ${slotId}`,
  );
  return r!;
}
