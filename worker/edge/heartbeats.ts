/**
 * The edge's side of the liveness count (queue/liveness.ts): heartbeats of waiting pages, counted per
 * counter, per (epoch, bucket), at most one per ticket per epoch per isolate, and handed to the counter with
 * the next call this isolate makes to it (snapshot.ts `callCounter`). State: one small map of counts
 * per counter this isolate calls, emptied at each hand-over.
 */
import { type Beats, bucketOf, epochMs, WINDOW } from "../queue/liveness";
import { counterName } from "./counter";

const pending = new Map<string, Map<string, number>>();
const lastBeat = new WeakMap<object, number>();

/**
 * Notes that the holder of `ticket` (its verified claims object: the same object for every poll of that
 * token in this isolate) is still in line at `place`. Once per epoch per ticket; synchronous.
 */
export function heartbeat(lane: string, shard: number, ticket: object, place: number, now: number, graceMs: number): void {
  if (graceMs <= 0) return;
  const epoch = Math.floor(now / epochMs(graceMs));
  const last = lastBeat.get(ticket);
  if (last === epoch) return; // the common case on a poll: already counted this epoch
  lastBeat.set(ticket, epoch);
  const name = counterName(lane, shard);
  let counts = pending.get(name);
  if (!counts) pending.set(name, (counts = new Map()));
  // Heard from before within the window: the epochs it skipped since count too (it was in line throughout).
  const from = last !== undefined && last < epoch && epoch - last < WINDOW ? last + 1 : epoch;
  for (let e = from; e <= epoch; e++) {
    const key = `${e}:${bucketOf(place)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
}

/** This isolate's counts for one counter, handed over (and forgotten here) for its next call. */
export function takeBeats(counterName: string): Beats | undefined {
  const counts = pending.get(counterName);
  if (!counts || counts.size === 0) return undefined;
  pending.delete(counterName);
  const out: Beats = [];
  for (const [key, n] of counts) {
    const [e, b] = key.split(":");
    out.push([Number(e), Number(b), n]);
  }
  return out;
}

/** A call that failed: its counts go back, so live people are not taken for gone. */
export function returnBeats(counterName: string, beats: Beats | undefined): void {
  if (!beats) return;
  let counts = pending.get(counterName);
  if (!counts) pending.set(counterName, (counts = new Map()));
  for (const [e, b, n] of beats) counts.set(`${e}:${b}`, (counts.get(`${e}:${b}`) ?? 0) + n);
}
