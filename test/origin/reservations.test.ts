import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseReservationNumber } from "../../origin/booking/numbers";
import { instant, rows } from "../../origin/db";
import { type Bench, bookingBench, placesOf, START } from "./booking";

let b: Bench;
beforeAll(async () => {
  b = await bookingBench();
}, 120_000);
afterAll(() => b?.database.close());

const count = async (query: ReturnType<typeof sql>) => (await rows<{ n: number }>(b.database.db, query))[0]!.n;

describe("confirming a reservation", () => {
  it("books the first dose from the hold and the second at the same clinic and time after the interval", async () => {
    const me = await b.person();
    const slot = await b.slotOf("moderna", "2026-11-24", "10:00");
    const before = await placesOf(b, slot.id);
    const res = await b.book(me.cookie, slot.id);
    expect(res.status).toBe(201);
    expect(res.body.reservationNumber).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{5}$/);
    expect(parseReservationNumber(res.body.reservationNumber)).not.toBeNull();
    expect(res.body.first).toMatchObject({ startsAt: "2026-11-24T01:00:00.000Z", clinic: { id: slot.clinicId } });
    expect(res.body.first.clinic.name).toBeTruthy();
    // Moderna: 28 days later, 2026-12-22 (a Tuesday) at 10:00 Seoul, beyond the seeded days: the slot is opened on demand.
    expect(res.body.second).toMatchObject({ startsAt: "2026-12-22T01:00:00.000Z", clinic: { id: slot.clinicId } });
    expect(res.body.secondDoseWindow).toEqual({ from: "2026-12-22", to: "2027-01-05" });
    expect(res.body).toMatchObject({
      status: "active",
      vaccine: { code: "moderna", nameKo: "모더나" },
      notifyChannel: "kakao",
      relationship: null,
    });

    const after = await placesOf(b, slot.id);
    expect(after.taken).toBe(before.taken + 1);
    expect(after.free).toBe(before.free - 1); // the hold became the booking: one place, not two
    expect(await count(sql`select count(*)::int as n from holds where person_id = ${me.personId}`)).toBe(0);
    const [second] = await rows<{ taken: number; capacity: number }>(
      b.database.db,
      sql`select taken, capacity from slots where clinic_id = ${slot.clinicId} and starts_at = ${instant(new Date("2026-12-22T10:00:00+09:00"))}`,
    );
    expect(second!.taken).toBe(1);

    const [message] = await rows<{ kind: string; channel: string; recipient: string; body: string }>(
      b.database.db,
      sql`select o.kind, o.channel, o.recipient, o.body from outbox o join reservations r on r.id = o.reservation_id where r.subject_id = ${me.personId}`,
    );
    expect(message).toMatchObject({ kind: "booked", channel: "kakao", recipient: "01000000000" });
    expect(message!.body).toContain(res.body.reservationNumber);
    expect(message!.body).toContain(res.body.first.clinic.name);
    expect(message!.body).toContain("1차 접종: 2026년 11월 24일(화) 10:00");
    expect(message!.body).toContain("2차 접종: 2026년 12월 22일(화) 10:00");
  });

  it("books a single-dose vaccine with no second dose", async () => {
    const me = await b.person();
    const slot = await b.slotOf("janssen", "2026-11-25", "14:00");
    const res = await b.book(me.cookie, slot.id, { channel: "sms" });
    expect(res.status).toBe(201);
    expect(res.body.second).toBeNull();
    expect(res.body.secondDoseWindow).toBeNull();
  });

  it("answers a retry with the same key with the same reservation, and a different request with 422", async () => {
    const me = await b.person();
    const slot = await b.slotOf("pfizer", "2026-11-24", "11:00");
    const hold = await b.call("POST", "/api/holds", { cookie: me.cookie, body: { slotId: slot.id } });
    const key = randomUUID();
    const confirm = (channel: string) =>
      b.call("POST", "/api/reservations", {
        cookie: me.cookie,
        headers: { "idempotency-key": key },
        body: { holdId: hold.body.holdId, notifyChannel: channel },
      });
    const first = await confirm("naver");
    const again = await confirm("naver");
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const changed = await confirm("sms");
    expect(changed.status).toBe(422);
    expect(changed.body.code).toBe("idempotency_key_reused");
    expect(await count(sql`select count(*)::int as n from reservations where subject_id = ${me.personId}`)).toBe(1);
    expect(
      await count(
        sql`select count(*)::int as n from outbox o join reservations r on r.id = o.reservation_id where r.subject_id = ${me.personId}`,
      ),
    ).toBe(1);
  });

  it("returns the original reservation to a retry after the connection dropped mid-request", async () => {
    let arrived = () => {};
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      // The whole request is read, then the client is told to hang up while the server works on it.
      const fetch = async (req: Request) => {
        const body = await req.arrayBuffer();
        arrived();
        return b.app.fetch(new Request(req.url, { method: req.method, headers: req.headers, body }));
      };
      const s = serve({ fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
    });
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const me = await b.person();
      const slot = await b.slotOf("pfizer", "2026-11-25", "09:30");
      const hold = await b.call("POST", "/api/holds", { cookie: me.cookie, body: { slotId: slot.id } });
      const key = randomUUID();
      const send = (signal?: AbortSignal) =>
        fetch(`${url}/api/reservations`, {
          method: "POST",
          signal,
          headers: { "x-wr-pass": b.pass, "content-type": "application/json", cookie: me.cookie, "idempotency-key": key },
          body: JSON.stringify({ holdId: hold.body.holdId, notifyChannel: "kakao" }),
        });
      // The client gives up before the answer arrives; the server carries on and commits.
      const dropped = new AbortController();
      arrived = () => dropped.abort();
      expect(await send(dropped.signal).catch((e: Error) => e.name)).toBe("AbortError");
      arrived = () => {};
      let number: string | undefined;
      for (let i = 0; i < 500 && !number; i++) {
        number = (await rows<{ number: string }>(b.database.db, sql`select number from reservations where subject_id = ${me.personId}`))[0]
          ?.number;
        if (!number) await new Promise((r) => setTimeout(r, 10));
      }
      expect(number).toBeTruthy();
      const retry = await send();
      expect(retry.status).toBe(201);
      const body = (await retry.json()) as any;
      expect(parseReservationNumber(body.reservationNumber)).toBe(number);
      expect(await count(sql`select count(*)::int as n from reservations where subject_id = ${me.personId}`)).toBe(1);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it("leaves nothing behind when the transaction fails midway, and the retry then succeeds", async () => {
    const me = await b.person();
    const slot = await b.slotOf("moderna", "2026-11-25", "15:00");
    const before = await placesOf(b, slot.id);
    const hold = await b.call("POST", "/api/holds", { cookie: me.cookie, body: { slotId: slot.id } });
    const key = randomUUID();
    const confirm = () =>
      b.call("POST", "/api/reservations", {
        cookie: me.cookie,
        headers: { "idempotency-key": key },
        body: { holdId: hold.body.holdId, notifyChannel: "kakao" },
      });
    // The last write of the transaction (the outbox row) fails: everything before it must roll back.
    await b.database.db.execute(
      sql`create function fail_outbox() returns trigger language plpgsql as $$ begin raise exception 'outbox down'; end $$`,
    );
    await b.database.db.execute(sql`create trigger fail_outbox before insert on outbox for each row execute function fail_outbox()`);
    try {
      const failed = await confirm();
      expect(failed.status).toBe(500);
      expect(failed.body.code).toBe("internal");
    } finally {
      await b.database.db.execute(sql`drop trigger fail_outbox on outbox`);
      await b.database.db.execute(sql`drop function fail_outbox()`);
    }
    expect(await count(sql`select count(*)::int as n from reservations where subject_id = ${me.personId}`)).toBe(0);
    expect(await count(sql`select count(*)::int as n from reservation_doses where subject_id = ${me.personId}`)).toBe(0);
    expect(await count(sql`select count(*)::int as n from idempotency_keys where person_id = ${me.personId}`)).toBe(0);
    expect(await count(sql`select count(*)::int as n from holds where id = ${hold.body.holdId}`)).toBe(1);
    expect(await placesOf(b, slot.id)).toEqual({ ...before, free: before.free - 1 }); // only the hold
    // nor the second dose's slot (2026-12-23 15:00), which the failed attempt had opened and taken
    expect(
      await count(
        sql`select count(*)::int as n from slots where clinic_id = ${slot.clinicId} and starts_at = ${instant(new Date("2026-12-23T15:00:00+09:00"))}`,
      ),
    ).toBe(0);

    const retried = await confirm();
    expect(retried.status).toBe(201);
  });

  it("gives exactly 5 of 300 concurrent confirmations for a slot of capacity 5; the rest hear slot_full", async () => {
    const slot = await b.slotOf("pfizer", "2026-11-24", "16:00");
    await b.database.db.execute(sql`update slots set capacity = 5, taken = 0 where id = ${slot.id}`);
    // 300 people whose holds on the slot ran out: each may still confirm while a place is free.
    const people = await Promise.all(Array.from({ length: 300 }, () => b.person()));
    const holds = await rows<{ id: string }>(
      b.database.db,
      sql`insert into holds (slot_id, person_id, expires_at)
          select ${slot.id}, unnest(${sql.raw(`array[${people.map((p) => p.personId).join(",")}]`)}::int[]), ${instant(new Date(START - 1000))}
          returning id`,
    );
    const byPerson = await rows<{ id: string; person_id: number }>(
      b.database.db,
      sql`select id, person_id from holds where slot_id = ${slot.id}`,
    );
    expect(holds).toHaveLength(300);
    const results = await Promise.all(
      people.map((p) =>
        b.call("POST", "/api/reservations", {
          cookie: p.cookie,
          headers: { "idempotency-key": randomUUID() },
          body: { holdId: byPerson.find((h) => h.person_id === p.personId)!.id, notifyChannel: "kakao" },
        }),
      ),
    );
    const ok = results.filter((r) => r.status === 201);
    expect(ok).toHaveLength(5);
    const refused = results.filter((r) => r.status !== 201);
    expect(refused.every((r) => r.status === 409 && r.body.code === "slot_full" && r.body.holdExpired === true)).toBe(true);
    expect(await placesOf(b, slot.id)).toMatchObject({ capacity: 5, taken: 5 });
    expect(await count(sql`select count(*)::int as n from reservation_doses where slot_id = ${slot.id} and status = 'active'`)).toBe(5);
  }, 120_000);

  it("allows one active reservation per person", async () => {
    const me = await b.person();
    expect((await b.book(me.cookie, (await b.slotOf("pfizer", "2026-11-24", "13:00")).id)).status).toBe(201);
    const again = await b.book(me.cookie, (await b.slotOf("pfizer", "2026-11-24", "13:30")).id);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("already_booked");
    expect(again.body.reservationNumber).toBeUndefined();
  });

  it("refuses bad requests clearly and books nothing", async () => {
    const me = await b.person();
    const other = await b.person();
    const slot = await b.slotOf("pfizer", "2026-11-25", "10:30");
    const hold = await b.call("POST", "/api/holds", { cookie: me.cookie, body: { slotId: slot.id } });
    const post = (cookie: string | null, body: unknown, key: string | null = randomUUID()) =>
      b.call("POST", "/api/reservations", { cookie, headers: key ? { "idempotency-key": key } : {}, body });
    const good = { holdId: hold.body.holdId, notifyChannel: "kakao" };
    expect((await post(me.cookie, good, null)).body.code).toBe("idempotency_key_required");
    expect((await post(me.cookie, good, "short")).body.code).toBe("idempotency_key_required");
    expect((await post(me.cookie, { ...good, notifyChannel: "fax" })).body).toMatchObject({ code: "bad_channel", field: "notifyChannel" });
    expect((await post(me.cookie, { ...good, holdId: "nope" })).body).toMatchObject({ code: "bad_hold", field: "holdId" });
    expect((await post(me.cookie, "not json")).body.code).toBe("bad_json");
    const stolen = await post(other.cookie, good);
    expect(stolen.status).toBe(404);
    expect(stolen.body.code).toBe("hold_not_found");
    expect((await post(me.cookie, { ...good, holdId: randomUUID() })).body.code).toBe("hold_not_found");
    expect((await post(null, good)).status).toBe(401);
    expect(await count(sql`select count(*)::int as n from reservations where subject_id in (${me.personId}, ${other.personId})`)).toBe(0);
    expect((await post(me.cookie, good)).status).toBe(201);
  });
});
