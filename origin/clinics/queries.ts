/**
 * Clinic search, the read path every visitor takes: one indexed SQL statement per search, never a query
 * per clinic, and none on a day no clinic works (clinics/calendar.ts). Free places = capacity − taken −
 * active holds (holds whose expiry is still ahead), so an expired hold frees its place with no job to run.
 * A clinic closed that day (clinic_closures) is left out. Results come in the order people want them: the
 * earliest free time first, then the most free places. Times are Asia/Seoul.
 */
import { type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { col, type Db, instant, query } from "../db";
import { isOpenDay } from "./calendar";

export interface ClinicResult {
  id: number;
  name: string;
  address: string;
  vaccine: string;
  freeSlots: number;
  firstFreeTime: string;
}

export interface SlotResult {
  id: number;
  time: string;
  startsAt: string;
  free: number;
}

/** [start, end) of a Seoul calendar day. */
function seoulDay(date: string): [Date, Date] {
  const start = new Date(`${date}T00:00:00+09:00`);
  return [start, new Date(start.getTime() + 86_400_000)];
}

export interface SearchParams {
  /** the 시/군/구 to search (a 시/도 is resolved to its 시/군/구 by the caller, from the cached regions) */
  regionCodes: string[];
  date: string;
  vaccine?: string;
  now: Date;
}

/** The search statement itself (the benchmark runs this very SQL through a bare client). */
export function searchClinicsSql(params: SearchParams): SQL {
  const [dayStart, dayEnd] = seoulDay(params.date);
  return sql`
      select c.id, c.name, c.address, c.phone, c.vaccine_code as vaccine,
             sum(f.free)::int as free_slots,
             to_char(min(s.starts_at) filter (where f.free > 0) at time zone 'Asia/Seoul', 'HH24:MI') as first_free
      from clinics c
      join slots s on s.clinic_id = c.id and s.starts_at >= ${instant(dayStart)} and s.starts_at < ${instant(dayEnd)} and s.starts_at > ${instant(params.now)}
      -- "offset 0" keeps the planner from inlining this into each use of f.free: one holds probe per slot
      cross join lateral (
        select s.capacity - s.taken
               - (select count(*) from holds h where h.slot_id = s.id and h.expires_at > ${instant(params.now)})::int as free
        offset 0
      ) f
      where c.region_code in ${params.regionCodes}
        ${params.vaccine ? sql`and c.vaccine_code = ${params.vaccine}` : sql``}
        and not exists (select 1 from clinic_closures cc where cc.clinic_id = c.id and cc.date = ${params.date}::date)
      group by c.id
      having sum(f.free) > 0
      order by min(s.starts_at) filter (where f.free > 0), sum(f.free) desc, c.name, c.id`;
}

/** Clinics in the given 시/군/구 with free places on `date`, at times still ahead of `now`, best first. */
/** One row of a search, as the statement answers it (declared once: a search is the hottest read). */
const SEARCH_ROW = z.object({
  id: col.int,
  name: col.text,
  address: col.text,
  vaccine: col.text,
  free_slots: col.int,
  first_free: col.text,
});

export async function searchClinics(db: Db, params: SearchParams): Promise<ClinicResult[]> {
  if (!isOpenDay(params.date)) return [];
  const result = await query(db, SEARCH_ROW, searchClinicsSql(params));
  return result.map((r) => ({
    id: r.id,
    name: r.name,
    address: r.address,
    vaccine: r.vaccine,
    freeSlots: r.free_slots,
    firstFreeTime: r.first_free,
  }));
}

/**
 * A clinic and its times on `date` with what is left of each (after `now`); none on a day it does not work
 * (a weekend, a holiday, its own closure); null if no such clinic.
 */
export async function clinicSlots(
  db: Db,
  params: { clinicId: number; date: string; now: Date },
): Promise<{ clinic: { id: number; name: string; address: string; phone: string; vaccine: string }; slots: SlotResult[] } | null> {
  const [dayStart, dayEnd] = seoulDay(params.date);
  const result = await query(
    db,
    z.object({
      id: col.int,
      name: col.text,
      address: col.text,
      phone: col.text,
      vaccine: col.text,
      slot_id: col.int.nullable(),
      starts_at: col.instant.nullable(),
      time: col.text.nullable(),
      free: col.int.nullable(),
    }),
    sql`
      select c.id, c.name, c.address, c.phone, c.vaccine_code as vaccine,
             s.id as slot_id, s.starts_at,
             to_char(s.starts_at at time zone 'Asia/Seoul', 'HH24:MI') as time,
             s.capacity - s.taken
               - (select count(*) from holds h where h.slot_id = s.id and h.expires_at > ${instant(params.now)})::int as free
      from clinics c
      left join slots s on s.clinic_id = c.id and s.starts_at >= ${instant(dayStart)} and s.starts_at < ${instant(dayEnd)} and s.starts_at > ${instant(params.now)}
        and not exists (select 1 from clinic_closures cc where cc.clinic_id = c.id and cc.date = ${params.date}::date)
      where c.id = ${params.clinicId}
      order by s.starts_at`,
  );
  const first = result[0];
  if (!first) return null;
  const open = isOpenDay(params.date);
  return {
    clinic: { id: first.id, name: first.name, address: first.address, phone: first.phone, vaccine: first.vaccine },
    slots: open
      ? result.flatMap((r) =>
          r.slot_id !== null && r.starts_at !== null && r.time !== null && r.free !== null
            ? [{ id: r.slot_id, time: r.time, startsAt: r.starts_at.toISOString(), free: r.free }]
            : [],
        )
      : [],
  };
}

export interface RegionTree {
  code: string;
  name: string;
  nameEn: string;
  districts: { code: string; name: string; nameEn: string }[];
}

export async function regionTree(db: Db): Promise<RegionTree[]> {
  const all = await query(
    db,
    z.object({ code: col.text, name: col.text, name_en: col.text, level: col.int, parent_code: col.text.nullable() }),
    sql`select code, name, name_en, level, parent_code from regions order by code`,
  );
  const top = new Map<string, RegionTree>();
  for (const r of all) if (r.level === 1) top.set(r.code, { code: r.code, name: r.name, nameEn: r.name_en, districts: [] });
  for (const r of all)
    if (r.level === 2 && r.parent_code) top.get(r.parent_code)?.districts.push({ code: r.code, name: r.name, nameEn: r.name_en });
  return [...top.values()];
}

/** Each vaccine's code with its names in English and Korean, for what people read. */
export async function vaccineNames(db: Db): Promise<Map<string, { en: string; ko: string }>> {
  const list = await query(
    db,
    z.object({ code: col.text, name: col.text, name_ko: col.text }),
    sql`select code, name, name_ko from vaccines order by code`,
  );
  return new Map(list.map((v) => [v.code, { en: v.name, ko: v.name_ko }]));
}
