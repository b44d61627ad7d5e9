/**
 * Concurrent changes to one reservation have one outcome: a cancel and a second-dose move sent at the same
 * moment are decided one after the other, so a cancelled reservation never keeps an active dose and every
 * slot's `taken` equals the active doses on it. (The race shows on PostgreSQL, where the two run on
 * separate connections; PGlite runs one transaction at a time.)
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SLOTS_PER_DAY } from "../../origin/booking/schedule";
import { rows } from "../../origin/db";
import { type Bench, bookingBench } from "./booking";
import { clientHeaders } from "./clients";

const PAIRS = 50;
let b: Bench;
beforeAll(async () => {
  b = await bookingBench();
}, 120_000);
afterAll(() => b?.database.close());

const TIMES = Array.from({ length: SLOTS_PER_DAY }, (_, i) => `${String(9 + Math.floor(i / 2)).padStart(2, "0")}:${i % 2 ? "30" : "00"}`);

describe("cancel and second-dose move at the same moment", () => {
  it(`leaves no cancelled reservation holding an active dose, over ${PAIRS} concurrent pairs`, async () => {
    // 50 Pfizer reservations (first dose Tuesday 2026-11-24), spread over clinics and times.
    const booked: Record<string, string>[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const me = await b.person();
      const slot = await b.slotOf("pfizer", "2026-11-24", TIMES[i % TIMES.length]!, Math.floor(i / TIMES.length));
      const res = await b.book(me.cookie, slot.id);
      expect(res.status).toBe(201);
      booked.push({ name: me.name, rrn: me.rrn, reservationNumber: res.body.reservationNumber });
    }

    // Each request from its own address, so no per-client limit stands in the way.
    const headers = await Promise.all(booked.flatMap(() => [clientHeaders(b), clientHeaders(b)]));
    const answers = await Promise.all(
      booked.flatMap((details, i) => [
        b.call("POST", "/api/reservations/cancel", { headers: headers[2 * i], body: details }),
        b.call("POST", "/api/reservations/second-dose", { headers: headers[2 * i + 1], body: { ...details, date: "2026-12-30" } }),
      ]),
    );
    const cancels = answers.filter((_, i) => i % 2 === 0);
    const moves = answers.filter((_, i) => i % 2 === 1);
    expect(cancels.map((a) => a.status)).toEqual(cancels.map(() => 200));
    for (const m of moves) {
      // a move decided before the cancel succeeds; one decided after it finds nothing to move
      if (m.status !== 200) expect(m.body.code).toBe("no_second_dose_booked");
    }

    const stuck = await rows<{ number: string }>(
      b.database.db,
      sql`select distinct r.number from reservations r join reservation_doses d on d.reservation_id = r.id
          where r.cancelled_at is not null and d.status = 'active'`,
    );
    expect(stuck, `${stuck.length} of ${PAIRS} cancelled reservations still hold an active dose`).toEqual([]);
    const miscounted = await rows<{ id: number; taken: number; active: number }>(
      b.database.db,
      sql`select s.id, s.taken, count(d.id) filter (where d.status = 'active')::int as active
          from slots s left join reservation_doses d on d.slot_id = s.id
          group by s.id, s.taken having s.taken <> count(d.id) filter (where d.status = 'active')`,
    );
    expect(miscounted).toEqual([]);
  }, 120_000);
});
