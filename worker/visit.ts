/**
 * Where a visitor stands in one lane's line (lib/lanes.ts: the path decides the lane; each lane has its
 * own counter and cookies), decided at the edge on every request outside /_wr/*:
 *
 *   valid pass                        -> admitted (the pass is good until it expires, even if paused since)
 *   valid ticket, seq <= serving      -> admitted now: a pass is minted, the ticket cookie is dropped
 *   valid ticket, seq >  serving      -> still waiting, same place (refresh, second tab, coming back)
 *   no ticket, or a bad one           -> a fresh place from the counter (the only call to the DO)
 *
 * Waiting and admission are computed from the cached schedule snapshot; the server's clock decides.
 * A forged, tampered, expired or other-lane token is simply not honoured: a bad pass counts as no pass
 * and a bad ticket earns a fresh place. Nothing about a token makes this throw.
 */
import type { Context } from "hono";
import { keyring, knownTicket, signPass, signTicket, verifyPass, verifyTicket } from "../lib/tokens";
import { queueStatus, serving, type QueueStatus } from "./admission";
import type { AppEnv } from "./app-env";
import { config } from "./config";
import { cookie, expiredCookie, laneCookies, readCookie } from "./cookies";
import { SHARD, cachedSchedule, counter, freshSchedule, initialRate, remember } from "./snapshot";

export interface Visit {
  status: QueueStatus;
  /** where the visitor's line started (serving when the ticket was issued), for the progress bar */
  startedAt: number;
  /** a valid pass, when admitted: forwarded to the origin as X-WR-Pass */
  pass?: string;
  /** Set-Cookie values this response must carry */
  cookies: string[];
}

/**
 * Where a visitor stands. Most requests are polls of someone still waiting, whose ticket this isolate
 * has verified before: that case is answered without a promise (see `stillWaiting`); every other case
 * takes the full path below.
 */
export function resolveVisit(c: Context<AppEnv>, lane: string): Visit | Promise<Visit> {
  return stillWaiting(c, lane) ?? fullVisit(c, lane);
}

/**
 * The hot case, decided synchronously or not at all: no pass cookie, a ticket already in the keyring's
 * verified cache, a fresh snapshot, and the ticket's turn not yet come. Anything else returns undefined.
 */
function stillWaiting(c: Context<AppEnv>, lane: string): Visit | undefined {
  const cfg = config(c.env);
  const names = laneCookies(lane, cfg.lane);
  const ring = keyring(cfg.ticketSecret);
  if (ring instanceof Promise) return undefined;
  const cookieHeader = c.req.raw.headers.get("cookie");
  if (readCookie(cookieHeader, names.pass) !== undefined) return undefined;
  const now = Date.now();
  const ticket = knownTicket(ring, readCookie(cookieHeader, names.ticket), now, cfg.ticketTtlMs);
  if (!ticket?.ok || ticket.claims.lane !== lane || ticket.claims.shard !== SHARD) return undefined;
  const schedule = freshSchedule(lane, SHARD, now, cfg.snapshotTtlMs, ticket.claims.seq);
  if (!schedule) return undefined;
  const status = queueStatus(schedule, ticket.claims.seq, now);
  return status.state === "admitted" ? undefined : { status, startedAt: ticket.claims.s0, cookies: [] };
}

async function fullVisit(c: Context<AppEnv>, lane: string): Promise<Visit> {
  const cfg = config(c.env);
  const names = laneCookies(lane, cfg.lane);
  const now = Date.now();
  const url = c.req.url;
  const cookies: string[] = [];
  const ticketRing = await keyring(cfg.ticketSecret);
  const passRing = await keyring(cfg.passSecret);

  const cookieHeader = c.req.raw.headers.get("cookie");
  const passToken = readCookie(cookieHeader, names.pass);
  const ticketToken = readCookie(cookieHeader, names.ticket);
  if (passToken !== undefined) {
    const pass = await verifyPass(passRing, passToken, now);
    if (pass.ok && pass.claims.lane === lane) {
      const schedule = await cachedSchedule(c.env, lane, SHARD, now, cfg.snapshotTtlMs);
      return { status: queueStatus(schedule, pass.claims.seq, now, true), startedAt: 0, pass: passToken, cookies };
    }
    cookies.push(expiredCookie(url, names.pass));
  }

  const admit = async (seq: number) => {
    const token = await signPass(passRing, { lane, seq, exp: now + cfg.passTtlMs });
    cookies.push(cookie(url, names.pass, token, cfg.passTtlMs));
    if (ticketToken !== undefined) cookies.push(expiredCookie(url, names.ticket));
    return token;
  };

  const ticket = await verifyTicket(ticketRing, ticketToken, now, cfg.ticketTtlMs);
  if (ticket.ok && ticket.claims.lane === lane && ticket.claims.shard === SHARD) {
    const { seq, s0 } = ticket.claims;
    const schedule = await cachedSchedule(c.env, lane, SHARD, now, cfg.snapshotTtlMs, seq);
    const status = queueStatus(schedule, seq, now);
    if (status.state !== "admitted") return { status, startedAt: s0, cookies };
    return { status, startedAt: s0, pass: await admit(seq), cookies };
  }

  // A new place in line: the one request that needs the counter itself.
  const { seq, schedule } = await counter(c.env, lane, SHARD).issue(initialRate(c.env, lane));
  remember(lane, SHARD, schedule, now);
  const status = queueStatus(schedule, seq, now);
  const s0 = serving(schedule, now);
  if (status.state === "admitted") return { status, startedAt: s0, pass: await admit(seq), cookies };
  const token = await signTicket(ticketRing, { lane, shard: SHARD, seq, iat: now, s0 });
  cookies.push(cookie(url, names.ticket, token, cfg.ticketTtlMs));
  return { status, startedAt: s0, cookies };
}
