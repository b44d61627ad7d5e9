/**
 * Sends an admitted request on to the origin with its pass in `X-WR-Pass` (the origin checks it on
 * every protected route). Whatever the client put in that header is replaced. Redirects and the
 * origin's own cookies reach the browser untouched.
 */
import type { Context } from "hono";
import { proxy } from "hono/proxy";
import { AppError } from "../lib/errors";
import type { AppEnv } from "./app-env";
import { config } from "./config";

export async function forward(c: Context<AppEnv>, pass: string): Promise<Response> {
  const url = new URL(c.req.url);
  const target = `${config(c.env).originUrl}${url.pathname}${url.search}`;
  try {
    return await proxy(target, {
      raw: c.req.raw,
      redirect: "manual",
      headers: {
        ...c.req.header(),
        host: undefined,
        "x-wr-pass": pass,
        "x-forwarded-host": url.host,
        "x-forwarded-proto": url.protocol.replace(":", ""),
        "x-forwarded-for": c.req.header("cf-connecting-ip") ?? c.req.header("x-forwarded-for"),
      },
    });
  } catch {
    throw new AppError("origin_unavailable", 502, "The booking service is not answering. Please try again in a moment.");
  }
}
