/**
 * QueueCounter: the Durable Object that hands out places in one shard of one lane's line, and keeps count
 * of the passes it minted.
 *
 * It stores a handful of numbers and never a list of people (see admission.ts for what they mean and
 * the formula over them), plus, while a scheduled opening is ahead, the secret seed of its pre-queue's
 * draw (prequeue.ts), kept apart from the schedule so that no snapshot carries it before the opening.
 * For the passes (passes.ts at the edge):
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
 * Only new arrivals, admissions, renewals, operators and the edge's once-a-second snapshot refresh call it.
 * Polls are answered at the edge from that snapshot, so poll traffic does not grow the load on this object;
 * the refreshes bring the edge's heartbeat counts along (liveness.ts), from which the counter judges
 * abandoned places.
 */
import { DurableObject } from "cloudflare:workers";
import {
  arrive,
  atCap,
  hold,
  initialSchedule,
  markCursor,
  MARK_EVERY_MS,
  preQueueOpen,
  reconfigure,
  rejoin,
  respeed,
  resume,
  RESUME_GAP_MS,
  serving,
  scheduleOpening,
  seal,
  upgradeSchedule,
  type OpeningRefusal,
  type Schedule,
  type ScheduleChange,
} from "./admission";
import { ActivePasses } from "./active-passes";
import { PagedBits } from "./bitmap";
import { config } from "./config";
import type { Env } from "./env";
import { LivenessBook, type Beats } from "./liveness";

const STORAGE_KEY = "schedule";
const SEED_KEY = "seed";
const ACTIVE_KEY = "active";
const SEEN_KEY = "seen";
const SAMPLES_KEY = "samples";
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

export class QueueCounter extends DurableObject<Env> {
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

  constructor(ctx: DurableObjectState, env: Env) {
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
  }

  /**
   * A new arrival: the next sequence number, and the schedule right after issuing it. If the arrival is
   * admitted at once (a line that had run dry, below the cap), its pass is minted here too: `pass` then
   * carries the times the edge signs.
   */
  async issue(initialRatePerSec?: number, beats?: Beats, times?: PassTimes, addr = ""): Promise<{ seq: number; schedule: Schedule; now: number; pass?: PassTimes }> {
    const now = this.clock();
    if (beats) this.liveness.record(beats, now);
    const before = this.current(now, initialRatePerSec);
    let { seq, schedule } = arrive(before, now);
    if (!preQueueOpen(schedule)) this.liveness.arrival(seq, now, serving(before, now) >= before.issued);
    let pass: PassTimes | undefined;
    if (times && !preQueueOpen(schedule) && seq <= serving(schedule, now) && !atCap(schedule)) {
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
  async admit(seq: number, place: number, times: PassTimes, addr: string, initialRatePerSec?: number, beats?: Beats): Promise<AdmitAnswer> {
    const now = this.clock();
    if (beats) this.liveness.record(beats, now);
    let schedule = this.current(now, initialRatePerSec);
    if (this.used.has(seq)) {
      const again = this.recent.get(seq);
      if (again && addr !== "" && again.addr === addr && !this.ended.has(seq) && again.at > now - REMINT_MS) return { outcome: "admitted", pass: { adm: again.adm, exp: again.exp, end: again.end }, schedule, now };
      return { outcome: "used", schedule, now };
    }
    if (preQueueOpen(schedule) || place > serving(schedule, now)) return { outcome: "wait", schedule, now };
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
  async extend(seq: number, oldExp: number, newExp: number, initialRatePerSec?: number, beats?: Beats): Promise<CounterAnswer & { outcome: "extended" | "ended" }> {
    const now = this.clock();
    if (beats) this.liveness.record(beats, now);
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
  async revoke(seq: number, exp: number, initialRatePerSec?: number, beats?: Beats): Promise<CounterAnswer> {
    const now = this.clock();
    if (beats) this.liveness.record(beats, now);
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
  async rejoin(seq: number, initialRatePerSec?: number, beats?: Beats): Promise<RejoinAnswer> {
    const now = this.clock();
    if (beats) this.liveness.record(beats, now);
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

  async snapshot(initialRatePerSec?: number, beats?: Beats): Promise<CounterAnswer> {
    const now = this.clock();
    if (beats) this.liveness.record(beats, now);
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
