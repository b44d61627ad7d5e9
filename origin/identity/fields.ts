/** The person's details as typed, checked before anything is stored or sent. Each rejection has a code. */
import { AppError } from "../../lib/errors";

/** Hangul or Latin letters, with spaces, dots, hyphens and apostrophes inside; 1–50 characters. */
export function parseName(value: unknown): string {
  const name = typeof value === "string" ? value.normalize("NFC").trim().replace(/\s+/g, " ") : "";
  if (!/^[가-힣A-Za-z](?:[가-힣A-Za-z .'-]{0,48}[가-힣A-Za-z.])?$/.test(name)) {
    throw new AppError("name_invalid", 400, "Enter the name as on the resident registration card: Hangul or Latin letters, 1–50 characters.", { field: "name" });
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
