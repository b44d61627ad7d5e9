/**
 * Client addresses as the edge vouches for them: `X-WR-Client` signed with the pass secret at the origin's
 * (test) clock, as worker/forward.ts sends it. Per-client limits count only these.
 */
import { CLIENT_HEADER, signClientAddress } from "../../lib/client-address";
import { keyring } from "../../lib/tokens";
import { TEST_SECRETS } from "../secrets";

let last = 0;
/** A fresh address from the benchmarking range (198.18.0.0/15), one per call. */
export function newAddress(): string {
  last++;
  return `198.18.${Math.floor(last / 256) % 256}.${last % 256}`;
}

/** The header the edge would send for `addr` at `now` (a bench, or ms). */
export async function clientHeaders(at: { clock: { now: number } } | number, addr = newAddress()): Promise<Record<string, string>> {
  const now = typeof at === "number" ? at : at.clock.now;
  return { [CLIENT_HEADER]: await signClientAddress(await keyring(TEST_SECRETS.PASS_SECRET), { addr, iat: now }) };
}
