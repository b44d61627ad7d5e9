/**
 * The admission schedule of one queue counter, and the one formula that says who may enter.
 *
 * A counter stores O(1) numbers, never a list of people:
 *   issued      the last sequence number handed out (tickets are 1, 2, 3, ...)
 *   anchorSeq   the serving cursor at the last re-anchor
 *   anchorAt    when that was (ms, the counter's clock)
 *   ratePerSec  admissions per second the operator set
 *   paused      operator's stop: the cursor holds still
 *
 *   serving(t) = paused ? anchorSeq : min(issued, anchorSeq + floor(rate · (t − anchorAt)))
 *
 * A ticket with seq <= serving(t) is admitted. The schedule is re-anchored (anchorSeq = serving(now),
 * anchorAt = now) on every change of rate or pause, so a change never makes the cursor jump, and when
 * the queue has run dry, so capacity left idle is never banked: after a quiet hour a surge is let in at
 * the set rate, not all at once. A dry queue is noticed lazily, by the next arrival (only arrivals and
 * operators write the schedule), which is equivalent to re-anchoring at the moment it ran dry.
 *
 * Everything here is pure: the Durable Object persists the schedule, the edge evaluates it from a cached
 * snapshot, and tests drive it with any clock.
 */

export interface Schedule {
  issued: number;
  anchorSeq: number;
  anchorAt: number;
  ratePerSec: number;
  paused: boolean;
}

/** The operator's upper bound on a rate: anything above it is a typo, not a plan. */
export const MAX_RATE_PER_SEC = 100_000;

export function initialSchedule(ratePerSec: number, now: number): Schedule {
  return { issued: 0, anchorSeq: 0, anchorAt: now, ratePerSec, paused: false };
}

/** The cursor the formula gives before it is capped at `issued`. */
function uncapped(s: Schedule, t: number): number {
  if (s.paused) return s.anchorSeq;
  const elapsedSec = Math.max(0, t - s.anchorAt) / 1000;
  return s.anchorSeq + Math.floor(s.ratePerSec * elapsedSec);
}

/** The admission cursor at time t: every ticket with seq <= serving(t) is admitted. */
export function serving(s: Schedule, t: number): number {
  return Math.min(s.issued, uncapped(s, t));
}

/**
 * A new arrival takes the next number. If the queue had run dry (the formula has passed `issued`, so at
 * least one admission's worth of capacity is free right now), the schedule is re-anchored on the new
 * arrival: they go in at once, and the capacity left idle before them is dropped.
 */
export function arrive(s: Schedule, t: number): { schedule: Schedule; seq: number } {
  const seq = s.issued + 1;
  if (!s.paused && uncapped(s, t) > s.issued) {
    return { seq, schedule: { ...s, issued: seq, anchorSeq: seq, anchorAt: t } };
  }
  return { seq, schedule: { ...s, issued: seq } };
}

export interface ScheduleChange {
  ratePerSec?: number;
  paused?: boolean;
}

/** An operator's change of rate or pause, re-anchored at the current cursor so it never jumps. */
export function reconfigure(s: Schedule, t: number, change: ScheduleChange): Schedule {
  return {
    issued: s.issued,
    anchorSeq: serving(s, t),
    anchorAt: t,
    ratePerSec: change.ratePerSec ?? s.ratePerSec,
    paused: change.paused ?? s.paused,
  };
}

export type QueueState = "waiting" | "admitted" | "paused";

/** What `/_wr/status` answers: a person's place, computed at the edge from a schedule snapshot. */
export interface QueueStatus {
  state: QueueState;
  /** my number in line */
  seq: number;
  /** 1 means next to enter; 0 once admitted */
  position: number;
  ahead: number;
  behind: number;
  /** null while paused or at rate 0: nobody can say */
  etaSeconds: number | null;
  serving: number;
  issued: number;
  ratePerSec: number;
  pollAfterMs: number;
}

/**
 * The status as JSON text, the same as JSON.stringify(status) (every field is a finite number, null or
 * one of three fixed words): written out directly because polls are the hottest path of the edge and
 * a generic stringify was about a tenth of a poll's time.
 */
export function statusJson(s: QueueStatus): string {
  return `{"state":"${s.state}","seq":${s.seq},"position":${s.position},"ahead":${s.ahead},"behind":${s.behind},"etaSeconds":${s.etaSeconds},"serving":${s.serving},"issued":${s.issued},"ratePerSec":${s.ratePerSec},"pollAfterMs":${s.pollAfterMs}}`;
}

export const POLL_MIN_MS = 1_000;
export const POLL_MAX_MS = 30_000;
/** While paused (or at rate 0) nobody can enter: the front of the line checks back every 5 s at most. */
const POLL_WHILE_STOPPED_MS = 5_000;

/**
 * A poll interval that grows with the wait: about a tenth of the remaining wait, so people near the
 * front see the door open within a second and people far back poll rarely (bounded 1 s .. 30 s).
 */
export function pollAfterMs(etaSeconds: number): number {
  return Math.min(POLL_MAX_MS, Math.max(POLL_MIN_MS, Math.round((etaSeconds * 1000) / 10)));
}

/** `holdsPass`: the visitor was admitted earlier and still holds a valid pass (a pause does not undo it). */
/** Stopped: poll as the wait would be at the set rate once resumed, but not more often than every 5 s. */
function stoppedPollMs(position: number, ratePerSec: number): number {
  const etaIfResumed = ratePerSec > 0 ? position / ratePerSec : Number.POSITIVE_INFINITY;
  return Math.max(POLL_WHILE_STOPPED_MS, pollAfterMs(etaIfResumed));
}

export function queueStatus(s: Schedule, seq: number, t: number, holdsPass = false): QueueStatus {
  const cursor = serving(s, t);
  // A snapshot may predate a ticket issued a moment ago: never report fewer issued than the ticket proves.
  const issued = Math.max(s.issued, seq);
  const admitted = holdsPass || seq <= cursor;
  const position = admitted ? 0 : seq - cursor;
  let etaSeconds: number | null = 0;
  if (!admitted) {
    etaSeconds = null;
    if (!s.paused && s.ratePerSec > 0) {
      // When uncapped(t') reaches seq: anchorSeq + rate·(t' − anchorAt) >= seq.
      const admitAt = s.anchorAt + ((seq - s.anchorSeq) / s.ratePerSec) * 1000;
      etaSeconds = Math.max(1, Math.ceil((admitAt - t) / 1000));
    }
  }
  return {
    state: admitted ? "admitted" : s.paused ? "paused" : "waiting",
    seq,
    position,
    ahead: admitted ? 0 : position - 1,
    behind: issued - seq,
    etaSeconds,
    serving: cursor,
    issued,
    ratePerSec: s.ratePerSec,
    pollAfterMs: admitted ? 0 : etaSeconds !== null ? pollAfterMs(etaSeconds) : stoppedPollMs(position, s.ratePerSec),
  };
}
