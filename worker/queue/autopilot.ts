/**
 * The autopilot: the admission rate of one lane, chosen each interval from what admitted people live
 * through, so the line lets people in as fast as the origin serves them well, and no faster.
 *
 * What it reads (`Signal`, one per interval, summed over every edge): the requests the edge forwarded to
 * the origin for the lane (how many finished, their p95 latency, how many failed: 5xx, timeouts, origin
 * unreachable), and from the counter the people it admitted, the people still waiting, and the passes
 * active. What it keeps (`AutopilotState`): the rate, its phase, when it last changed, the people leaving
 * per second (smoothed), the last count of active passes, and the lowest p95 seen lately (the latency
 * without a queue). Pure: no I/O, time is passed in; the counter persists the state and keeps the reasons.
 *
 * The law. D, the people leaving per second, is what the origin sustains once it is busy: admitted minus
 * the growth of the active passes (a pass ends when its journey does, or lapses), smoothed. Each interval:
 *   1. The rate stays within [minRate, maxRate]; an operator's new settings apply at once (`engage`).
 *   2. More than ERROR_SHARE of the forwarded requests failed (two at least): × ERROR_CUT.
 *   3. Fewer than MIN_SAMPLES requests finished, none over the target: hold (nothing to judge by).
 *   4. The rate wanted is a gradient on D, as Netflix's concurrency-limits (Gradient2) and Envoy's
 *      adaptive concurrency scale a measured limit by a latency ratio:
 *        wanted = D · clamp(1 + GAIN · (1 − p95 / setpoint), DRAIN, 1 + GAIN),  setpoint = SETPOINT · target
 *      as many as leave while the latency sits at the setpoint; more below it (the people inside may grow
 *      until the origin is just busy enough), fewer above it (they drain).
 *   5. p95 over the target: fall to `wanted`, by at least ×DOWN_MIN and at most ×DOWN_MAX per interval.
 *   6. Under the target: a change smaller than DEADBAND of the rate is not made (hysteresis); a fall
 *      is by ×DOWN_MAX at most; under LOW · target the rate never falls and rises by DEADBAND (or
 *      MIN_RISE) at least. A rise needs demand (the
 *      interval's admissions used 80 % of the rate, or an interval's worth of people wait), SETTLE_MS since
 *      the last change, and is bounded: up to D (the origin just served that many) by ×RISE_MAX at most,
 *      beyond D by ×UP_MAX (or MIN_RISE) at most.
 *   7. Slow start: from engaging until the first sign of a queue (p95 at LOW · target, or past twice the
 *      lowest p95 seen and a tenth of the target), the rate grows × START_GROWTH every SETTLE_MS, as
 *      long as people wait.
 * The operator always wins (`operate`): a fixed rate, or `autopilot: null`, turns the autopilot off and
 * `tick` then leaves the rate alone; new settings clamp the rate at once.
 * Why so: admitted people load the origin for their whole journey, seconds after admission (they read,
 * type, click again), and the people inside leave only as fast as the origin serves them: the origin's
 * queue integrates the rate, it does not follow it. Steering the rate by the latency alone (AIMD) overshoots
 * both ways: rises show late, and after a fall the latency stays high while the excess drains, so cut
 * after cut reaches the floor. Steering by D (what the origin sustains) scaled by the latency's distance
 * from a setpoint holds the people inside steady at the setpoint and drains an excess at a known pace.
 * The setpoint sits at half the target, which leaves room for a window's noise and for a capacity drop,
 * while the origin stays busy (its throughput is already full with a short queue). Rises are spaced by
 * SETTLE_MS so the last one shows first; falls are immediate. The step per interval is bounded, so no
 * single noisy window swings the rate far, and no rule ever leaves [minRate, maxRate].
 * When the latency is high for a reason no admission rate changes (every request of a kind waits on
 * something slow however few people come), p95 stays over the target and the rate goes to the floor.
 *
 * Every decision carries a reason (`Reason`: a code for the console's words, and an English sentence with
 * the numbers), so each change can be kept in an audit log and shown to operators.
 */

export interface AutopilotSettings {
  /** the p95 latency of admitted people's requests to hold to (ms) */
  targetP95Ms: number;
  /** the floor and the ceiling of the rate (admissions per second) */
  minRate: number;
  maxRate: number;
}

/** One interval's summary, from the edges (forwarded requests) and the counter (admissions). */
export interface Signal {
  /** the interval's length (ms) */
  windowMs: number;
  /** forwarded requests of the lane that finished in the interval (answered, failed or timed out) */
  forwarded: number;
  /**
   * p95 latency (ms) of those, counting requests still outstanding at the interval's end at their age so
   * far (a stuck origin shows as slow, not as silent); null when nothing was measured
   */
  p95Ms: number | null;
  /** of the forwarded requests: 5xx answers, timeouts, origin unreachable */
  errors: number;
  /** people the counter admitted in the interval */
  admitted: number;
  /** people still waiting in line at the interval's end */
  waiting: number;
  /** passes live at the interval's end */
  activePasses: number;
}

export type Phase = "start" | "steady";

export interface AutopilotState {
  rate: number;
  phase: Phase;
  /** when the rate last changed (ms) */
  changedAt: number;
  /** people leaving per second (journeys ended or lapsed), smoothed; null until two intervals were seen */
  departures: number | null;
  /** passes live at the last interval's end (null before the first) */
  active: number | null;
  /** the lowest p95 seen lately (ms): the origin's latency without a queue; null until measured */
  baselineMs: number | null;
}

export type ReasonCode =
  | "engaged"
  | "settings"
  | "fixed"
  | "slow_start"
  | "rise"
  | "fall"
  | "latency_high"
  | "errors"
  | "hold_band"
  | "hold_settling"
  | "hold_demand"
  | "hold_ceiling"
  | "hold_floor"
  | "hold_no_signal";

export interface Reason {
  code: ReasonCode;
  /** one English sentence with the numbers, for logs and the audit trail */
  text: string;
}

export interface Decision {
  state: AutopilotState;
  /** the rate in force from now on */
  rate: number;
  /** whether this decision changed the rate */
  changed: boolean;
  reason: Reason;
}

/** A rise waits this long after the last change, so that change's load has shown in the latency. */
export const SETTLE_MS = 2_000;
/** Below LOW · target the latency is good: the rate may rise, never fall (errors aside). */
export const LOW = 0.3;
/** The latency the rate steers to, as a share of the target: under it, with room for a window's noise. */
export const SETPOINT = 0.5;
/** How strongly the distance from the setpoint moves the rate away from the departures. */
export const GAIN = 0.3;
/** Slow start's growth per rise; later, the largest rise beyond the people leaving, and the largest rise at all. */
export const START_GROWTH = 1.5;
export const UP_MAX = 1.25;
export const RISE_MAX = 2;
/** A rise is at least one person a second (a rate near zero still gets going). */
export const MIN_RISE = 1;
/** The largest fall per step (×0.5). */
export const DOWN_MAX = 0.5;
/** Far over the setpoint, the rate goes down to this share of the departures, so the people inside drain fast. */
export const DRAIN = 0.25;
/** Over the target the rate falls at least this much (×0.9). */
export const DOWN_MIN = 0.9;
/** Changes smaller than this share of the rate are not made inside the band (hysteresis). */
export const DEADBAND = 0.1;
/** Failing requests: a share above this cuts the rate by ERROR_CUT. */
export const ERROR_SHARE = 0.02;
export const ERROR_CUT = 0.7;
/** Fewer finished requests than this in an interval say nothing about latency. */
export const MIN_SAMPLES = 5;
/** Smoothing of the departures (share of the newest interval). */
const SMOOTHING = 0.25;
/** Slow start ends when the p95 passes this multiple of the baseline (a queue has begun to form). */
const QUEUE_SIGN = 2;
/** The baseline forgets a low it has not seen again at this share per interval. */
const BASELINE_DRIFT = 0.02;

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
/** Rates are kept to a tenth of a person per second: the audit log reads cleanly. */
const tidy = (r: number) => Math.round(r * 10) / 10;
const ms = (x: number) => `${Math.round(x).toLocaleString("en-US")} ms`;
const perSec = (x: number) => `${tidy(x)}/s`;

/**
 * The operator turns the autopilot on, or changes its settings: it starts (or goes on) from the rate in
 * force, clamped into the new [minRate, maxRate] at once. Turning it on starts in slow start.
 */
export function engage(prev: AutopilotState | null, settings: AutopilotSettings, rateInForce: number, now: number): Decision {
  const from = prev?.rate ?? rateInForce;
  const rate = clamp(tidy(from), settings.minRate, settings.maxRate);
  const state: AutopilotState = prev
    ? { ...prev, rate, changedAt: rate !== prev.rate ? now : prev.changedAt }
    : { rate, phase: "start", changedAt: now, departures: null, active: null, baselineMs: null };
  const range = `${perSec(settings.minRate)}–${perSec(settings.maxRate)}, target p95 ${ms(settings.targetP95Ms)}`;
  return {
    state,
    rate,
    changed: rate !== from,
    reason: prev
      ? {
          code: "settings",
          text: `Operator changed the settings (${range}): ${rate !== from ? `${perSec(from)} → ${perSec(rate)}` : `the rate stays ${perSec(rate)}`}.`,
        }
      : { code: "engaged", text: `Operator turned the autopilot on (${range}), starting from ${perSec(rate)}.` },
  };
}

/** One interval's decision (see the header for the law). */
export function step(prev: AutopilotState, signal: Signal, settings: AutopilotSettings, now: number): Decision {
  const { targetP95Ms: target, minRate, maxRate } = settings;
  const sec = Math.max(0.001, signal.windowMs / 1000);
  const p95 = signal.p95Ms;
  const measured = p95 !== null && (signal.forwarded >= MIN_SAMPLES || p95 > target);

  // What the interval teaches, whatever is decided: who left, and the latency without a queue.
  let departures = prev.departures;
  if (prev.active !== null) {
    const left = Math.max(0, signal.admitted - (signal.activePasses - prev.active)) / sec;
    departures = departures === null ? left : departures + SMOOTHING * (left - departures);
  }
  let baselineMs = prev.baselineMs;
  if (p95 !== null && signal.forwarded >= MIN_SAMPLES)
    baselineMs = baselineMs === null ? p95 : Math.min(p95, baselineMs * (1 + BASELINE_DRIFT));
  let phase = prev.phase;
  if (phase === "start" && p95 !== null && measured) {
    // The first sign of a queue at the origin ends slow start.
    if (p95 >= LOW * target || (baselineMs !== null && p95 > QUEUE_SIGN * baselineMs && p95 > 0.1 * target)) phase = "steady";
  }
  const rate = clamp(prev.rate, minRate, maxRate);
  const state: AutopilotState = {
    ...prev,
    rate,
    changedAt: rate !== prev.rate ? now : prev.changedAt,
    departures,
    active: signal.activePasses,
    baselineMs,
  };

  const keep = (code: ReasonCode, text: string): Decision => ({
    state: { ...state, phase },
    rate,
    changed: rate !== prev.rate,
    reason: { code, text },
  });
  const move = (to: number, code: ReasonCode, text: string): Decision => {
    const r = clamp(tidy(to), minRate, maxRate);
    if (tidy(r) === tidy(rate)) {
      if (r >= maxRate) return keep("hold_ceiling", `${text} The rate stays at the ceiling, ${perSec(rate)}.`);
      if (r <= minRate) return keep("hold_floor", `${text} The rate stays at the floor, ${perSec(rate)}.`);
      return keep("hold_band", `${text} The rate stays ${perSec(rate)}.`);
    }
    return {
      state: { ...state, phase, rate: r, changedAt: now },
      rate: r,
      changed: true,
      reason: { code, text: `${text} ${perSec(rate)} → ${perSec(r)}.` },
    };
  };

  // Failing requests: the origin is in trouble, whatever the latency says.
  if (signal.forwarded > 0 && signal.errors >= 2 && signal.errors / signal.forwarded > ERROR_SHARE) {
    phase = "steady";
    return move(rate * ERROR_CUT, "errors", `${signal.errors} of ${signal.forwarded} forwarded requests failed (5xx, timeouts).`);
  }
  if (!measured)
    return keep("hold_no_signal", `Only ${signal.forwarded} requests finished: too few to judge; the rate stays ${perSec(rate)}.`);

  const lat = `p95 ${ms(p95)}`;
  const setpoint = SETPOINT * target;
  const leaving = departures ?? rate;
  const factor = clamp(1 + GAIN * (1 - p95 / setpoint), DRAIN, 1 + GAIN);
  const desired = leaving * factor;
  const why = `${lat} against a setpoint of ${ms(setpoint)}, ${perSec(leaving)} leaving:`;

  // Too slow: fall fast, to fewer than are leaving, so the people inside are served down to the setpoint.
  if (p95 > target)
    return move(
      clamp(desired, rate * DOWN_MAX, rate * DOWN_MIN),
      "latency_high",
      `${lat} is over the ${ms(target)} target, ${perSec(leaving)} leaving:`,
    );
  // Under the target: follow the people leaving, more of them while the latency is under the setpoint,
  // fewer over it; under LOW · target never fewer than now. Small changes are not made (hysteresis).
  const wanted =
    phase === "start"
      ? Math.max(rate * START_GROWTH, rate + MIN_RISE)
      : p95 < LOW * target
        ? Math.max(desired, rate * (1 + DEADBAND), rate + MIN_RISE)
        : desired;
  if (Math.abs(wanted - rate) <= DEADBAND * rate)
    return keep("hold_band", `${lat} is near the ${ms(setpoint)} setpoint; the rate stays ${perSec(rate)}.`);
  if (wanted < rate) return move(Math.max(wanted, rate * DOWN_MAX), "fall", why);
  // A rise needs people waiting to use it, and the last change to have had time to show.
  const used = signal.admitted >= 0.8 * rate * sec || signal.waiting >= rate * sec;
  if (!used)
    return keep(
      "hold_demand",
      `${lat}, but only ${signal.admitted} came in ${ms(signal.windowMs)} and nobody waits: the rate stays ${perSec(rate)}.`,
    );
  if (rate >= maxRate) return keep("hold_ceiling", `${lat}; the rate is at the ceiling, ${perSec(maxRate)}.`);
  if (now - state.changedAt < SETTLE_MS)
    return keep("hold_settling", `${lat}; waiting ${ms(SETTLE_MS - (now - state.changedAt))} for the last change to show.`);
  if (phase === "start") return move(wanted, "slow_start", `${lat}: no queue at the origin yet. Slow start:`);
  // Up to the people leaving in one step (the origin has just served that many, at most RISE_MAX times the
  // rate); beyond them, by UP_MAX (or MIN_RISE) at most.
  const bound = Math.max(rate * UP_MAX, rate + MIN_RISE, Math.min(leaving, rate * RISE_MAX));
  return move(Math.min(wanted, bound), "rise", why);
}

/** A lane's admission as the operator set it: a fixed rate, or the autopilot with its settings and state. */
export interface LaneRate {
  /** the rate in force */
  rate: number;
  /** null: the fixed rate */
  autopilot: AutopilotSettings | null;
  /** the controller's state while the autopilot is on (null otherwise) */
  state: AutopilotState | null;
}

/** An operator's change: a fixed rate, the autopilot's settings, or `autopilot: null` to go back to a fixed rate. */
export interface OperatorChange {
  ratePerSec?: number;
  autopilot?: AutopilotSettings | null;
}

/**
 * An operator's change, which always wins over the controller. A fixed rate alone turns the autopilot off
 * at that rate; `autopilot: null` turns it off at the rate in force (or the one given with it); settings
 * turn it on, or change it, from the rate in force (or the one given with it), clamped into the new range.
 * Returns the reason to keep in the audit log (null when nothing about the rate changed).
 */
export function operate(lane: LaneRate, change: OperatorChange, now: number): { lane: LaneRate; reason: Reason | null } {
  if (change.autopilot) {
    const from = change.ratePerSec ?? lane.rate;
    const d = engage(change.ratePerSec === undefined ? lane.state : null, change.autopilot, from, now);
    return { lane: { rate: d.rate, autopilot: change.autopilot, state: d.state }, reason: d.reason };
  }
  if (change.autopilot === null || (change.ratePerSec !== undefined && lane.autopilot)) {
    const rate = change.ratePerSec ?? lane.rate;
    if (!lane.autopilot) return { lane: { rate, autopilot: null, state: null }, reason: null };
    return {
      lane: { rate, autopilot: null, state: null },
      reason: { code: "fixed", text: `Operator turned the autopilot off: a fixed rate of ${perSec(rate)}.` },
    };
  }
  if (change.ratePerSec !== undefined) return { lane: { ...lane, rate: change.ratePerSec }, reason: null };
  return { lane, reason: null };
}

/** One interval for a lane: the autopilot's decision, or nothing while the rate is fixed. */
export function tick(lane: LaneRate, signal: Signal, now: number): { lane: LaneRate; decision: Decision | null } {
  if (!lane.autopilot || !lane.state) return { lane, decision: null };
  const decision = step(lane.state, signal, lane.autopilot, now);
  return { lane: { ...lane, rate: decision.rate, state: decision.state }, decision };
}
