import { describe, expect, it } from "vitest";
import {
  arrive,
  initialSchedule,
  pollAfterMs,
  queueStatus,
  reconfigure,
  type Schedule,
  serving,
  statusJson,
} from "../../worker/queue/admission";

const T0 = 1_750_000_000_000;
const sec = (n: number) => T0 + n * 1000;

function withArrivals(s: Schedule, n: number, t: number): Schedule {
  for (let i = 0; i < n; i++) s = arrive(s, t).schedule;
  return s;
}

describe("serving(t)", () => {
  it("advances at the set rate and never past the people issued", () => {
    const s = withArrivals(initialSchedule(10, T0), 1000, T0);
    expect(serving(s, sec(0))).toBe(0);
    expect(serving(s, sec(1))).toBe(10);
    expect(serving(s, sec(2.55))).toBe(25);
    expect(serving(s, sec(99))).toBe(990);
    expect(serving(s, sec(500))).toBe(1000);
  });

  it("holds still while paused and resumes from where it stopped", () => {
    let s = withArrivals(initialSchedule(10, T0), 1000, T0);
    s = reconfigure(s, sec(5), { paused: true });
    expect(serving(s, sec(5))).toBe(50);
    expect(serving(s, sec(60))).toBe(50);
    s = reconfigure(s, sec(60), { paused: false });
    expect(serving(s, sec(60))).toBe(50);
    expect(serving(s, sec(61))).toBe(60);
  });

  it("re-anchors a rate change without a jump", () => {
    let s = withArrivals(initialSchedule(10, T0), 10_000, T0);
    s = reconfigure(s, sec(7.5), { ratePerSec: 100 });
    expect(serving(s, sec(7.5))).toBe(75);
    expect(serving(s, sec(8.5))).toBe(175);
    s = reconfigure(s, sec(8.5), { ratePerSec: 1 });
    expect(serving(s, sec(8.5))).toBe(175);
    expect(serving(s, sec(10.5))).toBe(177);
  });

  it("never banks idle capacity: after 60 s idle at 10/s, 1,000 arrivals are admitted at 10/s", () => {
    let s = withArrivals(initialSchedule(10, T0), 5, T0);
    expect(serving(s, sec(1))).toBe(5); // everyone in; the line is dry
    // 60 s of nobody: 600 admissions' worth of capacity went unused and must not be banked.
    const at = sec(61);
    s = withArrivals(s, 1000, at);
    const admittedAt = (dt: number) => serving(s, at + dt * 1000) - 5;
    expect(admittedAt(0)).toBe(1); // the first newcomer walks straight in
    expect(admittedAt(1)).toBe(11);
    expect(admittedAt(10)).toBe(101);
    expect(admittedAt(60)).toBe(601);
    expect(admittedAt(99.9)).toBe(1000);
  });

  it("admits a lone arrival at once, but a burst only at the set rate", () => {
    let s = initialSchedule(2, T0);
    s = withArrivals(s, 1, sec(10)); // dry queue: first one straight in
    expect(serving(s, sec(10))).toBe(1);
    s = withArrivals(s, 3, sec(10.1));
    expect(serving(s, sec(10.1))).toBe(1);
    expect(serving(s, sec(10.5))).toBe(2);
    expect(serving(s, sec(11.5))).toBe(4);
  });

  it("admits nobody at rate 0", () => {
    let s = reconfigure(initialSchedule(10, T0), T0, { ratePerSec: 0 });
    s = withArrivals(s, 3, sec(100));
    expect(serving(s, sec(1000))).toBe(0);
  });
});

describe("queueStatus", () => {
  const s = withArrivals(initialSchedule(10, T0), 5000, T0);

  it("reports position, people ahead and behind, and an honest wait", () => {
    const st = queueStatus(s, 1500, sec(100)); // serving 1000
    expect(st).toMatchObject({ state: "waiting", seq: 1500, serving: 1000, issued: 5000, position: 500, ahead: 499, behind: 3500 });
    expect(st.etaSeconds).toBe(50);
  });

  it("says admitted once the cursor reaches the ticket", () => {
    expect(queueStatus(s, 1000, sec(100))).toMatchObject({ state: "admitted", position: 0, ahead: 0, pollAfterMs: 0 });
  });

  it("keeps a pass holder admitted even when paused", () => {
    const paused = reconfigure(s, sec(1), { paused: true });
    expect(queueStatus(paused, 4000, sec(2), true).state).toBe("admitted");
    expect(queueStatus(paused, 4000, sec(2))).toMatchObject({ state: "paused", etaSeconds: null });
  });

  it("asks people far back to poll rarely and people near the front every second", () => {
    expect(queueStatus(s, 1001, sec(100)).pollAfterMs).toBe(1000);
    expect(queueStatus(s, 1200, sec(100)).pollAfterMs).toBe(2000);
    expect(queueStatus(s, 5000, sec(100)).pollAfterMs).toBe(30_000);
    expect(pollAfterMs(0)).toBe(1000);
  });

  it("while paused, polls every 5 s near the front and rarely far back, so a resume is noticed quickly", () => {
    const paused = reconfigure(s, sec(100), { paused: true }); // serving 1000, rate 10
    expect(queueStatus(paused, 1003, sec(200)).pollAfterMs).toBe(5000);
    expect(queueStatus(paused, 4000, sec(200)).pollAfterMs).toBe(30_000);
    const stopped = reconfigure(s, sec(100), { ratePerSec: 0 });
    expect(queueStatus(stopped, 1003, sec(200)).pollAfterMs).toBe(30_000);
  });

  it("never reports fewer issued than the ticket proves (snapshot older than the ticket)", () => {
    expect(queueStatus(s, 5003, sec(0))).toMatchObject({ issued: 5003, behind: 0 });
  });
});

describe("statusJson", () => {
  it("writes exactly what JSON.stringify would, waiting, paused, admitted and at a fractional rate", () => {
    const t = 1_000_000;
    const waiting = arrive(arrive(initialSchedule(2.5, t), t).schedule, t).schedule;
    const paused = reconfigure(waiting, t, { paused: true });
    for (const s of [waiting, paused, initialSchedule(0, t)]) {
      for (const seq of [1, 2, 5_000]) {
        for (const at of [t, t + 1234, t + 3_600_000]) {
          const status = queueStatus(s, seq, at);
          expect(statusJson(status)).toBe(JSON.stringify(status));
          expect(statusJson(queueStatus(s, seq, at, true))).toBe(JSON.stringify(queueStatus(s, seq, at, true)));
        }
      }
    }
  });
});
