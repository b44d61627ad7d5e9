/**
 * What operators do to a whole lane, whatever its number of shards: read its numbers (summed over the
 * shards, straight from the counters, with what the lane's leader knows: the autopilot and the places left),
 * change its rate or pause (each of K shards admits rate/K) or its cap on active passes (each keeps its
 * share, the shares adding up to the cap), turn its autopilot on or off, and schedule its opening (one seed
 * for the lane, drawn here, committed in every shard). A change of rate or autopilot goes to the lane's
 * leader (shard 0), which decides the rate in force (a fixed rate always wins) and applies rate/K to every
 * shard. Used by the operator API and the console, so both say and do the same.
 */

import { counter, initialRate, shardCount } from "../edge/counter";
import { forget, readCounter } from "../edge/snapshot";
import type { Env } from "../env";
import { type Schedule, type ScheduleChange, serving } from "../queue/admission";
import type { AutopilotSettings } from "../queue/autopilot";
import { commitmentOf, newSeed } from "../queue/prequeue";
import type { CounterSample, LeaderView } from "../queue/queue-counter";

export interface LaneRead {
  schedules: Schedule[];
  now: number;
  /** what the lane's leader knows beyond the schedules */
  leader?: LeaderView;
}

export async function readLane(env: Env, lane: string): Promise<LaneRead> {
  const shards = shardCount(env, lane);
  const [leader, answers] = await Promise.all([
    counter(env, lane, 0).leaderView(),
    Promise.all(Array.from({ length: shards }, (_, j) => readCounter(env, lane, j))),
  ]);
  return { schedules: answers.map((a) => a.schedule), now: Math.max(...answers.map((a) => a.now)), leader };
}

export function laneStats(lane: string, { schedules, now, leader }: LaneRead) {
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
    /** the autopilot choosing `ratePerSec` (null: the rate is fixed): its settings, phase, last reason, signal and changes */
    autopilot: leader?.autopilot ?? null,
    /** places left in the open booking window, as the origin last said (null: not known, or not a booking lane) */
    placesLeft: leader?.placesLeft ?? null,
    /** `placesLeft` is a lower bound: more are left */
    placesLeftAtLeast: leader?.placesAtLeast ?? false,
    /** none left: the cursor holds, people keep their places and see when the next window opens */
    soldOut: schedules.some((s) => s.soldOut),
    nextOpensAt: first.nextOpensAt > 0 ? new Date(first.nextOpensAt).toISOString() : null,
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

/** A lane's numbers as the operator API answers them. */
export type LaneStats = ReturnType<typeof laneStats>;

/** Shard j's part of a lane's cap of N: N/K each, the remainder to the first shards, so the parts add up to N. */
function capShare(maxActive: number, shards: number, j: number): number {
  return Math.floor(maxActive / shards) + (j < maxActive % shards ? 1 : 0);
}

/** An operator's change to a lane: its rate, pause, cap, bot defence, and its autopilot (settings, or null: off). */
export interface LaneChange extends Omit<ScheduleChange, "autopilot"> {
  autopilot?: AutopilotSettings | null;
}

/**
 * A change of rate, autopilot, pause or cap for every shard of the lane: the rate (or the autopilot) goes to
 * the lane's leader, which applies its share to every shard; then each shard takes the rest, keeping its
 * share of the cap.
 */
export async function configureLane(env: Env, lane: string, change: LaneChange): Promise<LaneRead> {
  const shards = shardCount(env, lane);
  const { ratePerSec, autopilot, ...rest } = change;
  if (ratePerSec !== undefined || autopilot !== undefined)
    await counter(env, lane, 0).steer({ ratePerSec, autopilot }, initialRate(env, lane));
  const perShard = (j: number): ScheduleChange => ({
    ...rest,
    ...(rest.maxActive !== undefined && rest.maxActive !== null ? { maxActive: capShare(rest.maxActive, shards, j) } : {}),
  });
  const [leader, answers] = await Promise.all([
    counter(env, lane, 0).leaderView(),
    Promise.all(Array.from({ length: shards }, (_, j) => counter(env, lane, j).configure(perShard(j), initialRate(env, lane)))),
  ]);
  for (let j = 0; j < shards; j++) forget(lane, j);
  return { schedules: answers.map((a) => a.schedule), now: Math.max(...answers.map((a) => a.now)), leader };
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
 * The lane's samples of the last five minutes (queue/queue-counter.ts), summed over its shards period by period:
 * the history the console's chart starts from. A period some shard did not sample counts what the others did.
 * The autopilot's numbers (p95, admitted per second, chosen rate, ceiling) are the leader's, for the whole lane.
 */
export async function laneHistory(env: Env, lane: string): Promise<{ lane: string; samples: CounterSample[]; at: string }> {
  const shards = shardCount(env, lane);
  const answers = await Promise.all(Array.from({ length: shards }, (_, j) => counter(env, lane, j).history(initialRate(env, lane))));
  const byTime = new Map<number, CounterSample>();
  for (const { samples } of answers) {
    for (const x of samples) {
      const sum = byTime.get(x.t);
      if (!sum) byTime.set(x.t, { ...x });
      else {
        for (const k of ["issued", "serving", "liveWaiting", "ratePerSec", "active", "preQueued"] as const) sum[k] += x[k];
        for (const k of ["p95Ms", "admittedPerSec", "chosenRate", "ceiling"] as const) sum[k] ??= x[k] ?? null;
      }
    }
  }
  const samples = [...byTime.values()]
    .sort((a, b) => a.t - b.t)
    .map((x) => ({
      ...x,
      ratePerSec: Math.round(x.ratePerSec * 1000) / 1000,
      p95Ms: x.p95Ms ?? null,
      admittedPerSec: x.admittedPerSec ?? null,
      chosenRate: x.chosenRate ?? null,
      ceiling: x.ceiling ?? null,
    }));
  return { lane, samples, at: new Date(Math.max(...answers.map((a) => a.now))).toISOString() };
}
