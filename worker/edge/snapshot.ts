/**
 * A per-isolate cache of each counter's schedule, so polls are answered at the edge without calling
 * the Durable Object: at most one DO read per counter per isolate per `snapshotTtlMs` (about a second),
 * however many people poll.
 *
 * When the copy is stale, the first request to notice refreshes it; requests arriving meanwhile keep
 * using the older copy rather than queueing on the DO (no promise is shared across requests, which
 * workerd does not allow for I/O). A stale copy is conservative for arrivals (it never admits a ticket
 * the counter has not issued); an operator's pause or rate cut reaches other isolates within a TTL.
 *
 * Every call to a counter that brings a schedule back goes through `callCounter`, which hands over this
 * isolate's heartbeats for that counter (edge/heartbeats.ts), and to a lane's leader (shard 0) while its
 * autopilot is on, this isolate's measure of the lane's forwarded requests (edge/load.ts), and keeps the
 * answer as the new copy.
 */
import type { Env } from "../env";
import { preQueueOpen, type Schedule } from "../queue/admission";
import type { Handover } from "../queue/queue-counter";
import { counter, counterName, initialRate } from "./counter";
import { returnBeats, takeBeats } from "./heartbeats";
import { returnLoad, takeLoad } from "./load";

interface Entry {
  schedule: Schedule;
  at: number;
  refreshingSince: number | null;
}

const cache = new Map<string, Entry>();
const REFRESH_GIVE_UP_MS = 2_000;

/**
 * Records a schedule just read from the counter (arrivals and operator changes bring one back for free).
 * Never steps back to an older view: the counter bumps `rev` on every write, so a schedule with a smaller
 * one is older (answers can come back out of order under load).
 */
export function remember(lane: string, shard: number, schedule: Schedule, now: number): void {
  const name = counterName(lane, shard);
  const entry = cache.get(name);
  if (entry && schedule.rev <= entry.schedule.rev) {
    if (schedule.rev === entry.schedule.rev) {
      entry.at = Math.max(entry.at, now);
      entry.refreshingSince = null;
    }
    return;
  }
  cache.set(name, { schedule, at: Math.max(now, entry?.at ?? 0), refreshingSince: null });
}

/** Drops this isolate's copy (after an operator change), so the next read goes to the counter. */
export function forget(lane: string, shard: number): void {
  cache.delete(counterName(lane, shard));
}

/**
 * This isolate's copy when it is fresh enough and not older than `atLeastIssued`, else undefined; never
 * reads the counter (the synchronous poll path asks this, and leaves any refresh to the full path).
 */
export function freshSchedule(lane: string, shard: number, now: number, ttlMs: number, atLeastIssued = 0): Schedule | undefined {
  const entry = cache.get(counterName(lane, shard));
  return entry && now - entry.at < ttlMs && usable(entry.schedule, now, atLeastIssued) ? entry.schedule : undefined;
}

/**
 * A copy can judge a ticket if it is not older than the ticket, and, once an opening time has passed, if
 * it already knows how the pre-queue was sealed (a copy taken before cannot say where anyone's place is).
 */
function usable(s: Schedule, now: number, atLeastIssued: number): boolean {
  return s.issued >= atLeastIssued && !(preQueueOpen(s) && now >= s.opensAt);
}

/** Every shard's schedule of a lane (one array per answer), fresh as `cachedSchedule` makes them. */
export function laneSchedules(
  env: Env,
  lane: string,
  shards: number,
  now: number,
  ttlMs: number,
  own = 0,
  atLeastIssued = 0,
): Schedule[] | Promise<Schedule[]> {
  if (shards === 1) {
    const s = cachedSchedule(env, lane, 0, now, ttlMs, atLeastIssued);
    return s instanceof Promise ? s.then((one) => [one]) : [s];
  }
  const all: (Schedule | Promise<Schedule>)[] = [];
  let waiting = false;
  for (let j = 0; j < shards; j++) {
    const s = cachedSchedule(env, lane, j, now, ttlMs, j === own ? atLeastIssued : 0);
    if (s instanceof Promise) waiting = true;
    all.push(s);
  }
  return waiting ? Promise.all(all) : (all as Schedule[]);
}

/** Every shard's fresh copy, or undefined if any is missing (the synchronous poll path). */
export function freshLane(
  lane: string,
  shards: number,
  now: number,
  ttlMs: number,
  own: number,
  atLeastIssued: number,
): Schedule[] | undefined {
  if (shards === 1) {
    const s = freshSchedule(lane, 0, now, ttlMs, atLeastIssued);
    return s && [s];
  }
  const all: Schedule[] = [];
  for (let j = 0; j < shards; j++) {
    const s = freshSchedule(lane, j, now, ttlMs, j === own ? atLeastIssued : 0);
    if (!s) return undefined;
    all.push(s);
  }
  return all;
}

/**
 * The schedule to answer from: this isolate's copy when it is fresh enough (returned as is, without a
 * promise: this is every poll's path), else a read of the counter. A copy older than a ticket it must
 * judge (`atLeastIssued`: the ticket proves the counter issued that number) counts as stale too, so a
 * person is not told to wait by a view that predates their own number while newer arrivals get in.
 */
export function cachedSchedule(
  env: Env,
  lane: string,
  shard: number,
  now: number,
  ttlMs: number,
  atLeastIssued = 0,
): Schedule | Promise<Schedule> {
  const fresh = freshSchedule(lane, shard, now, ttlMs, atLeastIssued);
  if (fresh) return fresh;
  const entry = cache.get(counterName(lane, shard));
  // While another request refreshes, the old copy may answer, unless it predates the ticket in hand:
  // then it would hold that person back while later numbers get in, so this request reads for itself.
  // At an opening, a copy from before it may answer too: it says "not drawn yet, ask again in a second",
  // which is true here until the refresh lands, and spares the counter a read per waiting person.
  if (
    entry &&
    entry.refreshingSince !== null &&
    now - entry.refreshingSince < REFRESH_GIVE_UP_MS &&
    entry.schedule.issued >= atLeastIssued
  ) {
    return entry.schedule;
  }
  if (entry) entry.refreshingSince = now;
  return refresh(env, lane, shard, now, entry);
}

async function refresh(env: Env, lane: string, shard: number, now: number, entry: Entry | undefined): Promise<Schedule> {
  try {
    return (await readCounter(env, lane, shard, now)).schedule;
  } catch (err) {
    if (entry) {
      entry.refreshingSince = null;
      return entry.schedule;
    }
    throw err;
  }
}

/**
 * Calls one counter, handing over this isolate's heartbeats for it on the way (and to the leader of a lane
 * whose autopilot is on, as this isolate's copy says, the lane's forwarded requests), and keeps the schedule
 * it answers with as this isolate's copy (stamped `now`, or the counter's own answer time when omitted).
 * Every call that freshens the copy must carry the heartbeats: polls hand theirs over only when they find
 * the copy stale, so a copy kept fresh by calls without them (an operator's dashboard asking every second)
 * would hold them back until the counter took everyone in line for gone. A call that fails gives both back.
 */
export async function callCounter<A extends { schedule: Schedule; now: number }>(
  env: Env,
  lane: string,
  shard: number,
  call: (stub: ReturnType<typeof counter>, handover: Handover | undefined) => Promise<A>,
  now?: number,
): Promise<A> {
  const name = counterName(lane, shard);
  const beats = takeBeats(name);
  const load = shard === 0 && cache.get(name)?.schedule.autopilot ? takeLoad(lane) : undefined;
  try {
    const answer = await call(counter(env, lane, shard), load ? { beats, load } : beats);
    remember(lane, shard, answer.schedule, now ?? answer.now);
    return answer;
  } catch (err) {
    returnBeats(name, beats);
    returnLoad(lane, load);
    throw err;
  }
}

/** Reads one counter's schedule (a snapshot), as `callCounter` does every call. */
export function readCounter(env: Env, lane: string, shard: number, now?: number): Promise<{ schedule: Schedule; now: number }> {
  return callCounter(env, lane, shard, (stub, handover) => stub.snapshot(initialRate(env, lane), handover), now);
}
