/**
 * Sends an admitted request on to the origin with its pass in `X-WR-Pass` (the origin checks it on
 * every protected route), and the client's address (CF-Connecting-IP, never a client-sent X-Forwarded-For)
 * signed in `X-WR-Client` (lib/client-address.ts), which the origin's per-client limits count by. Whatever
 * the client put in those headers is replaced. Redirects and the origin's own cookies reach the browser untouched.
 *
 * The origin has `ORIGIN_TIMEOUT_SECONDS` to start answering. When it cannot be reached or does not answer
 * in time, the person gets a clear "try again in a moment" (origin-unavailable.ts: 503, Retry-After),
 * never a hang or a bare 502; whatever the origin itself answers, 502–504 included, passes through.
 *
 * Each forward is timed until the origin's response headers, in its lane's window (load.ts), for the
 * lane's autopilot.
 */
import type { Context } from "hono";
import { proxy } from "hono/proxy";
import { CLIENT_HEADER, isClientAddress, signClientAddress } from "../../lib/client-address";
import { keyring } from "../../lib/tokens";
import type { AppEnv } from "../app-env";
import { config } from "../config";
import { endForward, type ForwardOutcome, startForward } from "./load";
import { originUnavailable } from "./origin-unavailable";

export async function forward(c: Context<AppEnv>, pass: string, lane: string): Promise<Response> {
  const url = new URL(c.req.url);
  const target = `${config(c.env).originUrl}${url.pathname}${url.search}`;
  const timeout = new AbortController();
  const client = await clientToken(c);
  const timer = setTimeout(() => timeout.abort(), config(c.env).originTimeoutMs);
  const timing = startForward(lane);
  let outcome: ForwardOutcome = "unreachable";
  try {
    const res = await proxy(target, {
      raw: c.req.raw,
      redirect: "manual",
      signal: timeout.signal,
      headers: {
        ...c.req.header(),
        host: undefined,
        "x-wr-pass": pass,
        "x-forwarded-host": url.host,
        "x-forwarded-proto": url.protocol.replace(":", ""),
        "x-forwarded-for": c.req.header("cf-connecting-ip"),
        [CLIENT_HEADER]: client,
      },
    });
    outcome = res.status;
    return res;
  } catch {
    if (timeout.signal.aborted) outcome = "timeout";
    return originUnavailable(c);
  } finally {
    clearTimeout(timer);
    endForward(timing, outcome);
  }
}

/** The client's address, signed for the origin; none when Cloudflare gave no address. */
async function clientToken(c: Context<AppEnv>): Promise<string | undefined> {
  const addr = c.req.header("cf-connecting-ip");
  if (!isClientAddress(addr)) return undefined;
  return signClientAddress(await keyring(config(c.env).passSecret), { addr, iat: Date.now() });
}
