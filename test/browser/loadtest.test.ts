/**
 * Short rehearsals with the load-test harness against the whole system started as `npm start` starts
 * it (with a 6 s abandonment grace period, so that gone people can be judged within a short run):
 *   - 300 people over 3 s, admitted at 40/s, each going through the real booking journey: nothing
 *     overbooked (checked in the database), nobody admitted out of order, no 5xx, the admitted rate
 *     within 10 % of the set rate while people were waiting, and every pass ended by the origin once
 *     everyone booked (each run's people are new, so every run books);
 *   - a rate plan changed mid-run;
 *   - a scheduled opening: a pre-queue drawn at random, then first come, first served, with no inversion
 *     outside the draw;
 *   - 30 % of people giving up: their places skipped, live people admitted at the set rate.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LoadOptions, type Report, runLoadTest } from "../../loadtest/run";
import { type RunningSystem, startSystem } from "./system";

const DATABASE = process.env.TEST_DATABASE_URL;
if (!DATABASE)
  console.warn("\n!! LOAD-TEST RUN SKIPPED: TEST_DATABASE_URL is not set (the system runs on a throwaway PostgreSQL database)\n");

/** A run against the system under test, with what every run here shares (the rest as given). */
async function rehearse(
  run: Omit<LoadOptions, "target" | "origin" | "token" | "connections" | "tolerance" | "ratePlan" | "maxSeconds"> & Partial<LoadOptions>,
) {
  const report = await runLoadTest({
    target: sys.url,
    origin: sys.originUrl,
    token: sys.operatorToken,
    ratePlan: [],
    maxSeconds: 120,
    connections: 64,
    tolerance: 0,
    ...run,
  });
  console.log(JSON.stringify({ ...report, series: undefined }));
  return report;
}

/** What every run must show: nothing overbooked, nobody told to wait after a later number got in, no 5xx. */
function expectOrderly(report: Report) {
  expect(report.overbooked).toBe(0);
  expect(report.inversions).toBe(0);
  expect(report.errors5xx).toBe(0);
}

/** Everyone admitted finished their journey (booked), so the origin ended every pass: none counts as active. */
function expectPassesEnded(report: Report) {
  expect(report.droppedAfterAdmit).toBe(0);
  expect(report.unfinished).toBe(0);
  expect(report.activePassesPeak).toBeGreaterThan(0);
  expect(report.activePassesAtEnd).toBe(0);
}

/** The counter's cursor moved within 10 % of the set rate while people were waiting. */
function expectAtSetRate(report: Report) {
  expect(report.admitRatio).toBeGreaterThanOrEqual(0.9);
  expect(report.admitRatio).toBeLessThanOrEqual(1.1);
}

let sys: RunningSystem;

describe.skipIf(!DATABASE)("a short load-test run", () => {
  beforeAll(async () => {
    sys = await startSystem(DATABASE!, { browser: false, env: { ABANDON_GRACE_SECONDS: "6" } });
  }, 240_000);
  afterAll(async () => {
    await sys?.stop();
  }, 60_000);

  it("books everyone admitted, in order, at the set rate, overbooking nothing", async () => {
    await fetch(`${sys.originUrl}/ops/peak/reset`, { method: "POST", headers: { authorization: `Bearer ${sys.operatorToken}` } });
    const report = await rehearse({
      users: 300,
      arrivalSec: 3,
      curve: "burst",
      rate: 40,
      abandon: 0.05,
      thinkMs: 100,
      seed: 42,
    });
    expectOrderly(report);
    expectAtSetRate(report);
    expect(report.unfinished).toBe(0);
    expect(report.failedToQueue).toBe(0);
    expect(report.admitted + report.abandoned).toBe(300);
    expect(report.booked).toBe(report.admitted - report.droppedAfterAdmit);
    expect(report.droppedAfterAdmit).toBe(0);
    expect(report.originPeakConcurrent).toBeGreaterThan(0);
    expect(report.series.second.length).toBeGreaterThan(5);
    expectPassesEnded(report);
  });

  it("follows a rate plan changed mid-run, and still admits at the set rate", async () => {
    const report = await rehearse({
      users: 240,
      arrivalSec: 1,
      curve: "uniform",
      rate: 20,
      ratePlan: [[3, 60]],
      abandon: 0,
      thinkMs: 50,
      seed: 7,
    });
    expect(report.series.setRate).toContain(20);
    expect(report.series.setRate).toContain(60);
    // Before the change the cursor moved at about 20/s, after it at about 60/s (a second without a sample
    // reads 0 in the series, so the busiest second of each window is compared).
    const change = report.series.setRate.indexOf(60);
    const before = report.series.admittedPerSec.slice(1, 3);
    const after = report.series.admittedPerSec.slice(change + 1, change + 4);
    expect(Math.max(...before)).toBeGreaterThan(10);
    expect(Math.max(...before)).toBeLessThan(35);
    expect(Math.max(...after)).toBeGreaterThan(40);
    expectAtSetRate(report);
    expectOrderly(report);
    // Each run's people are new: all of them book now (none is refused for a booking from an earlier run).
    expect(report.booked).toBe(240);
    expectPassesEnded(report);
  });

  it("draws the pre-queue at a scheduled opening, then serves first come, first served, without an inversion", async () => {
    const report = await rehearse({
      users: 300,
      arrivalSec: 4,
      curve: "uniform",
      rate: 60,
      abandon: 0,
      thinkMs: 50,
      seed: 11,
      opensInSec: 2,
    });
    expect(report.opensAtSec).toBeCloseTo(2, 0);
    expect(report.preQueued).toBeGreaterThan(60); // about half arrived before the opening
    expect(report.preQueued).toBeLessThan(240);
    // Places are compared after the draw: nobody was told to wait after a later place got in.
    expectOrderly(report);
    expect(report.failedToQueue).toBe(0);
    expect(report.unfinished).toBe(0);
    expect(report.booked).toBe(300);
    expectAtSetRate(report);
    // Nobody got in before the opening.
    const opening = Math.floor(report.opensAtSec!);
    expect(report.series.admittedPerSec.slice(0, opening).every((n) => n === 0)).toBe(true);
    expectPassesEnded(report);
  });

  it("skips the places of people who gave up, so live people are still admitted at the set rate", async () => {
    const report = await rehearse({
      users: 600,
      arrivalSec: 1,
      curve: "uniform",
      rate: 20,
      abandon: 0.3,
      abandonAfterSec: [1, 2],
      thinkMs: 50,
      maxSeconds: 150,
      seed: 5,
    });
    expect(report.abandoned).toBeGreaterThan(100); // 30 % chose to give up; a few were let in before their moment came
    expect(report.liveAdmitSeconds).toBeGreaterThanOrEqual(5);
    expect(report.liveAdmitRatio).toBeGreaterThanOrEqual(0.9);
    expect(report.liveAdmitRatio).toBeLessThanOrEqual(1.1);
    expectOrderly(report);
    expect(report.admitted + report.abandoned).toBe(600);
  });
});
