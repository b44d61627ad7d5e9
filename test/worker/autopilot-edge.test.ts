/**
 * What the edge measures for the autopilot: each forwarded request of a lane, timed to the origin's response
 * headers, failures counted, requests still in flight at their age; the window reaches the lane's leader by
 * itself once a second or with the next call to it, and comes back when the hand-over fails.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { endForward, loadDue, reportLoad, returnLoad, startForward, takeLoad } from "../../worker/edge/load";
import type { Env } from "../../worker/env";
import { addBuckets, bucketMs, emptyBuckets, latencyBucket, quantileMs } from "../../worker/queue/latency";
import type { QueueCounter } from "../../worker/queue/queue-counter";
import { counterOf, freshQueue, Jar, operator, visit } from "./helpers";

const SETTINGS = { targetP95Ms: 1500, minRate: 5, maxRate: 300 };
const json = (addr: string) => ({ accept: "application/json", "cf-connecting-ip": addr });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The leader's window of forwarded requests so far (its interval held off, so nothing is taken from it). */
async function leaderWindow(): Promise<{ count: number; errors: number }> {
  return runInDurableObject(counterOf(), (o: QueueCounter) => {
    const w = (o as unknown as { window: { count: number; errors: number } }).window;
    return { count: w.count, errors: w.errors };
  });
}

describe("the latency histogram", () => {
  it("puts a latency in a bucket about a fifth wide, and reads the p95 of merged windows within it", () => {
    for (const ms of [12, 95, 480, 1_500, 9_000, 60_000]) {
      const mid = bucketMs(latencyBucket(ms));
      expect(Math.abs(mid - ms) / ms).toBeLessThan(0.12);
    }
    const a = emptyBuckets();
    const b = emptyBuckets();
    addBuckets(a, [[latencyBucket(100), 90]]);
    addBuckets(b, [[latencyBucket(2_000), 10]]);
    expect(quantileMs([a], 0.95)).toBeLessThan(120);
    expect(quantileMs([a, b], 0.95)).toBeGreaterThan(1_700); // 10 of 100 were slow
    expect(quantileMs([emptyBuckets()], 0.95)).toBeNull();
  });
});

describe("an isolate's window", () => {
  it("counts finished requests and failures, reads requests in flight at their age, and takes back a failed hand-over", () => {
    const lane = `unit-${Date.now()}`;
    const t = 1_750_000_000_000;
    for (const [i, outcome] of ([200, 302, 404, 503, "timeout", "unreachable"] as const).entries())
      endForward(startForward(lane, t), outcome, t + 100 * (i + 1));
    startForward(lane, t); // still waiting for the origin
    expect(loadDue(lane, t + 500)).toBe(false);
    expect(loadDue(lane, t + 1_000)).toBe(true);
    const load = takeLoad(lane, t + 5_000)!;
    expect(load).toMatchObject({ count: 6, errors: 3, from: t, to: t + 5_000 }); // 4xx is not a failure
    expect(load.open).toEqual([[latencyBucket(5_000), 1]]);
    expect(takeLoad(lane, t + 5_001)!.count).toBe(0); // taken: only the request in flight is left

    returnLoad(lane, load);
    const again = takeLoad(lane, t + 6_000)!;
    expect(again).toMatchObject({ count: 6, errors: 3 });
    expect(again.done).toEqual(load.done);
  });

  it("keeps its window when the leader cannot be reached", async () => {
    const lane = `unreachable-${Date.now()}`;
    endForward(startForward(lane, 1_000), 200, 1_300);
    const failing = {
      ...env,
      QUEUE: {
        idFromName: (name: string) => env.QUEUE.idFromName(name),
        get: () => ({ report: () => Promise.reject(new Error("counter unreachable")) }),
      },
    } as unknown as Env;
    await reportLoad(failing, lane, 3_000);
    expect(takeLoad(lane, 4_000)).toMatchObject({ count: 1, from: 1_000 });
  });
});

describe("forwarded requests", () => {
  beforeEach(async () => {
    await freshQueue({ ratePerSec: 100_000 });
    expect((await operator("/config", { autopilot: SETTINGS })).status).toBe(200);
    // The leader's interval is held off, so its window only grows.
    await runInDurableObject(counterOf(), (o: QueueCounter) => {
      (o as unknown as { interval: () => Promise<void> }).interval = async () => {};
    });
  });

  it("reach the lane's leader with the next call to it, timed, and nothing counted twice", async () => {
    const jar = new Jar();
    expect((await visit(jar, "/api/pass", json("198.51.100.20"))).status).toBe(200); // admitted at once, forwarded
    for (let i = 0; i < 3; i++) expect((await visit(jar, "/api/pass", json("198.51.100.20"))).status).toBe(200);
    await sleep(1_100);
    // The copy is stale: this visit's refresh of it carries the four, its own forward stays in the window.
    await visit(jar, "/api/pass", json("198.51.100.20"));
    expect(await leaderWindow()).toEqual({ count: 4, errors: 0 });
    // A new arrival's call to the leader carries the fifth.
    await visit(new Jar(), "/api/pass", json("198.51.100.21"));
    expect(await leaderWindow()).toEqual({ count: 5, errors: 0 });
  });

  it("reach the lane's leader by themselves once the window is a second old", async () => {
    const t = Date.now();
    takeLoad("booking", t - 5_000); // whatever earlier requests left in this isolate's window (taken long ago)
    endForward(startForward("booking", t - 2_000), 503, t - 1_500);
    endForward(startForward("booking", t - 1_900), 200, t - 1_800);
    expect(loadDue("booking", t)).toBe(true);
    await reportLoad(env, "booking", t);
    expect(await leaderWindow()).toEqual({ count: 2, errors: 1 });
    expect(loadDue("booking", t + 10)).toBe(false);
  });

  it("are not measured for the leader while the rate is fixed", async () => {
    await operator("/config", { autopilot: null });
    const jar = new Jar();
    for (let i = 0; i < 3; i++) await visit(jar, "/api/pass", json("198.51.100.30"));
    await sleep(1_100);
    await visit(jar, "/api/pass", json("198.51.100.30"));
    await visit(new Jar(), "/api/pass", json("198.51.100.31"));
    await sleep(50);
    expect(await leaderWindow()).toEqual({ count: 0, errors: 0 });
  });
});
