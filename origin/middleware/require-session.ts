/**
 * Booking routes need a verified person: the signed `sid` cookie set by /api/identity/verify, whose
 * token (stored only as its SHA-256) names an unexpired session. No session: 401 `no_session`; an
 * expired or unknown one: 401 `session_expired`. Both tell the person to verify again.
 */
import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Context, MiddlewareHandler } from "hono";
import { getSignedCookie } from "hono/cookie";
import { AppError } from "../../lib/errors";
import { instant, rows, type Db } from "../db";
import { SESSION_COOKIE } from "../routes/identity";
import type { OriginEnv, SessionInfo } from "../types";

/** The session the request's `sid` cookie names: `none` without a cookie, `expired` for an unknown or ended one. */
export async function findSession(c: Context, opts: { db: Db; secret: string; now: Date }): Promise<SessionInfo | "none" | "expired"> {
  const token = await getSignedCookie(c, opts.secret, SESSION_COOKIE);
  if (!token) return "none";
  const tokenHash = createHash("sha256").update(token).digest("base64url");
  const [session] = await rows<{ person_id: number; subject_id: number | null; birth_date: string; expires_at: string | Date }>(
    opts.db,
    sql`select s.person_id, s.subject_id, p.birth_date::text, s.expires_at
        from sessions s join people p on p.id = coalesce(s.subject_id, s.person_id)
        where s.token_hash = ${tokenHash} and s.expires_at > ${instant(opts.now)}`,
  );
  if (!session) return "expired";
  return {
    tokenHash,
    personId: session.person_id,
    subjectId: session.subject_id,
    subjectBirthDate: session.birth_date,
    expiresAt: new Date(session.expires_at),
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
