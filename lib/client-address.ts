/**
 * The client's address as the edge vouches for it. Per-client limits at the origin count by address, so
 * the origin must not take it from anything a client can write (X-Forwarded-For is one). The edge takes
 * the address Cloudflare saw (CF-Connecting-IP), signs it with the pass keyring together with the time,
 * and sends it in `X-WR-Client`; the origin believes an address only when that signature verifies and
 * the time is recent, so a captured header is good for seconds, not for a night of guessing.
 *
 * The token has the format of the other tokens (lib/tokens.ts) with its own type (`A`), so it can never
 * be taken for a pass, a ticket or a challenge, nor they for it. Verification never throws.
 */
import { type Keyring, open, sign, type Verified } from "./tokens";

export const CLIENT_HEADER = "x-wr-client";

/** How long a signed address is believed, and how far ahead of the origin's clock the edge's may be. */
export const CLIENT_TOKEN_TTL_MS = 60_000;

/** An IPv4 or IPv6 address as CF-Connecting-IP gives it. */
const ADDRESS = /^[0-9A-Fa-f.:]{2,45}$/;

export interface ClientClaims {
  addr: string;
  /** signed at, ms since epoch (the edge's clock) */
  iat: number;
}

/** Is this something the edge may vouch for (an IP address)? */
export function isClientAddress(addr: string | undefined): addr is string {
  return addr !== undefined && ADDRESS.test(addr);
}

export async function signClientAddress(ring: Keyring, c: ClientClaims): Promise<string> {
  if (!isClientAddress(c.addr)) throw new Error("not an IP address");
  return sign(ring, ["A", c.addr, c.iat]);
}

export async function verifyClientAddress(
  ring: Keyring,
  token: string | undefined,
  now: number,
  ttlMs = CLIENT_TOKEN_TTL_MS,
): Promise<Verified<ClientClaims>> {
  const opened = await open(ring, token);
  if (!opened.ok) return opened;
  const [type, addr, iatField] = opened.fields;
  if (type !== "A") return { ok: false, reason: "wrong_type" };
  if (opened.fields.length !== 3 || !isClientAddress(addr) || !/^\d{1,16}$/.test(iatField ?? "")) return { ok: false, reason: "malformed" };
  const iat = Number(iatField);
  if (iat + ttlMs <= now || iat > now + ttlMs) return { ok: false, reason: "expired" };
  return { ok: true, claims: { addr, iat } };
}
