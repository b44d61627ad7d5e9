/**
 * The edge's operator sign-in (lib/operator-session.ts, shared with the origin's /ops): the operator token
 * on every request (`Authorization: Bearer <OPERATOR_TOKEN>`, compared in constant time), or the console's
 * session cookie `wr_operator`, set by its sign-in form: signed with the operator token, its value carrying
 * its expiry, HttpOnly, SameSite=Strict, limited to /_wr/admin. Every refusal is 401 JSON with code
 * `unauthorized` (no token, malformed header, wrong token).
 */
import type { Context } from "hono";
import {
  endOperatorSession,
  type OperatorSignIn,
  operatorTokenMatches,
  readOperatorSession,
  requireOperator,
  startOperatorSession,
} from "../../lib/operator-session";
import type { AppEnv } from "../app-env";
import { config } from "../config";

function signInOf(c: Context<AppEnv>): OperatorSignIn {
  const token = config(c.env).operatorToken;
  return { token, secret: token, cookie: "wr_operator", path: "/_wr/admin" };
}

/** Whether the request carries a valid console session (the signed cookie, not expired). */
export function consoleSession(c: Context<AppEnv>): Promise<boolean> {
  return readOperatorSession(c, signInOf(c));
}

/** Signs the console in when `token` is the operator token; false otherwise. */
export async function signIn(c: Context<AppEnv>, token: unknown): Promise<boolean> {
  const o = signInOf(c);
  if (!(await operatorTokenMatches(token, o.token))) return false;
  await startOperatorSession(c, o);
  return true;
}

export function signOut(c: Context<AppEnv>): void {
  endOperatorSession(c, signInOf(c));
}

/** The operator API's guard: the bearer token, or the console's session. */
export const operatorAuth = requireOperator<AppEnv>(signInOf);
