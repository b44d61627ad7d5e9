/** The person's details as typed, checked before anything is stored or sent. Each rejection has a code. */
import type { Context } from "hono";
import { AppError } from "../../lib/errors";
import { seoulDate } from "../clinics/dates";
import { validateRrn } from "./rrn";

/** The request body as a JSON object, or 400 `bad_json`. */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  const body = await c.req.json().catch(() => null);
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw new AppError("bad_json", 400, "Send a JSON object as the request body.");
  }
  return body as Record<string, unknown>;
}

/** A resident registration number checked as of today in Seoul, or 400 with the validator's own code. */
export function parseRrn(value: unknown, now: Date) {
  const rrn = validateRrn(typeof value === "string" ? value : "", seoulDate(now));
  if (!rrn.ok) throw new AppError(rrn.code, 400, rrn.message, { field: "rrn" });
  return rrn;
}

/** Hangul or Latin letters, with spaces, dots, hyphens and apostrophes inside; 1–50 characters. */
export function parseName(value: unknown): string {
  const name = typeof value === "string" ? value.normalize("NFC").trim().replace(/\s+/g, " ") : "";
  if (!/^[가-힣A-Za-z](?:[가-힣A-Za-z .'-]{0,48}[가-힣A-Za-z.])?$/.test(name)) {
    throw new AppError(
      "name_invalid",
      400,
      "Enter the name as on the resident registration card: Hangul or Latin letters, 1–50 characters.",
      { field: "name" },
    );
  }
  return name;
}

/** A Korean mobile number (010, or the older 011/016/017/018/019), with or without hyphens; returns digits. */
export function parsePhone(value: unknown): string {
  const digits = typeof value === "string" ? value.replace(/[\s-]/g, "") : "";
  if (!/^01[016789]\d{7,8}$/.test(digits) || (digits.startsWith("010") && digits.length !== 11)) {
    throw new AppError("phone_invalid", 400, "Enter a Korean mobile number, e.g. 010-1234-5678.", { field: "phone" });
  }
  return digits;
}

/** Whether two names are the same person's as written: letters compared without spaces, dots, hyphens, apostrophes or case. */
export function sameName(a: string, b: string): boolean {
  const key = (s: string) =>
    s
      .normalize("NFC")
      .replace(/[\s.'-]/g, "")
      .toUpperCase();
  return key(a) === key(b);
}
