/**
 * Which errors mean "the database is out of reach for a moment" rather than "this request went wrong":
 * a connection lost, refused, reset or ended (postgres.js and Node socket codes), and the server saying
 * it is shutting down, restarting or full (SQLSTATE 57P01-57P03, 53300, class 08). drizzle wraps a
 * driver error in its own (`cause`), so the whole cause chain is looked at. The origin answers these
 * with `503 database_unavailable` and Retry-After: the driver reconnects by itself, and a transaction
 * cut off this way is rolled back by the server, so retrying is safe (a booking retried with its
 * Idempotency-Key returns the one reservation if the first attempt did commit). Also here: how errors are
 * written to the log (one line, no statement parameters, no resident numbers), and the throttle that keeps
 * an outage from printing a line per request.
 */
import { AppError } from "../../lib/errors";

/** Seconds a client should wait before retrying; the pool reconnects well within this. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

/** Error codes of a lost or refused connection: postgres.js's own, and Node's socket errors. */
const CONNECTION_CODES = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);

/** SQLSTATEs of a server that is going away or cannot take us now (class 08 is matched by prefix). */
const SQLSTATES = new Set([
  "57P01", // admin_shutdown: pg_terminate_backend, a fast shutdown, a failover
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now: starting up or in recovery
  "53300", // too_many_connections
]);

function unavailableCode(code: unknown): boolean {
  return typeof code === "string" && (CONNECTION_CODES.has(code) || SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code));
}

/** True when `err`, or an error it wraps (drizzle's `cause`, an AggregateError's `errors`), has a code `matches` accepts. */
function someCode(err: unknown, matches: (code: unknown) => boolean): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0 && seen.size < 16) {
    const e = queue.shift();
    if (!e || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    if (matches((e as { code?: unknown }).code)) return true;
    queue.push((e as { cause?: unknown }).cause);
    // Node reports a refused connection to a host with several addresses as an AggregateError
    const inner = (e as { errors?: unknown }).errors;
    if (Array.isArray(inner)) queue.push(...inner);
  }
  return false;
}

/** True when `err`, or an error it wraps, says the database connection was lost or refused. */
export function isDatabaseUnavailable(err: unknown): boolean {
  return someCode(err, unavailableCode);
}

/**
 * True when the server rolled a transaction back to break a deadlock (40P01) or a serialization conflict
 * (40001): nothing of it was committed, and running it again is the remedy.
 */
export function isTransactionConflict(err: unknown): boolean {
  return someCode(err, (code) => code === "40P01" || code === "40001");
}

/** The answer to a request the database could not serve just now. */
export function databaseUnavailable(): AppError {
  return new AppError("database_unavailable", 503, "The booking database is unavailable for a moment. Please try again in a few seconds.", {
    retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS,
  });
}

let quietUntil = 0;
let unlogged = 0;

/**
 * Logs a request cut off by the database, at most one line a second: an outage under load would
 * otherwise print a line for every request in flight (the count of the others goes in the next line).
 */
export function logUnavailable(err: unknown, now = Date.now()): void {
  if (now < quietUntil) {
    unlogged++;
    return;
  }
  console.error(`database unavailable: ${describeError(err)}${unlogged > 0 ? ` (and ${unlogged} more requests before this one)` : ""}`);
  unlogged = 0;
  quietUntil = now + 1000;
}

/** Anything shaped like a resident registration number (6 + 7 digits), blanked out. */
const RRN_LIKE = /\d{6}\s*-?\s*\d{7}/g;

/**
 * One line about an error for the logs: its name and code and the first line of the innermost cause's
 * message. drizzle's own message repeats the failed statement with its parameters (names, phone numbers,
 * hashes), so a wrapper's message is never printed; whatever is printed has resident-number-shaped
 * digits blanked (a parser's message can quote its input).
 */
export function describeError(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; depth < 8 && e && typeof e === "object" && (e as { cause?: unknown }).cause; depth++)
    e = (e as { cause: unknown }).cause;
  const wrapper = err !== e && err instanceof Error ? `${err.name} <- ` : "";
  const code = e && typeof e === "object" ? (e as { code?: unknown }).code : undefined;
  const text =
    e instanceof Error
      ? `${e.name}${typeof code === "string" ? ` ${code}` : ""}: ${e.message.split("\n")[0]!.slice(0, 300)}`
      : String(e).split("\n")[0]!.slice(0, 300);
  return `${wrapper}${text}`.replace(RRN_LIKE, "[redacted]");
}
