/**
 * The autopilot's law (worker/queue/autopilot.ts) against a simulated origin: a line of people admitted at
 * the chosen rate, each making a journey of `k` requests with think time between them (one request at a
 * time), served first come first served by an origin of `capacity` requests per second, which steps down
 * and up during the run. Each second the simulation hands the controller what the edge and the counter
 * would: forwarded requests that finished, their p95 (requests still queued counted at their age), failures
 * (30 s timeouts), admissions, people waiting, people inside (active passes).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { prng } from "../../lib/prng";
import {
  type AutopilotSettings,
  type AutopilotState,
  DOWN_MAX,
  engage,
  type LaneRate,
  MIN_RISE,
  operate,
  RISE_MAX,
  type Signal,
  START_GROWTH,
  step,
  tick,
} from "../../worker/queue/autopilot";

function p95(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)]!;
}

interface Scenario {
  seconds: number;
  /** the origin's capacity (requests per second) at second t */
  capacity: (t: number) => number;
  /** people arriving evenly over `arrivalMs` */
  people: number;
  arrivalMs: number;
  /** requests per journey, and the mean think time before each (uniform, ±50 %) */
  k: number;
  thinkMs: number;
  /** null: a fixed rate of `rate` */
  settings: AutopilotSettings | null;
  rate: number;
  seed: number;
}

interface Second {
  t: number;
  rate: number;
  p95: number | null;
  admitted: number;
  finished: number;
  inside: number;
  timeouts: number;
  reason: string;
}

const TIMEOUT_MS = 30_000;
/** The origin's own time for a request with no queue. */
const SERVICE_MS = 20;

function simulate(o: Scenario): Second[] {
  const dt = 20;
  const random = prng(o.seed);
  const ticks = (o.seconds * 1000) / dt;
  const due: number[][] = Array.from({ length: ticks + 1000 }, () => []);
  const left: number[] = [];
  const queue: { person: number; at: number }[] = [];
  let head = 0;
  let arrived = 0;
  let waiting = 0;
  let owed = 0;
  let credit = 0;
  let inside = 0;
  let lane: LaneRate = { rate: o.rate, autopilot: null, state: null };
  if (o.settings) lane = operate(lane, { autopilot: o.settings }, 0).lane;
  let latencies: number[] = [];
  let timeouts = 0;
  let admitted = 0;
  let finished = 0;
  let reason = "";
  const out: Second[] = [];
  const think = () => Math.max(1, Math.round((o.thinkMs * (0.5 + random())) / dt));
  for (let i = 0; i < ticks; i++) {
    const now = i * dt;
    const arrivedBy = Math.min(o.people, Math.floor((o.people * (now + dt)) / Math.max(dt, o.arrivalMs)));
    waiting += arrivedBy - arrived;
    arrived = arrivedBy;
    // The counter: no capacity is banked while nobody waits.
    owed = waiting > 0 ? owed + (lane.rate * dt) / 1000 : 0;
    while (owed >= 1 && waiting > 0) {
      owed--;
      waiting--;
      admitted++;
      inside++;
      left.push(o.k);
      due[i + think()]!.push(left.length - 1);
    }
    for (const person of due[i]!) queue.push({ person, at: now });
    credit += (o.capacity(now / 1000) * dt) / 1000;
    while (head < queue.length) {
      const r = queue[head]!;
      if (now - r.at > TIMEOUT_MS) {
        // A click that timed out: the person sees an error and gives up.
        head++;
        timeouts++;
        inside--;
        continue;
      }
      if (credit < 1) break;
      credit--;
      head++;
      latencies.push(now - r.at + SERVICE_MS);
      if (--left[r.person]! > 0) due[i + think()]!.push(r.person);
      else {
        inside--;
        finished++;
      }
    }
    if (head === queue.length) credit = Math.min(credit, 1);
    if ((i + 1) % (1000 / dt) === 0) {
      const t = now + dt;
      const ages: number[] = [];
      for (let j = head; j < queue.length; j++) ages.push(t - queue[j]!.at);
      const signal: Signal = {
        windowMs: 1000,
        forwarded: latencies.length + timeouts,
        p95Ms: p95(latencies.concat(ages)),
        errors: timeouts,
        admitted,
        waiting,
        activePasses: inside,
      };
      const next = tick(lane, signal, t);
      lane = next.lane;
      if (next.decision) reason = next.decision.reason.text;
      out.push({ t: t / 1000, rate: lane.rate, p95: signal.p95Ms, admitted, finished, inside, timeouts, reason });
      latencies = [];
      timeouts = 0;
      admitted = 0;
      finished = 0;
    }
  }
  return out;
}

const between = (run: Second[], from: number, to: number) => run.filter((s) => s.t > from && s.t <= to);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const SETTINGS: AutopilotSettings = { targetP95Ms: 1500, minRate: 5, maxRate: 300 };

describe("the autopilot against a simulated origin whose capacity steps down and up", () => {
  // 700 requests/s is 100 people/s at 7 requests each; from 60 s to 120 s it serves 30 people/s.
  const capacity = (t: number) => (t < 60 ? 700 : t < 120 ? 210 : 700);

  it.each([1, 2, 3])("finds the capacity, holds the latency under the target, falls at the drop and recovers (seed %i)", (seed) => {
    const run = simulate({
      seconds: 200,
      capacity,
      people: 30_000,
      arrivalMs: 5000,
      k: 7,
      thinkMs: 500,
      settings: SETTINGS,
      rate: 20,
      seed,
    });

    // Never outside the floor and the ceiling.
    for (const s of run) {
      expect(s.rate).toBeGreaterThanOrEqual(SETTINGS.minRate);
      expect(s.rate).toBeLessThanOrEqual(SETTINGS.maxRate);
    }
    // From slow start on, every second's p95 stays under the target until the drop.
    for (const s of between(run, 0, 60)) expect(s.p95 ?? 0, `second ${s.t}`).toBeLessThanOrEqual(SETTINGS.targetP95Ms);

    // Steady at 100 people/s: the rate near capacity, bounded oscillation, the origin kept busy.
    const before = between(run, 35, 60);
    expect(mean(before.map((s) => s.rate))).toBeGreaterThan(85);
    expect(mean(before.map((s) => s.rate))).toBeLessThan(120);
    expect(Math.max(...before.map((s) => s.rate)) / Math.min(...before.map((s) => s.rate))).toBeLessThan(1.6);
    expect(mean(before.map((s) => s.finished))).toBeGreaterThan(90);
    expect(mean(before.map((s) => s.p95!))).toBeLessThan(0.7 * SETTINGS.targetP95Ms);

    // The drop: the rate falls within 10 s, and the p95 is back under the target within 30 s for good.
    const at60 = run.find((s) => s.t === 60)!.rate;
    expect(run.find((s) => s.t > 60 && s.rate < 0.7 * at60)!.t).toBeLessThanOrEqual(70);
    const late = between(run, 60, 120).filter((s) => (s.p95 ?? 0) > SETTINGS.targetP95Ms);
    expect(Math.max(...late.map((s) => s.t))).toBeLessThanOrEqual(90);
    // Steady at 30 people/s.
    const during = between(run, 95, 120);
    expect(mean(during.map((s) => s.rate))).toBeGreaterThan(22);
    expect(mean(during.map((s) => s.rate))).toBeLessThan(45);
    expect(mean(during.map((s) => s.finished))).toBeGreaterThan(22);

    // The capacity comes back: so does the rate, with the latency under the target all along.
    const after = between(run, 150, 200);
    expect(mean(after.map((s) => s.rate))).toBeGreaterThan(85);
    expect(mean(after.map((s) => s.rate))).toBeLessThan(120);
    for (const s of between(run, 120, 200)) expect(s.p95 ?? 0, `second ${s.t}`).toBeLessThanOrEqual(SETTINGS.targetP95Ms);
    expect(run.reduce((n, s) => n + s.timeouts, 0)).toBe(0);
  });

  it("with longer journeys (9 requests, 1 s think) stays under the target between steps and drains a drop as fast as the floor allows", () => {
    const run = simulate({
      seconds: 200,
      capacity: (t) => (t < 60 ? 700 : t < 120 ? 210 : 700),
      people: 30_000,
      arrivalMs: 5000,
      k: 9,
      thinkMs: 1000,
      settings: SETTINGS,
      rate: 20,
      seed: 2,
    });
    for (const s of [...between(run, 30, 60), ...between(run, 110, 200)])
      expect(s.p95 ?? 0, `second ${s.t}`).toBeLessThanOrEqual(SETTINGS.targetP95Ms);
    expect(run.find((s) => s.t > 60 && s.rate < 0.7 * run[59]!.rate)!.t).toBeLessThanOrEqual(65);
    // Excess people inside drain at what the origin serves less the floor: never faster than the floor lets them.
    expect(Math.min(...between(run, 62, 90).map((s) => s.rate))).toBe(SETTINGS.minRate);
  });

  it("books as fast as a fixed rate far above capacity, without the fixed rate's latency or timeouts", () => {
    // 3,000 people in 5 s, an origin that serves 30 people a second (210 requests/s).
    const scenario = { seconds: 300, capacity: () => 210, people: 3000, arrivalMs: 5000, k: 7, thinkMs: 500, seed: 1 };
    const fixed = simulate({ ...scenario, settings: null, rate: 300 });
    const auto = simulate({ ...scenario, settings: SETTINGS, rate: 20 });
    const summary = (run: Second[]) => {
      const firstAdmitted = run.find((s) => s.admitted > 0)!.t;
      const lastBooked = run.filter((s) => s.finished > 0).at(-1)!.t;
      const booked = run.reduce((n, s) => n + s.finished, 0);
      return {
        booked,
        perSec: booked / (lastBooked - firstAdmitted + 1),
        worstP95: Math.max(...between(run, 20, lastBooked).map((s) => s.p95 ?? 0)),
      };
    };
    const f = summary(fixed);
    const a = summary(auto);
    expect(a.booked).toBe(3000);
    expect(a.perSec).toBeGreaterThanOrEqual(0.9 * f.perSec);
    expect(a.worstP95).toBeLessThanOrEqual(SETTINGS.targetP95Ms);
    expect(f.worstP95).toBeGreaterThan(5 * SETTINGS.targetP95Ms);
  });

  it("does not rise when nobody waits and fewer come than the rate lets in", () => {
    // 10 people a second for 60 s, an origin with room for 100 a second.
    const run = simulate({
      seconds: 80,
      capacity: () => 700,
      people: 600,
      arrivalMs: 60_000,
      k: 7,
      thinkMs: 500,
      settings: SETTINGS,
      rate: 20,
      seed: 1,
    });
    expect(run.every((s) => s.rate === 20)).toBe(true);
    expect(
      run
        .filter((s) => s.t > 10)
        .every((s) => s.reason.includes("nobody waits") || s.reason.includes("near the") || s.reason.includes("too few")),
    ).toBe(true);
  });

  it("keeps an origin whose pace varies from second to second busy near its average, under the target", () => {
    // On average 100 people/s (700 requests/s), but every second its own pace: from 0.4× to 1.6×.
    const pace = prng(11);
    const paces = Array.from({ length: 200 }, () => 0.4 + 1.2 * pace());
    const run = simulate({
      seconds: 150,
      capacity: (t) => 700 * paces[Math.floor(t)]!,
      people: 30_000,
      arrivalMs: 5000,
      k: 7,
      thinkMs: 500,
      settings: SETTINGS,
      rate: 20,
      seed: 4,
    });
    const steady = between(run, 40, 150);
    expect(mean(steady.map((s) => s.rate))).toBeGreaterThan(70);
    expect(Math.min(...steady.map((s) => s.rate))).toBeGreaterThan(35);
    expect(mean(steady.map((s) => s.p95!))).toBeLessThan(SETTINGS.targetP95Ms);
    expect(run.reduce((n, s) => n + s.timeouts, 0)).toBe(0);
  });

  it("takes a stuck origin for a slow one: requests still waiting count at their age, and the rate falls", () => {
    const run = simulate({
      seconds: 90,
      capacity: (t) => (t >= 40 && t < 55 ? 0 : 700),
      people: 20_000,
      arrivalMs: 5000,
      k: 7,
      thinkMs: 500,
      settings: SETTINGS,
      rate: 20,
      seed: 1,
    });
    const at40 = run.find((s) => s.t === 40)!.rate;
    expect(run.find((s) => s.t > 40 && s.rate <= 0.5 * at40)!.t).toBeLessThanOrEqual(45);
  });
});

const signal = (over: Partial<Signal> = {}): Signal => ({
  windowMs: 1000,
  forwarded: 200,
  p95Ms: 100,
  errors: 0,
  admitted: 20,
  waiting: 1000,
  activePasses: 100,
  ...over,
});

describe("the autopilot's rules", () => {
  const started = () => engage(null, SETTINGS, 20, 0).state;

  it("cuts on failing requests whatever the latency, and holds with too little to judge by", () => {
    const d = step({ ...started(), phase: "steady" }, signal({ errors: 10, p95Ms: 50 }), SETTINGS, 10_000);
    expect(d).toMatchObject({ changed: true, rate: 14, reason: { code: "errors" } });
    expect(step(started(), signal({ forwarded: 3, p95Ms: 900 }), SETTINGS, 10_000)).toMatchObject({
      changed: false,
      reason: { code: "hold_no_signal" },
    });
    // A few requests that took too long are enough to judge: the origin may be too slow to finish more.
    expect(step(started(), signal({ forwarded: 2, p95Ms: 9000 }), SETTINGS, 10_000)).toMatchObject({
      changed: true,
      reason: { code: "latency_high" },
    });
  });

  it("slow start grows the rate every settle period while there is no queue, and ends at the first sign of one", () => {
    let s = started();
    let d = step(s, signal(), SETTINGS, 1000);
    expect(d).toMatchObject({ changed: false, reason: { code: "hold_settling" } });
    d = step(d.state, signal(), SETTINGS, 2000);
    expect(d).toMatchObject({ changed: true, rate: 30, reason: { code: "slow_start" } });
    s = d.state;
    // Twice the lowest p95 seen and more than a tenth of the target: a queue is forming.
    d = step(s, signal({ p95Ms: 260 }), SETTINGS, 4000);
    expect(d.state.phase).toBe("steady");
    expect(d.reason.code).not.toBe("slow_start");
  });

  it("explains every decision, and every change says from what to what", () => {
    let s: AutopilotState = started();
    const random = prng(5);
    for (let t = 1000; t < 120_000; t += 1000) {
      const d = step(
        s,
        signal({
          p95Ms: 50 + random() * 3000,
          admitted: Math.round(random() * 50),
          activePasses: Math.round(random() * 500),
          errors: random() < 0.05 ? 20 : 0,
        }),
        SETTINGS,
        t,
      );
      expect(d.reason.text.length).toBeGreaterThan(10);
      if (d.changed) expect(d.reason.text).toContain(`→ ${d.rate}/s`);
      s = d.state;
    }
  });
});

describe("the operator always wins", () => {
  const fixed: LaneRate = { rate: 100, autopilot: null, state: null };

  it("turns the autopilot on from the rate in force, clamped into its range at once", () => {
    const on = operate(fixed, { autopilot: { targetP95Ms: 1500, minRate: 5, maxRate: 60 } }, 0);
    expect(on.lane).toMatchObject({ rate: 60, autopilot: { maxRate: 60 }, state: { phase: "start", rate: 60 } });
    expect(on.reason?.code).toBe("engaged");
    // A lower ceiling later: at once, keeping what the controller learnt.
    const learnt = { ...on.lane, state: { ...on.lane.state!, departures: 42 } };
    const lower = operate(learnt, { autopilot: { targetP95Ms: 1500, minRate: 5, maxRate: 30 } }, 5000);
    expect(lower.lane).toMatchObject({ rate: 30, state: { rate: 30, departures: 42 } });
    expect(lower.reason).toMatchObject({ code: "settings", text: expect.stringContaining("60/s → 30/s") });
  });

  it("a fixed rate, or autopilot null, turns it off; the controller then never moves the rate", () => {
    const on = operate(fixed, { autopilot: SETTINGS }, 0).lane;
    const pinned = operate(on, { ratePerSec: 42 }, 1000);
    expect(pinned.lane).toEqual({ rate: 42, autopilot: null, state: null });
    expect(pinned.reason?.code).toBe("fixed");
    const off = operate(on, { autopilot: null }, 1000);
    expect(off.lane).toEqual({ rate: on.rate, autopilot: null, state: null });
    for (const p95Ms of [10, 900, 5000, null]) {
      expect(tick(pinned.lane, signal({ p95Ms, errors: 100 }), 10_000)).toEqual({ lane: pinned.lane, decision: null });
    }
    // Turning it on with a rate given starts from that rate.
    expect(operate(fixed, { autopilot: SETTINGS, ratePerSec: 7 }, 0).lane.rate).toBe(7);
  });
});

describe("invariants over any signals and operator changes", () => {
  const settings = fc
    .record({
      targetP95Ms: fc.integer({ min: 100, max: 10_000 }),
      minRate: fc.double({ min: 0, max: 500, noNaN: true }),
      span: fc.double({ min: 0, max: 2000, noNaN: true }),
    })
    .map(({ targetP95Ms, minRate, span }) => ({ targetP95Ms, minRate, maxRate: minRate + span }));
  const anySignal = fc.record({
    windowMs: fc.integer({ min: 200, max: 5000 }),
    forwarded: fc.nat({ max: 5000 }),
    p95Ms: fc.option(fc.double({ min: 0, max: 120_000, noNaN: true }), { nil: null }),
    errors: fc.nat({ max: 5000 }),
    admitted: fc.nat({ max: 5000 }),
    waiting: fc.nat({ max: 100_000 }),
    activePasses: fc.nat({ max: 100_000 }),
  });
  const event = fc.oneof(
    { weight: 20, arbitrary: anySignal.map((s) => ({ kind: "signal" as const, s })) },
    { weight: 1, arbitrary: settings.map((a) => ({ kind: "settings" as const, a })) },
  );

  it("never leaves [minRate, maxRate], and moves at most ×2 (or one person a second) up and ×0.5 down per interval", () => {
    fc.assert(
      fc.property(settings, fc.double({ min: 0, max: 5000, noNaN: true }), fc.array(event, { maxLength: 80 }), (first, initial, events) => {
        let a = first;
        let lane = operate({ rate: initial, autopilot: null, state: null }, { autopilot: a }, 0).lane;
        let now = 0;
        for (const e of events) {
          now += 1000;
          if (e.kind === "settings") {
            a = e.a;
            lane = operate(lane, { autopilot: a }, now).lane;
          } else {
            const before = Math.min(a.maxRate, Math.max(a.minRate, lane.rate));
            const d = tick(lane, e.s, now).decision!;
            lane = { ...lane, rate: d.rate, state: d.state };
            expect(d.rate).toBeLessThanOrEqual(Math.max(before * Math.max(RISE_MAX, START_GROWTH), before + MIN_RISE) + 0.05);
            expect(d.rate).toBeGreaterThanOrEqual(Math.max(a.minRate, before * DOWN_MAX) - 0.05);
            expect(d.reason.text).not.toBe("");
          }
          expect(lane.rate).toBeGreaterThanOrEqual(a.minRate - 0.05);
          expect(lane.rate).toBeLessThanOrEqual(a.maxRate + 0.05);
          expect(Number.isFinite(lane.rate)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
