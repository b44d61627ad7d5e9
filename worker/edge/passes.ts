/**
 * A pass's life at the edge: one person's journey, from admission to the origin's word that it is done.
 *
 *   minted    when the ticket's place is reached, by the counter that issued the ticket (which marks the
 *             ticket used: a ticket admits once). The pass carries lane, shard, ticket number, admitted-at
 *             (together: the journey, `passId`), its idle expiry `exp` and its hard end `end`.
 *   renewed   on a request once less than half of the idle time is left (PASS_TTL_SECONDS): `exp` moves to
 *             now + the idle time, never past `end` (PASS_MAX_SECONDS after admission).
 *   lapsed    a pass that expired less than PASS_GRACE_SECONDS ago (and before `end`) is renewed at once:
 *             its holder was admitted, and is never sent to the back of the line. Its cookie outlives `exp`
 *             by the grace period for that reason.
 *   ended     when the origin answers a request with `X-WR-Command: revoke` (the journey is done): the header
 *             is removed, the pass cookie is cleared and the counter marks the pass ended, so it is neither
 *             renewed nor readmitted. At `end`, or a grace period after its last use, a pass is over too.
 *   recorded  at its minting and again at its end, the place record cookie (lib/tokens.ts `signPlace`: lane,
 *             shard, ticket number, signed with the ticket keyring) is set for PLACE_COOKIE_MS, so the holder
 *             can still check their drawn place on the fairness page once the pass is gone. It admits nobody.
 *   limited   one person's pace: PASS_REQUESTS (a Workers Rate Limiting binding keyed by `passId`) allows
 *             20 requests per 10 s, so a copied pass cannot carry a crowd.
 *
 * The counter counts live passes (minted, not ended, not expired) per minute of expiry; renewals, readmissions
 * and ends move those counts. A counter that cannot be reached never costs anyone their pass: a renewal is
 * simply tried again on a later request.
 */
import type { Context } from "hono";
import { AppError } from "../../lib/errors";
import { keyring, type PassClaims, passId, readPass, signPass, signPlace } from "../../lib/tokens";
import type { AppEnv } from "../app-env";
import { config, type WorkerConfig } from "../config";
import type { PassTimes } from "../queue/queue-counter";
import { cookie, expiredCookie, laneCookies, PLACE_COOKIE_MS } from "./cookies";
import { initialRate, shardCount } from "./counter";
import { Refused } from "./refusal";
import { callCounter } from "./snapshot";

/** The origin's word to the edge about the pass of the request it answers (removed before the browser sees it). */
export const COMMAND_HEADER = "x-wr-command";
const PASS_PERIOD_SEC = 10;

export interface HeldPass {
  token: string;
  claims: PassClaims;
}

/** The times of a pass minted now. */
export function passTimes(cfg: WorkerConfig, now: number): PassTimes {
  return { adm: now, exp: now + cfg.passTtlMs, end: now + cfg.passMaxMs };
}

/** The pass cookie: kept by the browser until the grace period after `exp` is over (or `end`), so a lapsed pass can be renewed. */
function passCookie(
  url: string,
  name: string,
  token: string,
  claims: Pick<PassClaims, "exp" | "end">,
  cfg: WorkerConfig,
  now: number,
): string {
  return cookie(url, name, token, Math.min(claims.end, claims.exp + cfg.passGraceMs) - now);
}

/** The place record cookie for the journey's ticket: which ticket was admitted, kept for PLACE_COOKIE_MS. */
async function placeCookie(c: Context<AppEnv>, claims: Pick<PassClaims, "lane" | "shard" | "seq">): Promise<string> {
  const cfg = config(c.env);
  const token = await signPlace(await keyring(cfg.ticketSecret), { lane: claims.lane, shard: claims.shard, seq: claims.seq });
  return cookie(c.req.url, laneCookies(claims.lane, cfg.lane).place, token, PLACE_COOKIE_MS);
}

/** Signs the pass for ticket `seq` of `shard` with the counter's times, and adds its cookie and the place record's. */
export async function issuePass(
  c: Context<AppEnv>,
  lane: string,
  name: string,
  shard: number,
  seq: number,
  times: PassTimes,
  now: number,
  cookies: string[],
): Promise<HeldPass> {
  const cfg = config(c.env);
  const claims: PassClaims = { lane, shard, seq, adm: times.adm, exp: times.exp, end: times.end };
  const token = await signPass(await keyring(cfg.passSecret), claims);
  cookies.push(passCookie(c.req.url, name, token, claims, cfg, now), await placeCookie(c, claims));
  return { token, claims };
}

/**
 * The pass this request holds, from every cookie of that name (any valid one counts): renewed when less than
 * half its idle time is left, readmitted when it lapsed within the grace period. Undefined when none is
 * usable (forged, another lane's, ended by the origin, past its end or its grace): the cookie is then cleared.
 */
export async function heldPass(
  c: Context<AppEnv>,
  lane: string,
  name: string,
  values: string[],
  now: number,
  cookies: string[],
): Promise<HeldPass | undefined> {
  const cfg = config(c.env);
  const ring = await keyring(cfg.passSecret);
  let live: HeldPass | undefined;
  let lapsed: HeldPass | undefined;
  for (const token of values) {
    const read = await readPass(ring, token);
    if (!read.ok || read.claims.lane !== lane || read.claims.shard >= shardCount(c.env, lane)) continue;
    const claims = read.claims;
    if (claims.exp > now) {
      if (!live || claims.exp > live.claims.exp) live = { token, claims };
    } else if (now < claims.exp + cfg.passGraceMs && now < claims.end) {
      if (!lapsed || claims.exp > lapsed.claims.exp) lapsed = { token, claims };
    }
  }
  if (live) {
    const { claims } = live;
    if (claims.exp - now >= cfg.passTtlMs / 2 || claims.exp >= claims.end) return live;
    const renewed = await extend(c, claims, now, cookies, name).catch((err) => {
      console.error("pass renewal failed; keeping the pass", err);
      return live;
    });
    if (renewed) return renewed;
  } else if (lapsed) {
    const readmitted = await extend(c, lapsed.claims, now, cookies, name).catch((err) => {
      console.error("readmission failed", err);
      throw new AppError(
        "waiting_room_unavailable",
        503,
        "The waiting room cannot confirm your admission right now. Please try again in a moment.",
      );
    });
    if (readmitted) return readmitted;
  }
  cookies.push(expiredCookie(c.req.url, name));
  return undefined;
}

/** Moves the pass's expiry on (or revives a lapsed one) at its counter; undefined if the origin had ended it. */
async function extend(c: Context<AppEnv>, claims: PassClaims, now: number, cookies: string[], name: string): Promise<HeldPass | undefined> {
  const cfg = config(c.env);
  const exp = Math.min(claims.end, now + cfg.passTtlMs);
  const answer = await callCounter(c.env, claims.lane, claims.shard, (stub, beats) =>
    stub.extend(claims.seq, claims.exp, exp, initialRate(c.env, claims.lane), beats),
  );
  if (answer.outcome === "ended") return undefined;
  const next: PassClaims = { ...claims, exp };
  const token = await signPass(await keyring(cfg.passSecret), next);
  cookies.push(passCookie(c.req.url, name, token, next, cfg, now));
  return { token, claims: next };
}

/** One person's pace: over PASS_REQUESTS for this journey, a 429 that retries by itself. */
export async function limitPass(c: Context<AppEnv>, claims: PassClaims): Promise<void> {
  const limiter = c.env.PASS_REQUESTS;
  if (!limiter) return;
  const { success } = await limiter.limit({ key: passId(claims) });
  if (!success) throw new Refused({ kind: "pass_limited", retryAfterSeconds: PASS_PERIOD_SEC });
}

/**
 * The origin's answer on its way to the browser: its command header removed, and acted on. `revoke` ends
 * the pass at its counter and clears its cookie (a renewal this same request made is dropped); the place
 * record is set again, so it lasts PLACE_COOKIE_MS from the journey's end.
 */
export async function fromOrigin(
  c: Context<AppEnv>,
  res: Response,
  pass: HeldPass,
  name: string,
  cookies: string[],
): Promise<{ res: Response; cookies: string[] }> {
  const command = res.headers.get(COMMAND_HEADER);
  if (command === null) return { res, cookies };
  const out = new Response(res.body, res);
  out.headers.delete(COMMAND_HEADER);
  if (command.trim().toLowerCase() !== "revoke") return { res: out, cookies };
  const { claims } = pass;
  try {
    await callCounter(c.env, claims.lane, claims.shard, (stub, beats) =>
      stub.revoke(claims.seq, claims.exp, initialRate(c.env, claims.lane), beats),
    );
  } catch (err) {
    // The browser's cookie is cleared all the same; a copy of the pass then lapses by itself.
    console.error("pass revocation failed", err);
  }
  const prefix = `${name}=`;
  return {
    res: out,
    cookies: [...cookies.filter((v) => !v.startsWith(prefix)), expiredCookie(c.req.url, name), await placeCookie(c, claims)],
  };
}
