/**
 * The edge's client of the QueueCounter Durable Objects: each lane's shard j is the object named
 * "<lane>:<j>", and every call names the lane's starting rate (one class serves every lane, and a counter
 * that has never been written starts at it). Ids are derived once per isolate.
 */
import { config } from "../config";
import type { Env } from "../env";

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
  return config(env).laneByName.get(lane)?.initialRatePerSec;
}

/** How many counters a lane spreads its arrivals over. */
export function shardCount(env: Env, lane: string): number {
  return config(env).laneByName.get(lane)?.shards ?? 1;
}
