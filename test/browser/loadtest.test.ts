/**
 * A short rehearsal with the load-test harness against the whole system started as `npm start` starts
 * it: 300 people over 3 s, admitted at 40/s, each going through the real booking journey. The report's
 * invariants must hold: nothing overbooked (checked in the database), nobody admitted out of order, no
 * 5xx, and the admitted rate within 10 % of the set rate while people were waiting.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLoadTest } from "../../loadtest/run";
import { startSystem, type RunningSystem } from "./system";

const DATABASE = process.env.TEST_DATABASE_URL;
if (!DATABASE) console.warn("\n!! LOAD-TEST RUN SKIPPED: TEST_DATABASE_URL is not set (the system runs on a throwaway PostgreSQL database)\n");

describe.skipIf(!DATABASE)("a short load-test run", () => {
  let sys: RunningSystem;
  beforeAll(async () => {
    sys = await startSystem(DATABASE!, { browser: false });
  }, 240_000);
  afterAll(async () => {
    await sys?.stop();
  }, 60_000);

  it("books everyone admitted, in order, at the set rate, overbooking nothing", async () => {
    await fetch(`${sys.originUrl}/ops/peak/reset`, { method: "POST", headers: { authorization: `Bearer ${sys.operatorToken}` } });
    const report = await runLoadTest({
      target: sys.url,
      origin: sys.originUrl,
      token: sys.operatorToken,
      users: 300,
      arrivalSec: 3,
      curve: "burst",
      rate: 40,
      ratePlan: [],
      abandon: 0.05,
      thinkMs: 100,
      maxSeconds: 120,
      connections: 64,
      seed: 42,
      tolerance: 0,
    });
    console.log(JSON.stringify({ ...report, series: undefined }));
    expect(report.overbooked).toBe(0);
    expect(report.inversions).toBe(0);
    expect(report.errors5xx).toBe(0);
    expect(report.admitRatio).toBeGreaterThanOrEqual(0.9);
    expect(report.admitRatio).toBeLessThanOrEqual(1.1);
    expect(report.unfinished).toBe(0);
    expect(report.failedToQueue).toBe(0);
    expect(report.admitted + report.abandoned).toBe(300);
    expect(report.booked).toBe(report.admitted - report.droppedAfterAdmit);
    expect(report.droppedAfterAdmit).toBe(0);
    expect(report.originPeakConcurrent).toBeGreaterThan(0);
    expect(report.series.second.length).toBeGreaterThan(5);
  });

  it("follows a rate plan changed mid-run, and still admits at the set rate", async () => {
    const report = await runLoadTest({
      target: sys.url,
      origin: sys.originUrl,
      token: sys.operatorToken,
      users: 240,
      arrivalSec: 1,
      curve: "uniform",
      rate: 20,
      ratePlan: [[3, 60]],
      abandon: 0,
      thinkMs: 50,
      maxSeconds: 120,
      connections: 64,
      seed: 7,
      tolerance: 0,
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
    expect(report.admitRatio).toBeGreaterThanOrEqual(0.9);
    expect(report.admitRatio).toBeLessThanOrEqual(1.1);
    expect(report.inversions).toBe(0);
    expect(report.overbooked).toBe(0);
    expect(report.errors5xx).toBe(0);
  });
});
