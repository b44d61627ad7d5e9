/**
 * A capacity change as the operator API (JSON) or the page's form (text fields) sends it, read into its
 * values or the fields that are wrong: the clinic id must fit its integer column, the date must exist on
 * the calendar, the capacity is a whole number 0–500, and the reason (stored in the audit) is 3–200
 * characters without control characters.
 */
import { isCalendarDate } from "../clinics/dates";
import { parseId } from "../ids";

export const MAX_CAPACITY = 500;
export const REASON_MIN = 3;
export const REASON_MAX = 200;

export type CapacityField = "clinicId" | "date" | "capacity" | "reason";
export type CapacityInput = { clinicId: number; date: string; capacity: number; reason: string };

export function readCapacityChange(body: unknown): { ok: true; value: CapacityInput } | { ok: false; fields: CapacityField[] } {
  const b: Record<string, unknown> = body && typeof body === "object" && !Array.isArray(body) ? { ...body } : {};
  const clinicId = parseId(b.clinicId, "integer");
  const date = isCalendarDate(b.date) ? b.date : null;
  const capacityText = typeof b.capacity === "string" ? b.capacity.trim() : b.capacity;
  const capacity =
    typeof capacityText === "number"
      ? capacityText
      : typeof capacityText === "string" && /^\d{1,4}$/.test(capacityText)
        ? Number(capacityText)
        : NaN;
  const reason = typeof b.reason === "string" ? b.reason.normalize("NFC").trim() : "";
  const fields: CapacityField[] = [];
  if (clinicId === null) fields.push("clinicId");
  if (date === null) fields.push("date");
  if (!Number.isInteger(capacity) || capacity < 0 || capacity > MAX_CAPACITY) fields.push("capacity");
  if (reason.length < REASON_MIN || reason.length > REASON_MAX || /[\p{Cc}\p{Cs}]/u.test(reason)) fields.push("reason");
  if (clinicId === null || date === null || fields.length) return { ok: false, fields };
  return { ok: true, value: { clinicId, date, capacity, reason } };
}
