/**
 * What operators do to a whole lane, whatever its number of shards: read its numbers (summed over the
 * shards, straight from the counters), change its rate or pause (each of K shards admits rate/K) or its cap
 * on active passes (each keeps its share, the shares adding up to the cap), and schedule its opening (one
 * seed for the lane, drawn here, committed in every shard). Used by the operator API and the console, so
 * both say and do the same.
 */
import { serving, type Schedule, type ScheduleChange } from "./admission";
import type { Env } from "./env";
import { commitmentOf, newSeed } from "./prequeue";
import type { CounterSample } from "./queue-counter";
import { counter, forget, initialRate, readCounter, shardCount } from "./snapshot";

export interface LaneRead {
  schedules: Schedule[];
  now: number;
}

export async function readLane(env: Env, lane: string): Promise<LaneRead> {
  const shards = shardCount(env, lane);
  const answers = await Promise.all(Array.from({ length: shards }, (_, j) => readCounter(env, lane, j)));
  return { schedules: answers.map((a) => a.schedule), now: Math.max(...answers.map((a) => a.now)) };
}

export function laneStats(lane: string, { schedules, now }: LaneRead) {
  let issued = 0;
  let cursor = 0;
  let liveWaiting = 0;
  let rate = 0;
  let preQueued = 0;
  let active = 0;
  let maxActive: number | null = null;
  for (const s of schedules) {
    active += s.active;
    if (s.maxActive !== null) maxActive = (maxActive ?? 0) + s.maxActive;
    const at = serving(s, now);
    issued += s.issued;
    cursor += at;
    liveWaiting += Math.round((s.issued - at) * s.liveShare);
    rate += s.ratePerSec;
    if (s.preTo < 0) preQueued += s.issued - s.preFrom;
  }
  const first = schedules[0]!;
  const opening = first.opensAt > 0 ? first.opensAt : null;
  return {
    lane,
    shards: schedules.length,
    issued,
    serving: cursor,
    waiting: issued - cursor,
    /** waiting people still checking in (abandoned places left out) */
    liveWaiting,
    ratePerSec: Math.round(rate * 1000) / 1000,
    paused: schedules.some((s) => s.paused),
    /** new places need a proof of work of this many bits (0: off) */
    proofOfWorkBits: first.powBits,
    opensAt: opening === null ? null : new Date(opening).toISOString(),
    /** people in a pre-queue not yet opened */
    preQueued,
    /** passes minted and not yet ended or expired */
    activePasses: active,
    /** the cap on active passes (null: none); while it is reached nobody new is admitted */
    maxActive,
    /** the cursor holds because the cap is reached */
    atCap: schedules.some((s) => s.held),
    at: new Date(now).toISOString(),
    /** each counter's own numbers and schedule (never the seed) */
    perShard: schedules.map((s, shard) => ({
      shard,
      issued: s.issued,
      serving: serving(s, now),
      ratePerSec: s.ratePerSec,
      speed: s.speed,
      liveShare: s.liveShare,
      anchorSeq: s.anchorSeq,
      anchorAt: s.anchorAt,
      activePasses: s.active,
      maxActive: s.maxActive,
    })),
  };
}

/** Shard j's part of a lane's cap of N: N/K each, the remainder to the first shards, so the parts add up to N. */
function capShare(maxActive: number, shards: number, j: number): number {
  return Math.floor(maxActive / shards) + (j < maxActive % shards ? 1 : 0);
}

/** A change of rate, pause or cap for every shard of the lane: each admits its share of the rate and keeps its share of the cap. */
export async function configureLane(env: Env, lane: string, change: ScheduleChange): Promise<LaneRead> {
  const shards = shardCount(env, lane);
  const perShard = (j: number): ScheduleChange => ({
    ...change,
    ...(change.ratePerSec !== undefined ? { ratePerSec: change.ratePerSec / shards } : {}),
    ...(change.maxActive !== undefined && change.maxActive !== null ? { maxActive: capShare(change.maxActive, shards, j) } : {}),
  });
  const answers = await Promise.all(
    Array.from({ length: shards }, (_, j) => counter(env, lane, j).configure(perShard(j), initialRate(env, lane))),
  );
  for (let j = 0; j < shards; j++) forget(lane, j);
  return { schedules: answers.map((a) => a.schedule), now: Math.max(...answers.map((a) => a.now)) };
}

/**
 * Schedules (or moves) the lane's opening. Refused, changing nothing, while a previous pre-queue is still
 * being admitted in any shard (checked on all shards before any is changed).
 */
export async function openLane(env: Env, lane: string, opensAt: number): Promise<LaneRead | { refused: "opening_in_progress" }> {
  const shards = shardCount(env, lane);
  const before = await readLane(env, lane);
  if (before.schedules.some((s) => s.preTo > s.preFrom && serving(s, before.now) < s.preTo)) return { refused: "opening_in_progress" };
  const seed = newSeed();
  const commitment = commitmentOf(seed);
  const answers = [];
  for (let j = 0; j < shards; j++) {
    const answer = await counter(env, lane, j).scheduleOpening(opensAt, seed, commitment, initialRate(env, lane));
    if ("refused" in answer) return { refused: answer.refused };
    answers.push(answer);
  }
  for (let j = 0; j < shards; j++) forget(lane, j);
  return { schedules: answers.map((a) => a.schedule), now: Math.max(...answers.map((a) => a.now)) };
}

/**
 * The lane's samples of the last five minutes (queue-counter.ts), summed over its shards period by period:
 * the history the console's chart starts from. A period some shard did not sample counts what the others did.
 */
export async function laneHistory(env: Env, lane: string): Promise<{ lane: string; samples: CounterSample[]; at: string }> {
  const shards = shardCount(env, lane);
  const answers = await Promise.all(Array.from({ length: shards }, (_, j) => counter(env, lane, j).history(initialRate(env, lane))));
  const byTime = new Map<number, CounterSample>();
  for (const { samples } of answers) {
    for (const x of samples) {
      const sum = byTime.get(x.t);
      if (!sum) byTime.set(x.t, { ...x });
      else for (const k of ["issued", "serving", "liveWaiting", "ratePerSec", "active", "preQueued"] as const) sum[k] += x[k];
    }
  }
  const samples = [...byTime.values()].sort((a, b) => a.t - b.t).map((x) => ({ ...x, ratePerSec: Math.round(x.ratePerSec * 1000) / 1000 }));
  return { lane, samples, at: new Date(Math.max(...answers.map((a) => a.now))).toISOString() };
}
