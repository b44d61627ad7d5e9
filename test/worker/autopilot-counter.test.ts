/**
 * The autopilot inside the lane's leader: the operator's switch (on, settings, off, a fixed rate wins), the
 * interval on the counter's alarm fed by the edges' reports (a new rate, logged, re-anchored so the cursor
 * never jumps), a lane of K = 4 shards admitting rate/K each, and the audit log's pages.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { forget } from "../../worker/edge/snapshot";
import { serving } from "../../worker/queue/admission";
import { type LoadReport, latencyBucket } from "../../worker/queue/latency";
import type { QueueCounter } from "../../worker/queue/queue-counter";
import { freshQueue, operator, stats } from "./helpers";

const T0 = 1_750_000_000_000;
const SETTINGS = { targetP95Ms: 1500, minRate: 5, maxRate: 300 };
let n = 0;

/** A counter of its own (a lane of one) with an injected clock. */
async function clocked(name = `autopilot-${Date.now()}-${n++}`) {
  const stub = env.QUEUE.get(env.QUEUE.idFromName(name));
  let t = T0;
  await runInDurableObject(stub, (o: QueueCounter) => {
    o.clock = () => t;
  });
  return { stub, at: (ms: number) => (t = ms) };
}

/** One isolate's window: `count` requests that took `ms` each. */
function load(count: number, ms: number, isolate = "edge-1"): LoadReport {
  return { isolate, from: T0, to: T0, count, errors: 0, done: [[latencyBucket(ms), count]], open: [] };
}

async function config(body: unknown, lane = "booking") {
  const res = await operator(`/config?lane=${lane}`, body);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

beforeEach(async () => {
  await freshQueue();
  for (let j = 0; j < 4; j++) forget("surge", j);
});

describe("the operator's switch", () => {
  it("turns the autopilot on from the rate in force, changes its settings, and a fixed rate turns it off", async () => {
    expect((await config({ ratePerSec: 20 })).status).toBe(200);
    const on = await config({ autopilot: SETTINGS });
    expect(on.status).toBe(200);
    expect(on.body.ratePerSec).toBe(20);
    expect(on.body.autopilot).toMatchObject({ ...SETTINGS, rate: 20, phase: "start", reason: { code: "engaged" }, signal: null });
    expect(on.body.autopilot.changes).toMatchObject([{ code: "engaged", from: 20, to: 20 }]);

    // New settings clamp the rate at once; what it learnt is kept.
    const lower = await config({ autopilot: { ...SETTINGS, maxRate: 12 } });
    expect(lower.body.ratePerSec).toBe(12);
    expect(lower.body.autopilot).toMatchObject({ maxRate: 12, rate: 12, reason: { code: "settings" } });

    // The operator's fixed rate always wins: it turns the autopilot off at that rate.
    const fixed = await config({ ratePerSec: 50 });
    expect(fixed.body).toMatchObject({ ratePerSec: 50, autopilot: null });
    const history = (await (await operator("/history?lane=booking")).json()) as { samples: Record<string, unknown>[] };
    expect(history.samples.at(-1)).toMatchObject({ chosenRate: null, ceiling: null, p95Ms: null, admittedPerSec: null });

    // On again from 50, then off at the rate in force.
    expect((await config({ autopilot: SETTINGS })).body.autopilot.rate).toBe(50);
    const off = await config({ autopilot: null });
    expect(off.body).toMatchObject({ ratePerSec: 50, autopilot: null });

    const log = (await (await operator("/autopilot-log?lane=booking")).json()) as Record<string, any>;
    expect(log.lane).toBe("booking");
    expect(log.entries.map((e: { code: string }) => e.code)).toEqual(["fixed", "engaged", "fixed", "settings", "engaged"]);
    expect(log.entries[2]).toMatchObject({ from: 12, to: 50, text: "Operator turned the autopilot off: a fixed rate of 50/s." });
    expect(log.next).toBeNull();
  });

  it("turns it on at a given rate when both are sent, and refuses settings that make no sense", async () => {
    const both = await config({ ratePerSec: 400, autopilot: SETTINGS });
    expect(both.body).toMatchObject({ ratePerSec: 300, autopilot: { rate: 300 } }); // clamped to the ceiling

    for (const [body, message] of [
      [{ autopilot: { ...SETTINGS, minRate: 50, maxRate: 30 } }, "autopilot.maxRate must be at least autopilot.minRate"],
      [{ autopilot: { ...SETTINGS, targetP95Ms: 0 } }, "autopilot.targetP95Ms below 100 ms"],
      [{ autopilot: { ...SETTINGS, speed: 2 } }, "Unrecognized key"],
      [{ autopilot: { targetP95Ms: 1500, minRate: 5 } }, "autopilot.maxRate is required"],
      [{ autopilot: "on" }, "autopilot must be an object"],
      [{ autopilot: { ...SETTINGS, maxRate: -1 } }, "autopilot.maxRate cannot be negative"],
    ] as const) {
      const refused = await config(body);
      expect(refused.status).toBe(400);
      expect(refused.body.code).toBe("invalid_config");
      expect(refused.body.message).toContain(message);
    }
    expect((await stats()).autopilot).toMatchObject({ rate: 300 }); // nothing refused changed anything

    const badCursor = await operator("/autopilot-log?lane=booking&before=yesterday");
    expect(badCursor.status).toBe(400);
    expect((await operator("/autopilot-log?lane=booking", undefined, "wrong-token-wrong-token")).status).toBe(401);
  });
});

describe("the interval", () => {
  it("fed by the edges' reports, changes the rate, logs why, and re-anchors without a jump", async () => {
    const { stub, at } = await clocked();
    await stub.configure({ ratePerSec: 10 });
    for (let i = 0; i < 500; i++) await stub.issue();
    await stub.steer({ autopilot: SETTINGS });
    expect(await runDurableObjectAlarm(stub)).toBe(true); // the first interval begins clean: nothing judged

    // 1 s on: fast answers, people waiting, but the last change (turning it on) has not had time to show.
    await stub.report(load(40, 200));
    at(T0 + 1_000);
    await runDurableObjectAlarm(stub);
    expect((await stub.leaderView()).autopilot).toMatchObject({
      rate: 10,
      reason: { code: "hold_settling" },
      signal: { forwarded: 40, p95Ms: expect.any(Number) },
    });

    // 2 s on: slow start, × 1.5.
    await stub.report(load(40, 200, "edge-2"));
    at(T0 + 2_000);
    const before = serving((await stub.snapshot()).schedule, T0 + 2_000);
    await runDurableObjectAlarm(stub);
    const after = await stub.snapshot();
    expect(after.schedule.ratePerSec).toBe(15);
    expect(after.schedule.autopilot).toBe(true);
    expect(serving(after.schedule, T0 + 2_000)).toBe(before); // no jump at the change
    expect(serving(after.schedule, T0 + 3_000)).toBe(before + 15); // the new rate from there
    const view = (await stub.leaderView()).autopilot!;
    expect(view).toMatchObject({ rate: 15, phase: "start", reason: { code: "slow_start" } });
    expect(view.signal!.p95Ms).toBeGreaterThan(180);
    expect(view.signal!.p95Ms).toBeLessThan(220);
    expect(view.changes[0]).toMatchObject({ from: 10, to: 15, code: "slow_start", forwarded: 40 });
    // The console's chart: the sample of the moment carries the chosen rate, the ceiling and the interval's numbers.
    const { samples } = await stub.history();
    expect(samples.at(-1)).toMatchObject({ ratePerSec: 15, chosenRate: 15, ceiling: 300, admittedPerSec: 0 });
    expect(samples.at(-1)!.p95Ms).toBeGreaterThan(180);

    // Over the target: the rate falls at once.
    await stub.report(load(60, 4_000));
    at(T0 + 3_000);
    await runDurableObjectAlarm(stub);
    const fell = (await stub.leaderView()).autopilot!;
    expect(fell.reason).toMatchObject({ code: "latency_high" });
    expect(fell.rate).toBeLessThan(15);
    expect(fell.changes.map((c) => c.code)).toEqual(["latency_high", "slow_start", "engaged"]);

    // Requests stuck in flight count at their age: a silent origin reads as slow.
    const stuck: LoadReport = { isolate: "edge-3", from: T0, to: T0, count: 0, errors: 0, done: [], open: [[latencyBucket(20_000), 3]] };
    await stub.report(stuck);
    at(T0 + 4_000);
    await runDurableObjectAlarm(stub);
    const stalled = (await stub.leaderView()).autopilot!;
    expect(stalled.signal!.p95Ms).toBeGreaterThan(15_000);
    expect(stalled.reason!.code).toBe("latency_high");
  });

  it("does not tick while the rate is fixed, nor judge an interval that spans a pause", async () => {
    const { stub, at } = await clocked();
    await stub.configure({ ratePerSec: 10 });
    for (let i = 0; i < 50; i++) await stub.issue();
    expect(await runDurableObjectAlarm(stub)).toBe(false); // a fixed rate sets no alarm
    await stub.steer({ autopilot: SETTINGS });
    await runDurableObjectAlarm(stub);
    await stub.configure({ paused: true });
    await stub.report(load(40, 200));
    at(T0 + 3_000);
    await runDurableObjectAlarm(stub);
    expect((await stub.leaderView()).autopilot).toMatchObject({ rate: 10, reason: { code: "engaged" }, signal: null });
  });

  it("in a lane of 4 shards, turns each shard to rate/K and steers all of them", async () => {
    const on = await config({ ratePerSec: 40, autopilot: SETTINGS }, "surge");
    expect(on.body.ratePerSec).toBe(40);
    expect(on.body.perShard.map((s: { ratePerSec: number }) => s.ratePerSec)).toEqual([10, 10, 10, 10]);

    const leader = env.QUEUE.get(env.QUEUE.idFromName("surge:0"));
    for (let j = 0; j < 4; j++) for (let i = 0; i < 100; i++) await env.QUEUE.get(env.QUEUE.idFromName(`surge:${j}`)).issue(0);
    let t = Date.now();
    await runInDurableObject(leader, (o: QueueCounter) => {
      o.clock = () => t;
    });
    await runDurableObjectAlarm(leader); // begins clean
    for (const step of [1, 2, 3]) {
      await leader.report(load(50, 100, `edge-${step}`));
      t += 1_000;
      await runDurableObjectAlarm(leader);
    }
    const after = await stats("surge");
    expect(after.autopilot.rate).toBeGreaterThan(40);
    // counted over all four shards: more than one shard ever held (100), whatever time the test itself took
    expect(after.autopilot.signal.waiting).toBeGreaterThan(100);
    expect(after.ratePerSec).toBeCloseTo(after.autopilot.rate, 6);
    for (const s of after.perShard) expect(s.ratePerSec).toBeCloseTo(after.autopilot.rate / 4, 6);
  });

  it("keeps the newest 200 changes a page, and pages back to the first", async () => {
    const { stub } = await clocked();
    for (let i = 0; i < 230; i++) await stub.steer(i % 2 === 0 ? { autopilot: SETTINGS } : { autopilot: null });
    const first = await stub.auditLog();
    expect(first.entries).toHaveLength(200);
    expect(first.next).not.toBeNull();
    const second = await stub.auditLog(first.next!);
    expect(second.entries).toHaveLength(30);
    expect(second.next).toBeNull();
    expect(second.entries.at(-1)!.code).toBe("engaged");
  });
});
