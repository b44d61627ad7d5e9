/**
 * The report's arithmetic, apart from the run so it can be tested on made-up events: percentiles,
 * per-second series, the admission ratio from the counter's own cursor, and order inversions.
 */
import type { AutopilotReading } from "./autopilot";

/** The p-th percentile (0–100) of a list of numbers, nearest-rank; 0 for an empty list. */
export function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** One answer of /_wr/status as a simulated citizen saw it: sent at `sent`, received at `at`. */
export interface StatusEvent {
  /** when the answer arrived */
  at: number;
  /** when the request left (the server decided somewhere between `sent` and `at`) */
  sent?: number;
  seq: number;
  admitted: boolean;
}

/**
 * Order inversions: people told "still waiting" by an answer the server gave after someone with a later
 * number had already been told "admitted", by more than `tolerance` places (a shard's allowed slack; 0 for
 * one counter). Counted once per person. The server decides an answer between its request's sending and
 * its arrival, so a "waiting" counts only if its request left after the "admitted" answer had arrived:
 * a slow answer overtaken in flight is not an inversion, a real one always is.
 */
export function countInversions(events: StatusEvent[], tolerance = 0): number {
  const admitted = events.filter((e) => e.admitted).sort((a, b) => a.at - b.at);
  const waiting = events.filter((e) => !e.admitted).sort((a, b) => (a.sent ?? a.at) - (b.sent ?? b.at));
  let i = 0;
  let maxAdmitted = 0;
  const inverted = new Set<number>();
  for (const w of waiting) {
    const decidedAfter = w.sent ?? w.at;
    while (i < admitted.length && admitted[i]!.at <= decidedAfter) maxAdmitted = Math.max(maxAdmitted, admitted[i++]!.seq);
    if (w.seq < maxAdmitted - tolerance) inverted.add(w.seq);
  }
  return inverted.size;
}

/** A sample of the counter taken by the operator API. */
export interface CounterSample {
  at: number;
  serving: number;
  waiting: number;
  ratePerSec: number;
  paused: boolean;
  /** a scheduled opening (ms): before it nobody is admitted by design */
  opensAt?: number;
  /** passes minted and not yet ended or expired (the counter's count), and the cap on them (null: none) */
  activePasses?: number;
  maxActive?: number | null;
  /** the autopilot's chosen rate, ceiling, last reason and measured p95 (absent: not read) */
  autopilot?: AutopilotReading;
}

/**
 * Admitted rate against the set rate, from the counter's cursor: over every interval between samples in
 * which people were waiting the whole time (so the rate, not the arrivals, limited admission), the queue
 * was not paused and the rate stayed the same, admissions made / admissions the set rate allowed. null
 * when never backlogged.
 */
export function admitRatio(samples: CounterSample[]): number | null {
  let made = 0;
  let allowed = 0;
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    if (a.paused || b.paused || a.waiting <= 0 || b.waiting <= 0) continue;
    if (a.opensAt !== undefined && a.at < a.opensAt) continue; // the pre-queue waits for the opening
    // The rate changed somewhere inside: when exactly is not known here, so the interval says nothing.
    if (a.ratePerSec !== b.ratePerSec) continue;
    made += b.serving - a.serving;
    allowed += (a.ratePerSec * (b.at - a.at)) / 1000;
  }
  return allowed > 0 ? made / allowed : null;
}

/** A person who did not give up: when they arrived, and their place in line (0 if they never had one). */
export interface LiveSpan {
  arrivedAt: number;
  place: number;
}

function countUpTo(sorted: number[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Admissions of live people (those who did not give up) against the set rate, from `from` on, read off the
 * counter's own cursor: over every interval between samples in which live people were waiting at both ends
 * and the queue ran at one rate (not paused, opened), live places the cursor passed / admissions the set
 * rate allowed. With abandoned places skipped this stays near 1 however many gave up; without, it falls to
 * the live share. null when never backlogged. Places are one counter's numbers: for a lane of one shard.
 */
export function liveAdmitRatio(samples: CounterSample[], live: LiveSpan[], from: number): { ratio: number | null; seconds: number } {
  const placed = live.filter((p) => p.place > 0);
  const places = placed.map((p) => p.place).sort((a, b) => a - b);
  const waitingAt = (x: CounterSample) => placed.some((p) => p.arrivedAt <= x.at && p.place > x.serving);
  let made = 0;
  let allowed = 0;
  let ms = 0;
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    if (a.at < from || a.paused || b.paused || a.ratePerSec !== b.ratePerSec || (a.opensAt !== undefined && a.at < a.opensAt)) continue;
    if (!waitingAt(a) || !waitingAt(b)) continue;
    made += countUpTo(places, b.serving) - countUpTo(places, a.serving);
    allowed += (a.ratePerSec * (b.at - a.at)) / 1000;
    ms += b.at - a.at;
  }
  return { ratio: allowed > 0 ? made / allowed : null, seconds: Math.round(ms / 100) / 10 };
}

/** Values bucketed by whole seconds since `start`: [second, values[]] for every second up to the last. */
export function bySecond<T>(items: T[], at: (x: T) => number, start: number): T[][] {
  const buckets: T[][] = [];
  for (const x of items) {
    const s = Math.max(0, Math.floor((at(x) - start) / 1000));
    (buckets[s] ??= []).push(x);
  }
  for (let i = 0; i < buckets.length; i++) buckets[i] ??= [];
  return buckets;
}

/** The largest and the smallest of many values (a spread into Math.max overflows the stack past ~125,000). */
export const maxOf = (xs: number[], empty: number): number => xs.reduce((m, x) => Math.max(m, x), xs.length ? -Infinity : empty);
export const minOf = (xs: number[], empty: number): number => xs.reduce((m, x) => Math.min(m, x), xs.length ? Infinity : empty);

/** A histogram of values into `bins` equal bins from 0 to the maximum: [upper edge, count][]. */
export function histogram(values: number[], bins: number): [number, number][] {
  if (!values.length) return [];
  const max = Math.max(maxOf(values, 1), 1);
  const width = max / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor(v / width))]!++;
  return counts.map((n, i) => [Math.round((i + 1) * width), n]);
}

/** The p-th percentile (0–100) of the latencies of requests answered at or after `from` (ms); 0 for none. */
export function percentileFrom(calls: { at: number; ms: number }[], from: number, p: number): number {
  return percentile(
    calls.filter((c) => c.at >= from).map((c) => c.ms),
    p,
  );
}

/** A person's journey times, as far as they got (ms). */
export interface JourneyTimes {
  admittedAt?: number;
  bookedAt?: number;
}

/**
 * Bookings per second over the span in which people were booking: from the first admission (the moment
 * someone could start booking) to the last booking. An overloaded run whose first bookings come late gets
 * no shorter span for it. null when nobody booked.
 */
export function bookingRate(people: JourneyTimes[]): { perSec: number | null; booked: number; from: number | null; to: number | null } {
  const admitted = people.map((p) => p.admittedAt).filter((t): t is number => typeof t === "number");
  const booked = people.map((p) => p.bookedAt).filter((t): t is number => typeof t === "number");
  if (!booked.length || !admitted.length) return { perSec: null, booked: booked.length, from: null, to: null };
  const from = minOf(admitted, 0);
  const to = maxOf(booked, 0);
  return { perSec: booked.length / Math.max(1, (to - from) / 1000), booked: booked.length, from, to };
}
