/**
 * The national calendar of clinic days: weekdays that are not Korea's public holidays. The holidays,
 * substitute holidays (대체공휴일) and election days included, come from the maintained package
 * @hyunbinseo/holidays-kr (the official 월력요항, one table per year; it holds 2018–2027 at version
 * 5.2027.1), loaded once, synchronously, into a map of YYYY-MM-DD → names.
 *
 * Every part of the system asks `isOpenDay` (the seed, the date list, clinic search, holds, dose placement);
 * a clinic's own closures come on top (booking/schedule.ts).
 *
 * A year the package does not hold yet is unknown, and an unknown day counts as closed: no slot is opened
 * and no dose is placed on a day that might turn out to be a holiday. Updating the package opens the year.
 */
import * as years from "@hyunbinseo/holidays-kr/all";
import { addDays } from "./dates";

const NAMES = new Map<string, readonly string[]>(Object.values(years).flatMap((y) => Object.entries(y)));
const COVERED = Object.keys(years)
  .map((k) => Number(k.slice(1)))
  .sort((a, b) => a - b);

/** The first and last year the holiday data covers. */
export const HOLIDAY_YEARS = { first: COVERED[0]!, last: COVERED[COVERED.length - 1]! };

/** Does the holiday data cover this date's year (YYYY-MM-DD)? */
export function holidaysKnown(date: string): boolean {
  return COVERED.includes(Number(date.slice(0, 4)));
}

/** The holiday's names (Korean) on a date, or null on a day that is not one. */
export function holidayNames(date: string): readonly string[] | null {
  return NAMES.get(date) ?? null;
}

/** Is a date (YYYY-MM-DD) Monday to Friday? */
export function isWeekday(date: string): boolean {
  const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
  return dow !== 0 && dow !== 6;
}

/** Why no clinic works on a date (YYYY-MM-DD), or null on an open day (before each clinic's own closures). */
export function closedReason(date: string): { code: "weekend" | "holiday" | "holidays_unknown"; names: readonly string[] } | null {
  if (!isWeekday(date)) return { code: "weekend", names: [] };
  if (!holidaysKnown(date)) return { code: "holidays_unknown", names: [] };
  const names = holidayNames(date);
  return names ? { code: "holiday", names } : null;
}

/** Do clinics work on this date (before their own closures)? */
export function isOpenDay(date: string): boolean {
  return closedReason(date) === null;
}

/** The first open day on or after a date (YYYY-MM-DD), looking at most `days` ahead; null if none. */
export function nextOpenDay(date: string, days = 31): string | null {
  for (let d = date, i = 0; d && i < days; d = addDays(d, 1), i++) if (isOpenDay(d)) return d;
  return null;
}
