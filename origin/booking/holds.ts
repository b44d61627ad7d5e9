/**
 * Holds: a place kept for one person for a few minutes. Capacity is taken under a row lock on the slot
 * (SELECT ... FOR UPDATE inside the transaction), so concurrent holds on one slot are decided one at a
 * time and free = capacity − taken − active holds can never go below zero. A hold expires by itself:
 * only holds whose expiry is ahead count anywhere. One active hold per person: a new one replaces it.
 * Someone who already has a booking holds nothing (`already_booked`), so no place is kept for a confirm
 * that would be refused; nor is a place held on a day the clinic does not work (`clinic_closed`).
 */
import { sql } from "drizzle-orm";
import { z } from "zod";
import { AppError } from "../../lib/errors";
import { isOpenDay } from "../clinics/calendar";
import { seoulDate } from "../clinics/dates";
import { col, type Db, execute, instant, queryOne, transaction } from "../db";
import { isUuid } from "../ids";
import { alreadyBooked, hasActiveBooking } from "./active-booking";

export interface Hold {
  holdId: string;
  slotId: number;
  clinic: { id: number; name: string };
  startsAt: string;
  expiresAt: string;
}

export async function placeHold(
  db: Db,
  p: { personId: number; slotId: number; now: Date; holdMs: number; vaccine: string | null },
): Promise<Hold> {
  return transaction(db, async (tx) => {
    if (await hasActiveBooking(tx, p.personId)) throw alreadyBooked();
    const slot = await queryOne(
      tx,
      z.object({
        id: col.int,
        clinic_id: col.int,
        name: col.text,
        starts_at: col.instant,
        vaccine_code: col.text,
        capacity: col.int,
        taken: col.int,
        closed: col.bool,
      }),
      sql`select s.id, s.clinic_id, c.name, s.starts_at, s.vaccine_code, s.capacity, s.taken,
                 exists (select 1 from clinic_closures cc
                         where cc.clinic_id = s.clinic_id and cc.date = (s.starts_at at time zone 'Asia/Seoul')::date) as closed
          from slots s join clinics c on c.id = s.clinic_id where s.id = ${p.slotId} for update of s`,
    );
    if (!slot) throw new AppError("slot_not_found", 404, "No such time slot.");
    if (slot.starts_at <= p.now) throw new AppError("slot_past", 409, "That time has already passed; please choose a later one.");
    const day = seoulDate(slot.starts_at);
    if (slot.closed || !isOpenDay(day)) {
      throw new AppError("clinic_closed", 409, `The clinic does not vaccinate on ${day}; choose another day.`, { date: day });
    }
    if (p.vaccine && slot.vaccine_code !== p.vaccine) {
      throw new AppError("wrong_vaccine", 409, `Your booking window offers ${p.vaccine} only; choose a clinic that gives it.`);
    }
    // The person's previous hold goes first: re-holding the same slot must not count against itself.
    await execute(tx, sql`delete from holds where person_id = ${p.personId}`);
    const held = await queryOne(
      tx,
      z.object({ active: col.int }),
      sql`select count(*)::int as active from holds where slot_id = ${p.slotId} and expires_at > ${instant(p.now)}`,
    );
    const active = held?.active ?? 0;
    if (slot.capacity - slot.taken - active <= 0) {
      throw new AppError("slot_full", 409, "Someone else took the last place at this time; please choose another time.");
    }
    const expiresAt = new Date(p.now.getTime() + p.holdMs);
    const hold = await queryOne(
      tx,
      z.object({ id: col.text }),
      sql`insert into holds (slot_id, person_id, expires_at, created_at)
          values (${p.slotId}, ${p.personId}, ${instant(expiresAt)}, ${instant(p.now)}) returning id`,
    );
    if (!hold) throw new Error("The insert of a hold answered no row.");
    return {
      holdId: hold.id,
      slotId: slot.id,
      clinic: { id: slot.clinic_id, name: slot.name },
      startsAt: slot.starts_at.toISOString(),
      expiresAt: expiresAt.toISOString(),
    };
  });
}

export interface HoldDetails {
  holdId: string;
  slotId: number;
  startsAt: string;
  expiresAt: string;
  clinic: { id: number; name: string; address: string; phone: string };
  vaccine: { code: string; name: string; nameKo: string; doses: number; secondDoseDays: number | null };
}

/** A person's hold with what the confirm page shows, or null when it is gone (replaced, expired or booked). */
export async function holdDetails(db: Db, p: { holdId: string; personId: number; now: Date }): Promise<HoldDetails | null> {
  if (!isUuid(p.holdId)) return null;
  const h = await queryOne(
    db,
    z.object({
      id: col.text,
      slot_id: col.int,
      starts_at: col.instant,
      expires_at: col.instant,
      clinic_id: col.int,
      name: col.text,
      address: col.text,
      phone: col.text,
      code: col.text,
      vaccine_name: col.text,
      name_ko: col.text,
      doses: col.int,
      second_dose_days: col.int.nullable(),
    }),
    sql`select h.id, h.slot_id, s.starts_at, h.expires_at, c.id as clinic_id, c.name, c.address, c.phone,
               v.code, v.name as vaccine_name, v.name_ko, v.doses, v.second_dose_days
        from holds h join slots s on s.id = h.slot_id join clinics c on c.id = s.clinic_id join vaccines v on v.code = s.vaccine_code
        where h.id = ${p.holdId} and h.person_id = ${p.personId} and h.expires_at > ${instant(p.now)}`,
  );
  if (!h) return null;
  return {
    holdId: h.id,
    slotId: h.slot_id,
    startsAt: h.starts_at.toISOString(),
    expiresAt: h.expires_at.toISOString(),
    clinic: { id: h.clinic_id, name: h.name, address: h.address, phone: h.phone },
    vaccine: { code: h.code, name: h.vaccine_name, nameKo: h.name_ko, doses: h.doses, secondDoseDays: h.second_dose_days },
  };
}

/** Where a hold was (its clinic and Seoul date), even after it ran out: to offer the same clinic's other times. */
export async function holdPlace(db: Db, holdId: string): Promise<{ clinicId: number; startsAt: Date } | null> {
  if (!isUuid(holdId)) return null;
  const h = await queryOne(
    db,
    z.object({ clinic_id: col.int, starts_at: col.instant }),
    sql`select s.clinic_id, s.starts_at from holds h join slots s on s.id = h.slot_id where h.id = ${holdId}`,
  );
  return h ? { clinicId: h.clinic_id, startsAt: h.starts_at } : null;
}
