/**
 * What operators watch on the night, as plain queries over the database: bookings per minute, places
 * overbooked (must stay 0), how full the slots are by 시/도 and date, and identity checks started and
 * completed. Each is one statement.
 */
import { type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { col, type Db, instant, query, queryOne } from "../db";

/** A statement of one row of counts (an aggregate always answers one). */
async function counts<Row extends z.ZodRawShape>(db: Db, shape: Row, statement: SQL): Promise<z.infer<z.ZodObject<Row>>> {
  const r = await queryOne(db, z.object(shape), statement);
  if (!r) throw new Error("An aggregate answered no row.");
  return r;
}

/** Confirmed bookings per minute over the last `minutes` (Seoul minute, oldest first; empty minutes are 0). */
export async function bookingsPerMinute(db: Db, p: { now: Date; minutes: number }): Promise<{ minute: string; count: number }[]> {
  const since = new Date(Math.floor(p.now.getTime() / 60_000) * 60_000 - (p.minutes - 1) * 60_000);
  const list = await query(
    db,
    z.object({ minute: col.instant, count: col.int }),
    sql`select date_trunc('minute', created_at) as minute, count(*)::int as count
        from reservations where created_at >= ${instant(since)} group by 1`,
  );
  const perMinute = new Map(list.map((r) => [r.minute.getTime(), r.count]));
  return Array.from({ length: p.minutes }, (_, i) => {
    const t = since.getTime() + i * 60_000;
    return { minute: new Date(t + 9 * 3600_000).toISOString().slice(11, 16), count: perMinute.get(t) ?? 0 };
  });
}

/**
 * Slots holding more people than their capacity: by the counter (taken) or by the active doses that point
 * at them. Either would be an overbooking; the answer must be 0.
 */
export async function overbookedSlots(db: Db): Promise<number> {
  const r = await counts(
    db,
    { n: col.int },
    sql`select count(*)::int as n from slots s
        left join (select slot_id, count(*) as active from reservation_doses where status = 'active' group by slot_id) d on d.slot_id = s.id
        where s.taken > s.capacity or coalesce(d.active, 0) > s.capacity`,
  );
  return r.n;
}

export async function reservationCounts(db: Db): Promise<{ active: number; cancelled: number }> {
  return counts(
    db,
    { active: col.int, cancelled: col.int },
    sql`select count(*) filter (where cancelled_at is null)::int as active, count(*) filter (where cancelled_at is not null)::int as cancelled from reservations`,
  );
}

/** Capacity and places taken by 시/도 and Seoul date, from `from` for `days` days. */
export async function fillByRegionAndDate(
  db: Db,
  p: { from: string; days: number },
): Promise<{ region: string; name: string; date: string; capacity: number; taken: number }[]> {
  const start = new Date(`${p.from}T00:00:00+09:00`);
  const end = new Date(start.getTime() + p.days * 86_400_000);
  return query(
    db,
    z.object({ region: col.text, name: col.text, date: col.text, capacity: col.int, taken: col.int }),
    sql`select top.code as region, top.name, to_char(s.starts_at at time zone 'Asia/Seoul', 'YYYY-MM-DD') as date,
               sum(s.capacity)::int as capacity, sum(s.taken)::int as taken
        from slots s join clinics c on c.id = s.clinic_id join regions d on d.code = c.region_code join regions top on top.code = d.parent_code
        where s.starts_at >= ${instant(start)} and s.starts_at < ${instant(end)}
        group by 1, 2, 3 order by 1, 3`,
  );
}

/** Identity checks in the last `windowMs`: codes sent, completed, and challenges killed by wrong codes. */
export async function identityCounts(
  db: Db,
  p: { now: Date; windowMs: number },
): Promise<{ started: number; verified: number; lockedOut: number }> {
  const r = await counts(
    db,
    { started: col.int, verified: col.int, locked: col.int },
    sql`select count(*)::int as started, count(verified_at)::int as verified, count(*) filter (where attempts >= 5 and verified_at is null)::int as locked
        from identity_challenges where created_at > ${instant(new Date(p.now.getTime() - p.windowMs))}`,
  );
  return { started: r.started, verified: r.verified, lockedOut: r.locked };
}
