/**
 * Who the client is, for per-client limits: the address the edge signed in `X-WR-Client`
 * (lib/client-address.ts), verified with the pass keyring. A request without it, with a bad signature or
 * a stale one (anything that did not come through the edge just now) is counted in one shared bucket,
 * `unverified`, never by an address it claims for itself; X-Forwarded-For is never read.
 */
import type { MiddlewareHandler } from "hono";
import { CLIENT_HEADER, verifyClientAddress } from "../../lib/client-address";
import { keyring } from "../../lib/tokens";
import type { OriginEnv } from "../types";

export const UNVERIFIED_CLIENT = "unverified";

export function clientAddress(opts: { passSecret: string; clock: () => number }): MiddlewareHandler<OriginEnv> {
  return async (c, next) => {
    const verified = await verifyClientAddress(await keyring(opts.passSecret), c.req.header(CLIENT_HEADER), opts.clock());
    c.set("client", verified.ok ? verified.claims.addr : UNVERIFIED_CLIENT);
    await next();
  };
}
