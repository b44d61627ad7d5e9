/**
 * The pages are a thin layer over the JSON API: each form post calls the same API route in-process (no
 * network), with the visitor's pass, cookies and address, and relays the cookies it sets. So every rule
 * (identity limits, holds, idempotent booking) lives in one place, and a page only turns the API's
 * answer, or its error `code`, into words.
 */
import type { Context } from "hono";
import { CLIENT_HEADER } from "../../lib/client-address";
import { databaseUnavailable } from "../db/errors";

export interface ApiAnswer {
  ok: boolean;
  status: number;
  /** the JSON body: the resource, or `{code, message, field?, ...}` on an error */
  body: Record<string, any>;
}

export type Api = (c: Context, method: "GET" | "POST" | "DELETE", path: string, body?: unknown, headers?: Record<string, string>) => Promise<ApiAnswer>;

const FORWARDED = ["x-wr-pass", "cookie", CLIENT_HEADER, "x-forwarded-proto", "accept-language"];

export function inProcessApi(fetch: (req: Request) => Response | Promise<Response>): Api {
  return async (c, method, path, body, headers = {}) => {
    const h = new Headers(headers);
    for (const name of FORWARDED) {
      const v = c.req.header(name);
      if (v) h.set(name, v);
    }
    if (body !== undefined) h.set("content-type", "application/json");
    const res = await fetch(
      new Request(new URL(path, "http://origin.internal"), { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) }),
    );
    for (const value of res.headers.getSetCookie()) c.header("Set-Cookie", value, { append: true });
    const json = (await res.json().catch(() => ({ code: "internal" }))) as Record<string, any>;
    // An outage is no answer to the form: the page request itself becomes the "try again" page (503).
    if (json.code === "database_unavailable") throw databaseUnavailable();
    return { ok: res.ok, status: res.status, body: json };
  };
}
