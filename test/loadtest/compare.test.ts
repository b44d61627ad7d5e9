/**
 * The side-by-side rehearsal and what a run reads of the autopilot, on made-up reports and answers: the
 * change that starts a run, the stats' and audit log's readings, the README table and per-run lines, the
 * verdicts (a slowed origin's fall and recovery among them), the bounded wait for a quiet lane, the change
 * that sets the lane back, and the HTML report's chart and list of changes.
 */
import { describe, expect, it } from "vitest";
import { mergeChanges, readAutopilot, readChanges, startChange } from "../../loadtest/autopilot";
import {
  autopilotLabel,
  compareTable,
  compareVerdicts,
  fixedLabel,
  restoreChange,
  runChecks,
  runLine,
  type Scenario,
  scenarioTitle,
  settledLine,
  settleLane,
  slowdownResponse,
} from "../../loadtest/comparison";
import { htmlReport } from "../../loadtest/html";
import { parseAutopilot } from "../../loadtest/options";
import type { Report } from "../../loadtest/run";
import { reportOf } from "./report-fixture";

const scenario: Scenario = { users: 3000, arrivalSec: 5, thinkMs: 500, ceiling: 300, minRate: 5, targetP95Ms: 1500, originSlowdown: [] };
const settings = { targetP95Ms: 1500, minRate: 5, maxRate: 300 };

/** A run's report with per-second series of the given length (everything else as the fixture). */
function withSeconds(n: number, over: Partial<Report> = {}, series: Partial<Report["series"]> = {}): Report {
  const base = reportOf();
  const zeros = () => Array.from({ length: n }, () => 0);
  const nulls = () => Array.from({ length: n }, () => null);
  return {
    ...base,
    ...over,
    series: {
      ...base.series,
      second: Array.from({ length: n }, (_, i) => i),
      waiting: zeros(),
      serving: zeros(),
      admittedPerSec: zeros(),
      setRate: zeros(),
      activePasses: zeros(),
      originP50: zeros(),
      originP95: zeros(),
      originP99: zeros(),
      identityCheckExtraMs: zeros(),
      chosenRate: nulls(),
      ceiling: nulls(),
      edgeP95: nulls(),
      reasonCode: nulls(),
      ...series,
    },
  };
}

describe("the change that starts a run", () => {
  it("turns the autopilot on (from the given rate), sets a fixed rate, or leaves the rate alone", () => {
    expect(startChange({ autopilot: settings })).toEqual({ autopilot: settings, paused: false });
    expect(startChange({ autopilot: settings, rate: 5 })).toEqual({ autopilot: settings, ratePerSec: 5, paused: false });
    // A rate alone turns the autopilot off as well (a system without one takes it too).
    expect(startChange({ autopilot: null, rate: 300 })).toEqual({ ratePerSec: 300, paused: false });
    expect(startChange({ rate: 300 })).toEqual({ ratePerSec: 300, paused: false });
    expect(startChange({ autopilot: null })).toEqual({ autopilot: null });
    expect(startChange({})).toBeNull();
  });

  it("reads --autopilot as the floor and ceiling, with the run's target", () => {
    expect(parseAutopilot("5:300", 1500)).toEqual(settings);
    expect(parseAutopilot("off", 1500)).toBeNull();
    for (const bad of ["300", "x:300", "300:5", "-1:5", "5:300:1"]) expect(parseAutopilot(bad, 1500), bad).toHaveProperty("problem");
  });
});

describe("what a run reads of the autopilot", () => {
  const stats = {
    ratePerSec: 42.5,
    autopilot: {
      ...settings,
      rate: 42.5,
      phase: "steady",
      reason: { code: "rise", text: "p95 620 ms against a setpoint of 750 ms", at: "2026-07-19T11:00:02.000Z" },
      signal: { p95Ms: 620, forwarded: 310, errors: 0, admitted: 36, waiting: 1800, activePasses: 410, departures: 38 },
      changes: [
        { at: "2026-07-19T11:00:02.000Z", from: 35, to: 42.5, code: "rise", text: "… 35/s → 42.5/s." },
        { at: "2026-07-19T11:00:00.000Z", from: 5, to: 35, code: "slow_start", text: "… 5/s → 35/s." },
      ],
    },
  };

  it("keeps the chosen rate, the ceiling, the edge's p95 and the reason's code; nothing when it is off", () => {
    expect(readAutopilot(stats)).toEqual({ chosenRate: 42.5, ceiling: 300, edgeP95Ms: 620, reasonCode: "rise" });
    expect(readAutopilot({ ratePerSec: 300, autopilot: null })).toEqual({
      chosenRate: null,
      ceiling: null,
      edgeP95Ms: null,
      reasonCode: null,
    });
    expect(readAutopilot({ ratePerSec: 300 })).toEqual({ chosenRate: null, ceiling: null, edgeP95Ms: null, reasonCode: null });
    expect(readAutopilot({ autopilot: { ...stats.autopilot, signal: { p95Ms: null } } }).edgeP95Ms).toBeNull();
  });

  it("reads changes from the stats and from the audit log, once each, oldest first", () => {
    const fromStats = readChanges(stats);
    expect(fromStats.map((c) => [c.from, c.to, c.code])).toEqual([
      [35, 42.5, "rise"],
      [5, 35, "slow_start"],
    ]);
    const log = {
      lane: "booking",
      entries: [
        { at: Date.parse("2026-07-19T11:00:04.000Z"), fromRate: 42.5, toRate: 21.3, code: "latency_high", text: "…" },
        { at: "2026-07-19T11:00:02.000Z", from: 35, to: 42.5, code: "rise", text: "… 35/s → 42.5/s." },
        { at: "not a time", code: "rise" },
        { at: "2026-07-19T11:00:01.000Z" },
      ],
      next: null,
    };
    const merged = mergeChanges(fromStats, readChanges(log));
    expect(merged.map((c) => c.code)).toEqual(["slow_start", "rise", "latency_high"]);
    expect(merged[2]).toMatchObject({ from: 42.5, to: 21.3 });
    expect(readChanges([{ at: 1, from: 1, to: 2, code: "rise", text: "" }])).toHaveLength(1);
    expect(readChanges(null)).toEqual([]);
    expect(readChanges({ autopilot: null })).toEqual([]);
  });
});

describe("the README table and the lines per run", () => {
  const fixed = reportOf({
    users: 3000,
    booked: 2400,
    abandoned: 300,
    originP95SteadyMs: 8300,
    timedOutAfterAdmit: 212,
    droppedAfterAdmit: 230,
    bookedPerSec: 24.04,
    timeInLineSec: { p50: 4.26, p95: 9.81, max: 11 },
  });
  const auto = reportOf({
    users: 3000,
    booked: 2700,
    abandoned: 300,
    originP95SteadyMs: 1240,
    timedOutAfterAdmit: 0,
    droppedAfterAdmit: 0,
    bookedPerSec: 27.61,
    timeInLineSec: { p50: 31.04, p95: 88.2, max: 95 },
  });

  it("prints one row per run, with the autopilot's bookings per second against the fixed rate's", () => {
    expect(compareTable(scenario, fixed, auto)).toBe(
      [
        "| 3,000 people in 5 s, think 0.5 s | steady p95 | timed out after admission | booked / s | time in line p50 / p95 |",
        "| --- | --- | --- | --- | --- |",
        "| fixed 300/s | 8,300 ms | 212 | 24.0 | 4.3 s / 9.8 s |",
        "| autopilot (target 1,500 ms, 5–300/s) | 1,240 ms | 0 | 27.6 (×1.15 of fixed) | 31.0 s / 88.2 s |",
      ].join("\n"),
    );
    expect(compareTable(scenario, { ...fixed, bookedPerSec: null }, auto)).toContain("| 27.6 |");
    expect(compareTable(scenario, fixed, { ...auto, bookedPerSec: null })).toContain("| nobody booked |");
  });

  it("names the scenario, the origin's slowdown with it", () => {
    expect(scenarioTitle(scenario)).toBe("3,000 people in 5 s, think 0.5 s");
    const slowed = {
      ...scenario,
      originSlowdown: [
        { atSec: 30, identityCheckExtraMs: 100, identityCheckLines: 2 },
        { atSec: 90, identityCheckExtraMs: 0, identityCheckLines: null },
      ],
    };
    expect(scenarioTitle(slowed)).toBe(
      "3,000 people in 5 s, think 0.5 s; identity checks +100 ms, 2 at a time, from 30 s, back to normal at 90 s",
    );
    expect(fixedLabel(scenario)).toBe("fixed 300/s");
    expect(autopilotLabel(scenario)).toBe("autopilot (target 1,500 ms, 5–300/s)");
  });

  it("says per run whether anything was overbooked or dropped, and whether everyone who stayed booked", () => {
    expect(runChecks(fixed)).toEqual({ overbooked: 0, droppedAfterAdmit: 230, stayed: 2700, booked: 2400, everyoneBooked: false });
    expect(runLine("fixed 300/s", fixed)).toBe(
      "fixed 300/s: overbooked 0 · dropped after admission 230 · everyone who did not give up booked: no (2,400 of 2,700)",
    );
    expect(runLine("autopilot", auto)).toBe(
      "autopilot: overbooked 0 · dropped after admission 0 · everyone who did not give up booked: yes (2,700 of 2,700)",
    );
    expect(runLine("x", { ...auto, overbooked: null })).toContain("overbooked not checked");
  });

  it("judges the autopilot's run against the target, and states the rest", () => {
    const verdicts = compareVerdicts(scenario, fixed, auto);
    expect(verdicts.map((v) => v.ok)).toEqual([true, true, true, true, null]);
    expect(verdicts[2]!.what).toBe("autopilot: steady p95 1,240 ms against the 1,500 ms target (fixed: 8,300 ms)");
    expect(verdicts[4]!.what).toBe("autopilot: booked per second ×1.15 of fixed");
    const worse = compareVerdicts(scenario, { ...fixed, overbooked: 1 }, { ...auto, originP95SteadyMs: 1600, timedOutAfterAdmit: 3 });
    expect(worse.map((v) => v.ok)).toEqual([false, true, false, false, null]);
  });
});

describe("the autopilot's answer to a slowed origin", () => {
  const slowdown = [{ atSec: 30, identityCheckExtraMs: 100, identityCheckLines: 2, applied: true }];
  // p95 under the target until 32 s, over it 33–39 s, under it again from 40 s on.
  const p95 = Array.from({ length: 70 }, (_, s) => (s >= 33 && s < 40 ? 4000 : 900));

  it("times the first fall of the rate and the p95's return under the target to stay", () => {
    const r = withSeconds(
      70,
      {
        originSlowdown: slowdown,
        autopilot: settings,
        autopilotChanges: [
          { at: 0, atSec: 12, from: 100, to: 150, code: "rise", text: "" },
          { at: 0, atSec: 34.2, from: 150, to: 75, code: "latency_high", text: "" },
        ],
      },
      { originP95: p95 },
    );
    expect(slowdownResponse(r)).toEqual({ atSec: 30, fellAfterSec: 4.2, backUnderAfterSec: 10 });
    // Over the target from the slowdown on until 44 s: back under to stay at 45 s, 15 s after it.
    const late = withSeconds(
      70,
      { originSlowdown: slowdown, autopilotChanges: [] },
      { originP95: p95.map((x, s) => (s >= 30 && s < 45 ? 4000 : x)) },
    );
    expect(slowdownResponse(late)).toEqual({ atSec: 30, fellAfterSec: null, backUnderAfterSec: 15 });
    // A run without a slowdown, or one the origin did not take, has nothing to answer.
    expect(slowdownResponse(withSeconds(70))).toBeNull();
    expect(slowdownResponse(withSeconds(70, { originSlowdown: [{ ...slowdown[0]!, applied: false }] }))).toBeNull();
  });

  it("adds the fall and the recovery to the verdicts when the origin slowed", () => {
    const s = { ...scenario, originSlowdown: slowdown };
    const auto = withSeconds(
      70,
      { originSlowdown: slowdown, autopilotChanges: [{ at: 0, atSec: 52, from: 150, to: 75, code: "latency_high", text: "" }] },
      { originP95: p95.map((x, sec) => (sec >= 30 && sec < 65 ? 4000 : x)) },
    );
    const verdicts = compareVerdicts(s, reportOf(), auto);
    expect(verdicts.at(-2)).toEqual({
      what: "autopilot: after the origin slowed at 30 s, the rate fell after 22 s (within 10 s)",
      ok: false,
    });
    expect(verdicts.at(-1)).toEqual({
      what: "autopilot: the p95 went back under the target not within the run (within 30 s, staying 10 s)",
      ok: false,
    });
  });
});

describe("between runs", () => {
  it("waits until nobody waits and no pass is active, for a bounded time, and says how long", async () => {
    let t = 0;
    const clock = { now: () => t, sleep: async (ms: number) => void (t += ms) };
    const readings = [
      { waiting: 40, activePasses: 12 },
      { waiting: 0, activePasses: 3 },
      { waiting: 0, activePasses: 0 },
    ];
    let i = 0;
    const quiet = await settleLane(async () => readings[Math.min(i++, readings.length - 1)]!, { maxMs: 60_000, pollMs: 1000, ...clock });
    expect(quiet).toEqual({ waiting: 0, activePasses: 0, settled: true, waitedSec: 2 });
    expect(settledLine("fixed 300/s", quiet)).toBe("before fixed 300/s: the lane was quiet after 2 s");

    t = 0;
    const busy = await settleLane(async () => ({ waiting: 0, activePasses: 35 }), { maxMs: 5000, pollMs: 1000, ...clock });
    expect(busy).toEqual({ waiting: 0, activePasses: 35, settled: false, waitedSec: 5 });
    expect(settledLine("autopilot", busy)).toBe(
      "before autopilot: waited 5 s, the lane was not quiet (0 waiting, 35 active passes); the run went ahead",
    );

    t = 0;
    const unread = await settleLane(() => Promise.reject(new Error("down")), { maxMs: 2000, pollMs: 1000, ...clock });
    expect(unread.settled).toBe(false);
    expect(settledLine("autopilot", unread)).toContain("the lane could not be read");
  });

  it("sets the lane back as it was found: a fixed rate, or the autopilot with its settings", () => {
    expect(restoreChange({ ratePerSec: 0, paused: true, autopilot: null })).toEqual({ ratePerSec: 0, paused: true });
    expect(restoreChange({ ratePerSec: 120, paused: false })).toEqual({ ratePerSec: 120, paused: false });
    const found = { ratePerSec: 42.5, paused: false, autopilot: { ...settings, rate: 42.5, phase: "steady" } };
    expect(restoreChange(found)).toEqual({ autopilot: settings, ratePerSec: 42.5, paused: false });
  });
});

describe("the HTML report with the autopilot", () => {
  it("charts the ceiling, the chosen rate, admitted per second and p95 against the target, and lists the changes", () => {
    const r = withSeconds(
      3,
      {
        autopilot: settings,
        autopilotChanges: [
          {
            at: 0,
            atSec: 1.5,
            from: 5,
            to: 7.5,
            code: "slow_start",
            text: "p95 300 ms: no queue at the origin yet. <Slow> start: 5/s → 7.5/s.",
          },
        ],
      },
      { chosenRate: [5, 7.5, 7.5], ceiling: [300, 300, 300], edgeP95: [null, 300, 320] },
    );
    const html = htmlReport(r);
    expect(html).toContain("The autopilot: ceiling, chosen rate and admitted per second");
    for (const label of [
      "ceiling",
      "chosen rate",
      "admitted/s",
      "p95 (ms, measured here)",
      "p95 (ms, the edge's signal)",
      "target p95 (ms)",
    ]) {
      expect(html, label).toContain(JSON.stringify(label));
    }
    expect(html).toContain("<td>1.5 s</td><td>5/s → 7.5/s</td><td>slow_start</td>");
    expect(html).toContain("&#60;Slow&#62; start");
    expect(html).toContain("the autopilot on (target p95 1500 ms, 5–300/s)");

    const fixed = htmlReport(reportOf());
    expect(fixed).toContain("The autopilot was off: a fixed rate.");
    expect(fixed).toContain("The set rate and admitted per second");
    expect(htmlReport(withSeconds(3, { autopilot: settings }))).toContain("No changes were recorded.");
  });
});
