/**
 * Where a visitor stands in one lane's line (lib/lanes.ts: the path decides the lane; each lane has its
 * own counters and cookies), decided at the edge on every request outside /_wr/*:
 *
 *   valid pass                           -> admitted (the pass is good until it expires, even if paused since)
 *   valid ticket, before the opening     -> in the pre-queue: the countdown, place drawn at the opening
 *   valid ticket, place <= serving       -> admitted now: a pass is minted, the ticket cookie is dropped
 *   valid ticket, place >  serving       -> still waiting, same place (refresh, second tab, coming back)
 *   no ticket, or a bad one              -> a fresh number from one of the lane's counters (the only DO call)
 *
 * A ticket names its shard and number; its place is the number, or in a pre-queue the one the revealed
 * seed deals it (prequeue.ts). Position across shards and admission are computed from cached snapshots
 * (admission.ts `laneStatus`); the server's clock decides. A forged, tampered, expired or other-lane token
 * is simply not honoured: a bad pass counts as no pass and a bad ticket earns a fresh place. Nothing about
 * a token makes this throw.
 */
import type { Context } from "hono";
import { keyring, knownTicket, signPass, signTicket, verifyPass, verifyTicket, type TicketClaims } from "../lib/tokens";
import { beforeOpenStatus, laneStatus, preQueueOpen, queueStatus, serving, type QueueStatus, type Schedule } from "./admission";
import type { AppEnv } from "./app-env";
import { config, type WorkerConfig } from "./config";
import { cookie, expiredCookie, laneCookies, readCookie } from "./cookies";
import { arrivalGate } from "./arrival-gate";
import { heartbeat } from "./liveness";
import { placeOf } from "./prequeue";
import { cachedSchedule, callCounter, freshLane, initialRate, laneSchedules, shardCount } from "./snapshot";

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
 * A ticket's answer from its lane's schedules: before the opening (its place not drawn yet), or its place
 * across all shards. A waiting ticket's holder is live: that is noted for the abandonment count.
 */
function judge(cfg: WorkerConfig, views: Schedule[], claims: TicketClaims, now: number): { status: QueueStatus; startedAt: number } {
  const own = views[claims.shard]!;
  const place = placeOf(own, claims.lane, claims.shard, claims.seq);
  if (place === undefined) return { status: beforeOpen(views, claims.shard, now, cfg.maxPollMs), startedAt: 0 };
  const status = laneStatus(views, claims.shard, place, now, cfg.maxPollMs);
  if (status.state !== "admitted") heartbeat(claims.lane, claims.shard, claims, place, now, cfg.abandonGraceMs);
  // The progress bar runs from where the line stood at issue; across K shards, in the lane's numbers.
  const startedAt = views.length === 1 ? claims.s0 : Math.max(0, status.seq - (place - claims.s0) * views.length);
  return { status, startedAt };
}

function beforeOpen(views: Schedule[], own: number, now: number, maxPollMs: number): QueueStatus {
  const status = beforeOpenStatus(views[own]!, now, maxPollMs);
  if (views.length === 1) return status;
  let preQueued = 0;
  let issued = 0;
  for (const s of views) {
    preQueued += preQueueOpen(s) ? s.issued - s.preFrom : 0;
    issued += s.issued;
  }
  return { ...status, preQueued, issued };
}

// Arrivals in one isolate take the shards in turn, from a random start: a lane's shards fill evenly.
const nextShard = new Map<string, number>();

function pickShard(lane: string, shards: number): number {
  if (shards === 1) return 0;
  const next = nextShard.get(lane) ?? Math.floor(Math.random() * shards);
  nextShard.set(lane, (next + 1) % shards);
  return next;
}

/**
 * The hot case, decided synchronously or not at all: no pass cookie, a ticket already in the keyring's
 * verified cache, fresh snapshots, and the ticket's turn not yet come. Anything else returns undefined.
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
  if (!ticket?.ok || ticket.claims.lane !== lane) return undefined;
  const shards = shardCount(c.env, lane);
  if (ticket.claims.shard >= shards) return undefined;
  const views = freshLane(lane, shards, now, cfg.snapshotTtlMs, ticket.claims.shard, ticket.claims.seq);
  if (!views) return undefined;
  const { status, startedAt } = judge(cfg, views, ticket.claims, now);
  return status.state === "admitted" ? undefined : { status, startedAt, cookies: [] };
}

async function fullVisit(c: Context<AppEnv>, lane: string): Promise<Visit> {
  const cfg = config(c.env);
  const names = laneCookies(lane, cfg.lane);
  const now = Date.now();
  const url = c.req.url;
  const cookies: string[] = [];
  const ticketRing = await keyring(cfg.ticketSecret);
  const passRing = await keyring(cfg.passSecret);
  const shards = shardCount(c.env, lane);

  const cookieHeader = c.req.raw.headers.get("cookie");
  const passToken = readCookie(cookieHeader, names.pass);
  const ticketToken = readCookie(cookieHeader, names.ticket);
  if (passToken !== undefined) {
    const pass = await verifyPass(passRing, passToken, now);
    if (pass.ok && pass.claims.lane === lane) {
      const schedule = await cachedSchedule(c.env, lane, 0, now, cfg.snapshotTtlMs);
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
  if (ticket.ok && ticket.claims.lane === lane && ticket.claims.shard < shards) {
    const views = await laneSchedules(c.env, lane, shards, now, cfg.snapshotTtlMs, ticket.claims.shard, ticket.claims.seq);
    const { status, startedAt } = judge(cfg, views, ticket.claims, now);
    if (status.state !== "admitted") return { status, startedAt, cookies };
    return { status, startedAt, pass: await admit(status.seq), cookies };
  }

  // A new place in line: the one request that needs a counter itself, once past the gate (limits, proof of work).
  await arrivalGate(c, lane, now, cookies);
  const shard = pickShard(lane, shards);
  const { seq, schedule } = await callCounter(c.env, lane, shard, (stub, beats) => stub.issue(initialRate(c.env, lane), beats), now);
  const s0 = serving(schedule, now);
  const claims = { lane, shard, seq, iat: now, s0 };
  let status: QueueStatus;
  let startedAt = s0;
  if (preQueueOpen(schedule)) {
    status = shards === 1 ? beforeOpenStatus(schedule, now, cfg.maxPollMs) : beforeOpen(await otherShards(c, lane, shards, shard, schedule, now), shard, now, cfg.maxPollMs);
  } else if (shards === 1) {
    status = queueStatus(schedule, seq, now, false, cfg.maxPollMs);
  } else {
    ({ status, startedAt } = judge(cfg, await otherShards(c, lane, shards, shard, schedule, now), claims, now));
  }
  if (status.state === "admitted") return { status, startedAt, pass: await admit(seq), cookies };
  const token = await signTicket(ticketRing, claims);
  cookies.push(cookie(url, names.ticket, token, cfg.ticketTtlMs));
  return { status, startedAt, cookies };
}

/** The lane's schedules, with the one just read from this arrival's own counter in its place. */
async function otherShards(c: Context<AppEnv>, lane: string, shards: number, own: number, schedule: Schedule, now: number): Promise<Schedule[]> {
  const views = [...(await laneSchedules(c.env, lane, shards, now, config(c.env).snapshotTtlMs, own))];
  views[own] = schedule;
  return views;
}
