/**
 * The operator sign-in of /ops: the shared operator session (lib/operator-session.ts) with the origin's
 * settings: the OPERATOR_TOKEN, a cookie `ops` limited to /ops and signed with SESSION_SECRET, and the
 * origin's clock. Without a token the operator API answers 503 `ops_disabled` and the page says so.
 */
import { AppError } from "../../lib/errors";
import { type OperatorSignIn, requireOperator } from "../../lib/operator-session";
import type { OriginConfig } from "../config";

export function opsSignIn(config: OriginConfig, clock: () => number): OperatorSignIn {
  return { token: config.operatorToken ?? "", secret: config.sessionSecret, cookie: "ops", path: "/ops", now: clock };
}

/** Middleware for the operator API and the page's forms: a bearer token or the signed session cookie. */
export function requireOps(signIn: OperatorSignIn) {
  return requireOperator(signIn, { disabled: () => new AppError("ops_disabled", 503, "Set OPERATOR_TOKEN to use the operator API.") });
}
