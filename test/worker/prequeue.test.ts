import { describe, expect, it } from "vitest";
import {
  arrive,
  initialSchedule,
  laneStatus,
  queueStatus,
  reconfigure,
  type Schedule,
  scheduleOpening,
  seal,
  serving,
} from "../../worker/queue/admission";
import { commitmentOf, newSeed, permute, placeOf } from "../../worker/queue/prequeue";

const T0 = Date.UTC(2021, 6, 19, 11, 0, 0); // 20:00 KST
const sec = (s: number) => T0 + s * 1000;

describe("the pre-queue's draw", () => {
  it("is a permutation: every size from 1 to 100 deals places 0..n-1 exactly once", () => {
    const seed = newSeed();
    for (let n = 1; n <= 100; n++) {
      const seen = new Set<number>();
      for (let x = 0; x < n; x++) seen.add(permute(seed, "booking", 0, n, x));
      expect(seen.size).toBe(n);
      expect(Math.min(...seen)).toBe(0);
      expect(Math.max(...seen)).toBe(n - 1);
    }
  });

  it("stays unique and gap-free for 10,000 tickets, and really shuffles", () => {
    const seed = newSeed();
    const n = 10_000;
    const places = new Uint8Array(n);
    let fixed = 0;
    let displacement = 0;
    for (let x = 0; x < n; x++) {
      const y = permute(seed, "booking", 0, n, x);
      places[y]! += 1;
      if (y === x) fixed++;
      displacement += Math.abs(y - x);
    }
    expect(places.every((c) => c === 1)).toBe(true);
    expect(fixed).toBeLessThan(20); // a random permutation has about one fixed point
    expect(displacement / n).toBeGreaterThan(n / 4); // mean |place − arrival| of a random order is n/3
  });

  it("depends on the seed, the lane and the shard, and on nothing else", () => {
    const a = newSeed();
    const b = newSeed();
    const order = (seed: string, lane: string, shard: number) => Array.from({ length: 50 }, (_, x) => permute(seed, lane, shard, 50, x));
    expect(order(a, "booking", 0)).toEqual(order(a, "booking", 0));
    expect(order(a, "booking", 0)).not.toEqual(order(b, "booking", 0));
    expect(order(a, "booking", 0)).not.toEqual(order(a, "booking", 1));
    expect(order(a, "booking", 0)).not.toEqual(order(a, "lookup", 0));
    expect(commitmentOf(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(commitmentOf(a)).not.toBe(commitmentOf(b));
  });

  it("puts everyone who came before the opening ahead of everyone after, in the drawn order", () => {
    const seed = newSeed();
    let s = arrive(arrive(initialSchedule(10, T0 - 60_000), T0 - 60_000).schedule, T0 - 60_000).schedule; // 2 earlier arrivals
    s = reconfigure(s, T0 - 59_000, {}); // nothing changes by itself
    const opened = scheduleOpening(s, sec(-50), T0, commitmentOf(seed));
    if (typeof opened === "string") throw new Error(opened);
    s = opened;
    expect(s.preFrom).toBe(2);
    for (let i = 0; i < 100; i++) s = arrive(s, sec(-40 + i * 0.1)).schedule;
    expect(serving(s, sec(-1))).toBe(serving(opened, sec(-1))); // nobody new admitted before the opening
    expect(placeOf(s, "booking", 0, 50)).toBeUndefined(); // not drawn yet
    s = seal(s, T0, seed);
    for (let i = 0; i < 5; i++) s = arrive(s, sec(1)).schedule;
    const places = Array.from({ length: 100 }, (_, i) => placeOf(s, "booking", 0, 3 + i)!);
    expect([...places].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => 3 + i));
    expect(placeOf(s, "booking", 0, 103)).toBe(103); // after the opening: first come, first served
    expect(placeOf(s, "booking", 0, 1)).toBe(1); // before the pre-queue: untouched
    // The pre-queue goes in first, at the set rate from the opening on.
    expect(serving(s, sec(10))).toBe(2 + 100);
  });

  it("refuses a new opening while the last pre-queue is still waiting, and moves one not yet opened", () => {
    let s = scheduleOpening(initialSchedule(1, T0), T0, sec(60), "c") as Schedule;
    s = scheduleOpening(s, sec(1), sec(120), "ignored") as Schedule;
    expect(s).toMatchObject({ opensAt: sec(120), anchorAt: sec(120), commitment: "c" });
    for (let i = 0; i < 10; i++) s = arrive(s, sec(2)).schedule;
    s = seal(s, sec(120), "00");
    expect(scheduleOpening(s, sec(121), sec(200), "d")).toBe("opening_in_progress");
    expect(typeof scheduleOpening(s, sec(131), sec(200), "d")).toBe("object"); // all 10 admitted at 1/s
  });
});

describe("position across shards", () => {
  it("counts the people every shard will have admitted by my turn", () => {
    // 4 shards at 1/s each, 100 waiting in each, cursors at 0.
    const shards = Array.from({ length: 4 }, () => {
      let s = initialSchedule(1, T0);
      for (let i = 0; i < 100; i++) s = arrive(s, T0).schedule;
      return s;
    });
    const st = laneStatus(shards, 2, 50, T0 + 500);
    expect(st.etaSeconds).toBe(50);
    expect(st.ahead).toBe(49 + 3 * 50);
    expect(st.position).toBe(200);
    expect(st.issued).toBe(400);
    expect(st.ratePerSec).toBe(4);
    expect(st.behind).toBe(50 + 3 * 50);
    // One shard is behind the others: its people count only as far as it will have got by then.
    const short = [...shards];
    let small = initialSchedule(1, T0);
    for (let i = 0; i < 10; i++) small = arrive(small, T0).schedule;
    short[0] = small;
    expect(laneStatus(short, 2, 50, T0 + 500).ahead).toBe(49 + 2 * 50 + 10);
    // K = 1 is the single counter's status, unchanged.
    expect(laneStatus([shards[0]!], 0, 50, T0 + 500)).toEqual(queueStatus(shards[0]!, 50, T0 + 500));
  });
});
