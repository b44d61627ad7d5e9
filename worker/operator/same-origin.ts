/**
 * Operators' requests come from the operator's own pages only. The console and the operator API refuse what
 * a browser sends from another origin, including one on the same site (another port of the same host gets
 * SameSite cookies too):
 *   Sec-Fetch-Site  `cross-site` or `same-site`: refused, except a top-level navigation that only reads
 *                   (following a link to the console changes nothing)
 *   Origin          on every request that changes something (not GET or HEAD): must be this very origin
 * A request with neither header is not a browser's (curl, a script with the bearer token) and is judged by
 * its credentials alone. Refused: 403 `cross_origin`.
 */
import type { MiddlewareHandler } from "hono";
import { AppError } from "../../lib/errors";
import type { AppEnv } from "../app-env";

const refusal = () => new AppError("cross_origin", 403, "Operator requests are accepted from the operator console's own page only.");

export const sameOrigin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const reads = c.req.method === "GET" || c.req.method === "HEAD";
  const site = c.req.header("sec-fetch-site");
  if ((site === "cross-site" || site === "same-site") && !(reads && c.req.header("sec-fetch-mode") === "navigate")) throw refusal();
  if (!reads) {
    const origin = c.req.header("origin");
    if (origin !== undefined && origin !== new URL(c.req.url).origin) throw refusal();
  }
  await next();
};
