/**
 * Per-client limits share two things: who the client is, and how a refusal reads. The counts themselves
 * live with the rows they count (identity challenges, failed lookups), so every origin process agrees.
 */
import type { Context } from "hono";
import { AppError } from "../lib/errors";
import { seoulTime } from "./clinics/dates";

/** The visitor's address as the edge forwarded it (X-Forwarded-For), else "direct". */
export function clientKey(c: Context): string {
  return c.req.header("x-forwarded-for")?.split(",")[0]?.trim() || "direct";
}

/** 429 `too_many_requests`: says what was limited, and when the oldest counted attempt leaves the window. */
export function tooMany(p: { oldest: Date; now: Date; windowMs: number; what: string }): AppError {
  const retryAt = new Date(p.oldest.getTime() + p.windowMs);
  const seconds = Math.max(1, Math.ceil((retryAt.getTime() - p.now.getTime()) / 1000));
  return new AppError(
    "too_many_requests",
    429,
    `${p.what} Try again after ${seoulTime(retryAt)} (Korea time), in about ${Math.ceil(seconds / 60)} min.`,
    { retryAfterSeconds: seconds },
  );
}
