/**
 * The pages are a thin layer over the JSON API: each form post calls the same API route in-process (no
 * network), with the visitor's pass, cookies and address, and relays the cookies it sets. So every rule
 * (identity limits, holds, idempotent booking) lives in one place, and a page only turns the API's
 * answer, or its error `code`, into words.
 *
 * The calls go through Hono's typed client over the route modules' own types, so what a page reads from
 * an answer is what the route answers (the compiler checks both ends); an error answer is checked against
 * the one error shape every route throws (lib/errors.ts) before a page reads it.
 */
import type { Context } from "hono";
import { hc } from "hono/client";
import { z } from "zod";
import { CLIENT_HEADER } from "../../lib/client-address";
import { databaseUnavailable } from "../db/errors";
import type { clinicRoutes } from "../routes/clinics";
import type { holdRoutes } from "../routes/holds";
import type { identityRoutes } from "../routes/identity";
import type { proxyRoutes } from "../routes/proxy";
import type { reservationRoutes } from "../routes/reservations";

/** The routes' own request headers a page call carries on. */
const FORWARDED = ["x-wr-pass", "cookie", CLIENT_HEADER, "x-forwarded-proto", "accept-language"];

const BASE = "http://origin.internal/api";

/** An error answer: the code, the sentence, and whichever details the route added. */
const apiError = z
  .object({
    code: z.string(),
    message: z.string().optional(),
    field: z.string().optional(),
    attemptsLeft: z.number().optional(),
    retryAt: z.string().optional(),
    retryAfterSeconds: z.number().optional(),
    holdExpired: z.boolean().optional(),
    clinicId: z.number().optional(),
  })
  .passthrough();

export type ApiError = z.infer<typeof apiError>;

export type Answer<T> = { ok: true; status: number; body: T } | { ok: false; status: number; body: ApiError };

/** A typed response's body, or its error. */
export async function answer<T>(res: { ok: boolean; status: number; json(): Promise<T> }): Promise<Answer<T>> {
  if (res.ok) return { ok: true, status: res.status, body: await res.json() };
  const parsed = apiError.safeParse(await res.json().catch(() => null));
  return { ok: false, status: res.status, body: parsed.success ? parsed.data : { code: "internal" } };
}

/** The typed clients of the routes the pages use, bound to one page request. */
export function apiClients(fetch: typeof globalThis.fetch) {
  return {
    identity: hc<ReturnType<typeof identityRoutes>>(BASE, { fetch }),
    proxy: hc<ReturnType<typeof proxyRoutes>>(BASE, { fetch }),
    clinics: hc<ReturnType<typeof clinicRoutes>>(BASE, { fetch }),
    holds: hc<ReturnType<typeof holdRoutes>>(BASE, { fetch }),
    reservations: hc<ReturnType<typeof reservationRoutes>>(BASE, { fetch }),
  };
}

export type ApiClients = ReturnType<typeof apiClients>;

/** The API for one page request: `api(c).identity.identity.start.$post(...)`. */
export type Api = (c: Context) => ApiClients;

export function inProcessApi(appFetch: (req: Request) => Response | Promise<Response>): Api {
  return (c) =>
    apiClients(async (input, init) => {
      const req = new Request(input, init);
      for (const name of FORWARDED) {
        const v = c.req.header(name);
        if (v) req.headers.set(name, v);
      }
      const res = await appFetch(req);
      for (const value of res.headers.getSetCookie()) c.header("Set-Cookie", value, { append: true });
      // An outage is no answer to the form: the page request itself becomes the "try again" page (503).
      if (res.status === 503) {
        const body = apiError.safeParse(
          await res
            .clone()
            .json()
            .catch(() => null),
        );
        if (body.success && body.data.code === "database_unavailable") throw databaseUnavailable();
      }
      return res;
    });
}
