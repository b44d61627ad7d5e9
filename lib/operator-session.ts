/**
 * Operator sign-in, shared by the edge console (/_wr/admin) and the origin's /ops. An operator proves
 * itself with the operator token, either on every request (`Authorization: Bearer <token>`, for API
 * clients) or once at a sign-in form, which sets a session cookie: HttpOnly, SameSite=Strict, Secure over
 * https, limited to one path, signed (HMAC-SHA256) with the app's secret, its value `op:<expiry in ms>`.
 * The cookie's own Max-Age is only a hint to the browser; the signed expiry is what counts.
 * Tokens are compared in constant time. An empty configured token turns operator access off: nothing matches.
 * Cookie name, path, secret and clock are the caller's: each app passes its own.
 */
import type { Context, Env, MiddlewareHandler } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import { timingSafeEqual } from "hono/utils/buffer";
import { AppError } from "./errors";

export interface OperatorSignIn {
  /** The configured operator token; empty: operator access is off. */
  token: string;
  /** The key the session cookie is signed with. */
  secret: string;
  /** The session cookie's name. */
  cookie: string;
  /** The path the session cookie is limited to. */
  path: string;
  /** How long a session lasts (default 12 hours). */
  sessionSeconds?: number;
  /** The clock, in ms (default Date.now). */
  now?: () => number;
}

/** The sign-in settings, fixed or read per request (an app whose settings live in its bindings). */
export type OperatorSignInFor<E extends Env = Env> = OperatorSignIn | ((c: Context<E>) => OperatorSignIn);

export const DEFAULT_SESSION_SECONDS = 12 * 3600;
const BEARER = /^Bearer +(\S+) *$/i;
const WWW_AUTHENTICATE = 'Bearer realm="operators"';

/** Whether `given` is the configured token (constant time); never true when no token is configured. */
export async function operatorTokenMatches(given: unknown, token: string): Promise<boolean> {
  if (!token || typeof given !== "string") return false;
  return timingSafeEqual(given, token);
}

/** Sets the session cookie (after the token was checked). */
export async function startOperatorSession(c: Context, o: OperatorSignIn): Promise<void> {
  const seconds = o.sessionSeconds ?? DEFAULT_SESSION_SECONDS;
  const expires = (o.now ?? Date.now)() + seconds * 1000;
  await setSignedCookie(c, o.cookie, `op:${expires}`, o.secret, {
    path: o.path,
    httpOnly: true,
    sameSite: "Strict",
    secure: new URL(c.req.url).protocol === "https:",
    maxAge: seconds,
  });
}

/** Whether the request carries a session cookie with a valid signature that has not expired. */
export async function readOperatorSession(c: Context, o: OperatorSignIn): Promise<boolean> {
  if (!o.token) return false;
  const value = await getSignedCookie(c, o.secret, o.cookie);
  if (typeof value !== "string") return false;
  const m = /^op:(\d{1,16})$/.exec(value);
  return m !== null && Number(m[1]) > (o.now ?? Date.now)();
}

/** Clears the session cookie. */
export function endOperatorSession(c: Context, o: OperatorSignIn): void {
  deleteCookie(c, o.cookie, { path: o.path, secure: new URL(c.req.url).protocol === "https:" });
}

/**
 * Who the request is: "operator" with a right bearer token or a live session, "refused" with an
 * Authorization header that is malformed or holds a wrong token (the cookie is not consulted then),
 * "anonymous" with neither.
 */
export async function operatorStatus(c: Context, o: OperatorSignIn): Promise<"operator" | "refused" | "anonymous"> {
  const header = c.req.header("authorization");
  if (header !== undefined) {
    const m = BEARER.exec(header);
    return m && (await operatorTokenMatches(m[1], o.token)) ? "operator" : "refused";
  }
  return (await readOperatorSession(c, o)) ? "operator" : "anonymous";
}

/** Whether the request is an operator's (bearer token or session cookie). */
export async function isOperator(c: Context, o: OperatorSignIn): Promise<boolean> {
  return (await operatorStatus(c, o)) === "operator";
}

/**
 * Middleware: lets an operator through (bearer token or session cookie); refuses anyone else with 401
 * `unauthorized` (a missing, malformed or wrong header alike) and a `WWW-Authenticate` challenge.
 * With no token configured it refuses with `disabled` when given (e.g. 503), else the same 401.
 */
export function requireOperator<E extends Env = Env>(
  settings: OperatorSignInFor<E>,
  options: { disabled?: () => AppError } = {},
): MiddlewareHandler<E> {
  return async (c, next) => {
    const o = typeof settings === "function" ? settings(c) : settings;
    if (!o.token && options.disabled) throw options.disabled();
    const status = await operatorStatus(c, o);
    if (status === "operator") return next();
    c.header("WWW-Authenticate", WWW_AUTHENTICATE);
    const header = c.req.header("authorization");
    if (header === undefined) throw new AppError("unauthorized", 401, "Operator token required: send Authorization: Bearer <token>.");
    if (!BEARER.test(header)) throw new AppError("unauthorized", 401, "Malformed Authorization header: expected Bearer <token>.");
    throw new AppError("unauthorized", 401, "Operator token is not valid.");
  };
}
