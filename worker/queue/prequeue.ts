/**
 * The pre-queue's draw: who of the people that came before a scheduled opening gets which place.
 *
 * Nothing about the people is stored or shuffled. The counter keeps two numbers (preFrom, preTo]: the
 * pre-queue's tickets are numbered 1..P within it (P = preTo − preFrom, known at the opening), and a
 * ticket's place is a keyed pseudo-random permutation of that number: distinct tickets always get distinct
 * places, and the P places are exactly 1..P, with no gap (a permutation, not a sort of random keys).
 *
 * The permutation (recomputable by anyone, from a ticket and the revealed seed; GET /_wr/fairness says how):
 *   n = P; x = ticket number − preFrom − 1 (0-based); h = max(1, ceil(bits(n − 1) / 2)); mask = 2^h − 1
 *   repeat: L = x >> h, R = x & mask; for r in 0..3: (L, R) = (R, L xor F(r, R)); x = (L << h) | R
 *   until x < n (cycle-walking: a permutation of 0..4^h−1 restricted to 0..n−1 stays a permutation)
 *   F(r, R) = first 4 bytes, big-endian, of HMAC-SHA256(key = seed bytes, "<lane>:<shard>:<r>:<R>"), & mask
 *   place = preFrom + 1 + x
 *
 * The seed (32 random bytes) is drawn when the opening is scheduled; its SHA-256 (the commitment) is
 * published then, and the seed only at the opening, when P is fixed: nobody, operators included, can pick
 * a seed after seeing who came, and anyone can check afterwards that the published seed is the committed one.
 */
import { type _HMAC, hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes, randomBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { inPreQueue, type Schedule } from "./admission";

export const ROUNDS = 4;

export function newSeed(): string {
  return bytesToHex(randomBytes(32));
}

export function commitmentOf(seedHex: string): string {
  return bytesToHex(sha256(hexToBytes(seedHex)));
}

type Keyed = _HMAC<ReturnType<typeof sha256.create>>;
const keyedCache = new Map<string, Keyed>();

function keyed(seedHex: string): Keyed {
  let k = keyedCache.get(seedHex);
  if (!k) {
    if (keyedCache.size > 64) keyedCache.clear();
    keyedCache.set(seedHex, (k = hmac.create(sha256, hexToBytes(seedHex)) as Keyed));
  }
  return k;
}

// One scratch HMAC state, reset from the keyed one for each round (cheaper than a fresh clone each time).
let scratch: Keyed | undefined;

function round(key: Keyed, prefix: string, r: number, right: number, mask: number): number {
  const state = (scratch = key._cloneInto(scratch));
  const mac = state.update(utf8ToBytes(`${prefix}:${r}:${right}`)).digest();
  return (((mac[0]! << 24) | (mac[1]! << 16) | (mac[2]! << 8) | mac[3]!) >>> 0) & mask;
}

/** The permutation of 0..n−1 keyed by (seed, lane, shard): where the x-th pre-queue ticket lands. */
export function permute(seedHex: string, lane: string, shard: number, n: number, x: number): number {
  if (!(n >= 1) || !(x >= 0 && x < n)) throw new RangeError(`pre-queue index ${x} outside 0..${n - 1}`);
  if (n === 1) return 0;
  const bits = Math.ceil(Math.log2(n));
  const h = Math.max(1, Math.ceil(bits / 2));
  const mask = 2 ** h - 1;
  const key = keyed(seedHex);
  const prefix = `${lane}:${shard}`;
  let y = x;
  do {
    let left = Math.floor(y / 2 ** h);
    let right = y & mask;
    for (let r = 0; r < ROUNDS; r++) {
      const next = (left ^ round(key, prefix, r, right, mask)) >>> 0;
      left = right;
      right = next;
    }
    y = left * 2 ** h + right;
  } while (y >= n);
  return y;
}

// A ticket's place is asked on every poll of its holder: computed once per isolate.
const places = new Map<string, number>();

/**
 * A ticket's place in its counter's line: its number, unless it is in the pre-queue, where the revealed
 * seed deals it one (undefined while the pre-queue is still open: the place is not drawn yet).
 */
export function placeOf(s: Schedule, lane: string, shard: number, seq: number): number | undefined {
  if (!inPreQueue(s, seq)) return seq;
  if (s.preTo < 0 || !s.seed) return undefined;
  const key = `${s.seed}:${lane}:${shard}:${seq}`;
  let place = places.get(key);
  if (place === undefined) {
    place = s.preFrom + 1 + permute(s.seed, lane, shard, s.preTo - s.preFrom, seq - s.preFrom - 1);
    if (places.size >= 50_000) places.clear();
    places.set(key, place);
  }
  return place;
}
