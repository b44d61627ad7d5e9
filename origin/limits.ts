/**
 * Limits share three things: who the client is, how long each limit looks back, and how a refusal reads.
 * The counts themselves live with the rows they count (identity challenges, failed lookups), so every
 * origin process agrees.
 *
 * The client is the address the edge signed (middleware/client-address.ts); anything else is one shared
 * `unverified` bucket, so a made-up X-Forwarded-For buys no fresh allowance.
 */
import type { Context } from "hono";
import { AppError } from "../lib/errors";
import { seoulTime } from "./clinics/dates";
import { UNVERIFIED_CLIENT } from "./middleware/client-address";
import type { OriginEnv } from "./types";

/** A limit: at most `max` counted events within the last `windowMs`. */
export interface Limit {
  max: number;
  windowMs: number;
}

/**
 * Reservation lookups (and cancel and change, which look up first) that matched nothing: per client, and
 * per reservation number and per resident number whoever asks, so neither a new address nor a new number
 * buys more guesses.
 */
export const LOOKUP_MISSES = {
  perClient: { max: 10, windowMs: 15 * 60_000 },
  perNumber: { max: 5, windowMs: 60 * 60_000 },
  perResident: { max: 5, windowMs: 60 * 60_000 },
} satisfies Record<string, Limit>;

/** No limit looks further back than this; rows a limit counts are kept at least this long. */
export const LONGEST_LIMIT_WINDOW_MS = 60 * 60_000;

/** The client's address as the edge vouched for it, else the shared `unverified` bucket. */
export function clientKey(c: Context<OriginEnv>): string {
  return c.get("client") ?? UNVERIFIED_CLIENT;
}

/**
 * 429 `too_many_requests`: says what was limited, and when the oldest counted attempt leaves the window
 * (`retryAt`, and `retryAfterSeconds`, which also becomes the Retry-After header).
 */
export function tooMany(p: { oldest: Date; now: Date; windowMs: number; what: string }): AppError {
  const retryAt = new Date(p.oldest.getTime() + p.windowMs);
  const seconds = Math.max(1, Math.ceil((retryAt.getTime() - p.now.getTime()) / 1000));
  return new AppError(
    "too_many_requests",
    429,
    `${p.what} Try again after ${seoulTime(retryAt)} (Korea time), in about ${Math.ceil(seconds / 60)} min.`,
    { retryAfterSeconds: seconds, retryAt: retryAt.toISOString() },
  );
}
