/**
 * The origin's word to the edge that a journey is done (a booking confirmed, a cancellation or a change of the
 * second dose made): `X-WR-Command: revoke` on the response, as Cloudflare's `Cf-Waiting-Room-Command: revoke`.
 * The edge removes the header, clears the pass and stops counting it as active (worker/passes.ts).
 */
import type { Context } from "hono";

export const COMMAND_HEADER = "X-WR-Command";

export function endJourney(c: Context): void {
  c.header(COMMAND_HEADER, "revoke");
}
