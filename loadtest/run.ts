/**
 * One rehearsal of opening night against a running system: people arrive by the chosen curve, the
 * operator API sets (and re-plans) the admission rate (and, if asked, the cap on active passes), the counter
 * is sampled every second (its cursor, the people waiting, the passes active), the development origin is
 * slowed on plan (`originSlowdown`), and at the end the origin is asked, from its database, whether any
 * slot was overbooked. The report states what was measured; nothing in it is assumed from the settings.
 * It judges what admitted people lived through: each click has a timeout, people who timed out after
 * admission are counted, and the p95 of their requests once the run is steady is held to a target.
 * With the autopilot on (`autopilot`), the sampler also keeps the rate it chose, its ceiling, its reason
 * and the p95 the edge measured, and the report lists its changes with their reasons.
 */
import { isOpenDay } from "../origin/clinics/calendar";
import { type ArrivalCurve, arrivalOffsets, rng } from "./arrivals";
import { type AutopilotChange, type AutopilotSettings, mergeChanges, readAutopilot, readChanges, startChange } from "./autopilot";
import { citizen, isTimedOut, newPeople, type Outcome, type Recorder, type Regions, type Shared, WAIT_AND_RETRY } from "./citizen";
import { Client, DEV_PROXY_LOST } from "./http";
import { operatorApi } from "./operator-api";
import { type SlowdownStep, setSlowdown } from "./origin-control";
import {
  admitRatio,
  bookingRate,
  bySecond,
  type CounterSample,
  countInversions,
  histogram,
  type LiveSpan,
  liveAdmitRatio,
  maxOf,
  percentile,
  percentileFrom,
  type StatusEvent,
} from "./stats";

/** How long a person waits for one click's answer, unless told otherwise (a browser gives up later; people sooner). */
export const DEFAULT_CLICK_TIMEOUT_MS = 30_000;
/** The p95 admitted people's requests are held to, unless told otherwise. */
export const DEFAULT_TARGET_P95_MS = 1500;
/** The steady part of a run, for `originP95SteadyMs`, starts this long after its start. */
export const STEADY_FROM_SEC = 20;

export interface LoadOptions {
  target: string;
  origin: string;
  token: string;
  users: number;
  arrivalSec: number;
  curve: ArrivalCurve;
  rate?: number;
  /** [seconds from start, rate] changes */
  ratePlan: [number, number][];
  abandon: number;
  thinkMs: number;
  maxSeconds: number;
  connections: number;
  seed: number;
  /** places a shard may be out of order (0 with one counter) */
  tolerance: number;
  /** schedule the lane's opening this many seconds after the start: earlier arrivals form the pre-queue */
  opensInSec?: number;
  /** those who give up do so between these many seconds after arriving (default 5–60) */
  abandonAfterSec?: [number, number];
  /** cap the lane's active passes at the start (null: no cap; undefined: leave it as it is) */
  maxActive?: number | null;
  /** a click of the journey with no answer by then is abandoned, and the person gives up (default 30 s) */
  clickTimeoutMs?: number;
  /** the p95 (ms) admitted people's requests should stay under once the run is steady (default 1500) */
  targetP95Ms?: number;
  /** slow the development origin's identity checks at these seconds of the run (reset at the end) */
  originSlowdown?: SlowdownStep[];
  /**
   * the lane's autopilot for the run, set at the start: its settings (it starts from `rate` when given, else
   * from the rate in force), or null for a fixed rate (`rate`, else the one in force); undefined: leave it
   */
  autopilot?: AutopilotSettings | null;
}

export interface Progress {
  arrived: number;
  admitted: number;
  booked: number;
  done: number;
  waiting: number;
}

export interface Report {
  users: number;
  admitted: number;
  booked: number;
  admitRatio: number | null;
  /** live people (who did not give up) admitted per second / the set rate, once gone ones could be judged */
  liveAdmitRatio: number | null;
  /** seconds of backlog that figure is measured over, and from when (seconds since the start) */
  liveAdmitSeconds: number;
  liveAdmitFromSec: number;
  /** the scheduled opening (seconds since the start) and how many were in the pre-queue then */
  opensAtSec: number | null;
  preQueued: number | null;
  inversions: number;
  droppedAfterAdmit: number;
  /** admitted people who gave up because a click got no answer within the click timeout (also in droppedAfterAdmit) */
  timedOutAfterAdmit: number;
  /** p95 latency of admitted people's requests answered after the first STEADY_FROM_SEC seconds (timeouts at the timeout) */
  originP95SteadyMs: number;
  /** the target that p95 is judged against */
  targetP95Ms: number;
  /** bookings per second from the first admission to the last booking (null: nobody booked), and that span in seconds of the run */
  bookedPerSec: number | null;
  bookingSpanSec: [number, number] | null;
  /** the origin's slowdown steps as planned, and whether the origin took each */
  originSlowdown: (SlowdownStep & { applied: boolean })[];
  /** the autopilot's settings during the run (null: a fixed rate), and its changes with reasons, oldest first */
  autopilot: AutopilotSettings | null;
  autopilotChanges: (AutopilotChange & { atSec: number })[];
  errors5xx: number;
  /** requests `wrangler dev`'s local proxy lost (503, cloudflare/workers-sdk#14641): not in errors5xx, which are the system's */
  devProxyLost: number;
  /** 503 "try again in a moment" (database or origin away) that people waited out and retried: not in errors5xx */
  unavailableRetried: number;
  overbooked: number | null;
  originP99Ms: number;
  abandoned: number;
  unfinished: number;
  failedToQueue: number;
  originP50Ms: number;
  originP95Ms: number;
  originPeakConcurrent: number | null;
  harnessPeakConcurrent: number;
  timeInLineSec: { p50: number; p95: number; max: number };
  droppedReasons: Record<string, number>;
  errorsByCode: Record<string, number>;
  /** the most passes active at once (admitted, not yet done or expired), and after everyone finished (null: that reading failed), from the counter */
  activePassesPeak: number | null;
  activePassesAtEnd: number | null;
  /** the cap on active passes during the run (null: none) */
  maxActive: number | null;
  settings: {
    target: string;
    users: number;
    arrivalSec: number;
    curve: ArrivalCurve;
    rate: number | null;
    ratePlan: [number, number][];
    abandon: number;
    abandonAfterSec: [number, number];
    thinkMs: number;
    opensInSec: number | null;
    maxActive: number | null;
    clickTimeoutMs: number;
    targetP95Ms: number;
    autopilot: AutopilotSettings | null;
  };
  durationSec: number;
  series: {
    second: number[];
    waiting: number[];
    serving: number[];
    admittedPerSec: number[];
    setRate: number[];
    /** passes active at each second (admitted, not yet done or expired) */
    activePasses: number[];
    originP50: number[];
    originP95: number[];
    originP99: number[];
    /** the development origin's extra time per identity check in force each second (0: none) */
    identityCheckExtraMs: number[];
    /** the autopilot each second (null: off then, or not read): the rate it chose, its ceiling, the p95 (ms) the edge measured, its reason's code */
    chosenRate: (number | null)[];
    ceiling: (number | null)[];
    edgeP95: (number | null)[];
    reasonCode: (string | null)[];
    timeInLine: [number, number][];
  };
}

const operator = (o: LoadOptions, path: string, body?: unknown) => operatorApi(o.target, o.token, path, body);

/** Pages of the audit log the report reads at most (200 changes a page, newest first). */
const LOG_PAGES = 20;

/**
 * The lane's autopilot changes since `since`, from the operator API's audit log, page by page back in time.
 * Empty when the log cannot be read (a system without it, or a failed request): the stats' changes remain.
 */
async function autopilotLog(o: LoadOptions, since: number): Promise<AutopilotChange[]> {
  const out: AutopilotChange[] = [];
  let before: string | null = null;
  try {
    for (let page = 0; page < LOG_PAGES; page++) {
      const answer: unknown = await operator(o, `/autopilot-log${before ? `?before=${encodeURIComponent(before)}` : ""}`);
      const changes = readChanges(answer);
      out.push(...changes);
      const oldest = changes.length ? Math.min(...changes.map((c) => c.at)) : null;
      if (oldest === null || oldest < since) break;
      // `next` is the log's own cursor for the page before (null: no more).
      const next = (answer as { next?: unknown } | null)?.next;
      if (typeof next !== "string" || next === before) break;
      before = next;
    }
  } catch {
    /* the stats' changes remain */
  }
  return out;
}

/** Open days (Seoul: weekdays that are not public holidays) from tomorrow inside the first two booking weeks. */
function searchDates(): string[] {
  const out: string[] = [];
  for (let d = 1; d <= 14; d++) {
    const date = new Date(Date.now() + 9 * 3600_000 + d * 86_400_000).toISOString().slice(0, 10);
    if (isOpenDay(date)) out.push(date);
  }
  return out;
}

export async function runLoadTest(o: LoadOptions, onProgress?: (p: Progress) => void): Promise<Report> {
  const client = new Client(o.target, o.connections);
  const journey = new Client(o.target, o.connections);
  const random = rng(o.seed);
  const clickTimeoutMs = o.clickTimeoutMs ?? DEFAULT_CLICK_TIMEOUT_MS;
  const targetP95Ms = o.targetP95Ms ?? DEFAULT_TARGET_P95_MS;
  const started = Date.now();
  const deadline = started + o.maxSeconds * 1000;
  let stop = false;

  const statusEvents: StatusEvent[] = [];
  const originCalls: { at: number; ms: number; status: number }[] = [];
  const errorsByCode: Record<string, number> = {};
  let errors5xx = 0;
  let devProxyLost = 0;
  let unavailableRetried = 0;
  let inflight = 0;
  let peak = 0;
  const rec: Recorder = {
    status: (e) => statusEvents.push(e),
    origin: (r) => originCalls.push(r),
    error(where, status, code) {
      if (code === DEV_PROXY_LOST) devProxyLost++;
      else if (status === 503 && WAIT_AND_RETRY.has(code)) unavailableRetried++;
      else if (status >= 500) errors5xx++;
      const key = `${where} ${status || ""} ${code}`.replace(/\s+/g, " ").trim();
      errorsByCode[key] = (errorsByCode[key] ?? 0) + 1;
    },
    inflight(delta) {
      inflight += delta;
      if (inflight > peak) peak = inflight;
    },
  };

  let regionCodes: Promise<Regions> | null = null;
  const regions = (read: () => Promise<Regions>) => {
    regionCodes ??= read();
    regionCodes.catch(() => (regionCodes = null));
    return regionCodes;
  };
  const shared: Shared = {
    people: newPeople(o.users),
    client,
    journey,
    rec,
    dates: searchDates(),
    regions,
    thinkMs: o.thinkMs,
    clickTimeoutMs,
    random,
    deadline,
    stopped: () => stop,
  };

  // The admission rate (or the autopilot): set now, and changed on plan.
  const start = startChange(o);
  if (start) await operator(o, "/config", start);
  if (o.maxActive !== undefined) await operator(o, "/config", { maxActive: o.maxActive });
  const planTimers = o.ratePlan.map(([sec, rate]) =>
    setTimeout(() => void operator(o, "/config", { ratePerSec: rate }).catch(() => {}), sec * 1000),
  );
  // The origin slowed on plan (development origin only); each step's outcome is reported.
  const slowdown = o.originSlowdown ?? [];
  const slowdownApplied: Report["originSlowdown"] = [];
  const slowdownTimers = slowdown.map((step) =>
    setTimeout(
      () => void setSlowdown(o.origin, o.token, step).then((applied) => slowdownApplied.push({ ...step, applied })),
      step.atSec * 1000,
    ),
  );

  // A scheduled opening: everyone before it joins the pre-queue, drawn at random at the opening.
  let opensAt: number | null = null;
  if (o.opensInSec !== undefined) {
    const set = await operator(o, "/config", { opensAt: new Date(started + o.opensInSec * 1000).toISOString() });
    opensAt = Date.parse(set.opensAt);
  }
  let preQueued: number | null = null;
  let graceSec = 0;
  const samples: CounterSample[] = [];
  let changesSeen: AutopilotChange[] = [];
  /** One reading of the counter, kept as a sample (undefined when it failed: a missed sample only widens the next interval). */
  const sample = async (): Promise<CounterSample | undefined> => {
    try {
      const s = await operator(o, "/stats");
      graceSec = s.abandonGraceSeconds ?? 0;
      if (opensAt !== null && Date.parse(s.at) < opensAt) preQueued = s.preQueued;
      // The counter's own clock, at the moment it computed these numbers (the answer may arrive late).
      const taken: CounterSample = {
        at: Date.parse(s.at),
        serving: s.serving,
        waiting: s.waiting,
        ratePerSec: s.ratePerSec,
        paused: s.paused,
        opensAt: opensAt ?? undefined,
        activePasses: s.activePasses,
        maxActive: s.maxActive,
        autopilot: readAutopilot(s),
      };
      samples.push(taken);
      changesSeen = mergeChanges(changesSeen, readChanges(s));
      return taken;
    } catch {
      return undefined;
    }
  };
  await sample();
  const sampler = setInterval(() => void sample(), 1000);

  const progress: Progress = { arrived: 0, admitted: 0, booked: 0, done: 0, waiting: 0 };
  const ticker = onProgress ? setInterval(() => onProgress({ ...progress, waiting: samples.at(-1)?.waiting ?? 0 }), 250) : null;
  const outcomes: Promise<Outcome>[] = [];
  const offsets = arrivalOffsets(o.users, o.arrivalSec * 1000, o.curve, o.seed);
  const [abandonFrom, abandonTo] = o.abandonAfterSec ?? [5, 60];
  const abandoners = new Set<number>();
  for (let i = 0; i < o.users; i++) if (random() < o.abandon) abandoners.add(i);

  await new Promise<void>((resolve) => {
    let next = 0;
    const launch = () => {
      const elapsed = Date.now() - started;
      while (next < offsets.length && offsets[next]! <= elapsed) {
        const i = next++;
        progress.arrived++;
        // Someone who gives up waits between 5 and 60 s first (or as asked).
        const abandonAfterMs = abandoners.has(i) ? (abandonFrom + random() * (abandonTo - abandonFrom)) * 1000 : null;
        outcomes.push(
          citizen(i, shared, { abandonAfterMs })
            .then((out) => {
              if (out.kind === "booked") progress.booked++;
              if ("admittedAt" in out && out.admittedAt) progress.admitted++;
              return out;
            })
            .finally(() => progress.done++),
        );
      }
      if (next >= offsets.length) resolve();
      else setTimeout(launch, Math.min(50, offsets[next]! - elapsed));
    };
    launch();
  });
  const hardStop = setTimeout(() => (stop = true), Math.max(0, deadline - Date.now()));
  const results = await Promise.all(outcomes);
  clearTimeout(hardStop);
  planTimers.forEach(clearTimeout);
  slowdownTimers.forEach(clearTimeout);
  // A slowed origin is set back, so the next run (or person) does not inherit it.
  if (slowdown.length) await setSlowdown(o.origin, o.token, { identityCheckExtraMs: 0, identityCheckLines: null });
  clearInterval(sampler);
  if (ticker) clearInterval(ticker);
  // The numbers at the end are this reading's (tried a few times), never an earlier sample's that arrived late.
  let atEnd = await sample();
  for (let tries = 1; !atEnd && tries < 3; tries++) {
    await new Promise((r) => setTimeout(r, 500));
    atEnd = await sample();
  }
  // Readings overlap when the counter answers slowly: they are analysed in the order the counter took them.
  samples.sort((a, b) => a.at - b.at);
  onProgress?.({ ...progress, waiting: atEnd?.waiting ?? samples.at(-1)?.waiting ?? 0 });
  // Every change of the run from the audit log (the stats carry only the newest twenty).
  const autopilotChanges = mergeChanges(changesSeen, await autopilotLog(o, started)).filter((c) => c.at >= started);
  await client.close();
  await journey.close();

  // What the origin says about itself, from its database and its own request counter.
  let overbooked: number | null = null;
  let originPeak: number | null = null;
  try {
    const res = await fetch(`${o.origin}/ops/stats`, { headers: { authorization: `Bearer ${o.token}` } });
    if (res.ok) {
      const ops = (await res.json()) as { overbookedSlots: number; requests: { peakConcurrent: number } };
      overbooked = ops.overbookedSlots;
      originPeak = ops.requests.peakConcurrent;
    }
  } catch {
    /* stays null: the report says it could not be checked */
  }

  const admittedOnes = results.filter(
    (r): r is Extract<Outcome, { admittedAt: number }> => "admittedAt" in r && typeof r.admittedAt === "number",
  );
  const dropped = results.filter((r): r is Extract<Outcome, { kind: "dropped" }> => r.kind === "dropped");
  const droppedReasons: Record<string, number> = {};
  for (const d of dropped) droppedReasons[d.reason] = (droppedReasons[d.reason] ?? 0) + 1;
  const lineSec = admittedOnes.map((r) => (r.admittedAt - r.arrivedAt) / 1000);
  const latencies = originCalls.map((c) => c.ms);
  const perSecond = bySecond(originCalls, (c) => c.at, started);
  const samplesBySec = bySecond(samples, (s) => s.at, started);
  const seconds = Math.max(perSecond.length, samplesBySec.length);
  const series: Report["series"] = {
    second: [],
    waiting: [],
    serving: [],
    admittedPerSec: [],
    setRate: [],
    activePasses: [],
    originP50: [],
    originP95: [],
    originP99: [],
    identityCheckExtraMs: [],
    chosenRate: [],
    ceiling: [],
    edgeP95: [],
    reasonCode: [],
    timeInLine: histogram(lineSec, 30),
  };
  let last: CounterSample | undefined = samples[0];
  for (let s = 0; s < seconds; s++) {
    const sm = samplesBySec[s]?.at(-1);
    series.second.push(s);
    series.waiting.push(sm?.waiting ?? last?.waiting ?? 0);
    series.serving.push(sm?.serving ?? last?.serving ?? 0);
    series.admittedPerSec.push(
      sm && last ? Math.max(0, Math.round(((sm.serving - last.serving) * 1000) / Math.max(1, sm.at - last.at))) : 0,
    );
    series.setRate.push(sm?.paused ? 0 : (sm?.ratePerSec ?? last?.ratePerSec ?? 0));
    series.activePasses.push(sm?.activePasses ?? last?.activePasses ?? 0);
    const ms = (perSecond[s] ?? []).map((c) => c.ms);
    series.originP50.push(Math.round(percentile(ms, 50)));
    series.originP95.push(Math.round(percentile(ms, 95)));
    series.originP99.push(Math.round(percentile(ms, 99)));
    const inForce = slowdownApplied.filter((x) => x.applied && x.atSec <= s).sort((a, b) => a.atSec - b.atSec);
    series.identityCheckExtraMs.push(inForce.at(-1)?.identityCheckExtraMs ?? 0);
    // A second without a reading repeats the last one, as the counter's figures above do.
    const ap = (sm ?? last)?.autopilot;
    series.chosenRate.push(ap?.chosenRate ?? null);
    series.ceiling.push(ap?.ceiling ?? null);
    series.edgeP95.push(ap?.edgeP95Ms ?? null);
    series.reasonCode.push(ap?.reasonCode ?? null);
    if (sm) last = sm;
  }
  const ratio = admitRatio(samples);
  // Live people's admissions, judged once those who left could be known as gone: after the last of them
  // left (at the latest) plus the grace period and up to two liveness epochs of a fifth of it each.
  const live: LiveSpan[] = results.flatMap((r) =>
    r.kind === "abandoned" || r.kind === "failed" ? [] : [{ arrivedAt: r.arrivedAt, place: r.seq }],
  );
  const firstBacklog = samples.find((x) => x.waiting > 0 && (opensAt === null || x.at >= opensAt))?.at ?? started;
  const liveFrom = o.abandon > 0 ? firstBacklog + (abandonTo + graceSec * 1.4) * 1000 : firstBacklog;
  const liveRatio = liveAdmitRatio(samples, live, liveFrom);
  const counted = samples.filter((x) => typeof x.activePasses === "number");
  const booking = bookingRate(
    results.map((r) => ({
      admittedAt: "admittedAt" in r ? r.admittedAt : undefined,
      bookedAt: r.kind === "booked" ? r.bookedAt : undefined,
    })),
  );
  const sinceStart = (t: number) => Math.round((t - started) / 100) / 10;
  return {
    users: o.users,
    admitted: admittedOnes.length,
    booked: results.filter((r) => r.kind === "booked").length,
    admitRatio: ratio === null ? null : Math.round(ratio * 1000) / 1000,
    // Only when people gave up: otherwise it is admitRatio seen through each person's next poll, only noisier.
    liveAdmitRatio: liveRatio.ratio === null || o.abandon === 0 ? null : Math.round(liveRatio.ratio * 1000) / 1000,
    liveAdmitSeconds: liveRatio.seconds,
    liveAdmitFromSec: Math.round((liveFrom - started) / 100) / 10,
    opensAtSec: opensAt === null ? null : Math.round((opensAt - started) / 100) / 10,
    preQueued,
    inversions: countInversions(statusEvents, o.tolerance),
    droppedAfterAdmit: dropped.length,
    timedOutAfterAdmit: dropped.filter((d) => isTimedOut(d.reason)).length,
    originP95SteadyMs: Math.round(percentileFrom(originCalls, started + STEADY_FROM_SEC * 1000, 95)),
    targetP95Ms,
    bookedPerSec: booking.perSec === null ? null : Math.round(booking.perSec * 100) / 100,
    bookingSpanSec: booking.from === null || booking.to === null ? null : [sinceStart(booking.from), sinceStart(booking.to)],
    originSlowdown: slowdown.map((step) => ({ ...step, applied: slowdownApplied.some((x) => x.atSec === step.atSec && x.applied) })),
    autopilot: o.autopilot ?? null,
    autopilotChanges: autopilotChanges.map((c) => ({ ...c, atSec: sinceStart(c.at) })),
    errors5xx,
    devProxyLost,
    unavailableRetried,
    overbooked,
    originP99Ms: Math.round(percentile(latencies, 99)),
    abandoned: results.filter((r) => r.kind === "abandoned").length,
    unfinished: results.filter((r) => r.kind === "unfinished").length,
    failedToQueue: results.filter((r) => r.kind === "failed").length,
    originP50Ms: Math.round(percentile(latencies, 50)),
    originP95Ms: Math.round(percentile(latencies, 95)),
    originPeakConcurrent: originPeak,
    harnessPeakConcurrent: peak,
    timeInLineSec: { p50: percentile(lineSec, 50), p95: percentile(lineSec, 95), max: maxOf(lineSec, 0) },
    droppedReasons,
    errorsByCode,
    activePassesPeak: counted.length ? Math.max(...counted.map((x) => x.activePasses!)) : null,
    activePassesAtEnd: atEnd?.activePasses ?? null,
    maxActive: (atEnd ?? samples.at(-1))?.maxActive ?? null,
    settings: {
      target: o.target,
      users: o.users,
      arrivalSec: o.arrivalSec,
      curve: o.curve,
      rate: o.rate ?? null,
      ratePlan: o.ratePlan,
      abandon: o.abandon,
      abandonAfterSec: [abandonFrom, abandonTo],
      thinkMs: o.thinkMs,
      opensInSec: o.opensInSec ?? null,
      maxActive: o.maxActive ?? null,
      clickTimeoutMs,
      targetP95Ms,
      autopilot: o.autopilot ?? null,
    },
    durationSec: Math.round((Date.now() - started) / 100) / 10,
    series,
  };
}
