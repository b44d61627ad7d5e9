/**
 * What a rehearsal reads of the lane's autopilot, apart from the run so it can be tested on made-up answers:
 * the operator API's change that starts a run (a fixed rate, or the autopilot with its settings), the
 * autopilot's part of a stats answer (`stats.autopilot`: the chosen rate, the ceiling, the reason, the p95
 * the edge measured), and its changes (from the stats' newest twenty, or the audit log), kept once each in
 * time order.
 */
import type { AutopilotSettings } from "../worker/queue/autopilot";

export type { AutopilotSettings } from "../worker/queue/autopilot";

/** The autopilot's part of one stats answer, as the sampler keeps it (null fields: the autopilot is off). */
export interface AutopilotReading {
  /** the rate the autopilot chose (null: a fixed rate is in force) */
  chosenRate: number | null;
  /** its ceiling (null: off) */
  ceiling: number | null;
  /** the p95 (ms) of forwarded requests the edge measured in its last interval (null: off, or nothing measured) */
  edgeP95Ms: number | null;
  /** the code of its last reason (null: off) */
  reasonCode: string | null;
}

/** One change of the rate the autopilot made or an operator made to it, with its reason. */
export interface AutopilotChange {
  /** when (ms since the epoch) */
  at: number;
  from: number | null;
  to: number | null;
  code: string;
  text: string;
}

/** A field of a JSON object (undefined when the value is not an object). */
const field = (x: unknown, key: string): unknown => (x !== null && typeof x === "object" ? (x as Record<string, unknown>)[key] : undefined);
const finite = (x: unknown): number | null => (typeof x === "number" && Number.isFinite(x) ? x : null);
const instant = (x: unknown): number | null => {
  if (typeof x === "number" && Number.isFinite(x)) return x;
  if (typeof x === "string") {
    const t = Date.parse(x);
    return Number.isNaN(t) ? null : t;
  }
  return null;
};

/**
 * The operator API's change that starts a run: the autopilot on with its settings (from `rate` when given,
 * else from the rate in force), or a fixed rate. `autopilot: null` turns the autopilot off (at `rate` when
 * given); a rate alone turns it off as well, so a system without an autopilot takes it too. null: nothing to
 * change about the rate.
 */
export function startChange(o: { rate?: number; autopilot?: AutopilotSettings | null }): Record<string, unknown> | null {
  if (o.autopilot) return { autopilot: o.autopilot, ...(o.rate !== undefined ? { ratePerSec: o.rate } : {}), paused: false };
  if (o.rate !== undefined) return { ratePerSec: o.rate, paused: false };
  if (o.autopilot === null) return { autopilot: null };
  return null;
}

/** The autopilot's part of a stats answer (`stats.autopilot`, null or absent when it is off). */
export function readAutopilot(stats: unknown): AutopilotReading {
  const a = field(stats, "autopilot");
  if (!a || typeof a !== "object") return { chosenRate: null, ceiling: null, edgeP95Ms: null, reasonCode: null };
  const code = field(field(a, "reason"), "code");
  return {
    chosenRate: finite(field(a, "rate")),
    ceiling: finite(field(a, "maxRate")),
    edgeP95Ms: finite(field(field(a, "signal"), "p95Ms")),
    reasonCode: typeof code === "string" ? code : null,
  };
}

/** One change as the stats or the audit log give it; null when it cannot be read. */
export function readChange(x: unknown): AutopilotChange | null {
  if (!x || typeof x !== "object") return null;
  const c = x as Record<string, unknown>;
  const at = instant(c.at);
  if (at === null || typeof c.code !== "string") return null;
  return {
    at,
    from: finite(c.from ?? c.fromRate ?? c.from_rate),
    to: finite(c.to ?? c.toRate ?? c.to_rate),
    code: c.code,
    text: typeof c.text === "string" ? c.text : "",
  };
}

/** The changes in an answer: the stats' `autopilot.changes`, or the audit log's entries (or a bare list). */
export function readChanges(answer: unknown): AutopilotChange[] {
  const list = Array.isArray(answer)
    ? answer
    : (field(field(answer, "autopilot"), "changes") ?? field(answer, "entries") ?? field(answer, "changes") ?? field(answer, "log"));
  return Array.isArray(list) ? list.map(readChange).filter((c): c is AutopilotChange => c !== null) : [];
}

/** Changes from several readings, each once (same time, rates and code), oldest first. */
export function mergeChanges(...lists: AutopilotChange[][]): AutopilotChange[] {
  const byKey = new Map<string, AutopilotChange>();
  for (const list of lists) for (const c of list) byKey.set(`${c.at}|${c.from}|${c.to}|${c.code}`, c);
  return [...byKey.values()].sort((a, b) => a.at - b.at);
}
