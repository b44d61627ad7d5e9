import { describe, expect, it } from "vitest";
import { arrivalOffsets } from "../../loadtest/arrivals";
import {
  admitRatio,
  bookingRate,
  bySecond,
  type CounterSample,
  countInversions,
  histogram,
  liveAdmitRatio,
  percentile,
} from "../../loadtest/stats";

describe("arrival curves", () => {
  it("puts everyone inside the window, in order, the same way for the same seed", () => {
    for (const curve of ["burst", "poisson", "uniform"] as const) {
      const a = arrivalOffsets(5000, 10_000, curve, 7);
      expect(a).toHaveLength(5000);
      expect(a.every((t, i) => t >= 0 && t <= 10_000 && (i === 0 || t >= a[i - 1]!))).toBe(true);
      expect(arrivalOffsets(5000, 10_000, curve, 7)).toEqual(a);
    }
  });

  it("front-loads a burst: about half arrive in the first 15 % of the window, few in the last tenth", () => {
    const a = arrivalOffsets(20_000, 10_000, "burst", 3);
    const early = a.filter((t) => t < 1500).length / a.length;
    const late = a.filter((t) => t > 9000).length / a.length;
    expect(early).toBeGreaterThan(0.45);
    expect(early).toBeLessThan(0.56);
    expect(late).toBeLessThan(0.02);
  });

  it("spreads Poisson arrivals evenly on average, with exponential gaps (mean ≈ standard deviation)", () => {
    const a = arrivalOffsets(20_000, 10_000, "poisson", 5);
    const halves = a.filter((t) => t < 5000).length / a.length;
    expect(halves).toBeGreaterThan(0.47);
    expect(halves).toBeLessThan(0.53);
    const gaps = a.slice(1).map((t, i) => t - a[i]!);
    const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((s, g) => s + (g - mean) ** 2, 0) / gaps.length);
    expect(sd / mean).toBeGreaterThan(0.9);
    expect(sd / mean).toBeLessThan(1.1);
    expect(arrivalOffsets(5, 1000, "uniform")).toEqual([0, 250, 500, 750, 1000]);
  });
});

describe("report maths", () => {
  it("takes nearest-rank percentiles", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile([], 99)).toBe(0);
    expect(percentile([3, 1, 2], 50)).toBe(2);
  });

  it("counts a person told 'waiting' after someone behind them was admitted, once, beyond the tolerance", () => {
    const inOrder = [
      { at: 1, seq: 1, admitted: true },
      { at: 2, seq: 3, admitted: false },
      { at: 3, seq: 2, admitted: true },
      { at: 4, seq: 3, admitted: true },
    ];
    expect(countInversions(inOrder)).toBe(0);
    const jumped = [
      { at: 1, seq: 5, admitted: true },
      { at: 2, seq: 2, admitted: false },
      { at: 3, seq: 2, admitted: false },
      { at: 3, seq: 4, admitted: false },
    ];
    expect(countInversions(jumped)).toBe(2);
    expect(countInversions(jumped, 1)).toBe(1);
    expect(countInversions(jumped, 3)).toBe(0);
    // A slow "waiting" answer that left before the "admitted" one arrived was decided before it: no inversion.
    expect(
      countInversions([
        { at: 10, seq: 5, admitted: true },
        { sent: 8, at: 12, seq: 2, admitted: false },
      ]),
    ).toBe(0);
    expect(
      countInversions([
        { at: 10, seq: 5, admitted: true },
        { sent: 11, at: 12, seq: 2, admitted: false },
      ]),
    ).toBe(1);
    // The same instant: being admitted and another's "waiting" at the same moment is no inversion if in order.
    expect(
      countInversions([
        { at: 1, seq: 2, admitted: false },
        { at: 1, seq: 1, admitted: true },
      ]),
    ).toBe(0);
  });

  it("measures the admitted rate against the set rate only while people were waiting and not paused", () => {
    const s = (at: number, serving: number, waiting: number, ratePerSec = 100, paused = false) => ({
      at,
      serving,
      waiting,
      ratePerSec,
      paused,
    });
    // 10 s backlogged at 100/s admitting 990: 0.99; a drained interval and a paused one do not count.
    const samples = [
      s(0, 0, 500),
      s(5000, 495, 600),
      s(10_000, 990, 100),
      s(11_000, 1000, 0),
      s(12_000, 1000, 50, 100, true),
      s(13_000, 1000, 50, 100, true),
    ];
    expect(admitRatio(samples)).toBeCloseTo(0.99, 5);
    expect(admitRatio([s(0, 0, 0), s(1000, 10, 0)])).toBeNull();
  });

  it("buckets by second and builds histograms", () => {
    const b = bySecond([{ t: 100 }, { t: 2500 }, { t: 2600 }], (x) => x.t, 0);
    expect(b.map((x) => x.length)).toEqual([1, 0, 2]);
    expect(histogram([1, 2, 3, 4], 2)).toEqual([
      [2, 1],
      [4, 3],
    ]);
  });
});

describe("a report of 200,000 people", () => {
  it("is made without spreading its arrays into Math.max (which overflows the stack)", () => {
    const people = Array.from({ length: 200_000 }, (_, i) => ({ admittedAt: 1000 + i, bookedAt: 2000 + i }));
    expect(bookingRate(people)).toMatchObject({ booked: 200_000, from: 1000, to: 201_999 });
    const bins = histogram(
      people.map((p) => p.bookedAt),
      4,
    );
    expect(bins.at(-1)![0]).toBe(201_999);
    expect(bins.reduce((n, [, count]) => n + count, 0)).toBe(200_000);
  });
});

describe("live admissions and the pre-queue in the report", () => {
  const samples = (n: number, extra: Partial<CounterSample> = {}): CounterSample[] =>
    Array.from({ length: n }, (_, i) => ({ at: i * 1000, serving: i * 10, waiting: 100, ratePerSec: 10, paused: false, ...extra }));

  it("counts live places the cursor passed per second against the set rate, from a given moment", () => {
    // 200 live people waiting from 0 at places 1..200; the cursor passes 10 places a second.
    const live = Array.from({ length: 200 }, (_, i) => ({ arrivedAt: 0, place: i + 1 }));
    expect(liveAdmitRatio(samples(11), live, 0)).toEqual({ ratio: 1, seconds: 10 });
    // Only 7 of every 10 places are live: 0.7 (the cursor spent 3 of 10 admissions on the gone).
    const sparse = live.filter((p) => p.place % 10 < 7);
    expect(liveAdmitRatio(samples(11), sparse, 0).ratio).toBeCloseTo(0.7, 5);
    // Measured only from 5 s on.
    expect(liveAdmitRatio(samples(11), live, 5000)).toEqual({ ratio: 1, seconds: 5 });
    // Nobody live waiting: nothing to judge.
    expect(liveAdmitRatio(samples(11), [], 0)).toEqual({ ratio: null, seconds: 0 });
  });

  it("leaves out an interval in which the rate changed (when, inside it, is not known)", () => {
    // 10/s, then 30/s from somewhere between the 3 s and 4 s samples; a sample went missing around it.
    const s = [0, 1, 2, 3, 5, 6, 7].map((sec) => ({
      at: sec * 1000,
      serving: sec <= 3 ? sec * 10 : 30 + (sec - 3.5) * 30,
      waiting: 100,
      ratePerSec: sec <= 3 ? 10 : 30,
      paused: false,
    }));
    expect(admitRatio(s)).toBeCloseTo(1, 5);
  });

  it("leaves the wait before a scheduled opening out of the admitted rate", () => {
    const s = samples(11, { opensAt: 5000 }).map((x) => ({ ...x, serving: Math.max(0, x.at - 5000) / 100 }));
    expect(admitRatio(s)).toBeCloseTo(1, 5);
  });
});
