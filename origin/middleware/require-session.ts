/**
 * Booking routes need a verified person: the signed `sid` cookie set by /api/identity/verify, whose
 * token (stored only as its SHA-256) names an unexpired session. No session: 401 `no_session`; an
 * expired or unknown one: 401 `session_expired`. Both tell the person to verify again.
 *
 * The rules of a session's life live here: it lasts SESSION_TTL from verification; the person may extend
 * it (the timeout warning's "continue") to SESSION_TTL from then, never past SESSION_MAX_MS after
 * verification. The cookie outlives the longest session by SESSION_COOKIE_GRACE_MS, so a request after the
 * end still carries it and is told "expired", not taken for someone who never verified.
 */
import { createHash } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { getSignedCookie } from "hono/cookie";
import { AppError } from "../../lib/errors";
import type { Db } from "../db";
import { extendSession, liveSession } from "../identity/queries";
import type { OriginEnv, SessionInfo } from "../types";

/** The signed cookie that carries the session's token (set by /api/identity/verify). */
export const SESSION_COOKIE = "sid";

/** The longest a session runs from verification, however often it is extended (at least SESSION_TTL). */
export const SESSION_MAX_MS = 60 * 60_000;
/** How long the session cookie outlives the longest session. */
export const SESSION_COOKIE_GRACE_MS = 60 * 60_000;

/** The session's hard maximum from verification under this configuration. */
export const sessionMaxMs = (ttlMs: number) => Math.max(ttlMs, SESSION_MAX_MS);

/** The session cookie's max-age in seconds: past the longest session, by the grace. */
export const sessionCookieMaxAge = (ttlMs: number) => Math.floor((sessionMaxMs(ttlMs) + SESSION_COOKIE_GRACE_MS) / 1000);

/** Extends a live session within the rules; null when it has already ended. */
export function extendSessionLife(db: Db, p: { tokenHash: string; now: Date; ttlMs: number }): Promise<Date | null> {
  return extendSession(db, { ...p, maxMs: sessionMaxMs(p.ttlMs) });
}

/** The session the request's `sid` cookie names: `none` without a cookie, `expired` for an unknown or ended one. */
export async function findSession(c: Context, opts: { db: Db; secret: string; now: Date }): Promise<SessionInfo | "none" | "expired"> {
  const token = await getSignedCookie(c, opts.secret, SESSION_COOKIE);
  if (!token) return "none";
  const tokenHash = createHash("sha256").update(token).digest("base64url");
  const session = await liveSession(opts.db, { tokenHash, now: opts.now });
  if (!session) return "expired";
  return {
    tokenHash,
    personId: session.person_id,
    subjectId: session.subject_id,
    subjectBirthDate: session.birth_date,
    expiresAt: session.expires_at,
    verifiedAt: session.created_at,
  };
}

export function requireSession(opts: { db: Db; secret: string; clock: () => number }): MiddlewareHandler<OriginEnv> {
  return async (c, next) => {
    const session = await findSession(c, { db: opts.db, secret: opts.secret, now: new Date(opts.clock()) });
    if (session === "none") throw new AppError("no_session", 401, "Please verify your identity first.");
    if (session === "expired") throw new AppError("session_expired", 401, "Your session has ended; please verify your identity again.");
    c.set("session", session);
    await next();
  };
}
