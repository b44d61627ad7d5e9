/**
 * Every protected route needs the admission pass the edge forwards in `X-WR-Pass`, verified with
 * PASS_SECRET by the same token module the edge signs with. No pass: 403 `no_pass`; a forged, tampered,
 * expired or other-lane pass: 403 `bad_pass`. This is what stops people who open later steps directly.
 */
import type { MiddlewareHandler } from "hono";
import { AppError } from "../../lib/errors";
import { type LaneSpec, laneFor } from "../../lib/lanes";
import { keyring, verifyPass } from "../../lib/tokens";
import type { OriginEnv } from "../types";

export const PASS_HEADER = "x-wr-pass";

export function requirePass(opts: { passSecret: string; lanes: LaneSpec[]; clock: () => number }): MiddlewareHandler<OriginEnv> {
  return async (c, next) => {
    const token = c.req.header(PASS_HEADER);
    if (!token) {
      throw new AppError("no_pass", 403, "Enter through the waiting room first: this request carries no admission pass.");
    }
    const verified = await verifyPass(await keyring(opts.passSecret), token, opts.clock());
    // A pass opens its own lane's paths only (a quick lookup pass is no way into booking).
    if (!verified.ok || verified.claims.lane !== laneFor(opts.lanes, c.req.path).name) {
      const why = verified.ok ? "it is for another lane" : verified.reason === "expired" ? "it has expired" : "it is not valid";
      throw new AppError("bad_pass", 403, `Your admission pass cannot be used (${why}). Please enter through the waiting room again.`);
    }
    c.set("pass", verified.claims);
    await next();
  };
}
