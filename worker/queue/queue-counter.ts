/**
 * QueueCounter: the Durable Object that hands out places in one shard of one lane's line, and keeps count
 * of the passes it minted.
 *
 * It stores a handful of numbers and never a list of people (see admission.ts for what they mean and
 * the formula over them), plus, while a scheduled opening is ahead, the secret seed of its pre-queue's
 * draw (prequeue.ts), kept apart from the schedule so that no snapshot carries it before the opening.
 * For the passes (edge/passes.ts):
 *   used     a bit per ticket number whose pass has been minted (bitmap.ts, 4 KB pages): a ticket admits
 *            once. Within REMINT_MS of minting, the same ticket from the same client address gets the very
 *            same pass again (its answer was lost on the way, two tabs asked at once): the same journey, not
 *            a second one. From anywhere else, or later, it is `used`
 *   ended    a bit per number whose pass the origin ended: it is neither renewed nor readmitted
 *   active   live passes by the minute they expire (active-passes.ts), for `activePasses` and the cap
 *   spent    proofs of work already spent, until they expire: one proof, one place (SQL table)
 *   seen     when the counter was last called: a silence longer than RESUME_GAP_MS while people wait is
 *            an outage, and admission resumes from where it stood (admission.ts `resume`)
 *   samples  the counter's numbers once per SAMPLE_EVERY_MS over the last SAMPLE_SPAN_MS (one small list,
 *            written when a new sample starts): the operator console's chart begins from them, so a reload
 *            does not start it empty. Taken whenever the counter is called; a silent counter has gaps
 * Every change is written to DO storage before the answer leaves (the output gate holds it), so a restart
 * or an eviction loses nobody's place, never re-issues a number and never forgets a used ticket.
 *
 * A lane's first shard, its leader, also steers the whole lane (a lane of K shards admits rate/K in each):
 *   autopilot      the lane's rate as the operator set it (queue/autopilot.ts `LaneRate`: a fixed rate, or
 *                  the autopilot's settings and state) and its last decision with the signal it read
 *   autopilot_log  every change of the rate the autopilot made, and every operator's change to it, with its
 *                  reason and the numbers it read (SQL table, the newest LOG_KEEP rows): the audit trail
 *   places         the origin's last answer on the places left in the open booking window (`/health/places`)
 * and in memory, the interval's window: the edges' measure of the lane's forwarded requests (their `report`s,
 * or handed over with their calls), and the passes each shard minted since (`tally`). While the autopilot is
 * on and the lane open, an alarm every TICK_MS reads that window as one `Signal`, lets the autopilot decide,
 * and applies a new rate to every shard through `reconfigure` (re-anchored: the cursor never jumps). While
 * the lane is open and anyone is about, for a lane whose people book places (`places` in LANES), the alarm
 * asks the origin every PLACES_EVERY_MS how many are left; none left holds every shard's cursor (sold out,
 * admission.ts `markSoldOut`) until places come back. The alarm counts as a call (`seen`) only when it
 * changes the schedule, which needs the edges' reports or the origin's word: a silence of the edges stays an
 * outage.
 *
 * Only new arrivals, admissions, renewals, operators and the edge's once-a-second snapshot refresh call it.
 * Polls are answered at the edge from that snapshot, so poll traffic does not grow the load on this object;
 * the refreshes bring the edge's heartbeat counts along (liveness.ts), from which the counter judges
 * abandoned places.
 */
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { config, type Settings } from "../config";
import { ActivePasses } from "./active-passes";
import {
  arrive,
  atCap,
  hold,
  initialSchedule,
  MARK_EVERY_MS,
  markCursor,
  markSoldOut,
  type OpeningRefusal,
  preQueueOpen,
  RESUME_GAP_MS,
  reconfigure,
  rejoin,
  respeed,
  resume,
  type Schedule,
  type ScheduleChange,
  scheduleOpening,
  seal,
  serving,
  upgradeSchedule,
} from "./admission";
import {
  type AutopilotSettings,
  type LaneRate,
  type OperatorChange,
  operate,
  type Phase,
  type Reason,
  type ReasonCode,
  type Signal,
  tick,
} from "./autopilot";
import { PagedBits } from "./bitmap";
import { addBuckets, emptyBuckets, type LoadReport, quantileMs } from "./latency";
import { type Beats, LivenessBook } from "./liveness";

const STORAGE_KEY = "schedule";
const SEED_KEY = "seed";
const ACTIVE_KEY = "active";
const SEEN_KEY = "seen";
const SAMPLES_KEY = "samples";
const NAME_KEY = "name";
const AUTOPILOT_KEY = "autopilot";
const PLACES_KEY = "places";
/** The autopilot's interval; the places left are asked for every PLACES_EVERY_MS. */
export const TICK_MS = 1_000;
export const PLACES_EVERY_MS = 2_000;
/** The origin has this long to say how many places are left. */
const PLACES_TIMEOUT_MS = 2_000;
/** An interval shorter than this is not judged yet; one longer than GAP_MS (a pause, a silence) is not judged at all. */
const MIN_WINDOW_MS = 800;
const GAP_MS = 5_000;
/** With no call and no report for this long, the alarm stops until the next call. */
const IDLE_MS = 60_000;
/** Rows of the autopilot's audit log kept, and rows per page. */
const LOG_KEEP = 2_000;
export const LOG_PAGE = 200;
/** Changes shown with the lane's numbers. */
const RECENT_CHANGES = 20;
/** One sample per this many ms, kept for SAMPLE_SPAN_MS. */
export const SAMPLE_EVERY_MS = 5000;
export const SAMPLE_SPAN_MS = 5 * 60_000;

/** The counter's numbers at one moment (the start of its SAMPLE_EVERY_MS period), for the console's chart. */
export interface CounterSample {
  /** ms since epoch, a multiple of SAMPLE_EVERY_MS */
  t: number;
  issued: number;
  serving: number;
  /** waiting people still checking in (abandoned places left out) */
  liveWaiting: number;
  /** the rate admitting now (0 while paused or before the opening) */
  ratePerSec: number;
  active: number;
  /** people in a pre-queue not yet opened */
  preQueued: number;
  /** the autopilot's last interval: the p95 of forwarded requests (ms), and admissions per second (null: autopilot off) */
  p95Ms: number | null;
  admittedPerSec: number | null;
  /** the rate the autopilot chose, and its ceiling (null: the rate is fixed) */
  chosenRate: number | null;
  ceiling: number | null;
}
/** How long after minting a ticket's pass the same ticket gets that same pass again. */
export const REMINT_MS = 60_000;

export interface CounterAnswer {
  schedule: Schedule;
  now: number;
}

/** A pass's times, as the edge signs them: admitted at, idle expiry, hard end. */
export interface PassTimes {
  adm: number;
  exp: number;
  end: number;
}

/** A ticket's admission: its pass's times, or why there is none (`used`: spent before; `full`: at the cap; `wait`: not its turn). */
export interface AdmitAnswer extends CounterAnswer {
  outcome: "admitted" | "used" | "full" | "wait";
  /** when admitted */
  pass?: PassTimes;
}

/** Rejoining at the cursor: the new place (0 when the ticket was `used` already). */
export interface RejoinAnswer extends CounterAnswer {
  outcome: "rejoined" | "used";
  place: number;
}

/** What the edge hands a counter with a call: heartbeats (liveness.ts), and for a lane's leader its forwarded requests. */
export type Handover = Beats | { beats?: Beats; load?: LoadReport };

/** The origin's `/health/places`: places left in the booking window open now, and when the next one opens. */
const placesAnswer = z.object({
  placesLeft: z.number().int().min(0),
  /** more are left than `placesLeft` says (the origin counts a bounded number of slots) */
  atLeast: z.boolean().optional(),
  window: z.object({ id: z.number(), closesAt: z.string() }).nullable().optional(),
  nextOpensAt: z.string().datetime({ offset: true }).nullable().optional(),
});
export type PlacesAnswer = z.infer<typeof placesAnswer>;

/** The numbers one interval's decision read (as the stats and the audit log show them). */
export interface SignalView {
  p95Ms: number | null;
  forwarded: number;
  errors: number;
  admitted: number;
  waiting: number;
  activePasses: number;
  /** people leaving per second, as the autopilot estimates them */
  departures: number | null;
}

/** One row of the audit log. */
export interface AutopilotChange {
  at: string;
  from: number | null;
  to: number;
  code: ReasonCode;
  text: string;
  p95Ms: number | null;
  errors: number | null;
  forwarded: number | null;
  admitted: number | null;
  waiting: number | null;
  activePasses: number | null;
}

/** The autopilot as the lane's numbers show it (null while the rate is fixed). */
export interface AutopilotView extends AutopilotSettings {
  rate: number;
  phase: Phase;
  reason: (Reason & { at: string }) | null;
  signal: SignalView | null;
  changes: AutopilotChange[];
}

/** What a lane's leader knows beyond the schedules. */
export interface LeaderView {
  autopilot: AutopilotView | null;
  /** places left in the open booking window, as the origin last said (null: not known, or not a booking lane) */
  placesLeft: number | null;
  /** `placesLeft` is a lower bound */
  placesAtLeast: boolean;
}

interface Steering {
  lane: LaneRate;
  last: { reason: Reason; at: number; signal: SignalView | null } | null;
}

/** The interval's measure of the lane's forwarded requests, as the edges report it. */
interface LoadWindow {
  since: number;
  /** false until an interval has begun cleanly (after engaging, a pause, a silence): that one is not judged */
  primed: boolean;
  count: number;
  errors: number;
  done: number[];
  open: Map<string, [number, number][]>;
}

/** A counter's numbers for its leader's interval. */
export interface Tally {
  minted: number;
  active: number;
  liveWaiting: number;
}

/** The counter's bindings: its settings, and the namespace of its lane's other shards. */
export interface CounterEnv extends Settings {
  QUEUE: DurableObjectNamespace<QueueCounter>;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

export class QueueCounter extends DurableObject<CounterEnv> {
  /** The counter's clock. Tests replace it (runInDurableObject) to drive time. */
  clock: () => number = () => Date.now();
  /** A silence longer than this while people wait is taken as an outage (tests that skip time may widen it). */
  resumeGapMs = RESUME_GAP_MS;
  private stored: Schedule | undefined;
  private seed = "";
  readonly liveness: LivenessBook;
  private readonly used: PagedBits;
  private readonly ended: PagedBits;
  private active: ActivePasses;
  /** tickets minted in the last REMINT_MS, oldest first, with the address they were minted for */
  private readonly recent = new Map<number, PassTimes & { at: number; addr: string }>();
  private seenAt = 0;
  private samples: CounterSample[] = [];
  private seenSavedAt = 0;
  private sweptAt = 0;
  /** the lane and shard this counter is ("<lane>:<shard>"; a counter of another name is a lane of one) */
  private laneName = "";
  private shard = 0;
  private steering: Steering | null = null;
  private window: LoadWindow = { since: 0, primed: false, count: 0, errors: 0, done: emptyBuckets(), open: new Map() };
  /** passes this counter minted since its leader last asked (`tally`) */
  private minted = 0;
  /** when an edge last reported forwarded requests */
  private heardAt = 0;
  /** the autopilot's last interval, for the console's samples */
  private lastTick: { p95Ms: number | null; admittedPerSec: number } | null = null;
  private places: PlacesAnswer | null = null;
  private readonly shardIds = new Map<number, DurableObjectId>();
  private polledAt = 0;
  /** the sold-out state last given to the other shards ("" until given) */
  private pushedPlaces = "";
  /** when the alarm is set for (real time), null when none */
  private alarmAt: number | null = null;
  private pushing: Promise<unknown> = Promise.resolve();
  private logReady = false;
  /** Asks the origin how many places are left (tests replace it, as they replace the clock). */
  placesSource: () => Promise<PlacesAnswer | undefined> = () => this.askOrigin();

  constructor(ctx: DurableObjectState, env: CounterEnv) {
    super(ctx, env);
    this.liveness = new LivenessBook(config(env).abandonGraceMs);
    this.used = new PagedBits(ctx.storage.kv, "used:");
    this.ended = new PagedBits(ctx.storage.kv, "ended:");
    this.active = new ActivePasses();
    ctx.blockConcurrencyWhile(async () => {
      const raw = ctx.storage.kv.get<Schedule>(STORAGE_KEY);
      this.stored = raw && upgradeSchedule(raw);
      this.seed = ctx.storage.kv.get<string>(SEED_KEY) ?? "";
      this.active = new ActivePasses(ctx.storage.kv.get<[number, number][]>(ACTIVE_KEY));
      this.seenAt = this.seenSavedAt = ctx.storage.kv.get<number>(SEEN_KEY) ?? 0;
      this.samples = ctx.storage.kv.get<CounterSample[]>(SAMPLES_KEY) ?? [];
      ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS spent_proofs (id TEXT PRIMARY KEY, expires INTEGER NOT NULL)");
      // The name is known on calls; an alarm may wake the object without it, so it is kept.
      const name = ctx.id.name ?? ctx.storage.kv.get<string>(NAME_KEY) ?? "";
      if (ctx.id.name && ctx.storage.kv.get<string>(NAME_KEY) !== ctx.id.name) ctx.storage.kv.put(NAME_KEY, ctx.id.name);
      const parts = /^(.+):(\d+)$/.exec(name);
      this.laneName = parts ? parts[1]! : name;
      this.shard = parts ? Number(parts[2]) : 0;
      this.steering = ctx.storage.kv.get<Steering>(AUTOPILOT_KEY) ?? null;
      this.places = ctx.storage.kv.get<PlacesAnswer>(PLACES_KEY) ?? null;
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  /**
   * The schedule at `now`; a counter that has never been written starts at its lane's initial rate (the
   * edge names it on every call, since one class serves every lane). After a silence while people waited,
   * resumes from where the cursor stood. Seals a pre-queue whose opening has come, refreshes the liveness
   * estimate, recounts live passes (holding the cursor at the cap) and samples the cursor: all are due at a
   * moment, not on an event, so whichever call comes first applies them.
   */
  private current(now: number, initialRatePerSec?: number): Schedule {
    let s = (this.stored ??= initialSchedule(initialRatePerSec ?? config(this.env).initialRatePerSec, now));
    if (this.seenAt > 0) s = resume(s, this.seenAt, now, this.resumeGapMs);
    this.seen(now);
    if (preQueueOpen(s) && now >= s.opensAt) {
      s = seal(s, now, this.seed);
      this.liveness.watchFrom(s.preFrom + 1, s.preTo, now);
    }
    const estimate = this.liveness.estimate(s, now);
    if (estimate) s = respeed(s, now, estimate.speed, estimate.liveShare);
    s = this.settle(s, now);
    const graceMs = config(this.env).abandonGraceMs;
    if (graceMs > 0) s = markCursor(s, now, graceMs + MARK_EVERY_MS);
    if (s !== this.stored) void this.save(s);
    this.sample(s, now);
    this.ensureAlarm(s);
    return s;
  }

  /** Notes the numbers at `now` in the current sample (a new sample, written, once a period has passed). */
  private sample(s: Schedule, now: number): void {
    const at = serving(s, now);
    const open = preQueueOpen(s);
    const next: CounterSample = {
      t: now - (now % SAMPLE_EVERY_MS),
      issued: s.issued,
      serving: at,
      liveWaiting: Math.round((s.issued - at) * s.liveShare),
      ratePerSec: s.paused || open ? 0 : s.ratePerSec,
      active: s.active,
      preQueued: open ? s.issued - s.preFrom : 0,
      ...this.steeredSample(),
    };
    const last = this.samples[this.samples.length - 1];
    if (last && last.t === next.t) {
      this.samples[this.samples.length - 1] = next;
      return;
    }
    if (last && last.t > next.t) return;
    this.samples.push(next);
    while (this.samples.length && this.samples[0]!.t <= now - SAMPLE_SPAN_MS) this.samples.shift();
    this.ctx.storage.kv.put(SAMPLES_KEY, this.samples);
  }

  /** The autopilot's part of a sample: its last interval and its rate (nulls while the rate is fixed). */
  private steeredSample(): Pick<CounterSample, "p95Ms" | "admittedPerSec" | "chosenRate" | "ceiling"> {
    const lane = this.steering?.lane;
    if (!lane?.autopilot) return { p95Ms: null, admittedPerSec: null, chosenRate: null, ceiling: null };
    return {
      p95Ms: this.lastTick?.p95Ms ?? null,
      admittedPerSec: this.lastTick?.admittedPerSec ?? null,
      chosenRate: lane.rate,
      ceiling: lane.autopilot.maxRate,
    };
  }

  /** Live passes counted now, and the cursor held while they are at the cap (released below it). */
  private settle(s: Schedule, now: number): Schedule {
    const active = this.active.count(now);
    if (active !== s.active) s = { ...s, active };
    return hold(s, now, atCap(s));
  }

  /** Notes a call (persisted at most once a second: an outage is told by the silence before the next). */
  private seen(now: number): void {
    this.seenAt = Math.max(this.seenAt, now);
    if (now - this.seenSavedAt >= 1000) {
      this.seenSavedAt = now;
      this.ctx.storage.kv.put(SEEN_KEY, now);
    }
  }

  private pendingWrite: Promise<void> | null = null;

  /**
   * Persists the schedule (and the pages of the ticket bitmaps and the live-pass counts that changed).
   * Calls that land in the same turn of the event loop share one write: each waits until that write has
   * been issued, and the output gate then holds every answer until it is durable. So no number leaves this
   * object before it is stored, at one commit per batch instead of one per call (the commit, not the
   * arithmetic, is what limits a counter's throughput).
   */
  private save(next: Schedule): Promise<void> {
    next.rev = (this.stored?.rev ?? 0) + 1;
    this.stored = next;
    this.sample(next, this.clock());
    this.pendingWrite ??= new Promise<void>((resolve) =>
      setTimeout(() => {
        this.pendingWrite = null;
        this.ctx.storage.kv.put(STORAGE_KEY, this.stored);
        this.used.flush();
        this.ended.flush();
        this.ctx.storage.kv.put(ACTIVE_KEY, this.active.toJSON());
        resolve();
      }, 0),
    );
    return this.pendingWrite;
  }

  /** Marks a ticket used and its pass live; the same pass again for the same address within REMINT_MS. */
  private mint(seq: number, pass: PassTimes, addr: string, now: number): void {
    this.used.set(seq);
    for (const [n, m] of this.recent) {
      if (m.at > now - REMINT_MS) break;
      this.recent.delete(n);
    }
    this.recent.set(seq, { ...pass, at: now, addr });
    this.active.add(pass.exp, now);
    this.minted++;
  }

  /** What an edge handed over with its call: heartbeats, and (to a leader) its measure of forwarded requests. */
  private receive(handover: Handover | undefined, now: number): void {
    if (!handover) return;
    if (Array.isArray(handover)) {
      this.liveness.record(handover, now);
      return;
    }
    if (handover.beats) this.liveness.record(handover.beats, now);
    if (handover.load) this.addLoad(handover.load, now);
  }

  /**
   * A new arrival: the next sequence number, and the schedule right after issuing it. If the arrival is
   * admitted at once (a line that had run dry, below the cap), its pass is minted here too: `pass` then
   * carries the times the edge signs.
   */
  async issue(
    initialRatePerSec?: number,
    handover?: Handover,
    times?: PassTimes,
    addr = "",
  ): Promise<{ seq: number; schedule: Schedule; now: number; pass?: PassTimes }> {
    const now = this.clock();
    this.receive(handover, now);
    const before = this.current(now, initialRatePerSec);
    let { seq, schedule } = arrive(before, now);
    if (!preQueueOpen(schedule)) this.liveness.arrival(seq, now, serving(before, now) >= before.issued);
    let pass: PassTimes | undefined;
    if (times && !preQueueOpen(schedule) && seq <= serving(schedule, now) && !atCap(schedule) && !schedule.soldOut) {
      this.mint(seq, times, addr, now);
      pass = times;
      schedule = this.settle(schedule, now);
    }
    await this.save(schedule);
    return pass ? { seq, schedule, now, pass } : { seq, schedule, now };
  }

  /**
   * A ticket whose place the edge found reached: its pass is minted, unless the ticket was used before (the
   * same pass again for the same client address, `addr`, within REMINT_MS of minting), the lane is at its
   * cap, or the cursor here has not reached `place` after all (the edge's copy ran ahead of an outage or a cap).
   */
  async admit(
    seq: number,
    place: number,
    times: PassTimes,
    addr: string,
    initialRatePerSec?: number,
    handover?: Handover,
  ): Promise<AdmitAnswer> {
    const now = this.clock();
    this.receive(handover, now);
    let schedule = this.current(now, initialRatePerSec);
    if (this.used.has(seq)) {
      const again = this.recent.get(seq);
      if (again && addr !== "" && again.addr === addr && !this.ended.has(seq) && again.at > now - REMINT_MS)
        return { outcome: "admitted", pass: { adm: again.adm, exp: again.exp, end: again.end }, schedule, now };
      return { outcome: "used", schedule, now };
    }
    if (preQueueOpen(schedule) || place > serving(schedule, now) || schedule.soldOut) return { outcome: "wait", schedule, now };
    if (atCap(schedule)) return { outcome: "full", schedule, now };
    this.mint(seq, times, addr, now);
    schedule = this.settle(schedule, now);
    await this.save(schedule);
    return { outcome: "admitted", pass: times, schedule, now };
  }

  /**
   * Renews a live pass (moving it to its new minute of expiry), or readmits the holder of one that lapsed
   * (counted live again, even at the cap: they were admitted). Refused for a pass the origin ended.
   */
  async extend(
    seq: number,
    oldExp: number,
    newExp: number,
    initialRatePerSec?: number,
    handover?: Handover,
  ): Promise<CounterAnswer & { outcome: "extended" | "ended" }> {
    const now = this.clock();
    this.receive(handover, now);
    let schedule = this.current(now, initialRatePerSec);
    if (this.ended.has(seq)) return { outcome: "ended", schedule, now };
    this.active.remove(oldExp, now);
    this.active.add(newExp, now);
    const again = this.recent.get(seq);
    if (again) again.exp = Math.max(again.exp, newExp);
    schedule = this.settle(schedule, now);
    await this.save(schedule);
    return { outcome: "extended", schedule, now };
  }

  /** The origin says the journey is done: the pass ends (no renewal, no readmission) and stops counting. */
  async revoke(seq: number, exp: number, initialRatePerSec?: number, handover?: Handover): Promise<CounterAnswer> {
    const now = this.clock();
    this.receive(handover, now);
    let schedule = this.current(now, initialRatePerSec);
    this.used.set(seq);
    if (this.ended.set(seq)) this.active.remove(exp, now);
    this.recent.delete(seq);
    schedule = this.settle(schedule, now);
    await this.save(schedule);
    return { schedule, now };
  }

  /**
   * Someone back long after the cursor passed their number rejoins at the cursor (admission.ts `rejoin`):
   * their new place, or `used` if that ticket has admitted someone already.
   */
  async rejoin(seq: number, initialRatePerSec?: number, handover?: Handover): Promise<RejoinAnswer> {
    const now = this.clock();
    this.receive(handover, now);
    const before = this.current(now, initialRatePerSec);
    if (this.used.has(seq)) return { outcome: "used", place: 0, schedule: before, now };
    const { schedule, place } = rejoin(before, now);
    await this.save(schedule);
    return { outcome: "rejoined", place, schedule, now };
  }

  /** Spends a proof of work: true the first time `id` is spent, false ever after (until it expires). */
  spendProof(id: string, expires: number): boolean {
    const now = this.clock();
    const sql = this.ctx.storage.sql;
    if (now - this.sweptAt > 60_000) {
      this.sweptAt = now;
      sql.exec("DELETE FROM spent_proofs WHERE expires <= ?", now);
    }
    const cursor = sql.exec("INSERT INTO spent_proofs (id, expires) VALUES (?, ?) ON CONFLICT (id) DO NOTHING", id, expires);
    cursor.toArray();
    return cursor.rowsWritten > 0;
  }

  async snapshot(initialRatePerSec?: number, handover?: Handover): Promise<CounterAnswer> {
    const now = this.clock();
    this.receive(handover, now);
    const schedule = this.current(now, initialRatePerSec);
    if (this.pendingWrite) await this.pendingWrite;
    return { schedule, now };
  }

  /** The samples of the last SAMPLE_SPAN_MS, oldest first (the current one taken now). */
  history(initialRatePerSec?: number): { samples: CounterSample[]; now: number } {
    const now = this.clock();
    this.current(now, initialRatePerSec);
    return { samples: this.samples.filter((x) => x.t > now - SAMPLE_SPAN_MS), now };
  }

  async configure(change: ScheduleChange, initialRatePerSec?: number): Promise<CounterAnswer> {
    const now = this.clock();
    const schedule = this.settle(reconfigure(this.current(now, initialRatePerSec), now, change), now);
    await this.save(schedule);
    return { schedule, now };
  }

  // ---- The lane's leader: the autopilot's interval, the places left, the audit log ----

  /** This counter's lane as LANES describes it (undefined for a counter of another name: a lane of one). */
  private spec() {
    return config(this.env).laneByName.get(this.laneName);
  }

  /** Whether this lane's people book places (its line stops when the open window has none left). */
  private booksPlaces(): boolean {
    return this.spec()?.places === true;
  }

  private shardTotal(): number {
    return this.spec()?.shards ?? 1;
  }

  /** The lane's shard j ("<lane>:<j>", as the edge names it); its id derived once (a hash of the name). */
  private shardStub(j: number) {
    let id = this.shardIds.get(j);
    if (!id) this.shardIds.set(j, (id = this.env.QUEUE.idFromName(`${this.laneName}:${j}`)));
    return this.env.QUEUE.get(id);
  }

  /** Whether the leader has work for an alarm: the lane is open, and its autopilot is on or its places are watched. */
  private wantsAlarm(s: Schedule): boolean {
    if (this.shard !== 0 || s.paused || preQueueOpen(s)) return false;
    return !!this.steering?.lane.autopilot || !!this.booksPlaces();
  }

  /** Sets the alarm when the leader has work for one and none is set (a call after a quiet spell sets it again). */
  private ensureAlarm(s = this.stored): void {
    if (this.alarmAt !== null || !s || !this.wantsAlarm(s)) return;
    const at = Date.now() + (this.steering?.lane.autopilot ? TICK_MS : PLACES_EVERY_MS);
    this.alarmAt = at;
    void this.ctx.storage.setAlarm(at);
  }

  /**
   * The leader's interval: asks the origin for the places left (every PLACES_EVERY_MS), lets the autopilot
   * decide (every TICK_MS), and sets itself again while the lane is open and anyone is about.
   */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const s = this.stored;
    const now = this.clock();
    if (!s || !this.wantsAlarm(s) || now - Math.max(this.seenAt, this.heardAt) > IDLE_MS) return;
    if (this.booksPlaces() && now - this.polledAt >= PLACES_EVERY_MS) {
      try {
        await this.pollPlaces();
      } catch (err) {
        console.error("places left: applying the answer failed", err);
      }
    }
    if (this.steering?.lane.autopilot) {
      try {
        await this.interval();
      } catch (err) {
        console.error("autopilot interval failed", err);
      }
    }
    this.ensureAlarm();
  }

  /** An interval's window, begun at `since`. */
  private freshWindow(since: number, primed: boolean): LoadWindow {
    return { since, primed, count: 0, errors: 0, done: emptyBuckets(), open: new Map() };
  }

  /** An edge's measure of the lane's forwarded requests, added to the interval (kept only while the autopilot is on). */
  private addLoad(load: LoadReport, now: number): void {
    this.heardAt = now;
    if (!this.steering?.lane.autopilot) return;
    const w = this.window;
    w.count += load.count;
    w.errors += load.errors;
    addBuckets(w.done, load.done);
    // Requests in flight: the isolate's newest view replaces its older one.
    w.open.set(load.isolate, load.open);
  }

  /** An edge's window of the lane's forwarded requests, sent by itself (edge/load.ts `reportLoad`). */
  report(load: LoadReport): void {
    this.addLoad(load, this.clock());
    this.ensureAlarm();
  }

  /** This counter's numbers for its leader's interval; the passes minted are counted afresh from here. */
  tally(): Tally {
    const now = this.clock();
    const minted = this.minted;
    this.minted = 0;
    const s = this.stored;
    return { minted, active: this.active.count(now), liveWaiting: s ? Math.round((s.issued - serving(s, now)) * s.liveShare) : 0 };
  }

  /**
   * One interval of the autopilot: the window's signal (the edges' forwarded requests, p95 counting requests
   * in flight at their age; every shard's admissions, waiting people and live passes), the decision, and a
   * new rate applied to every shard. An interval that spans a pause, a silence, a sold-out or full lane, or
   * that began when the autopilot was turned on, is not judged: the next one begins clean.
   */
  private async interval(): Promise<void> {
    const now = this.clock();
    const s = this.stored;
    const w = this.window;
    const windowMs = now - w.since;
    if (!s || (w.primed && windowMs < MIN_WINDOW_MS)) return;
    const judged = w.primed && windowMs <= GAP_MS && !s.paused && !s.held && !s.soldOut && !preQueueOpen(s);
    this.window = this.freshWindow(now, true);
    const tallies = [
      this.tally(),
      ...(await Promise.all(Array.from({ length: this.shardTotal() - 1 }, (_, i) => this.shardStub(i + 1).tally()))),
    ];
    const lane = this.steering?.lane;
    if (!judged || !lane?.autopilot) return;
    const signal: Signal = {
      windowMs,
      forwarded: w.count,
      p95Ms: quantileMs(
        [
          w.done,
          ...[...w.open.values()].map((open) => {
            const dense = emptyBuckets();
            addBuckets(dense, open);
            return dense;
          }),
        ],
        0.95,
      ),
      errors: w.errors,
      admitted: tallies.reduce((sum, t) => sum + t.minted, 0),
      waiting: tallies.reduce((sum, t) => sum + t.liveWaiting, 0),
      activePasses: tallies.reduce((sum, t) => sum + t.active, 0),
    };
    const { lane: next, decision } = tick(lane, signal, now);
    if (!decision) return;
    const view: SignalView = {
      p95Ms: signal.p95Ms,
      forwarded: signal.forwarded,
      errors: signal.errors,
      admitted: signal.admitted,
      waiting: signal.waiting,
      activePasses: signal.activePasses,
      departures: decision.state.departures === null ? null : Math.round(decision.state.departures * 10) / 10,
    };
    this.steering = { lane: next, last: { reason: decision.reason, at: now, signal: view } };
    this.lastTick = { p95Ms: signal.p95Ms, admittedPerSec: Math.round((signal.admitted / (windowMs / 1000)) * 10) / 10 };
    this.ctx.storage.kv.put(AUTOPILOT_KEY, this.steering);
    if (decision.changed) {
      this.log(now, lane.rate, decision.rate, decision.reason, view);
      await this.applyRate();
    } else if (this.stored) this.sample(this.stored, now);
  }

  /**
   * The lane's rate as the leader holds it, applied: rate/K here (re-anchored: the cursor never jumps) and
   * in every other shard of the lane (the newest rate, in order, whatever changed meanwhile).
   */
  private async applyRate(): Promise<Schedule> {
    const lane = this.steering!.lane;
    const change = { ratePerSec: lane.rate / this.shardTotal(), autopilot: lane.autopilot !== null };
    const [{ schedule }] = await Promise.all([this.configure(change), this.pushRate()]);
    return schedule;
  }

  private pushRate(): Promise<void> {
    const shards = this.shardTotal();
    if (shards <= 1) return Promise.resolve();
    const run = this.pushing.then(async () => {
      const lane = this.steering?.lane;
      if (!lane) return;
      const change = { ratePerSec: lane.rate / shards, autopilot: lane.autopilot !== null };
      await Promise.all(
        Array.from({ length: shards - 1 }, (_, i) => this.shardStub(i + 1).configure(change, this.spec()?.initialRatePerSec)),
      );
    });
    this.pushing = run.catch(() => undefined);
    return run;
  }

  /**
   * An operator's change of the lane's rate (queue/autopilot.ts `operate`: a fixed rate always wins, settings
   * turn the autopilot on or change it, null turns it off at the rate in force), kept, logged with its
   * reason, and applied to every shard. Called on the lane's leader.
   */
  async steer(change: OperatorChange, initialRatePerSec?: number): Promise<CounterAnswer> {
    const now = this.clock();
    const s = this.current(now, initialRatePerSec);
    const before: LaneRate = this.steering?.lane.autopilot
      ? this.steering.lane
      : { rate: round3(s.ratePerSec * this.shardTotal()), autopilot: null, state: null };
    const { lane, reason } = operate(before, change, now);
    if (lane.autopilot && !before.autopilot) {
      this.window = this.freshWindow(now, false);
      this.lastTick = null;
    }
    this.steering = { lane, last: reason ? { reason, at: now, signal: null } : (this.steering?.last ?? null) };
    this.ctx.storage.kv.put(AUTOPILOT_KEY, this.steering);
    if (reason) this.log(now, before.rate, lane.rate, reason, null);
    const schedule = await this.applyRate();
    return { schedule, now };
  }

  /** What the leader knows beyond the schedules: the autopilot (its settings, rate, last reason and changes) and the places left. */
  leaderView(): LeaderView {
    const lane = this.steering?.lane;
    const last = this.steering?.last ?? null;
    const autopilot: AutopilotView | null =
      lane?.autopilot && lane.state
        ? {
            targetP95Ms: lane.autopilot.targetP95Ms,
            minRate: lane.autopilot.minRate,
            maxRate: lane.autopilot.maxRate,
            rate: lane.rate,
            phase: lane.state.phase,
            reason: last ? { code: last.reason.code, text: last.reason.text, at: new Date(last.at).toISOString() } : null,
            signal: last?.signal ?? null,
            changes: this.auditLog(undefined, RECENT_CHANGES).entries,
          }
        : null;
    return { autopilot, placesLeft: this.places?.placesLeft ?? null, placesAtLeast: this.places?.atLeast === true };
  }

  private ensureLog(): void {
    if (this.logReady) return;
    this.ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS autopilot_log (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, from_rate REAL, to_rate REAL NOT NULL, code TEXT NOT NULL, text TEXT NOT NULL, p95 INTEGER, errors INTEGER, forwarded INTEGER, admitted INTEGER, waiting INTEGER, active INTEGER)",
    );
    this.logReady = true;
  }

  /** Keeps a change of the rate in the audit log (the newest LOG_KEEP rows are kept). */
  private log(at: number, from: number | null, to: number, reason: Reason, signal: SignalView | null): void {
    this.ensureLog();
    const sql = this.ctx.storage.sql;
    const { id } = sql
      .exec<{ id: number }>(
        "INSERT INTO autopilot_log (at, from_rate, to_rate, code, text, p95, errors, forwarded, admitted, waiting, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        at,
        from,
        to,
        reason.code,
        reason.text,
        signal?.p95Ms ?? null,
        signal?.errors ?? null,
        signal?.forwarded ?? null,
        signal?.admitted ?? null,
        signal?.waiting ?? null,
        signal?.activePasses ?? null,
      )
      .one();
    if (id > LOG_KEEP) sql.exec("DELETE FROM autopilot_log WHERE id <= ?", id - LOG_KEEP);
  }

  /** The audit log, newest first, `limit` rows older than the page cursor `before` (a previous page's `next`). */
  auditLog(before?: string, limit = LOG_PAGE): { entries: AutopilotChange[]; next: string | null } {
    this.ensureLog();
    const below = before !== undefined && /^\d+$/.test(before) ? Number(before) : Number.MAX_SAFE_INTEGER;
    const rows = this.ctx.storage.sql
      .exec<{
        id: number;
        at: number;
        from_rate: number | null;
        to_rate: number;
        code: string;
        text: string;
        p95: number | null;
        errors: number | null;
        forwarded: number | null;
        admitted: number | null;
        waiting: number | null;
        active: number | null;
      }>("SELECT * FROM autopilot_log WHERE id < ? ORDER BY id DESC LIMIT ?", below, limit + 1)
      .toArray();
    const page = rows.slice(0, limit);
    return {
      entries: page.map((r) => ({
        at: new Date(r.at).toISOString(),
        from: r.from_rate,
        to: r.to_rate,
        code: r.code as ReasonCode,
        text: r.text,
        p95Ms: r.p95,
        errors: r.errors,
        forwarded: r.forwarded,
        admitted: r.admitted,
        waiting: r.waiting,
        activePasses: r.active,
      })),
      next: rows.length > limit ? String(page[page.length - 1]!.id) : null,
    };
  }

  /** The origin's answer on the places left, or undefined when it gives none (a failure keeps the last answer). */
  private async askOrigin(): Promise<PlacesAnswer | undefined> {
    const res = await fetch(`${config(this.env).originUrl}/health/places`, { signal: AbortSignal.timeout(PLACES_TIMEOUT_MS) });
    if (!res.ok) {
      await res.body?.cancel();
      return undefined;
    }
    const parsed = placesAnswer.safeParse(await res.json());
    return parsed.success ? parsed.data : undefined;
  }

  /**
   * Asks how many places are left (`placesSource`) and applies the answer to every shard of the lane: none
   * left holds the cursors (sold out), places back release them. A lane's leader whose lane books places
   * only; no answer keeps the last one.
   */
  async pollPlaces(): Promise<LeaderView> {
    if (this.shard !== 0 || !this.booksPlaces()) return this.leaderView();
    this.polledAt = this.clock();
    let answer: PlacesAnswer | undefined;
    try {
      answer = await this.placesSource();
    } catch {
      answer = undefined;
    }
    if (answer && JSON.stringify(answer) !== JSON.stringify(this.places)) {
      this.places = answer;
      this.ctx.storage.kv.put(PLACES_KEY, answer);
    }
    await this.applyPlaces();
    return this.leaderView();
  }

  private async applyPlaces(): Promise<void> {
    const soldOut = this.places?.placesLeft === 0 && this.places.atLeast !== true;
    const nextOpensAt = this.places?.nextOpensAt ? Date.parse(this.places.nextOpensAt) : 0;
    const now = this.clock();
    const s = this.stored ?? this.current(now, this.spec()?.initialRatePerSec);
    const changed = s.soldOut !== soldOut || s.nextOpensAt !== nextOpensAt;
    if (changed) await this.setSoldOut(soldOut, nextOpensAt);
    const key = `${soldOut}:${nextOpensAt}`;
    if (this.shardTotal() <= 1 || (!changed && this.pushedPlaces === key)) return;
    this.pushedPlaces = key;
    try {
      await Promise.all(
        Array.from({ length: this.shardTotal() - 1 }, (_, i) =>
          this.shardStub(i + 1).setSoldOut(soldOut, nextOpensAt, this.spec()?.initialRatePerSec),
        ),
      );
    } catch (err) {
      this.pushedPlaces = "";
      throw err;
    }
  }

  /** The leader says the open booking window is sold out (or no longer): the cursor holds (or moves on), re-anchored. */
  async setSoldOut(soldOut: boolean, nextOpensAt: number, initialRatePerSec?: number): Promise<CounterAnswer> {
    const now = this.clock();
    const before = this.current(now, initialRatePerSec);
    const schedule = this.settle(markSoldOut(before, now, soldOut, nextOpensAt), now);
    if (schedule !== before) await this.save(schedule);
    return { schedule, now };
  }

  /**
   * Schedules (or moves) this counter's opening. The seed is kept here, unseen, until the opening; the
   * schedule carries only its hash. Moving an opening keeps the seed already committed to.
   */
  async scheduleOpening(
    opensAt: number,
    seed: string,
    commitment: string,
    initialRatePerSec?: number,
  ): Promise<CounterAnswer | { refused: OpeningRefusal; schedule: Schedule; now: number }> {
    const now = this.clock();
    const before = this.current(now, initialRatePerSec);
    const next = scheduleOpening(before, now, opensAt, commitment);
    if (typeof next === "string") return { refused: next, schedule: before, now };
    if (!preQueueOpen(before)) {
      this.seed = seed;
      this.ctx.storage.kv.put(SEED_KEY, seed);
    }
    await this.save(next);
    // An opening set for now (or the past) opens at once.
    return { schedule: this.current(now, initialRatePerSec), now };
  }
}
