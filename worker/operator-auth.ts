/**
 * Operators authenticate with `Authorization: Bearer <OPERATOR_TOKEN>`, or with the console's signed
 * session cookie (console.tsx). Hono's bearerAuth compares in
 * constant time; every refusal is 401 JSON with code `unauthorized` (no token, malformed header, wrong token).
 */
import type { MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { HTTPException } from "hono/http-exception";
import { timingSafeEqual } from "hono/utils/buffer";
import { AppError } from "../lib/errors";
import type { AppEnv } from "./app-env";
import { config } from "./config";
import { consoleSession } from "./console";

const refusal = (message: string) => ({
  message: { code: "unauthorized", message },
  wwwAuthenticateHeader: 'Bearer realm="operators"',
});

const auth = bearerAuth<AppEnv>({
  verifyToken: (token, c) => timingSafeEqual(token, config(c.env).operatorToken),
  noAuthenticationHeader: refusal("Operator token required: send Authorization: Bearer <token>."),
  invalidToken: refusal("Operator token is not valid."),
});

export const operatorAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  // The console's own page reads the same API with its signed session cookie (SameSite=Strict).
  if (!c.req.header("authorization") && (await consoleSession(c))) return next();
  try {
    return await auth(c, next);
  } catch (err) {
    // bearerAuth answers a malformed header with 400; to a client it is the same refusal.
    if (err instanceof HTTPException && err.status === 400) {
      throw new AppError("unauthorized", 401, "Malformed Authorization header: expected Bearer <token>.");
    }
    throw err;
  }
};
