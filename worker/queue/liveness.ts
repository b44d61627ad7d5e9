/**
 * Abandoned places: who still waits, counted without a list of people.
 *
 * A page in line checks in (polls or reloads) at least once per epoch (a fifth of the grace period; its poll
 * interval is capped at half an epoch, so a poll that comes late still lands in every epoch). Each check-in
 * is a heartbeat for the ticket's *bucket* (its place / 100):
 *   edge     counts, per counter, heartbeats per (epoch, bucket), at most one per ticket per epoch per
 *            isolate, and hands the counts to the counter with its next read of it (snapshot refresh,
 *            arrival, or an operator's read: every read that freshens the edge's copy carries them;
 *            edge/heartbeats.ts).
 *            A ticket heard from again after skipping epochs (a background tab whose timers the browser
 *            slowed to once a minute, a phone that lost signal) was in line all along: the skipped epochs
 *            of the window are counted for it too, so a late page is never taken for gone;
 *   counter  keeps, per bucket, the counts of the last WINDOW epochs and the epoch it started watching
 *            it (`LivenessBook`, below). An arrival is its own first heartbeat.
 *
 * A bucket's live people = the largest count among its recent epochs (everyone live checks in every epoch;
 * someone who left stops counting once their last epoch leaves the window, i.e. after the grace period).
 * A bucket watched for less than the grace period counts everyone as live: nobody is judged early, and a
 * restarted counter (this book is memory only) simply judges nobody until it has watched again.
 *
 * From the book the counter derives two numbers for the schedule (admission.ts): `speed`, how many numbers
 * the cursor passes per live person just ahead of it (so the rate is spent on live people and an abandoned
 * place costs no admission slot), and `liveShare`, the live part of everyone waiting (for "people ahead").
 * State is O(waiting / 100) small counters, nothing per person.
 */
import { preQueueOpen, type Schedule, serving } from "./admission";

export const BUCKET = 100;
/** epochs remembered: the grace period is WINDOW − 1 epochs */
export const WINDOW = 6;
/** the cursor never runs faster than this many numbers per admission, however many left */
export const MAX_SPEED = 10;
/** speed is judged over the numbers the cursor reaches in this long */
const LOOKAHEAD_SEC = 5;

export function epochMs(graceMs: number): number {
  return Math.max(1, Math.floor(graceMs / (WINDOW - 1)));
}

/**
 * The longest a waiting page may wait between check-ins: half an epoch, so that a check-in late by up to
 * half an epoch (a slow network, a loaded phone, a page reload) still falls in every epoch.
 */
export function maxPollMs(graceMs: number): number {
  return Math.max(1, Math.floor(epochMs(graceMs) / 2));
}

export function bucketOf(place: number): number {
  return Math.floor((place - 1) / BUCKET);
}

/** [epoch, bucket, count] triples, as the edge sends them to a counter. */
export type Beats = [number, number, number][];

interface Watch {
  /** first epoch this bucket was watched */
  since: number;
  /** the bucket's first place in this watch (a bucket the line emptied in midway starts again at its next arrival) */
  first: number;
  /** counts by epoch, the last WINDOW epochs */
  counts: Map<number, number>;
}

export class LivenessBook {
  private buckets = new Map<number, Watch>();
  private estimatedAt = Number.NEGATIVE_INFINITY;
  private estimatedEpoch = -1;

  constructor(private graceMs: number) {}

  get enabled(): boolean {
    return this.graceMs > 0;
  }

  private epoch(t: number): number {
    return Math.floor(t / epochMs(this.graceMs));
  }

  private watch(bucket: number, epoch: number): Watch {
    let w = this.buckets.get(bucket);
    if (!w) this.buckets.set(bucket, (w = { since: epoch, first: bucket * BUCKET + 1, counts: new Map() }));
    return w;
  }

  record(beats: Beats, t: number): void {
    if (!this.enabled) return;
    const oldest = this.epoch(t) - WINDOW + 1;
    for (const [e, b, n] of beats) {
      if (e < oldest || !Number.isSafeInteger(e) || !Number.isSafeInteger(b) || b < 0 || !(n > 0)) continue;
      const w = this.watch(b, e);
      w.counts.set(e, (w.counts.get(e) ?? 0) + n);
    }
  }

  /**
   * An arrival at `place`: its first heartbeat. If the line was empty before it, its bucket's earlier places
   * were all let in, and their old heartbeats say nothing about the people now: the bucket starts afresh.
   */
  arrival(place: number, t: number, lineWasEmpty: boolean): void {
    if (!this.enabled) return;
    const e = this.epoch(t);
    const bucket = bucketOf(place);
    if (lineWasEmpty) this.buckets.set(bucket, { since: e, first: place, counts: new Map() });
    const w = this.watch(bucket, e);
    w.counts.set(e, (w.counts.get(e) ?? 0) + 1);
  }

  /**
   * At an opening, the pre-queue's places start being watched now (before, nobody had a place to check in
   * for), and the estimate is taken again at once, before the cursor starts moving.
   */
  watchFrom(fromPlace: number, toPlace: number, t: number): void {
    this.estimatedAt = Number.NEGATIVE_INFINITY;
    if (!this.enabled || toPlace < fromPlace) return;
    const e = this.epoch(t);
    for (let b = bucketOf(fromPlace); b <= bucketOf(toPlace); b++) {
      const w = this.watch(b, e);
      w.since = Math.max(w.since, e);
    }
  }

  /** What the book holds for one bucket (for tests and operators' questions): heartbeats per epoch. */
  observed(bucket: number): { since: number; counts: [number, number][] } | undefined {
    const w = this.buckets.get(bucket);
    return w && { since: w.since, counts: [...w.counts].sort((a, b) => a[0] - b[0]) };
  }

  /**
   * Live people among places [from, to] of one bucket, up to `issued`. Everyone there beat once per epoch
   * while waiting, so the largest count of the window over the bucket's places is its live share (those
   * already let in counted while they waited); a part of the bucket is that share of it.
   */
  private liveIn(bucket: number, from: number, to: number, issued: number, epoch: number): number {
    const n = to - from + 1;
    const w = this.buckets.get(bucket);
    if (!w || w.since > epoch - (WINDOW - 1)) return n; // not watched for a whole grace period yet
    let most = 0;
    for (let e = epoch - WINDOW + 1; e <= epoch; e++) most = Math.max(most, w.counts.get(e) ?? 0);
    const places = Math.min(issued, (bucket + 1) * BUCKET) - w.first + 1;
    return places > 0 ? Math.min(1, most / places) * n : n;
  }

  /** Live people among places [from, to], all waiting (up to `issued`). */
  private live(from: number, to: number, issued: number, epoch: number): number {
    let sum = 0;
    for (let b = bucketOf(from); b <= bucketOf(to) && from <= to; b++) {
      const lo = Math.max(from, b * BUCKET + 1);
      const hi = Math.min(to, (b + 1) * BUCKET);
      sum += this.liveIn(b, lo, hi, issued, epoch);
    }
    return sum;
  }

  /**
   * The schedule's `speed` and `liveShare` now, or undefined when they need no new look (re-judged at
   * most once a second, and at each new epoch). Also forgets buckets the cursor has passed and old epochs.
   */
  estimate(s: Schedule, t: number): { speed: number; liveShare: number } | undefined {
    if (!this.enabled) return undefined;
    const epoch = this.epoch(t);
    if (t - this.estimatedAt < 1000 && epoch === this.estimatedEpoch) return undefined;
    this.estimatedAt = t;
    this.estimatedEpoch = epoch;
    const cursor = serving(s, t);
    const passed = bucketOf(cursor + 1);
    for (const [b, w] of this.buckets) {
      if (b < passed) this.buckets.delete(b);
      else for (const e of w.counts.keys()) if (e <= epoch - WINDOW) w.counts.delete(e);
    }
    const waiting = s.issued - cursor;
    // Nobody is judged before an opening's draw (places in the pre-queue are not dealt yet), nor in an empty line.
    if (waiting <= 0 || preQueueOpen(s)) return { speed: 1, liveShare: 1 };
    const span = Math.min(waiting, Math.max(BUCKET, Math.ceil(s.ratePerSec * LOOKAHEAD_SEC)));
    const liveAhead = this.live(cursor + 1, cursor + span, s.issued, epoch);
    const speed = Math.min(MAX_SPEED, span / Math.max(liveAhead, span / MAX_SPEED));
    const liveShare = this.live(cursor + 1, s.issued, s.issued, epoch) / waiting;
    // Rounded so that a count that wobbles does not re-anchor the schedule on every call.
    return { speed: Math.max(1, Math.round(speed * 20) / 20), liveShare: Math.min(1, Math.round(liveShare * 1000) / 1000) };
  }
}
