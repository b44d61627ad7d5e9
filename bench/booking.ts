/**
 * `npm run bench -- booking [--json FILE] [--duration S] [--connections N]` (needs DATABASE_URL: a
 * PostgreSQL server; the benchmark works in a throwaway database there and drops it afterwards).
 *
 * Seeds the full demo data and tens of thousands of verified people, then in one run at the same
 * concurrency:
 *   api   a booking through the origin over HTTP: POST /api/holds, then POST /api/reservations (session,
 *         pass and eligibility checks, first and second dose, outbox, idempotency key), on random slots
 *   bare  the same booking statements (the hold transaction, then the confirmation transaction) through a
 *         bare postgres.js loop
 *   hot   the API again with every client on 10 slots, then a count of overbooked places in the database
 * and reports confirmed bookings/s, bookingRatio = api / bare, and `overbooked` (must be 0).
 */
import { createHash, randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { generateSignedCookie } from "hono/cookie";
import postgres from "postgres";
import { keyring, signPass } from "../lib/tokens";
import { createApp } from "../origin/app";
import { loadConfig } from "../origin/config";
import { scratchDatabase } from "../origin/db/scratch";
import { seed } from "../origin/db/seed";
import { load, ratio, writeReport } from "./common";

const PASS_SECRET = "bench-pass-secret-0123456789ab";
const SESSION_SECRET = "bench-session-secret-0123456789abcdef";
const PEOPLE = 60_000;

interface Person {
  id: number;
  cookie: string;
}

export async function benchBooking(opts: { json?: string; durationSec: number; connections: number; databaseUrl?: string }) {
  if (!opts.databaseUrl) throw new Error("set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/test");
  const database = await scratchDatabase(opts.databaseUrl, { poolSize: opts.connections });
  const sql = postgres(database.url, { max: opts.connections, onnotice: () => {} });
  try {
    console.log("seeding the full demo data and verified people...");
    const summary = await seed(database.db, { now: new Date() });
    // People born in 1965 (the demo window is open for them) with sessions valid for a day.
    await sql`insert into people (rrn_hash, rrn_cipher, rrn_masked, name, birth_date, sex, phone)
              select 'bench-' || i, 'x', '650101-1******', '홍길동', '1965-01-01', 'M', '010' || lpad(i::text, 8, '0')
              from generate_series(1, ${PEOPLE}) i`;
    await sql`insert into sessions (token_hash, person_id, expires_at)
              select translate(rtrim(encode(sha256(convert_to('bench-token-' || id, 'UTF8')), 'base64'), '='), '+/', '-_'), id, now() + interval '1 day'
              from people`;
    const ids = (await sql<{ id: number }[]>`select id from people order by id`).map((r) => r.id);
    const people: Person[] = await Promise.all(
      ids.map(async (id) => ({ id, cookie: (await generateSignedCookie("sid", `bench-token-${id}`, SESSION_SECRET)).split(";")[0]! })),
    );
    const apiPeople = people.slice(0, PEOPLE / 2);
    const barePeople = people.slice(PEOPLE / 2);
    const slots = (
      await sql<{ id: string }[]>`select id from slots where starts_at > now() + interval '1 hour' order by random() limit 50000`
    ).map((r) => Number(r.id));
    const hotSlots = slots.slice(0, 10);
    const randomSlots = slots.slice(10);
    await sql`update slots set capacity = 100 where id in ${sql(hotSlots)}`;
    console.log(`  ${summary.clinics} clinics, ${summary.slots} slots, ${PEOPLE} people`);

    const config = loadConfig({
      PASS_SECRET,
      RRN_HMAC_KEY: "bench-rrn-hmac-key-0123456789abcdef01",
      RRN_ENC_KEY: "bench-rrn-enc-key-0123456789abcdef012",
      SESSION_SECRET,
      APP_ENV: "test",
    });
    const app = createApp({ config, db: database.db });
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const pass = await signPass(await keyring(PASS_SECRET), { lane: "booking", seq: 1, exp: Date.now() + 3600_000 });

    let nextPerson = 0;
    const apiRun = async (seconds: number, slotPool: number[]) => {
      let confirmed = 0;
      let refused = 0;
      const refusedBy: Record<string, number> = {};
      const refuse = (body: string) => {
        refused++;
        const code = (() => {
          try {
            return (JSON.parse(body) as { code?: string }).code ?? "unknown";
          } catch {
            return "unparsable";
          }
        })();
        refusedBy[code] = (refusedBy[code] ?? 0) + 1;
      };
      const r = await load({
        url,
        connections: opts.connections,
        durationSec: seconds,
        requests: [
          {
            method: "POST",
            path: "/api/holds",
            setupRequest: (req, context: any) => {
              const person = apiPeople[nextPerson++ % apiPeople.length]!;
              context.person = person;
              const slotId = slotPool[Math.floor(Math.random() * slotPool.length)];
              return {
                ...req,
                headers: { "x-wr-pass": pass, "content-type": "application/json", cookie: person.cookie },
                body: JSON.stringify({ slotId }),
              };
            },
            onResponse: (status, body, context: any) => {
              context.holdId = status === 201 ? (JSON.parse(body) as { holdId: string }).holdId : undefined;
              if (status !== 201) refuse(body);
            },
          },
          {
            method: "POST",
            path: "/api/reservations",
            setupRequest: (req, context: any) => {
              if (!context.holdId) return undefined as never; // the hold was refused: start over
              return {
                ...req,
                headers: {
                  "x-wr-pass": pass,
                  "content-type": "application/json",
                  cookie: context.person.cookie,
                  "idempotency-key": randomUUID(),
                },
                body: JSON.stringify({ holdId: context.holdId, notifyChannel: "kakao" }),
              };
            },
            onResponse: (status, body) => {
              if (status === 201) confirmed++;
              else refuse(body);
            },
          },
        ],
      });
      return {
        bookingsPerSec: Math.round(confirmed / seconds),
        confirmed,
        refused,
        refusedBy,
        p50Ms: r.p50Ms,
        p99Ms: r.p99Ms,
        errors: r.errors,
      };
    };

    console.log("api: hold + confirm over HTTP ...");
    await apiRun(2, randomSlots); // warm up
    const api = await apiRun(opts.durationSec, randomSlots);
    console.log(
      `api   ${api.bookingsPerSec} bookings/s  (request p50 ${api.p50Ms} ms, p99 ${api.p99Ms} ms, refused ${api.refused}, errors ${api.errors})`,
    );

    let nextBare = 0;
    const bareRun = async (seconds: number) => {
      let confirmed = 0;
      const until = Date.now() + seconds * 1000;
      await Promise.all(
        Array.from({ length: opts.connections }, async () => {
          while (Date.now() < until) {
            const person = barePeople[nextBare++ % barePeople.length]!;
            const slotId = randomSlots[Math.floor(Math.random() * randomSlots.length)]!;
            if (await bareBooking(sql, person.id, slotId)) confirmed++;
          }
        }),
      );
      return { bookingsPerSec: Math.round(confirmed / seconds), confirmed };
    };
    console.log("bare: the same statements through postgres.js ...");
    await bareRun(2);
    const bare = await bareRun(opts.durationSec);
    console.log(`bare  ${bare.bookingsPerSec} bookings/s`);

    console.log("hot: every client on 10 slots ...");
    const hot = await apiRun(Math.min(opts.durationSec, 5), hotSlots);
    await new Promise<void>((r) => server.close(() => r()));
    const [check] = await sql<{ overbooked: number; inconsistent: number; filled: number; capacity: number }[]>`
      with per_slot as (
        select s.id, s.capacity, s.taken, count(d.id)::int as doses
        from slots s left join reservation_doses d on d.slot_id = s.id and d.status = 'active'
        where s.taken > 0 or d.id is not null
        group by s.id)
      select coalesce(sum(greatest(0, doses - capacity)), 0)::int as overbooked,
             count(*) filter (where taken <> doses)::int as inconsistent,
             coalesce(sum(doses) filter (where id in ${sql(hotSlots)}), 0)::int as filled,
             coalesce(sum(capacity) filter (where id in ${sql(hotSlots)}), 0)::int as capacity
      from per_slot`;
    console.log(
      `hot   ${hot.confirmed} confirmed, ${hot.refused} refused ${JSON.stringify(hot.refusedBy)}; hot slots ${check!.filled}/${check!.capacity} filled; overbooked ${check!.overbooked}, taken≠bookings on ${check!.inconsistent} slots`,
    );

    const figures = {
      apiBookingsPerSec: api.bookingsPerSec,
      bareBookingsPerSec: bare.bookingsPerSec,
      bookingRatio: ratio(api.bookingsPerSec, bare.bookingsPerSec),
      apiRequestP50Ms: api.p50Ms,
      apiRequestP99Ms: api.p99Ms,
      apiRefused: api.refused,
      hotConfirmed: hot.confirmed,
      hotRefused: hot.refused,
      hotRefusedByCode: hot.refusedBy,
      hotFilled: check!.filled,
      hotCapacity: check!.capacity,
      overbooked: check!.overbooked,
      inconsistentSlots: check!.inconsistent,
      connections: opts.connections,
      durationSec: opts.durationSec,
    };
    console.log(JSON.stringify({ booking: figures }, null, 2));
    writeReport(opts.json, "booking", figures);
  } finally {
    await sql.end();
    await database.close();
  }
}

/**
 * The baseline: the statements the origin runs for one booking (booking/holds.ts, then
 * booking/reservations.ts and booking/schedule.ts), as plain postgres.js transactions. Returns whether it
 * was confirmed.
 */
async function bareBooking(sql: postgres.Sql, personId: number, slotId: number): Promise<boolean> {
  const now = new Date();
  const holdId = await sql.begin(async (tx) => {
    const [slot] = await tx`select s.id, s.clinic_id, c.name, s.starts_at, s.vaccine_code, s.capacity, s.taken
                            from slots s join clinics c on c.id = s.clinic_id where s.id = ${slotId} for update of s`;
    await tx`delete from holds where person_id = ${personId}`;
    const [counted] = await tx`select count(*)::int as active from holds where slot_id = ${slotId} and expires_at > ${now}`;
    if (slot!.capacity - slot!.taken - counted!.active <= 0) return null;
    const [hold] =
      await tx`insert into holds (slot_id, person_id, expires_at, created_at) values (${slotId}, ${personId}, ${new Date(now.getTime() + 300_000)}, ${now}) returning id`;
    return hold!.id as string;
  });
  if (!holdId) return false;
  return sql.begin(async (tx) => {
    const key = randomUUID();
    await tx`insert into idempotency_keys (person_id, key, request_hash, status, response) values (${personId}, ${key}, ${createHash("sha256").update(key).digest("base64url")}, 0, 'null'::jsonb) on conflict do nothing returning key`;
    const [hold] = await tx`select h.person_id, h.expires_at, s.id as slot_id, s.starts_at, s.clinic_id, s.vaccine_code,
                                   v.doses, v.second_dose_days as second_days, v.second_dose_max_days as max_days
                            from holds h join slots s on s.id = h.slot_id join vaccines v on v.code = s.vaccine_code
                            where h.id = ${holdId} for update of s`;
    await tx`select r.number from reservation_doses d join reservations r on r.id = d.reservation_id where d.subject_id = ${personId} and d.dose = 1 and d.status = 'active'`;
    const took = await tx`update slots s set taken = s.taken + 1 where s.id = ${slotId}
                          and s.taken + (select count(*) from holds h where h.slot_id = s.id and h.expires_at > ${now} and h.id <> ${holdId}) < s.capacity returning s.id`;
    if (!took.length) return false;
    await tx`delete from holds where id = ${holdId}`;
    let secondSlot: number | null = null;
    if (hold!.doses > 1) {
      const first = new Date(hold!.starts_at);
      const from = new Date(first.getTime() + hold!.second_days * 86_400_000);
      const span = hold!.max_days - hold!.second_days + 1;
      await tx`select date::text as date from clinic_closures where clinic_id = ${hold!.clinic_id} and date between ${from.toISOString().slice(0, 10)}::date and ${from.toISOString().slice(0, 10)}::date + ${span - 1}::int`;
      for (let day = 0; day < span && secondSlot === null; day++) {
        const at = new Date(from.getTime() + day * 86_400_000);
        const dow = new Date(at.getTime() + 9 * 3600_000).getUTCDay();
        if (dow === 0 || dow === 6) continue;
        await tx`insert into slots (clinic_id, starts_at, vaccine_code, capacity) select id, ${at}, vaccine_code, slot_capacity from clinics where id = ${hold!.clinic_id} on conflict (clinic_id, starts_at) do nothing`;
        const [s] = await tx`select id from slots where clinic_id = ${hold!.clinic_id} and starts_at = ${at} for update`;
        const took2 = await tx`update slots s set taken = s.taken + 1 where s.id = ${s!.id}
                               and s.taken + (select count(*) from holds h where h.slot_id = s.id and h.expires_at > ${now}) < s.capacity returning s.id`;
        if (took2.length) secondSlot = Number(s!.id);
      }
      if (secondSlot === null) throw new Error("no second dose");
    }
    const number = randomUUID().replace(/-/g, "").slice(0, 13).toUpperCase();
    const [res] = await tx`insert into reservations (number, subject_id, booked_by, relationship, vaccine_code, notify_channel, created_at)
                           values (${number}, ${personId}, ${personId}, ${null}, ${hold!.vaccine_code}, 'kakao', ${now}) returning id`;
    await tx`insert into reservation_doses (reservation_id, subject_id, dose, slot_id) values (${res!.id}, ${personId}, 1, ${slotId})`;
    if (secondSlot !== null)
      await tx`insert into reservation_doses (reservation_id, subject_id, dose, slot_id) values (${res!.id}, ${personId}, 2, ${secondSlot})`;
    await tx`select r.id, r.number, v.name, p.name, d.dose, s.starts_at, c.name, c.address, c.phone
             from reservations r join vaccines v on v.code = r.vaccine_code join people p on p.id = r.subject_id
             join reservation_doses d on d.reservation_id = r.id join slots s on s.id = d.slot_id join clinics c on c.id = s.clinic_id
             where r.id = ${res!.id} order by d.dose`;
    const [booker] = await tx`select phone from people where id = ${personId}`;
    await tx`insert into outbox (reservation_id, kind, channel, recipient, body, created_at, next_attempt_at) values (${res!.id}, 'booked', 'kakao', ${booker!.phone}, ${"[코로나19 예방접종 사전예약 완료] ..."}, ${now}, ${now})`;
    await tx`update idempotency_keys set status = 201, response = ${sql.json({ number })} where person_id = ${personId} and key = ${key}`;
    return true;
  });
}
