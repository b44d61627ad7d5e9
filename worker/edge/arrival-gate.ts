/**
 * The gate in front of a *new* place in line (refreshes, polls and admitted visitors never pass it):
 *
 *   per-address limits   two Workers Rate Limiting bindings keyed by lane and CF-Connecting-IP: a burst
 *                        (ARRIVALS_BURST, per 10 s) and a slow refill (ARRIVALS_SUSTAINED, per minute).
 *                        Over either, the client gets a clear page that retries by itself, not a place.
 *                        Limits are generous on purpose: mobile carriers put many people behind one address.
 *   proof of work        off unless operators switch it on for a lane under attack (`powBits`, kept in the
 *                        counters' schedule, so every isolate sees it with its snapshot). The client is given
 *                        a signed challenge bound to its lane and address and must find a nonce such that
 *                        SHA-256("<challenge>~<nonce>") starts with that many zero bits; the page's script
 *                        does it and reloads with the answer in cookie `wr_pow`. Checking costs one hash.
 *
 * An IPv6 address is counted by its /64 (one subscriber's network: a phone or a home rotates through
 * addresses inside it), an IPv4 address (or an IPv4-mapped IPv6 one) by itself. A proof earns one place:
 * its challenge is spent at the lane's first counter, which remembers it until it expires, so a solution
 * replayed, through any isolate, earns nothing more.
 *
 * A refusal is thrown as `Refused` (refusal.ts) and answered by the app's one error handler, as a page for
 * browsers and as JSON (status 429, `code`) for scripts. Nothing is taken from the counter.
 */
import type { Context } from "hono";
import {
  convertIPv4BinaryToString,
  convertIPv4MappedIPv6ToIPv4,
  convertIPv6ToBinary,
  distinctRemoteAddr,
  isIPv4MappedIPv6,
} from "hono/utils/ipaddr";
import { keyring, signChallenge, verifyChallenge } from "../../lib/tokens";
import type { AppEnv } from "../app-env";
import { config } from "../config";
import { expiredCookie, readCookie } from "./cookies";
import { counter } from "./counter";
import { leadingZeroBits, POW_COOKIE } from "./proof-of-work";
import { Refused } from "./refusal";
import { cachedSchedule, freshSchedule } from "./snapshot";

const CHALLENGE_TTL_MS = 5 * 60_000;
const BURST_PERIOD_SEC = 10;
const SUSTAINED_PERIOD_SEC = 60;

/**
 * What the per-address limits count a client by: an IPv4 address as it is; an IPv6 address by its /64,
 * written as its first four groups (`2001:0db8:0001:0002::`); an IPv4-mapped IPv6 address as its IPv4.
 * Anything else (not an address) as given, trimmed.
 */
export function addressKey(addr: string): string {
  const a = addr.trim();
  if (distinctRemoteAddr(a) !== "IPv6") return a.slice(0, 64);
  try {
    const bits = convertIPv6ToBinary(a.replace(/%.*$/, ""));
    if (isIPv4MappedIPv6(bits)) return convertIPv4BinaryToString(convertIPv4MappedIPv6ToIPv4(bits));
    const prefix = (bits >> 64n).toString(16).padStart(16, "0");
    return `${prefix.slice(0, 4)}:${prefix.slice(4, 8)}:${prefix.slice(8, 12)}:${prefix.slice(12)}::`;
  } catch {
    return a.slice(0, 64);
  }
}

const encoder = new TextEncoder();

/**
 * Lets a new arrival through, or throws `Refused`. Adds to `cookies` the clearing of a used proof.
 */
export async function arrivalGate(c: Context<AppEnv>, lane: string, now: number, cookies: string[]): Promise<void> {
  const addr = addressKey(c.req.header("cf-connecting-ip") ?? "");
  const { ARRIVALS_BURST, ARRIVALS_SUSTAINED } = c.env;
  if (addr && ARRIVALS_BURST && ARRIVALS_SUSTAINED) {
    const key = `${lane}:${addr}`;
    const [burst, sustained] = await Promise.all([ARRIVALS_BURST.limit({ key }), ARRIVALS_SUSTAINED.limit({ key })]);
    if (!burst.success) throw new Refused({ kind: "limited", retryAfterSeconds: BURST_PERIOD_SEC });
    if (!sustained.success) throw new Refused({ kind: "limited", retryAfterSeconds: SUSTAINED_PERIOD_SEC });
  }

  const cfg = config(c.env);
  // Any copy this isolate holds will do (a switch reaches it with the next refresh); without one, read.
  const schedule = freshSchedule(lane, 0, now, Number.POSITIVE_INFINITY) ?? (await cachedSchedule(c.env, lane, 0, now, cfg.snapshotTtlMs));
  const bits = schedule.powBits;
  if (!bits) return;
  const ring = await keyring(cfg.ticketSecret);
  const bound = addr.replace(/[^0-9A-Za-z.:_-]/g, "").slice(0, 64);
  const proof = readCookie(c.req.header("cookie"), POW_COOKIE);
  if (proof) {
    cookies.push(expiredCookie(c.req.url, POW_COOKIE));
    const cut = proof.lastIndexOf("~");
    const token = proof.slice(0, cut);
    const nonce = proof.slice(cut + 1);
    const challenge = await verifyChallenge(ring, token, now, CHALLENGE_TTL_MS);
    if (
      cut > 0 &&
      /^\d{1,15}$/.test(nonce) &&
      challenge.ok &&
      challenge.claims.lane === lane &&
      challenge.claims.addr === bound &&
      challenge.claims.bits >= bits
    ) {
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(proof)));
      // Spent once, at the lane's first counter (every isolate asks the same one): one proof, one place.
      if (
        leadingZeroBits(digest) >= challenge.claims.bits &&
        (await counter(c.env, lane, 0).spendProof(token.slice(token.lastIndexOf(".") + 1), challenge.claims.iat + CHALLENGE_TTL_MS))
      )
        return;
    }
  }
  const challenge = await signChallenge(ring, { lane, iat: now, bits, addr: bound });
  throw new Refused({ kind: "challenge", challenge, bits });
}
