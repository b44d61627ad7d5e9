/**
 * Pure rules the console's server and its page script both apply, so the page asks about the same changes
 * the server would, words times the same way, and tells the autopilot's reasons with the same numbers.
 */
import type { ReasonNumbers } from "./console-words";

/** A change is big when it pauses, or moves the rate by more than half either way: it asks for confirmation first. */
export function isBig(current: { ratePerSec: number; paused: boolean }, change: { ratePerSec?: number; paused?: boolean }): boolean {
  if (change.paused === true && !current.paused) return true;
  if (change.ratePerSec === undefined) return false;
  const from = current.ratePerSec;
  const to = change.ratePerSec;
  return from === 0 ? to > 0 : to < from * 0.5 || to > from * 1.5;
}

/** Hours and minutes in Korea (HH:MM; KST is UTC+9 with no daylight saving). */
export function koreaClock(ms: number): string {
  return new Date(ms + 9 * 3600000).toISOString().slice(11, 16);
}

/** Whether the lane's numbers describe a pre-queue before its opening. */
export function beforeOpening(s: { opensAt: string | null; at: string }): boolean {
  return !!s.opensAt && Date.parse(s.opensAt) > Date.parse(s.at);
}

/** A date and time in Korea, "2026-12-01 20:00:00". */
export function koreaDateTime(ms: number): string {
  return new Date(ms + 9 * 3600000).toISOString().slice(0, 19).replace("T", " ");
}

/** Hours, minutes and seconds in Korea (HH:MM:SS), for the autopilot's changes. */
export function koreaClockSeconds(ms: number): string {
  return new Date(ms + 9 * 3600000).toISOString().slice(11, 19);
}

/** The autopilot's settings, as a change sends them and the lane's numbers show them. */
export interface AutopilotSettingsView {
  targetP95Ms: number;
  minRate: number;
  maxRate: number;
}

/**
 * An autopilot change is big when it turns the autopilot on (the rate starts moving by itself), or cuts the
 * ceiling by more than half: it asks for confirmation first, as a big rate change does.
 */
export function isBigAutopilot(
  current: { autopilot: AutopilotSettingsView | null },
  change: { autopilot?: AutopilotSettingsView | null },
): boolean {
  if (!change.autopilot) return false;
  if (!current.autopilot) return true;
  return change.autopilot.maxRate < current.autopilot.maxRate * 0.5;
}

/** The autopilot as the lane's numbers show it (the fields the console reads). */
export interface AutopilotShown extends AutopilotSettingsView {
  rate: number;
  phase: string;
  reason: { code: string; text: string; at: string } | null;
  signal: { p95Ms: number | null; forwarded: number; errors: number } | null;
  changes: AutopilotChangeShown[];
}

/** One change of the audit log (the fields the console reads). */
export interface AutopilotChangeShown {
  at: string;
  from: number | null;
  to: number;
  code: string;
  text: string;
  p95Ms: number | null;
  errors: number | null;
  forwarded: number | null;
}

/** The numbers the status line's reason is told with: the last decision's signal, the settings and the rate. */
export function currentReasonNumbers(a: AutopilotShown): ReasonNumbers {
  return {
    rate: a.rate,
    p95Ms: a.signal?.p95Ms ?? null,
    targetP95Ms: a.targetP95Ms,
    minRate: a.minRate,
    maxRate: a.maxRate,
    errors: a.signal?.errors ?? null,
    forwarded: a.signal?.forwarded ?? null,
  };
}

/** The numbers a logged change is told with: its own signal and rate, and the settings in force now. */
export function changeReasonNumbers(c: AutopilotChangeShown, settings: AutopilotSettingsView): ReasonNumbers {
  return { ...settings, rate: c.to, p95Ms: c.p95Ms, errors: c.errors, forwarded: c.forwarded };
}
