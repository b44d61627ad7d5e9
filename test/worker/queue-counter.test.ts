import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { cachedSchedule } from "../../worker/edge/snapshot";
import { serving } from "../../worker/queue/admission";
import type { QueueCounter } from "../../worker/queue/queue-counter";

const T0 = 1_750_000_000_000;
let n = 0;
/** Each test gets its own counter object (its own name), so tests never share a line. */
const fresh = () => env.QUEUE.get(env.QUEUE.idFromName(`test-${Date.now()}-${n++}`));

/** Injects a clock into the live object and returns a setter for it. */
async function clockOf(stub: DurableObjectStub<QueueCounter>) {
  let t = T0;
  await runInDurableObject(stub, (obj: QueueCounter) => {
    obj.clock = () => t;
  });
  return (at: number) => {
    t = at;
  };
}

describe("QueueCounter", () => {
  it("hands 200 concurrent arrivals 200 distinct, gap-free numbers", async () => {
    const stub = fresh();
    const results = await Promise.all(Array.from({ length: 200 }, () => stub.issue()));
    const seqs = results.map((r) => r.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect((await stub.snapshot()).schedule.issued).toBe(200);
  });

  it("with an injected clock: admits at the set rate, holds when paused, re-anchors on a rate change", async () => {
    const stub = fresh();
    const setClock = await clockOf(stub);
    await stub.configure({ ratePerSec: 10 });
    for (let i = 0; i < 500; i++) await stub.issue();
    const servingAt = async (t: number) => {
      setClock(t);
      const { schedule, now } = await stub.snapshot();
      return serving(schedule, now);
    };
    expect(await servingAt(T0 + 3_000)).toBe(30);
    setClock(T0 + 3_000);
    await stub.configure({ paused: true });
    expect(await servingAt(T0 + 20_000)).toBe(30);
    setClock(T0 + 20_000);
    await stub.configure({ paused: false, ratePerSec: 50 });
    expect(await servingAt(T0 + 20_000)).toBe(30); // no jump on resume or rate change
    expect(await servingAt(T0 + 22_000)).toBe(130);
  });

  it("after 60 s idle at 10/s, admits 1,000 new arrivals at 10/s, not 600 at once", async () => {
    const stub = fresh();
    const setClock = await clockOf(stub);
    await stub.configure({ ratePerSec: 10 });
    for (let i = 0; i < 3; i++) await stub.issue();
    setClock(T0 + 60_000);
    const first = (await stub.issue()).seq;
    for (let i = 1; i < 1000; i++) await stub.issue();
    // The edge reads the counter every second while people wait (a longer silence would be an outage).
    let at = T0 + 60_000;
    const admitted = async (t: number) => {
      for (; at < t; at = Math.min(t, at + 1000)) {
        setClock(at);
        await stub.snapshot();
      }
      setClock(t);
      const { schedule, now } = await stub.snapshot();
      return serving(schedule, now) - (first - 1);
    };
    expect(await admitted(T0 + 60_000)).toBe(1);
    expect(await admitted(T0 + 61_000)).toBe(11);
    expect(await admitted(T0 + 90_000)).toBe(301);
    expect(await admitted(T0 + 160_000)).toBe(1000);
  });

  it("keeps issued and the schedule across a restart (a fresh instance over the same storage)", async () => {
    const stub = fresh();
    await stub.configure({ ratePerSec: 7, paused: true });
    for (let i = 0; i < 25; i++) await stub.issue();
    const before = (await stub.snapshot()).schedule;
    await evictDurableObject(stub);
    const after = (await stub.snapshot()).schedule;
    expect(after).toEqual(before);
    expect((await stub.issue()).seq).toBe(26);
  });
});

describe("the edge's snapshot cache", () => {
  it("answers from the isolate's copy within its TTL and reads the counter again after it", async () => {
    const name = `cache-${Date.now()}`;
    const stub = env.QUEUE.get(env.QUEUE.idFromName(`${name}:0`));
    await stub.issue();
    const first = await cachedSchedule(env, name, 0, 1_000, 1_000);
    expect(first.issued).toBe(1);
    await stub.issue(); // the counter moves on; the copy does not know yet
    expect((await cachedSchedule(env, name, 0, 1_500, 1_000)).issued).toBe(1);
    expect((await cachedSchedule(env, name, 0, 2_100, 1_000)).issued).toBe(2);
  });
});
