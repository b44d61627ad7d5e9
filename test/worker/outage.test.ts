/**
 * No burst after an outage: when the counter has heard nothing for more than a few seconds while people
 * waited (it, or every edge, was down), admission resumes at the set rate from where the cursor stood, at
 * most a few seconds' worth further, and the cursor never steps back.
 */
import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { arrive, initialSchedule, RESUME_GAP_MS, resume, type Schedule, serving } from "../../worker/queue/admission";
import type { QueueCounter } from "../../worker/queue/queue-counter";

const T0 = 1_750_000_000_000;
let n = 0;
const fresh = () => env.QUEUE.get(env.QUEUE.idFromName(`outage-${Date.now()}-${n++}`));

async function clockOf(stub: DurableObjectStub<QueueCounter>, start: number) {
  let t = start;
  await runInDurableObject(stub, (obj: QueueCounter) => {
    obj.clock = () => t;
  });
  return (at: number) => {
    t = at;
  };
}

describe("after an outage", () => {
  it("resumes at the set rate from where the cursor stood, never more than a few seconds' worth at once", async () => {
    const stub = fresh();
    let setClock = await clockOf(stub, T0);
    await stub.configure({ ratePerSec: 30 });
    for (let i = 0; i < 10; i++) await Promise.all(Array.from({ length: 200 }, () => stub.issue())); // 2,000 waiting
    const at = async (t: number) => {
      setClock(t);
      const { schedule, now } = await stub.snapshot();
      return serving(schedule, now);
    };
    // Running normally: the edges read the counter every second.
    let cursor = 0;
    for (let s = 1; s <= 10; s++) cursor = await at(T0 + s * 1000);
    expect(cursor).toBe(300);

    // A minute of silence (every edge down): 1,800 people's worth of capacity, of which at most 5 s is let in.
    const back = await at(T0 + 70_000);
    expect(back).toBeGreaterThanOrEqual(300); // nobody admitted before is sent back
    expect(back).toBeLessThanOrEqual(300 + 30 * (RESUME_GAP_MS / 1000));
    // From there on, the set rate.
    expect(await at(T0 + 71_000)).toBe(back + 30);
    expect(await at(T0 + 72_000)).toBe(back + 60);

    // The counter itself goes away (evicted, restarted) for two minutes: the same, from what it stored.
    await evictDurableObject(stub);
    setClock = await clockOf(stub, T0 + 72_000);
    const afterRestart = await at(T0 + 192_000);
    expect(afterRestart).toBeGreaterThanOrEqual(back + 60);
    expect(afterRestart).toBeLessThanOrEqual(back + 60 + 30 * (RESUME_GAP_MS / 1000));
    expect(await at(T0 + 193_000)).toBe(afterRestart + 30);
  });

  it("does not slow a line the edges keep reading, nor one that has run dry", () => {
    let s: Schedule = initialSchedule(10, T0);
    for (let i = 0; i < 100; i++) s = arrive(s, T0).schedule;
    expect(resume(s, T0 + 4_000, T0 + 5_000)).toBe(s); // heard from a second ago
    const dry = { ...s, issued: 5 };
    expect(resume(dry, T0 + 1_000, T0 + 60_000)).toBe(dry); // nobody waiting: nothing to hold back
    // A slow lane whose polls come seldom still moves a place for each silence, at least.
    let line = initialSchedule(0.05, T0);
    for (let i = 0; i < 10; i++) line = arrive(line, T0).schedule;
    expect(resume(line, T0, T0 + 20_000)).toBe(line);
    expect(serving(resume(line, T0, T0 + 40_000), T0 + 40_000)).toBe(1);
  });
});
