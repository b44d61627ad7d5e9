/**
 * A clinic's working schedule: half-hourly places from 09:00 to 17:30 (Asia/Seoul) on open days, i.e.
 * weekdays that are not public holidays (clinics/calendar.ts: substitute holidays included, and a year the
 * holiday data does not cover counts as closed), except on the clinic's own closure days (clinic_closures).
 * Slot rows exist ahead of time for the booking horizon (the seed writes them on open days only); a second
 * dose lies up to 12 weeks out, so `takePlaceAt` creates the row of a scheduled time on first use, with the
 * clinic's `slot_capacity`. Which days are open is the calendar's rule; whether a clinic works a day and a time is bookable is decided here.
 */
import { sql } from "drizzle-orm";
import { z } from "zod";
import { isOpenDay } from "../clinics/calendar";
import { addDays } from "../clinics/dates";
import { col, type Db, execute, instant, query, queryOne } from "../db";

export const FIRST_SLOT_MINUTE = 9 * 60;
export const SLOT_MINUTES = 30;
export const SLOTS_PER_DAY = 18;

/** The instant of a Seoul calendar day and HH:MM (Seoul has no daylight saving). */
export function seoulInstant(date: string, time: string): Date {
  return new Date(`${date}T${time}:00+09:00`);
}

/** Is HH:MM one of the schedule's slot times? */
export function isSlotTime(time: string): boolean {
  const m = /^(\d{2}):(\d{2})$/.exec(time);
  if (!m) return false;
  const minute = Number(m[1]) * 60 + Number(m[2]) - FIRST_SLOT_MINUTE;
  return minute >= 0 && minute % SLOT_MINUTES === 0 && minute / SLOT_MINUTES < SLOTS_PER_DAY;
}

/** The days from `from` to `to` (inclusive) on which the clinic works, in order. */
export async function openDays(db: Db, p: { clinicId: number; from: string; to: string }): Promise<string[]> {
  const closed = new Set(
    (
      await query(
        db,
        z.object({ date: col.text }),
        sql`select date::text as date from clinic_closures where clinic_id = ${p.clinicId} and date between ${p.from}::date and ${p.to}::date`,
      )
    ).map((r) => r.date),
  );
  const days: string[] = [];
  for (let d = p.from; d && d <= p.to; d = addDays(d, 1)) if (isOpenDay(d) && !closed.has(d)) days.push(d);
  return days;
}

/**
 * Takes one place at the clinic at `startsAt` if one is free, creating the slot row on first use.
 * Called inside a transaction; the row lock decides concurrent takers one at a time. Returns the slot id,
 * or null when the time is full. The caller has checked that the clinic works that day.
 */
export async function takePlaceAt(db: Db, p: { clinicId: number; startsAt: Date; now: Date }): Promise<number | null> {
  await execute(db, createSlot(p));
  const slot = await queryOne(
    db,
    z.object({ id: col.int }),
    sql`select id from slots where clinic_id = ${p.clinicId} and starts_at = ${instant(p.startsAt)} for update`,
  );
  if (!slot) return null;
  return takePlace(db, { slotId: slot.id, now: p.now });
}

/** The id of the clinic's slot row at `startsAt`, created on first use but not locked; null for no such clinic. */
export async function slotAt(db: Db, p: { clinicId: number; startsAt: Date }): Promise<number | null> {
  await execute(db, createSlot(p));
  const slot = await queryOne(
    db,
    z.object({ id: col.int }),
    sql`select id from slots where clinic_id = ${p.clinicId} and starts_at = ${instant(p.startsAt)}`,
  );
  return slot?.id ?? null;
}

/**
 * Locks slot rows in id order (the one order every change that holds several slots takes them in, so two
 * such changes wait for each other instead of deadlocking).
 */
export async function lockSlots(db: Db, slotIds: number[]): Promise<void> {
  const ids = [...new Set(slotIds)].sort((a, b) => a - b);
  if (!ids.length) return;
  await execute(
    db,
    sql`select id from slots where id in (${sql.join(
      ids.map((id) => sql`${id}`),
      sql`, `,
    )}) order by id for update`,
  );
}

/** Creates the slot row of a scheduled time with the clinic's capacity, unless it exists. */
function createSlot(p: { clinicId: number; startsAt: Date }) {
  return sql`
    insert into slots (clinic_id, starts_at, vaccine_code, capacity)
    select id, ${instant(p.startsAt)}, vaccine_code, slot_capacity from clinics where id = ${p.clinicId}
    on conflict (clinic_id, starts_at) do nothing`;
}

/**
 * With the slot row locked by the caller (SELECT ... FOR UPDATE earlier in the transaction, so this
 * statement's snapshot already sees every committed hold): takes a place in one conditional UPDATE if
 * capacity − taken − active holds (other than `exceptHold`, the caller's own) leaves one. Returns the
 * slot id, or null when full.
 */
export async function takePlace(db: Db, p: { slotId: number; now: Date; exceptHold?: string }): Promise<number | null> {
  const taken = await queryOne(
    db,
    z.object({ id: col.int }),
    sql`update slots s set taken = s.taken + 1
        where s.id = ${p.slotId}
          and s.taken + (select count(*) from holds h
                         where h.slot_id = s.id and h.expires_at > ${instant(p.now)} ${p.exceptHold ? sql`and h.id <> ${p.exceptHold}` : sql``}) < s.capacity
        returning s.id`,
  );
  return taken?.id ?? null;
}

/** Gives a place back (a cancelled or moved dose). */
export async function releasePlace(db: Db, slotId: number): Promise<void> {
  await execute(db, sql`update slots set taken = taken - 1 where id = ${slotId} and taken > 0`);
}
