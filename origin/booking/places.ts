/**
 * Places left in the booking window open now, for the edge's honest stop: Σ free places (capacity − taken −
 * active holds) over the slots still bookable, i.e. from now (Seoul) to the end of the booking horizon, of the
 * vaccines the open cohort windows allow (every vaccine when an open window names none), leaving out clinics'
 * own closure days. No window open: nobody can book, so none are left. Beside it, the open window (the one
 * that closes last) and when the next window opens. One aggregate statement; its answer is kept per process
 * and database for PLACES_TTL_MS, since the edge asks every few seconds and a place taken shows soon enough.
 * The statement reads the earliest COUNT_SLOTS slots that still have a place (the partial index
 * `slots_open_idx` holds only those), so it costs the same with millions of places left as with a few: the
 * count is exact when fewer slots than that have places, and a lower bound (`atLeast`) otherwise. Whether
 * any place is left, which is what stops the line, is always exact.
 */
import { sql } from "drizzle-orm";
import { z } from "zod";
import { addDays, seoulDate } from "../clinics/dates";
import { col, type Db, instant, queryOne } from "../db";

export interface PlacesReport {
  placesLeft: number;
  /** more places than `placesLeft` are left (the count stopped at COUNT_SLOTS slots) */
  atLeast: boolean;
  /** the booking window open now (the one closing last, when several are), null when none is */
  window: { id: number; closesAt: string } | null;
  /** when the next booking window opens (ISO), null when none is set */
  nextOpensAt: string | null;
}

export interface PlacesParams {
  now: Date;
  /** days from today (Seoul) that can be booked, today included (the origin's BOOKING_HORIZON_DAYS) */
  horizonDays: number;
  /** the most slots the count reads (COUNT_SLOTS) */
  countSlots?: number;
}

/** The most slots the count reads. */
export const COUNT_SLOTS = 500;

/** How long a process keeps an answer (ms). */
export const PLACES_TTL_MS = 2000;

const cache = new WeakMap<Db, { at: number; horizonDays: number; value: Promise<PlacesReport> }>();

/** Drops this process's kept answer for `db`, so the next call reads the database. */
export function forgetPlaces(db: Db): void {
  cache.delete(db);
}

/** The places left, the open window and the next opening, read from the database now. */
export async function readPlaces(db: Db, p: PlacesParams): Promise<PlacesReport> {
  const countSlots = p.countSlots ?? COUNT_SLOTS;
  const now = instant(p.now);
  // The end of the horizon's last day, Seoul midnight.
  const horizonEnd = instant(new Date(`${addDays(seoulDate(p.now), p.horizonDays)}T00:00:00+09:00`));
  const row = await queryOne(
    db,
    z.object({
      capacity_left: col.int,
      counted: col.int,
      held: col.int,
      window_id: col.int.nullable(),
      closes_at: col.instant.nullable(),
      next_opens_at: col.instant.nullable(),
    }),
    sql`
      with open_windows as (
        select id, closes_at, vaccine_code from cohort_windows where opens_at <= ${now} and closes_at > ${now}
      ),
      bookable as (
        select s.id, s.capacity - s.taken as left_over
        from slots s
        where s.taken < s.capacity and s.starts_at > ${now} and s.starts_at < ${horizonEnd}
          and exists (select 1 from open_windows)
          and exists (select 1 from open_windows w where w.vaccine_code is null or w.vaccine_code = s.vaccine_code)
          and not exists (
            select 1 from clinic_closures cc
            where cc.clinic_id = s.clinic_id and cc.date = (s.starts_at at time zone 'Asia/Seoul')::date)
        order by s.starts_at
        limit ${countSlots}
      )
      select
        (select coalesce(sum(left_over), 0) from bookable)::bigint as capacity_left,
        (select count(*) from bookable)::bigint as counted,
        (select count(*) from holds h join bookable b on b.id = h.slot_id where h.expires_at > ${now})::bigint as held,
        (select id from open_windows order by closes_at desc, id limit 1) as window_id,
        (select closes_at from open_windows order by closes_at desc, id limit 1) as closes_at,
        (select min(opens_at) from cohort_windows where opens_at > ${now}) as next_opens_at`,
  );
  const r = row!;
  return {
    placesLeft: Math.max(0, r.capacity_left - r.held),
    atLeast: r.counted >= countSlots,
    window: r.window_id !== null && r.closes_at !== null ? { id: r.window_id, closesAt: r.closes_at.toISOString() } : null,
    nextOpensAt: r.next_opens_at?.toISOString() ?? null,
  };
}

/** The places report, kept per process for PLACES_TTL_MS (a failed read is not kept). */
export function placesReport(db: Db, p: PlacesParams): Promise<PlacesReport> {
  const t = performance.now();
  let kept = cache.get(db);
  if (!kept || t - kept.at > PLACES_TTL_MS || kept.horizonDays !== p.horizonDays) {
    kept = { at: t, horizonDays: p.horizonDays, value: readPlaces(db, p) };
    const mine = kept;
    mine.value.catch(() => {
      if (cache.get(db) === mine) cache.delete(db);
    });
    cache.set(db, kept);
  }
  return kept.value;
}

/** Σ free places in the booking window open now, up to the booking horizon (0 when no window is open). */
export async function placesLeft(db: Db, p: PlacesParams): Promise<number> {
  return (await placesReport(db, p)).placesLeft;
}

/** When the next booking window opens (null when none is set). */
export async function nextOpening(db: Db, p: PlacesParams): Promise<Date | null> {
  const next = (await placesReport(db, p)).nextOpensAt;
  return next === null ? null : new Date(next);
}
