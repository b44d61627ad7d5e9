/**
 * What this isolate measures of each lane's forwarded requests, for the lane's autopilot (queue/autopilot.ts):
 * per lane, a window of finished requests (how many, how many failed, a latency histogram: queue/latency.ts)
 * and the start times of the requests still in flight. The time measured runs until the origin's response
 * headers. Failures are the origin's 5xx (its `database_unavailable` included: people see it) and the edge's
 * own "origin unavailable" (timeout, unreachable); 4xx answers are not failures.
 * A window goes to the lane's leader (shard 0) with the next call this isolate makes to it
 * (edge/snapshot.ts `callCounter`), or by itself once it is a second old (`reportLoad`, after a forward), so
 * reports flow even when nobody waits. A hand-over that fails puts the window back, like heartbeats.ts.
 */
import type { Env } from "../env";
import { addBuckets, emptyBuckets, type LoadReport, latencyBucket, sparse } from "../queue/latency";
import { counter } from "./counter";

/** A window is sent by itself once it is this old. */
export const REPORT_EVERY_MS = 1_000;

interface Window {
  from: number;
  count: number;
  errors: number;
  done: number[];
}

/** A forwarded request being timed. */
export interface ForwardToken {
  lane: string;
  id: number;
  start: number;
}

/** How a forwarded request ended: the origin's status, or the edge's own failure to get one. */
export type ForwardOutcome = number | "timeout" | "unreachable";

const windows = new Map<string, Window>();
const inFlight = new Map<string, Map<number, number>>();
const lastReport = new Map<string, number>();
let nextId = 0;
let isolateId = "";

/** This isolate's name in its reports (drawn on first use: random values are not available at start-up). */
function isolate(): string {
  if (isolateId === "") isolateId = crypto.randomUUID();
  return isolateId;
}

function windowOf(lane: string, now: number): Window {
  let w = windows.get(lane);
  if (!w) windows.set(lane, (w = { from: now, count: 0, errors: 0, done: emptyBuckets() }));
  return w;
}

/** A request of `lane` leaves for the origin. */
export function startForward(lane: string, now = Date.now()): ForwardToken {
  const id = nextId++;
  let open = inFlight.get(lane);
  if (!open) inFlight.set(lane, (open = new Map()));
  open.set(id, now);
  return { lane, id, start: now };
}

/** The origin's response headers arrived (or never will): the request counts in its lane's window. */
export function endForward(token: ForwardToken, outcome: ForwardOutcome, now = Date.now()): void {
  inFlight.get(token.lane)?.delete(token.id);
  const w = windowOf(token.lane, token.start);
  w.count++;
  if (typeof outcome !== "number" || outcome >= 500) w.errors++;
  w.done[latencyBucket(now - token.start)]!++;
}

/** This isolate's window of `lane` and the ages of its requests in flight, handed over (and begun anew here). */
export function takeLoad(lane: string, now = Date.now()): LoadReport | undefined {
  const w = windows.get(lane);
  const open = inFlight.get(lane);
  if (!w && !open?.size) return undefined;
  windows.delete(lane);
  lastReport.set(lane, now);
  const ages = emptyBuckets();
  for (const start of open?.values() ?? []) ages[latencyBucket(now - start)]!++;
  return {
    isolate: isolate(),
    from: w?.from ?? now,
    to: now,
    count: w?.count ?? 0,
    errors: w?.errors ?? 0,
    done: w ? sparse(w.done) : [],
    open: sparse(ages),
  };
}

/** A hand-over that failed: its finished requests go back into the window (the ages in flight are read afresh). */
export function returnLoad(lane: string, load: LoadReport | undefined): void {
  if (!load) return;
  const w = windowOf(lane, load.from);
  w.from = Math.min(w.from, load.from);
  w.count += load.count;
  w.errors += load.errors;
  addBuckets(w.done, load.done);
}

/** Whether `lane`'s window should go by itself now: something measured, and nothing sent for a second. */
export function loadDue(lane: string, now = Date.now()): boolean {
  const w = windows.get(lane);
  if (!w || w.count === 0) return false;
  return now - w.from >= REPORT_EVERY_MS && now - (lastReport.get(lane) ?? 0) >= REPORT_EVERY_MS;
}

/** Sends `lane`'s window to its leader (one call; given back if it fails). */
export async function reportLoad(env: Env, lane: string, now = Date.now()): Promise<void> {
  const load = takeLoad(lane, now);
  if (!load) return;
  try {
    await counter(env, lane, 0).report(load);
  } catch (err) {
    returnLoad(lane, load);
    console.error("load report failed", err);
  }
}

/** Forgets `lane`'s window (its autopilot is off: nobody reads it). */
export function dropLoad(lane: string): void {
  windows.delete(lane);
}
