/**
 * Who may book now, decided by the server's clock from the cohort windows (data, not code): a window
 * matches a person by birth-date range and, for the '10부제', the last digit of the day of birth.
 */
import { sql } from "drizzle-orm";
import { z } from "zod";
import { col, type Db, query } from "../db";

export interface CohortWindow {
  id: number;
  name: string;
  nameKo: string;
  birthFrom: string;
  birthTo: string;
  birthDayDigit: number | null;
  opensAt: Date;
  closesAt: Date;
  vaccineCode: string | null;
  allowProxy: boolean;
}

export interface WindowView {
  id: number;
  name: string;
  nameKo: string;
  opensAt: string;
  closesAt: string;
  vaccine: string | null;
  allowProxy: boolean;
}

export type Eligibility =
  | { eligible: true; window: WindowView }
  | { eligible: false; reason: "not_open_yet"; window: WindowView; opensAt: string }
  | { eligible: false; reason: "window_closed"; window: WindowView }
  | { eligible: false; reason: "not_in_cohort"; window: null };

const view = (w: CohortWindow): WindowView => ({
  id: w.id,
  name: w.name,
  nameKo: w.nameKo,
  opensAt: w.opensAt.toISOString(),
  closesAt: w.closesAt.toISOString(),
  vaccine: w.vaccineCode,
  allowProxy: w.allowProxy,
});

export function matches(w: CohortWindow, birthDate: string): boolean {
  if (birthDate < w.birthFrom || birthDate > w.birthTo) return false;
  return w.birthDayDigit === null || Number(birthDate.slice(8, 10)) % 10 === w.birthDayDigit;
}

export function evaluateEligibility(windows: CohortWindow[], birthDate: string, now: Date): Eligibility {
  const mine = windows.filter((w) => matches(w, birthDate));
  const open = mine.filter((w) => w.opensAt <= now && now < w.closesAt).sort((a, b) => +b.closesAt - +a.closesAt);
  if (open[0]) return { eligible: true, window: view(open[0]) };
  const next = mine.filter((w) => w.opensAt > now).sort((a, b) => +a.opensAt - +b.opensAt)[0];
  if (next) return { eligible: false, reason: "not_open_yet", window: view(next), opensAt: next.opensAt.toISOString() };
  const last = mine.sort((a, b) => +b.closesAt - +a.closesAt)[0];
  if (last) return { eligible: false, reason: "window_closed", window: view(last) };
  return { eligible: false, reason: "not_in_cohort", window: null };
}

/**
 * The windows are read at most every WINDOWS_TTL_MS per process (every hold and booking asks). Only the
 * rows are cached, never a decision: opening and closing times are compared with `now` on every call,
 * so a window opens on the second; an edit to the windows themselves shows within the TTL, or at once
 * where the editor calls `forgetCohortWindows`.
 */
export const WINDOWS_TTL_MS = 2000;
const windowCache = new WeakMap<Db, { at: number; value: Promise<CohortWindow[]> }>();

export function forgetCohortWindows(db: Db): void {
  windowCache.delete(db);
}

/** Whether the person born on `birthDate` may book at `now`, from the windows in the database. */
export async function currentEligibility(db: Db, birthDate: string, now: Date): Promise<Eligibility> {
  const t = performance.now();
  let cached = windowCache.get(db);
  if (!cached || t - cached.at > WINDOWS_TTL_MS) {
    cached = { at: t, value: cohortWindowList(db) };
    cached.value.catch(() => windowCache.delete(db));
    windowCache.set(db, cached);
  }
  return evaluateEligibility(await cached.value, birthDate, now);
}

export async function cohortWindowList(db: Db): Promise<CohortWindow[]> {
  const list = await query(
    db,
    z.object({
      id: col.int,
      name: col.text,
      name_ko: col.text,
      birth_from: col.text,
      birth_to: col.text,
      birth_day_digit: col.int.nullable(),
      opens_at: col.instant,
      closes_at: col.instant,
      vaccine_code: col.text.nullable(),
      allow_proxy: col.bool,
    }),
    sql`select id, name, name_ko, birth_from::text, birth_to::text, birth_day_digit, opens_at, closes_at, vaccine_code, allow_proxy from cohort_windows`,
  );
  return list.map((w) => ({
    id: w.id,
    name: w.name,
    nameKo: w.name_ko,
    birthFrom: w.birth_from,
    birthTo: w.birth_to,
    birthDayDigit: w.birth_day_digit,
    opensAt: w.opens_at,
    closesAt: w.closes_at,
    vaccineCode: w.vaccine_code,
    allowProxy: w.allow_proxy,
  }));
}
