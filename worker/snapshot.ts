/**
 * A per-isolate cache of each counter's schedule, so polls are answered at the edge without calling
 * the Durable Object: at most one DO read per counter per isolate per `snapshotTtlMs` (about a second),
 * however many people poll.
 *
 * When the copy is stale, the first request to notice refreshes it; requests arriving meanwhile keep
 * using the older copy rather than queueing on the DO (no promise is shared across requests, which
 * workerd does not allow for I/O). A stale copy is conservative for arrivals (it never admits a ticket
 * the counter has not issued); an operator's pause or rate cut reaches other isolates within a TTL.
 */
import type { Schedule } from "./admission";
import { config } from "./config";
import type { Env } from "./env";

interface Entry {
  schedule: Schedule;
  at: number;
  refreshingSince: number | null;
}

const cache = new Map<string, Entry>();
const REFRESH_GIVE_UP_MS = 2_000;

/** One counter per lane for now; sharding would spread a lane's arrivals over more. */
export const SHARD = 0;

export function counterName(lane: string, shard: number): string {
  return `${lane}:${shard}`;
}

// Deriving an id from a name is a hash; the id of a counter never changes, so each isolate derives it once.
const ids = new Map<string, DurableObjectId>();

export function counter(env: Env, lane: string, shard: number) {
  const name = counterName(lane, shard);
  let id = ids.get(name);
  if (!id) ids.set(name, (id = env.QUEUE.idFromName(name)));
  return env.QUEUE.get(id);
}

/** The lane's starting rate, for a counter that has never been written. */
export function initialRate(env: Env, lane: string): number | undefined {
  return config(env).lanes.find((l) => l.name === lane)?.initialRatePerSec;
}

/**
 * Records a schedule just read from the counter (arrivals and operator changes bring one back for free).
 * Never steps back to an older view: `issued` and `anchorAt` only ever grow, so a schedule with neither
 * larger than the cached one's is not newer (answers can come back out of order under load).
 */
export function remember(lane: string, shard: number, schedule: Schedule, now: number): void {
  const name = counterName(lane, shard);
  const entry = cache.get(name);
  if (entry && schedule.issued <= entry.schedule.issued && schedule.anchorAt <= entry.schedule.anchorAt) {
    if (schedule.issued === entry.schedule.issued && schedule.anchorAt === entry.schedule.anchorAt) {
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
  return entry && now - entry.at < ttlMs && entry.schedule.issued >= atLeastIssued ? entry.schedule : undefined;
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
  if (entry && entry.refreshingSince !== null && now - entry.refreshingSince < REFRESH_GIVE_UP_MS && entry.schedule.issued >= atLeastIssued) {
    return entry.schedule;
  }
  if (entry) entry.refreshingSince = now;
  return refresh(env, lane, shard, now, entry);
}

async function refresh(env: Env, lane: string, shard: number, now: number, entry: Entry | undefined): Promise<Schedule> {
  try {
    const { schedule } = await counter(env, lane, shard).snapshot(initialRate(env, lane));
    remember(lane, shard, schedule, now);
    return schedule;
  } catch (err) {
    if (entry) {
      entry.refreshingSince = null;
      return entry.schedule;
    }
    throw err;
  }
}
