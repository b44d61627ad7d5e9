/**
 * Where a visitor stands in one lane's line (lib/lanes.ts: the path decides the lane; each lane has its
 * own counters and cookies), decided at the edge on every request outside /_wr/*:
 *
 *   valid pass                           -> admitted (renewed while its holder is active; passes.ts)
 *   pass lapsed within its grace period  -> admitted again at once (never sent to the back)
 *   valid ticket, before the opening     -> in the pre-queue: the countdown, place drawn at the opening
 *   valid ticket, place <= serving       -> admitted now: the counter mints the pass (once per ticket),
 *                                           the ticket cookie is dropped
 *   ... place passed long ago            -> rejoins at the cursor: admitted with the people now at the front
 *   ... ticket whose pass was minted     -> `ticket_used`, no place
 *   ... lane at its cap of active passes -> waits at the front until a pass ends (one out, one in)
 *   valid ticket, place >  serving       -> still waiting, same place (refresh, second tab, coming back)
 *   no ticket, or a bad one              -> a fresh number from one of the lane's counters
 *
 * A ticket names its shard and number; its place is the number, or in a pre-queue the one the revealed
 * seed deals it (queue/prequeue.ts), or the place it was given on rejoining. Position across shards and admission
 * are computed from cached snapshots (queue/admission.ts `laneStatus`); the server's clock decides. The counter
 * has the last word on minting a pass. When several cookies of one name arrive, any valid one counts. A
 * forged, tampered, expired or other-lane token is simply not honoured: a bad pass counts as no pass and a
 * bad ticket earns a fresh place. Nothing about a token makes this throw.
 */
import type { Context } from "hono";
import { type Keyring, keyring, knownTicket, signTicket, type TicketClaims, verifyTicket } from "../../lib/tokens";
import type { AppEnv } from "../app-env";
import { config, type WorkerConfig } from "../config";
import {
  beforeOpenStatus,
  laneStatus,
  passedBefore,
  preQueueOpen,
  type QueueStatus,
  queueStatus,
  type Schedule,
  serving,
} from "../queue/admission";
import { placeOf } from "../queue/prequeue";
import type { AdmitAnswer, RejoinAnswer } from "../queue/queue-counter";
import { addressKey, arrivalGate } from "./arrival-gate";
import { cookie, expiredCookie, laneCookies, readCookie, readCookies } from "./cookies";
import { initialRate, shardCount } from "./counter";
import { heartbeat } from "./heartbeats";
import { type HeldPass, heldPass, issuePass, passTimes } from "./passes";
import { Refused } from "./refusal";
import { cachedSchedule, callCounter, freshLane, laneSchedules } from "./snapshot";

/** How soon someone at the front asks again when their admission could not be made just now. */
const FRONT_POLL_MS = 2_000;
const OUTAGE_POLL_MS = 5_000;

export interface Visit {
  status: QueueStatus;
  /** where the visitor's line started (serving when the ticket was issued), for the progress bar */
  startedAt: number;
  /** a valid pass, when admitted: forwarded to the origin as X-WR-Pass */
  pass?: HeldPass;
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
  const place = claims.r ?? placeOf(own, claims.lane, claims.shard, claims.seq);
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

/** The client's address as the limits count it (its /64 for IPv6): a lost answer's retry from there gets the same pass. */
function clientKey(c: Context<AppEnv>): string {
  return addressKey(c.req.header("cf-connecting-ip") ?? "");
}

/** At the front, but not let in just now (the lane is at its cap, or the counter did not answer): ask again soon. */
function frontOfLine(status: QueueStatus, pollAfterMs = FRONT_POLL_MS): QueueStatus {
  return { ...status, state: "waiting", position: 1, ahead: 0, etaSeconds: Math.max(1, status.etaSeconds ?? 1), pollAfterMs };
}

function admittedStatus(status: QueueStatus): QueueStatus {
  return { ...status, state: "admitted", position: 0, ahead: 0, etaSeconds: 0, pollAfterMs: 0 };
}

/** The valid ticket of this lane among the cookies (any valid one counts; of several, the earliest issued). */
async function validTicket(
  ring: Keyring,
  tokens: string[],
  lane: string,
  shards: number,
  now: number,
  ttlMs: number,
): Promise<TicketClaims | undefined> {
  let best: TicketClaims | undefined;
  for (const token of tokens) {
    const ticket = await verifyTicket(ring, token, now, ttlMs);
    if (ticket.ok && ticket.claims.lane === lane && ticket.claims.shard < shards && (!best || ticket.claims.iat < best.iat))
      best = ticket.claims;
  }
  return best;
}

/**
 * A place the cursor passed more than the grace period ago (its holder gone all that while): it is not let
 * in ahead of the people now at the front. A ticket issued (or given its place) within the grace period
 * cannot have been passed that long ago.
 */
function passedLongAgo(cfg: WorkerConfig, own: Schedule, claims: TicketClaims, now: number): boolean {
  if (cfg.abandonGraceMs <= 0 || claims.iat > now - cfg.abandonGraceMs) return false;
  const place = claims.r ?? placeOf(own, claims.lane, claims.shard, claims.seq);
  return place !== undefined && passedBefore(own, place, now - cfg.abandonGraceMs);
}

async function fullVisit(c: Context<AppEnv>, lane: string): Promise<Visit> {
  const cfg = config(c.env);
  const names = laneCookies(lane, cfg.lane);
  const now = Date.now();
  const url = c.req.url;
  const cookies: string[] = [];
  const ticketRing = await keyring(cfg.ticketSecret);
  const shards = shardCount(c.env, lane);

  const cookieHeader = c.req.raw.headers.get("cookie");
  const passTokens = readCookies(cookieHeader, names.pass);
  if (passTokens.length > 0) {
    const held = await heldPass(c, lane, names.pass, passTokens, now, cookies);
    if (held) {
      const shard = held.claims.shard < shards ? held.claims.shard : 0;
      const schedule = await cachedSchedule(c.env, lane, shard, now, cfg.snapshotTtlMs);
      return { status: queueStatus(schedule, held.claims.seq, now, true), startedAt: 0, pass: held, cookies };
    }
  }

  const ticketTokens = readCookies(cookieHeader, names.ticket);
  let claims = await validTicket(ticketRing, ticketTokens, lane, shards, now, cfg.ticketTtlMs);
  if (claims) {
    const views = [...(await laneSchedules(c.env, lane, shards, now, cfg.snapshotTtlMs, claims.shard, claims.seq))];
    let judged = judge(cfg, views, claims, now);
    if (judged.status.state !== "admitted") return { ...judged, cookies };
    if (passedLongAgo(cfg, views[claims.shard]!, claims, now)) {
      const ticket = claims;
      let answer: RejoinAnswer;
      try {
        answer = await callCounter(
          c.env,
          lane,
          ticket.shard,
          (stub, beats) => stub.rejoin(ticket.seq, initialRate(c.env, lane), beats),
          now,
        );
      } catch (err) {
        console.error("rejoining failed", err);
        return { status: frontOfLine(judged.status, OUTAGE_POLL_MS), startedAt: judged.startedAt, cookies };
      }
      if (answer.outcome === "used") throw new Refused({ kind: "ticket_used", ticketCookie: names.ticket });
      claims = { ...ticket, iat: now, r: answer.place };
      cookies.push(cookie(url, names.ticket, await signTicket(ticketRing, claims), cfg.ticketTtlMs));
      views[claims.shard] = answer.schedule;
      judged = judge(cfg, views, claims, now);
      if (judged.status.state !== "admitted") return { ...judged, cookies };
    }
    return admitTicket(c, lane, claims, views, judged, now, cookies);
  }

  // A new place in line, once past the gate (limits, proof of work). Admitted at once if the line had run dry.
  await arrivalGate(c, lane, now, cookies);
  const shard = pickShard(lane, shards);
  const answer = await callCounter(
    c.env,
    lane,
    shard,
    (stub, beats) => stub.issue(initialRate(c.env, lane), beats, passTimes(cfg, now), clientKey(c)),
    now,
  );
  const { seq, schedule } = answer;
  const s0 = serving(schedule, now);
  const fresh = { lane, shard, seq, iat: now, s0 };
  let status: QueueStatus;
  let startedAt = s0;
  if (preQueueOpen(schedule)) {
    status =
      shards === 1
        ? beforeOpenStatus(schedule, now, cfg.maxPollMs)
        : beforeOpen(await otherShards(c, lane, shards, shard, schedule, now), shard, now, cfg.maxPollMs);
  } else if (shards === 1) {
    status = queueStatus(schedule, seq, now, false, cfg.maxPollMs);
  } else {
    ({ status, startedAt } = judge(cfg, await otherShards(c, lane, shards, shard, schedule, now), fresh, now));
  }
  if (answer.pass) {
    const pass = await issuePass(c, lane, names.pass, shard, seq, answer.pass, now, cookies);
    if (ticketTokens.length > 0) cookies.push(expiredCookie(url, names.ticket));
    return { status: admittedStatus(status), startedAt, pass, cookies };
  }
  if (status.state === "admitted") status = frontOfLine(status);
  const token = await signTicket(ticketRing, fresh);
  cookies.push(cookie(url, names.ticket, token, cfg.ticketTtlMs));
  return { status, startedAt, cookies };
}

/**
 * A ticket whose place the edge finds reached: the counter that issued it mints its pass (or says it was
 * used, or that the lane is full, or that the place is not reached after all).
 */
async function admitTicket(
  c: Context<AppEnv>,
  lane: string,
  claims: TicketClaims,
  views: Schedule[],
  judged: { status: QueueStatus; startedAt: number },
  now: number,
  cookies: string[],
): Promise<Visit> {
  const cfg = config(c.env);
  const names = laneCookies(lane, cfg.lane);
  const place = claims.r ?? placeOf(views[claims.shard]!, lane, claims.shard, claims.seq)!;
  let answer: AdmitAnswer;
  try {
    answer = await callCounter(
      c.env,
      lane,
      claims.shard,
      (stub, beats) => stub.admit(claims.seq, place, passTimes(cfg, now), clientKey(c), initialRate(c.env, lane), beats),
      now,
    );
  } catch (err) {
    console.error("admission failed", err);
    return { status: frontOfLine(judged.status, OUTAGE_POLL_MS), startedAt: judged.startedAt, cookies };
  }
  if (answer.outcome === "used") throw new Refused({ kind: "ticket_used", ticketCookie: names.ticket });
  if (answer.outcome !== "admitted" || !answer.pass) {
    views[claims.shard] = answer.schedule;
    const again = judge(cfg, views, claims, now);
    return { status: again.status.state === "admitted" ? frontOfLine(again.status) : again.status, startedAt: again.startedAt, cookies };
  }
  const pass = await issuePass(c, lane, names.pass, claims.shard, claims.seq, answer.pass, now, cookies);
  cookies.push(expiredCookie(c.req.url, names.ticket));
  return { status: admittedStatus(judged.status), startedAt: judged.startedAt, pass, cookies };
}

/** The lane's schedules, with the one just read from this arrival's own counter in its place. */
async function otherShards(
  c: Context<AppEnv>,
  lane: string,
  shards: number,
  own: number,
  schedule: Schedule,
  now: number,
): Promise<Schedule[]> {
  const views = [...(await laneSchedules(c.env, lane, shards, now, config(c.env).snapshotTtlMs, own))];
  views[own] = schedule;
  return views;
}
