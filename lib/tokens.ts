/**
 * Signed queue tickets and admission passes, verifiable without any stored state.
 *
 * A token is `kid.payload.sig`, each part base64url:
 *   kid      names the key that signed it (derived from the secret, so rotating keys needs no bookkeeping)
 *   payload  a short `|`-separated text whose first field is the token type (`T` ticket, `P` pass,
 *            `C` challenge, `R` place record)
 *   sig      HMAC-SHA256 (WebCrypto) over `kid.payload`
 *
 * Keys: a secret setting may hold several secrets separated by commas. The first signs new tokens;
 * all of them verify, so a new key can be put first while tokens signed with the old one stay valid
 * until they expire and nobody loses a place.
 *
 * Tickets and passes are signed with different secrets and carry their type, so one can never be
 * used as the other. A place record (signed with the ticket secret, type `R`) only names a ticket that was
 * admitted, so its holder can look up their drawn place later; it is neither a ticket nor a pass.
 * Verification never throws: anything forged, tampered, truncated, signed with an unknown key or expired
 * comes back as `{ ok: false, reason }`.
 *
 * This module is shared by the edge (worker/) and the origin (origin/): both run WebCrypto.
 */
import { decodeBase64Url, encodeBase64Url } from "hono/utils/encode";

/** A place in line: which counter issued it, its sequence number, when, and where the line stood then. */
export interface TicketClaims {
  lane: string;
  shard: number;
  seq: number;
  /** issued at, ms since epoch (server clock) */
  iat: number;
  /** the serving cursor when the ticket was issued, for an honest progress bar */
  s0: number;
  /**
   * A place given back: the holder came back long after the cursor passed their number, and rejoined at
   * the cursor. Their place is this, not `seq` (absent for an ordinary ticket).
   */
  r?: number;
}

/**
 * Admission for one journey: the holder may use the protected site until `exp`. The edge renews `exp`
 * while the holder is active, never past `end`. `lane`, `shard`, `seq` and `adm` name the journey: they
 * stay the same through every renewal (`passId`).
 */
export interface PassClaims {
  lane: string;
  /** the ticket's number in its counter: a ticket yields one pass */
  seq: number;
  /** expires at, ms since epoch (server clock): the idle limit, moved on while the holder is active */
  exp: number;
  /** the counter (shard of the lane) that admitted it */
  shard: number;
  /** admitted at, ms since epoch */
  adm: number;
  /** the journey's hard end, ms since epoch: no renewal goes past it */
  end: number;
}

/** What a pass is signed from; a pass without `shard`, `adm` or `end` is shard 0, admitted at 0, ending at `exp`. */
export type PassInput = Pick<PassClaims, "lane" | "seq" | "exp"> & Partial<Pick<PassClaims, "shard" | "adm" | "end">>;

/** The journey a pass stands for: the same through every renewal of it, different for every admission. */
export function passId(p: Pick<PassClaims, "lane" | "shard" | "seq" | "adm">): string {
  return `${p.lane}:${p.shard}:${p.seq}:${p.adm}`;
}

export type VerifyFailure = "missing" | "malformed" | "unknown_key" | "bad_signature" | "wrong_type" | "expired";
export type Verified<T> = { ok: true; claims: T } | { ok: false; reason: VerifyFailure };

export interface Keyring {
  signingKid: string;
  keys: Map<string, CryptoKey>;
  /**
   * Token strings this keyring has already verified, with their decoded claims. A person polls the same
   * ticket every few seconds; remembering it spares the HMAC and the parsing on every poll. Keyed by the
   * whole string, so a changed byte is a different key; only good tokens are remembered, so nobody can
   * fill it without tokens we minted; expiry is still checked on every use. Bounded: oldest go first.
   */
  verified: Map<string, Decoded>;
}

/**
 * Which ticket a journey was admitted on (lane, shard, number), kept after the pass is gone so its holder can
 * still check their drawn place. It admits nobody: its type is neither a ticket's nor a pass's.
 */
export interface PlaceRecord {
  lane: string;
  shard: number;
  seq: number;
}

/**
 * A proof-of-work challenge (when operators switch it on): solve it by finding a nonce whose
 * SHA-256(`token~nonce`) starts with `bits` zero bits. Bound to the lane and the client's address.
 */
export interface ChallengeClaims {
  lane: string;
  /** issued at, ms since epoch (server clock) */
  iat: number;
  bits: number;
  /** the client address it was given to */
  addr: string;
}

type Decoded =
  | { type: "T"; claims: TicketClaims }
  | { type: "P"; claims: PassClaims }
  | { type: "C"; claims: ChallengeClaims }
  | { type: "R"; claims: PlaceRecord };

const VERIFIED_CACHE_SIZE = 20_000;

const MIN_SECRET_LENGTH = 16;
const MAX_TOKEN_LENGTH = 512;
const LANE_PATTERN = /^[a-z0-9_-]{1,32}$/;
const PART_PATTERN = /^[A-Za-z0-9_-]+$/;
const ADDR_PATTERN = /^[0-9A-Za-z.:_-]{0,64}$/;
const encoder = new TextEncoder();

/** base64url without padding: tokens live in cookies and headers, where `=` would be escaped. */
function b64url(buf: ArrayBufferLike): string {
  return encodeBase64Url(buf).replace(/=+$/, "");
}
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

// Imported keys are cached per process/isolate: importing costs more than signing. Once built, a
// keyring is also handed out without a promise (`keyring()` is on every request's path).
const keyringCache = new Map<string, Promise<Keyring>>();
const builtKeyrings = new Map<string, Keyring>();

/** Parses a secret setting (`secret` or `newSecret,oldSecret,...`) into a keyring. Throws on a weak or empty setting. */
export function keyring(secretSetting: string): Keyring | Promise<Keyring> {
  const built = builtKeyrings.get(secretSetting);
  if (built) return built;
  let cached = keyringCache.get(secretSetting);
  if (!cached) {
    cached = buildKeyring(secretSetting).then((ring) => {
      builtKeyrings.set(secretSetting, ring);
      return ring;
    });
    keyringCache.set(secretSetting, cached);
    cached.catch(() => keyringCache.delete(secretSetting));
  }
  return cached;
}

async function buildKeyring(secretSetting: string): Promise<Keyring> {
  const secrets = secretSetting
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (secrets.length === 0) throw new Error("token secret is empty");
  const keys = new Map<string, CryptoKey>();
  let signingKid = "";
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) {
      throw new Error(`each token secret must be at least ${MIN_SECRET_LENGTH} characters`);
    }
    const raw = encoder.encode(secret);
    const digest = await crypto.subtle.digest("SHA-256", encoder.encode(`kid:${secret}`));
    const kid = b64url(digest).slice(0, 8);
    const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keys.set(kid, key);
    if (!signingKid) signingKid = kid;
  }
  return { signingKid, keys, verified: new Map() };
}

/** Signs `fields` (the first names the token type) with the keyring's signing key. */
export async function sign(ring: Keyring, fields: (string | number)[]): Promise<string> {
  const payload = b64url(encoder.encode(fields.join("|")).buffer);
  const body = `${ring.signingKid}.${payload}`;
  const key = ring.keys.get(ring.signingKid)!;
  const sig = await crypto.subtle.sign("HMAC", key, encoder.encode(body));
  return `${body}.${b64url(sig)}`;
}

/** Checks the signature and returns the payload's fields, or why it was refused. */
export async function open(
  ring: Keyring,
  token: string | undefined,
): Promise<{ ok: true; fields: string[] } | { ok: false; reason: VerifyFailure }> {
  if (!token) return { ok: false, reason: "missing" };
  if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: "malformed" };
  const parts = token.split(".");
  if (parts.length !== 3 || !parts.every((p) => PART_PATTERN.test(p))) return { ok: false, reason: "malformed" };
  const [kid, payload, sig] = parts as [string, string, string];
  const key = ring.keys.get(kid);
  if (!key) return { ok: false, reason: "unknown_key" };
  let sigBytes: Uint8Array<ArrayBuffer>;
  let text: string;
  try {
    sigBytes = decodeBase64Url(sig);
    text = decoder.decode(decodeBase64Url(payload));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (sigBytes.byteLength !== 32) return { ok: false, reason: "malformed" };
  const valid = await crypto.subtle.verify("HMAC", key, sigBytes, encoder.encode(`${kid}.${payload}`));
  if (!valid) return { ok: false, reason: "bad_signature" };
  return { ok: true, fields: text.split("|") };
}

/** A non-negative safe integer written in plain decimal, else NaN. */
function int(field: string | undefined): number {
  if (field === undefined || !/^\d{1,16}$/.test(field)) return Number.NaN;
  const n = Number(field);
  return Number.isSafeInteger(n) ? n : Number.NaN;
}

export function signTicket(ring: Keyring, t: TicketClaims): Promise<string> {
  if (!LANE_PATTERN.test(t.lane)) throw new Error(`invalid lane name: ${t.lane}`);
  const fields: (string | number)[] = ["T", t.lane, t.shard, t.seq, t.iat, t.s0];
  if (t.r !== undefined) fields.push(t.r);
  return sign(ring, fields);
}

export function signChallenge(ring: Keyring, c: ChallengeClaims): Promise<string> {
  if (!LANE_PATTERN.test(c.lane) || !ADDR_PATTERN.test(c.addr)) throw new Error("invalid challenge");
  return sign(ring, ["C", c.lane, c.iat, c.bits, c.addr]);
}

/** A challenge is good for `ttlMs` after it was given. */
export async function verifyChallenge(
  ring: Keyring,
  token: string | undefined,
  now: number,
  ttlMs: number,
): Promise<Verified<ChallengeClaims>> {
  const d = await decode(ring, token);
  if ("reason" in d) return { ok: false, reason: d.reason };
  if (d.type !== "C") return { ok: false, reason: "wrong_type" };
  if (d.claims.iat + ttlMs <= now) return { ok: false, reason: "expired" };
  return { ok: true, claims: d.claims };
}

export function signPass(ring: Keyring, p: PassInput): Promise<string> {
  if (!LANE_PATTERN.test(p.lane)) throw new Error(`invalid lane name: ${p.lane}`);
  return sign(ring, ["P", p.lane, p.seq, p.exp, p.shard ?? 0, p.adm ?? 0, Math.max(p.exp, p.end ?? p.exp)]);
}

export function signPlace(ring: Keyring, r: PlaceRecord): Promise<string> {
  if (!LANE_PATTERN.test(r.lane)) throw new Error(`invalid lane name: ${r.lane}`);
  return sign(ring, ["R", r.lane, r.shard, r.seq]);
}

/** A place record's claims once its signature and shape are checked (it has no expiry of its own: its cookie has). */
export async function readPlace(ring: Keyring, token: string | undefined): Promise<Verified<PlaceRecord>> {
  const d = await decode(ring, token);
  if ("reason" in d) return { ok: false, reason: d.reason };
  if (d.type !== "R") return { ok: false, reason: "wrong_type" };
  return { ok: true, claims: d.claims };
}

/** Checks signature and shape once per token string; later calls are a map lookup. */
async function decode(ring: Keyring, token: string | undefined): Promise<Decoded | { reason: VerifyFailure }> {
  const known = token === undefined ? undefined : ring.verified.get(token);
  if (known) return known;
  const opened = await open(ring, token);
  if (!opened.ok) return opened;
  const decoded = parseClaims(opened.fields);
  if ("reason" in decoded) return decoded;
  if (ring.verified.size >= VERIFIED_CACHE_SIZE) ring.verified.delete(ring.verified.keys().next().value!);
  ring.verified.set(token!, decoded);
  return decoded;
}

function parseClaims(fields: string[]): Decoded | { reason: VerifyFailure } {
  const [type, lane, ...nums] = fields;
  if (!lane || !LANE_PATTERN.test(lane)) return { reason: "malformed" };
  if (type === "T" && (nums.length === 4 || nums.length === 5)) {
    const [shard, seq, iat, s0, r] = nums.map(int) as [number, number, number, number, number | undefined];
    if ([shard, seq, iat, s0].some(Number.isNaN) || seq < 1 || s0 >= seq) return { reason: "malformed" };
    if (r === undefined) return { type, claims: { lane, shard, seq, iat, s0 } };
    if (Number.isNaN(r) || r < 1) return { reason: "malformed" };
    return { type, claims: { lane, shard, seq, iat, s0, r } };
  }
  if (type === "C" && nums.length === 3) {
    const [iatField, bitsField, addr] = nums as [string, string, string];
    const iat = int(iatField);
    const bits = int(bitsField);
    if (Number.isNaN(iat) || Number.isNaN(bits) || bits > 32 || !ADDR_PATTERN.test(addr)) return { reason: "malformed" };
    return { type, claims: { lane, iat, bits, addr } };
  }
  if (type === "P" && nums.length === 5) {
    const [seq, exp, shard, adm, end] = nums.map(int) as [number, number, number, number, number];
    if ([seq, exp, shard, adm, end].some(Number.isNaN) || seq < 1 || end < exp) return { reason: "malformed" };
    return { type, claims: { lane, seq, exp, shard, adm, end } };
  }
  if (type === "R" && nums.length === 2) {
    const [shard, seq] = nums.map(int) as [number, number];
    if (Number.isNaN(shard) || Number.isNaN(seq) || seq < 1) return { reason: "malformed" };
    return { type, claims: { lane, shard, seq } };
  }
  if (type === "P" && nums.length === 2) {
    // The short form (lane, number, expiry) names no journey: shard 0, admitted at 0, no renewal past its expiry.
    const [seq, exp] = nums.map(int) as [number, number];
    if (Number.isNaN(seq) || Number.isNaN(exp) || seq < 1) return { reason: "malformed" };
    return { type, claims: { lane, seq, exp, shard: 0, adm: 0, end: exp } };
  }
  return { reason: "malformed" };
}

function ticketVerdict(d: Decoded | { reason: VerifyFailure }, now: number, ttlMs: number): Verified<TicketClaims> {
  if ("reason" in d) return { ok: false, reason: d.reason };
  if (d.type !== "T") return { ok: false, reason: "wrong_type" };
  if (d.claims.iat + ttlMs <= now) return { ok: false, reason: "expired" };
  return { ok: true, claims: d.claims };
}

/** A ticket is valid for `ttlMs` after it was issued. */
export async function verifyTicket(ring: Keyring, token: string | undefined, now: number, ttlMs: number): Promise<Verified<TicketClaims>> {
  return ticketVerdict(await decode(ring, token), now, ttlMs);
}

/**
 * The verdict on a ticket this keyring has verified before, without a promise (a waiting person's
 * every poll); undefined when it has not seen the token, so the caller verifies it in full.
 */
export function knownTicket(ring: Keyring, token: string | undefined, now: number, ttlMs: number): Verified<TicketClaims> | undefined {
  const known = token === undefined ? undefined : ring.verified.get(token);
  return known && ticketVerdict(known, now, ttlMs);
}

export async function verifyPass(ring: Keyring, token: string | undefined, now: number): Promise<Verified<PassClaims>> {
  const read = await readPass(ring, token);
  if (read.ok && read.claims.exp <= now) return { ok: false, reason: "expired" };
  return read;
}

/**
 * A pass's claims once its signature and shape are checked, whether or not it has expired: the edge
 * readmits the holder of a pass that lapsed a short while ago (never the origin, which uses `verifyPass`).
 */
export async function readPass(ring: Keyring, token: string | undefined): Promise<Verified<PassClaims>> {
  const d = await decode(ring, token);
  if ("reason" in d) return { ok: false, reason: d.reason };
  if (d.type !== "P") return { ok: false, reason: "wrong_type" };
  return { ok: true, claims: d.claims };
}
