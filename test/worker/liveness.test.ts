/**
 * Abandoned places: per-bucket heartbeat counts (no list of people) let the cursor pass places whose
 * holders stopped checking in, so the rate is spent on live people, and "people ahead" leaves them out.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { heartbeat, takeBeats } from "../../worker/edge/heartbeats";
import { forget } from "../../worker/edge/snapshot";
import { arrive, initialSchedule, queueStatus, respeed, type Schedule, serving } from "../../worker/queue/admission";
import { type Beats, bucketOf, epochMs, LivenessBook, maxPollMs } from "../../worker/queue/liveness";
import type { QueueCounter } from "../../worker/queue/queue-counter";
import { freshQueue, Jar, operator, visitJson } from "./helpers";

const GRACE = 300_000;
const E = epochMs(GRACE);
const T0 = Math.ceil(Date.UTC(2021, 6, 19, 11) / E) * E;

/** One heartbeat per epoch from every live place in 1..n (live: place % 10 < 7, i.e. 70 %). */
function beatsFor(n: number, t: number, live: (p: number) => boolean): Beats {
  const counts = new Map<number, number>();
  for (let p = 1; p <= n; p++) if (live(p)) counts.set(bucketOf(p), (counts.get(bucketOf(p)) ?? 0) + 1);
  const e = Math.floor(t / E);
  return [...counts].map(([b, c]) => [e, b, c]);
}
const seventyPercent = (p: number) => p % 10 < 7;

/** n arrivals at t into a line that was empty before the first of them; the schedule after them. */
function arriveMany(book: LivenessBook, s: Schedule, n: number, t: number): Schedule {
  for (let i = 0; i < n; i++) {
    s = arrive(s, t).schedule;
    book.arrival(s.issued, t, i === 0);
  }
  return s;
}

beforeEach(() => freshQueue());

describe("the liveness book", () => {
  it("judges nobody before a whole grace period, then counts only those who kept checking in", () => {
    const book = new LivenessBook(GRACE);
    let s = initialSchedule(1, T0);
    s = arriveMany(book, s, 1000, T0);
    for (let t = T0 + E; t <= T0 + 6 * E; t += E) {
      book.record(beatsFor(1000, t, seventyPercent), t);
      const estimate = book.estimate(s, t)!;
      if (t < T0 + 5 * E) expect(estimate).toEqual({ speed: 1, liveShare: 1 }); // too early to judge
    }
    // 400 s in at 1/s the cursor is at 400.
    const at = T0 + 400_000;
    const estimate = book.estimate(s, at)!;
    expect(estimate.speed).toBeCloseTo(1 / 0.7, 1);
    expect(estimate.liveShare).toBeCloseTo(0.7, 2);
    // Re-anchored with that speed: 10 s at 1/s passes about 14 numbers, of which 10 are live.
    const fast = respeed(s, at, estimate.speed, estimate.liveShare);
    const from = serving(fast, at);
    expect(from).toBe(400);
    const to = serving(fast, at + 10_000);
    let live = 0;
    for (let p = from + 1; p <= to; p++) if (seventyPercent(p)) live++;
    expect(live).toBeGreaterThanOrEqual(9);
    expect(live).toBeLessThanOrEqual(11);
    // People ahead of place 900 leave out the ones who left.
    const st = queueStatus(fast, 900, at);
    expect(st.ahead).toBeCloseTo((900 - from - 1) * 0.7, -1);
  });

  it("starts a bucket afresh when the line had emptied in the middle of it", () => {
    const book = new LivenessBook(GRACE);
    let s = initialSchedule(1000, T0);
    s = arriveMany(book, s, 40, T0);
    // All 40 let in long ago; 60 newcomers arrive into the same bucket after a quiet spell, all live.
    const later = T0 + 7 * E;
    s = arriveMany(book, s, 60, later);
    expect(book.observed(0)).toMatchObject({ since: Math.floor(later / E), counts: [[Math.floor(later / E), 60]] });
    s = { ...s, ratePerSec: 0 }; // nobody let in meanwhile
    for (let k = 1; k <= 6; k++) book.record([[Math.floor(later / E) + k, 0, 60]], later + k * E);
    // 60 of the 60 places of this fill are live: no reason to hurry past any of them.
    expect(book.estimate(s, later + 6 * E)).toEqual({ speed: 1, liveShare: 1 });
  });

  it("counts as live a page that polls late or seldom, and as gone one that stopped", () => {
    // 100 people in one bucket; each polls after `gap()` ms, until `stops` of them stop after the first
    // epoch. The edge counts their polls, the book is handed them every second. Seeded: the same every run.
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const share = (gap: () => number, stops = 0) => {
      const book = new LivenessBook(GRACE);
      let s = initialSchedule(0, T0); // nobody let in: all 100 wait throughout
      const next: number[] = [];
      const tickets: object[] = [];
      s = arriveMany(book, s, 100, T0);
      for (let p = 1; p <= 100; p++) {
        next.push(T0 + random() * gap());
        tickets.push({});
      }
      for (let t = T0; t <= T0 + 8 * E; t += 50) {
        for (let i = 0; i < 100; i++) {
          if (next[i]! > t || (i < stops && t > T0 + E)) continue;
          heartbeat("late", 0, tickets[i]!, i + 1, t, GRACE);
          next[i] = t + gap();
        }
        if (t % 1000 === 0) book.record(takeBeats("late:0") ?? [], t);
      }
      return book.estimate(s, T0 + 8 * E)!.liveShare;
    };
    expect(maxPollMs(GRACE)).toBe(E / 2);
    // The longest interval the edge allows, each poll late by up to half an epoch (network, a busy phone).
    expect(share(() => maxPollMs(GRACE) + random() * (E / 2 - 1))).toBe(1);
    // A background tab the browser wakes about once a minute or two (an epoch here is a minute).
    expect(share(() => E + random() * E)).toBe(1);
    // The same, but 30 of them closed the tab after the first minute: gone once the grace period passed.
    expect(share(() => E + random() * E, 30)).toBe(0.7);
  });

  it("forgets a heartbeat older than the window, and a bucket the cursor has passed", () => {
    const book = new LivenessBook(GRACE);
    book.record([[Math.floor(T0 / E) - 10, 0, 5]], T0);
    expect(book.observed(0)).toBeUndefined();
    let s = initialSchedule(1000, T0);
    s = arriveMany(book, s, 300, T0);
    expect(book.observed(2)?.counts).toEqual([[Math.floor(T0 / E), 100]]);
    book.estimate(s, T0 + 250); // cursor at 250: bucket 0 and 1 passed
    expect(book.observed(0)).toBeUndefined();
    expect(book.observed(2)).toBeDefined();
  });
});

describe("the counter with abandoned places", () => {
  it("speeds its cursor over places whose holders stopped checking in, from the edge's counts", async () => {
    const stub = env.QUEUE.get(env.QUEUE.idFromName("booking:0"));
    let t = T0;
    await runInDurableObject(stub, async (counter: QueueCounter) => {
      counter.clock = () => t;
      counter.resumeGapMs = Number.POSITIVE_INFINITY; // time skips ahead here: not an outage to resume from
      await counter.configure({ ratePerSec: 1 });
      for (let i = 0; i < 1000; i++) await counter.issue();
      // An edge hands over six epochs of counts at once (as after a quiet spell); the cursor is at 400 then.
      t = T0 + 400_000;
      const beats = [1, 2, 3, 4, 5, 6].flatMap((k) => beatsFor(1000, T0 + k * E, seventyPercent));
      const { schedule } = await counter.snapshot(undefined, beats);
      expect(serving(schedule, t)).toBe(400);
      expect(schedule.speed).toBeCloseTo(1.45, 2);
      expect(schedule.liveShare).toBeCloseTo(0.7, 2);
      const from = serving(schedule, t);
      let live = 0;
      for (let p = from + 1; p <= serving(schedule, t + 20_000); p++) if (seventyPercent(p)) live++;
      expect(live).toBeGreaterThanOrEqual(19);
      expect(live).toBeLessThanOrEqual(21);
    });
  });

  it("hears from a waiting page's polls: the edge counts them and hands them over on its next refresh", async () => {
    await operator("/config", { ratePerSec: 0 }); // nobody let in: the page stays in line however slow the machine
    const jar = new Jar();
    await visitJson(jar); // number 1, waiting at rate 0
    await visitJson(jar, "/_wr/status");
    await visitJson(jar, "/_wr/status"); // the same epoch: counted once
    forget("booking", 0); // the next poll reads the counter, carrying the counts
    await visitJson(jar, "/_wr/status");
    const stub = env.QUEUE.get(env.QUEUE.idFromName("booking:0"));
    await runInDurableObject(stub, (counter: QueueCounter) => {
      const seen = counter.liveness.observed(0)!;
      const total = seen.counts.reduce((sum, [, n]) => sum + n, 0);
      expect(total).toBe(2); // the arrival itself, and one heartbeat for its polls this epoch
    });
  });

  it("still hears the polls while an operator's dashboard reads the counter every second", async () => {
    await operator("/config", { ratePerSec: 0 });
    const jar = new Jar();
    await visitJson(jar); // number 1: the arrival is its first heartbeat
    const stub = env.QUEUE.get(env.QUEUE.idFromName("booking:0"));
    const total = () =>
      runInDurableObject(stub, (counter: QueueCounter) => (counter.liveness.observed(0)?.counts ?? []).reduce((sum, [, n]) => sum + n, 0));
    expect((await operator("/stats")).status).toBe(200); // the copy is fresh now, so polls will not read
    await visitJson(jar, "/_wr/status"); // a heartbeat, held at the edge
    expect(await total()).toBe(1);
    expect((await operator("/stats")).status).toBe(200); // the dashboard's read carries it over
    expect(await total()).toBe(2);
  });
});
