/**
 * The side-by-side rehearsal's judgement, apart from the runs so it can be tested on made-up reports: the
 * README table (steady p95, timed out after admission, booked per second with its ratio to the fixed rate's,
 * time in line), one line per run on what must never happen (overbooked, dropped after admission, people who
 * stayed but did not book), how the autopilot answered a slowed origin, the wait for a quiet lane between
 * runs, and the change that puts the lane's rate back as it was found.
 */
import type { AutopilotSettings } from "./autopilot";
import { type SlowdownStep, slowdownWords } from "./origin-control";
import type { Report } from "./run";

/** What both runs share. */
export interface Scenario {
  users: number;
  arrivalSec: number;
  thinkMs: number;
  /** the fixed run's rate, and the autopilot's ceiling */
  ceiling: number;
  /** the autopilot's floor */
  minRate: number;
  targetP95Ms: number;
  originSlowdown: SlowdownStep[];
}

/** The autopilot's fall after a slowdown must come within this many seconds, and the p95 back under the target within this many. */
export const FALL_WITHIN_SEC = 10;
export const RECOVER_WITHIN_SEC = 30;
/** The p95 counts as back under the target once it stays there this many seconds in a row. */
export const STAYS_UNDER_SEC = 10;

const count = (n: number) => n.toLocaleString("en-US");
const seconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;
const oneDecimal = (x: number) => x.toFixed(1);

export function autopilotSettings(s: Scenario): AutopilotSettings {
  return { targetP95Ms: s.targetP95Ms, minRate: s.minRate, maxRate: s.ceiling };
}

/** "3,000 people in 5 s, think 0.5 s" (and the origin's slowdown, if any). */
export function scenarioTitle(s: Scenario): string {
  const slowed = s.originSlowdown
    .map((x) =>
      x.identityCheckExtraMs === 0 ? `back to normal at ${x.atSec} s` : `identity checks ${slowdownWords(x)}, from ${x.atSec} s`,
    )
    .join(", ");
  return `${count(s.users)} people in ${s.arrivalSec} s, think ${seconds(s.thinkMs)}${slowed ? `; ${slowed}` : ""}`;
}

export function fixedLabel(s: Scenario): string {
  return `fixed ${count(s.ceiling)}/s`;
}

export function autopilotLabel(s: Scenario): string {
  return `autopilot (target ${count(s.targetP95Ms)} ms, ${count(s.minRate)}–${count(s.ceiling)}/s)`;
}

/** The autopilot's bookings per second as a multiple of the fixed rate's (null when either booked nobody). */
export function bookedRatio(fixed: Report, auto: Report): number | null {
  if (fixed.bookedPerSec === null || auto.bookedPerSec === null || fixed.bookedPerSec === 0) return null;
  return auto.bookedPerSec / fixed.bookedPerSec;
}

/** The README table: one row per run. */
export function compareTable(s: Scenario, fixed: Report, auto: Report): string {
  const ratio = bookedRatio(fixed, auto);
  const row = (label: string, r: Report, booked: string) =>
    `| ${label} | ${count(r.originP95SteadyMs)} ms | ${count(r.timedOutAfterAdmit)} | ${booked} | ${oneDecimal(r.timeInLineSec.p50)} s / ${oneDecimal(r.timeInLineSec.p95)} s |`;
  const perSec = (r: Report) => (r.bookedPerSec === null ? "nobody booked" : oneDecimal(r.bookedPerSec));
  return [
    `| ${scenarioTitle(s)} | steady p95 | timed out after admission | booked / s | time in line p50 / p95 |`,
    "| --- | --- | --- | --- | --- |",
    row(fixedLabel(s), fixed, perSec(fixed)),
    row(autopilotLabel(s), auto, `${perSec(auto)}${ratio === null ? "" : ` (×${ratio.toFixed(2)} of fixed)`}`),
  ].join("\n");
}

/** What must never happen in a run, as measured. */
export interface RunChecks {
  /** slots over capacity in the origin's database (null: could not be checked) */
  overbooked: number | null;
  droppedAfterAdmit: number;
  /** people who did not give up while waiting, and how many of them booked */
  stayed: number;
  booked: number;
  everyoneBooked: boolean;
}

export function runChecks(r: Report): RunChecks {
  const stayed = r.users - r.abandoned;
  return { overbooked: r.overbooked, droppedAfterAdmit: r.droppedAfterAdmit, stayed, booked: r.booked, everyoneBooked: r.booked >= stayed };
}

/** "fixed 300/s: overbooked 0 · dropped after admission 3 · everyone who did not give up booked: no (2,650 of 2,700)" */
export function runLine(label: string, r: Report): string {
  const c = runChecks(r);
  return `${label}: overbooked ${c.overbooked === null ? "not checked" : count(c.overbooked)} · dropped after admission ${count(c.droppedAfterAdmit)} · everyone who did not give up booked: ${c.everyoneBooked ? "yes" : "no"} (${count(c.booked)} of ${count(c.stayed)})`;
}

/** How the autopilot answered the first slowdown of the origin (null: the run had none). */
export interface SlowdownResponse {
  /** the second the origin slowed */
  atSec: number;
  /** seconds from then to the autopilot's first lower rate (null: it never lowered it) */
  fellAfterSec: number | null;
  /** seconds from then until the per-second p95 went under the target to stay (null: it did not within the run) */
  backUnderAfterSec: number | null;
}

export function slowdownResponse(r: Report): SlowdownResponse | null {
  const step = r.originSlowdown.find((x) => x.identityCheckExtraMs > 0 && x.applied);
  if (!step) return null;
  const fall = r.autopilotChanges.find((c) => c.atSec >= step.atSec && c.from !== null && c.to !== null && c.to < c.from);
  const p95 = r.series.originP95;
  const from = Math.max(0, Math.ceil(step.atSec));
  let backUnder: number | null = null;
  for (let s = from; s + STAYS_UNDER_SEC <= p95.length; s++) {
    if (p95.slice(s, s + STAYS_UNDER_SEC).every((x) => x <= r.targetP95Ms)) {
      backUnder = s - step.atSec;
      break;
    }
  }
  return { atSec: step.atSec, fellAfterSec: fall ? Math.round((fall.atSec - step.atSec) * 10) / 10 : null, backUnderAfterSec: backUnder };
}

/** A verdict: what was measured, and whether it passes (null: stated, not judged). */
export interface Verdict {
  what: string;
  ok: boolean | null;
}

export function compareVerdicts(s: Scenario, fixed: Report, auto: Report): Verdict[] {
  const out: Verdict[] = [];
  for (const [label, r] of [
    [fixedLabel(s), fixed],
    [autopilotLabel(s), auto],
  ] as const) {
    const c = runChecks(r);
    out.push({
      what: `${label}: overbooked slots ${c.overbooked ?? "not checked"}`,
      ok: c.overbooked === null ? null : c.overbooked === 0,
    });
  }
  out.push({
    what: `autopilot: steady p95 ${count(auto.originP95SteadyMs)} ms against the ${count(s.targetP95Ms)} ms target (fixed: ${count(fixed.originP95SteadyMs)} ms)`,
    ok: auto.originP95SteadyMs <= s.targetP95Ms,
  });
  out.push({
    what: `autopilot: ${count(auto.timedOutAfterAdmit)} timed out after admission (fixed: ${count(fixed.timedOutAfterAdmit)})`,
    ok: auto.timedOutAfterAdmit === 0,
  });
  const ratio = bookedRatio(fixed, auto);
  out.push({
    what: `autopilot: booked per second ${ratio === null ? "not comparable (a run booked nobody)" : `×${ratio.toFixed(2)} of fixed`}`,
    ok: null,
  });
  const slowed = slowdownResponse(auto);
  if (slowed) {
    out.push({
      what: `autopilot: after the origin slowed at ${slowed.atSec} s, the rate fell ${slowed.fellAfterSec === null ? "never" : `after ${slowed.fellAfterSec} s`} (within ${FALL_WITHIN_SEC} s)`,
      ok: slowed.fellAfterSec !== null && slowed.fellAfterSec <= FALL_WITHIN_SEC,
    });
    out.push({
      what: `autopilot: the p95 went back under the target ${slowed.backUnderAfterSec === null ? "not within the run" : `after ${slowed.backUnderAfterSec} s`} (within ${RECOVER_WITHIN_SEC} s, staying ${STAYS_UNDER_SEC} s)`,
      ok: slowed.backUnderAfterSec !== null && slowed.backUnderAfterSec <= RECOVER_WITHIN_SEC,
    });
  }
  return out;
}

/** The lane's figures the wait between runs reads. */
export interface LaneQuiet {
  waiting: number;
  activePasses: number;
}

/** The wait for a quiet lane: whether it came, after how long, and what was left when the wait ended. */
export interface Settled extends LaneQuiet {
  settled: boolean;
  waitedSec: number;
}

/**
 * Waits until the lane has nobody waiting and no active passes, reading it every `pollMs`, for `maxMs` at
 * most. A failed reading counts as not quiet.
 */
export async function settleLane(
  read: () => Promise<LaneQuiet>,
  o: { maxMs: number; pollMs: number; now?: () => number; sleep?: (ms: number) => Promise<void> },
): Promise<Settled> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const started = now();
  let last: LaneQuiet = { waiting: -1, activePasses: -1 };
  for (;;) {
    last = await read().catch(() => last);
    const waitedSec = Math.round((now() - started) / 100) / 10;
    if (last.waiting === 0 && last.activePasses === 0) return { ...last, settled: true, waitedSec };
    if (now() - started >= o.maxMs) return { ...last, settled: false, waitedSec };
    await sleep(o.pollMs);
  }
}

export function settledLine(before: string, w: Settled): string {
  const left = w.waiting < 0 ? "the lane could not be read" : `${count(w.waiting)} waiting, ${count(w.activePasses)} active passes`;
  return w.settled
    ? `before ${before}: the lane was quiet after ${w.waitedSec} s`
    : `before ${before}: waited ${w.waitedSec} s, the lane was not quiet (${left}); the run went ahead`;
}

/** The lane's rate as found (from its stats answer), and the change that puts it back. */
export function restoreChange(found: {
  ratePerSec: number;
  paused: boolean;
  autopilot?: AutopilotSettings | null;
}): Record<string, unknown> {
  if (found.autopilot) {
    const { targetP95Ms, minRate, maxRate } = found.autopilot;
    return { autopilot: { targetP95Ms, minRate, maxRate }, ratePerSec: found.ratePerSec, paused: found.paused };
  }
  return { ratePerSec: found.ratePerSec, paused: found.paused };
}
