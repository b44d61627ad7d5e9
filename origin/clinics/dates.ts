/** Booking dates: calendar days in Asia/Seoul, from today up to the booking horizon. */
import { AppError } from "../../lib/errors";

/** YYYY-MM-DD of an instant, in Asia/Seoul (UTC+9, no daylight saving). */
export function seoulDate(t: Date): string {
  return new Date(t.getTime() + 9 * 3600_000).toISOString().slice(0, 10);
}

/** HH:MM (24-hour) of an instant, in Asia/Seoul (arithmetic: Intl time-zone formatting costs ~0.1 ms a call). */
export function seoulTime(t: Date): string {
  return new Date(t.getTime() + 9 * 3600_000).toISOString().slice(11, 16);
}

/** The calendar day `days` after `date` (YYYY-MM-DD); "" for something that is not a date. */
export function addDays(date: string, days: number): string {
  const t = Date.parse(`${date}T00:00:00Z`);
  return Number.isNaN(t) ? "" : new Date(t + days * 86_400_000).toISOString().slice(0, 10);
}

export function parseBookingDate(value: string | undefined, now: Date, horizonDays: number): string {
  const real = value !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(value) && addDays(value, 0) === value;
  if (!real) throw new AppError("bad_date", 400, "date must be a calendar date written YYYY-MM-DD, e.g. 2021-07-26.");
  const today = seoulDate(now);
  if (value < today) throw new AppError("date_past", 400, `That date has passed; choose ${today} or later.`);
  const last = addDays(today, horizonDays - 1);
  if (value > last) {
    throw new AppError("date_beyond_horizon", 400, `Bookings are open up to ${horizonDays} days ahead: choose a date until ${last}.`);
  }
  return value;
}
