/**
 * An operator changes how many people a clinic takes per half-hour on one date (a clinic short of staff,
 * or extra vaccine delivered). All slots of that day change together, in one transaction with their rows
 * locked, and never below what is already taken (that would overbook): the change is refused, naming the
 * times, and nothing changes. Every change is written to `capacity_changes` with who did it and why.
 */
import { sql } from "drizzle-orm";
import { z } from "zod";
import { AppError } from "../../lib/errors";
import { col, type Db, execute, instant, query, transaction } from "../db";

export interface CapacityChange {
  clinicId: number;
  date: string;
  capacity: number;
  operator: string;
  reason: string;
  now: Date;
}

export async function changeCapacity(db: Db, p: CapacityChange): Promise<{ slots: number; previousMin: number; previousMax: number }> {
  const start = new Date(`${p.date}T00:00:00+09:00`);
  const end = new Date(start.getTime() + 86_400_000);
  return transaction(db, async (tx) => {
    const slots = await query(
      tx,
      z.object({ id: col.int, capacity: col.int, taken: col.int, time: col.text }),
      sql`select id, capacity, taken, to_char(starts_at at time zone 'Asia/Seoul', 'HH24:MI') as time from slots
          where clinic_id = ${p.clinicId} and starts_at >= ${instant(start)} and starts_at < ${instant(end)}
          order by starts_at for update`,
    );
    if (!slots.length) throw new AppError("no_slots", 404, `The clinic has no slots on ${p.date}.`);
    // Holds count too: a place someone is holding must stay theirs.
    const held = await query(
      tx,
      z.object({ slot_id: col.int, n: col.int }),
      sql`select slot_id, count(*)::int as n from holds where slot_id in (${sql.join(
        slots.map((s) => sql`${s.id}`),
        sql`, `,
      )})
          and expires_at > ${instant(p.now)} group by slot_id`,
    );
    const heldBy = new Map(held.map((h) => [h.slot_id, h.n]));
    const tooFull = slots.filter((s) => s.taken + (heldBy.get(s.id) ?? 0) > p.capacity);
    if (tooFull.length) {
      const minimum = Math.max(...tooFull.map((s) => s.taken + (heldBy.get(s.id) ?? 0)));
      throw new AppError(
        "capacity_below_taken",
        409,
        `Already taken or held beyond ${p.capacity} at ${tooFull.map((s) => s.time).join(", ")}; choose at least ${minimum}.`,
        {
          times: tooFull.map((s) => s.time),
          minimum,
        },
      );
    }
    const previousMin = Math.min(...slots.map((s) => s.capacity));
    const previousMax = Math.max(...slots.map((s) => s.capacity));
    await execute(
      tx,
      sql`update slots set capacity = ${p.capacity} where id in (${sql.join(
        slots.map((s) => sql`${s.id}`),
        sql`, `,
      )})`,
    );
    await execute(
      tx,
      sql`insert into capacity_changes (clinic_id, date, previous_min, previous_max, capacity, slots, operator, reason, changed_at)
          values (${p.clinicId}, ${p.date}, ${previousMin}, ${previousMax}, ${p.capacity}, ${slots.length}, ${p.operator}, ${p.reason}, ${instant(p.now)})`,
    );
    return { slots: slots.length, previousMin, previousMax };
  });
}

/** A recorded capacity change, as the operator page lists it. */
export interface CapacityAudit {
  clinicId: number;
  clinic: string;
  date: string;
  previousMin: number;
  previousMax: number;
  capacity: number;
  operator: string;
  reason: string;
  changedAt: Date;
}

/** The latest capacity changes, newest first. */
export async function recentCapacityChanges(db: Db, limit = 20): Promise<CapacityAudit[]> {
  const list = await query(
    db,
    z.object({
      clinic_id: col.int,
      clinic: col.text,
      date: col.text,
      previous_min: col.int,
      previous_max: col.int,
      capacity: col.int,
      operator: col.text,
      reason: col.text,
      changed_at: col.instant,
    }),
    sql`select x.clinic_id, c.name as clinic, x.date::text, x.previous_min, x.previous_max, x.capacity, x.operator, x.reason, x.changed_at
        from capacity_changes x join clinics c on c.id = x.clinic_id order by x.id desc limit ${limit}`,
  );
  return list.map((a) => ({
    clinicId: a.clinic_id,
    clinic: a.clinic,
    date: a.date,
    previousMin: a.previous_min,
    previousMax: a.previous_max,
    capacity: a.capacity,
    operator: a.operator,
    reason: a.reason,
    changedAt: a.changed_at,
  }));
}
