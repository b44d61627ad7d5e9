/**
 * QueueCounter: the Durable Object that hands out places in one shard of one lane's line.
 *
 * It stores a handful of numbers and never a list of people (see admission.ts for what they mean and
 * the formula over them), plus, while a scheduled opening is ahead, the secret seed of its pre-queue's
 * draw (prequeue.ts), kept apart from the schedule so that no snapshot carries it before the opening.
 * Every change is written to DO storage before the answer leaves (the output gate holds it), so a restart
 * or an eviction loses nobody's place and never re-issues a number.
 *
 * Only new arrivals, operators and the edge's once-a-second snapshot refresh call it. Polls are answered
 * at the edge from that snapshot, so poll traffic does not grow the load on this object; the refreshes
 * bring the edge's heartbeat counts along (liveness.ts), from which the counter judges abandoned places.
 */
import { DurableObject } from "cloudflare:workers";
import {
  arrive,
  initialSchedule,
  preQueueOpen,
  reconfigure,
  respeed,
  serving,
  scheduleOpening,
  seal,
  upgradeSchedule,
  type OpeningRefusal,
  type Schedule,
  type ScheduleChange,
} from "./admission";
import { config } from "./config";
import type { Env } from "./env";
import { LivenessBook, type Beats } from "./liveness";

const STORAGE_KEY = "schedule";
const SEED_KEY = "seed";

export interface CounterAnswer {
  schedule: Schedule;
  now: number;
}

export class QueueCounter extends DurableObject<Env> {
  /** The counter's clock. Tests replace it (runInDurableObject) to drive time. */
  clock: () => number = () => Date.now();
  private stored: Schedule | undefined;
  private seed = "";
  readonly liveness: LivenessBook;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.liveness = new LivenessBook(config(env).abandonGraceMs);
    ctx.blockConcurrencyWhile(async () => {
      const raw = ctx.storage.kv.get<Schedule>(STORAGE_KEY);
      this.stored = raw && upgradeSchedule(raw);
      this.seed = ctx.storage.kv.get<string>(SEED_KEY) ?? "";
    });
  }

  /**
   * The schedule at `now`; a counter that has never been written starts at its lane's initial rate (the
   * edge names it on every call, since one class serves every lane). Seals a pre-queue whose opening has
   * come and refreshes the liveness estimate: both are due at a moment, not on an event, so whichever
   * call comes first applies them.
   */
  private current(now: number, initialRatePerSec?: number): Schedule {
    let s = (this.stored ??= initialSchedule(initialRatePerSec ?? config(this.env).initialRatePerSec, now));
    if (preQueueOpen(s) && now >= s.opensAt) {
      s = seal(s, now, this.seed);
      this.liveness.watchFrom(s.preFrom + 1, s.preTo, now);
    }
    const estimate = this.liveness.estimate(s, now);
    if (estimate) s = respeed(s, now, estimate.speed, estimate.liveShare);
    if (s !== this.stored) void this.save(s);
    return s;
  }

  private pendingWrite: Promise<void> | null = null;

  /**
   * Persists the schedule. Arrivals that land in the same turn of the event loop share one write:
   * each waits until that write has been issued, and the output gate then holds every answer until it
   * is durable. So no number leaves this object before it is stored, at one commit per batch instead of
   * one per arrival (the commit, not the arithmetic, is what limits a counter's throughput).
   */
  private save(next: Schedule): Promise<void> {
    next.rev = (this.stored?.rev ?? 0) + 1;
    this.stored = next;
    this.pendingWrite ??= new Promise<void>((resolve) =>
      setTimeout(() => {
        this.pendingWrite = null;
        this.ctx.storage.kv.put(STORAGE_KEY, this.stored);
        resolve();
      }, 0),
    );
    return this.pendingWrite;
  }

  /** A new arrival: the next sequence number, and the schedule right after issuing it. */
  async issue(initialRatePerSec?: number, beats?: Beats): Promise<{ seq: number; schedule: Schedule; now: number }> {
    const now = this.clock();
    if (beats) this.liveness.record(beats, now);
    const before = this.current(now, initialRatePerSec);
    const { seq, schedule } = arrive(before, now);
    if (!preQueueOpen(schedule)) this.liveness.arrival(seq, now, serving(before, now) >= before.issued);
    await this.save(schedule);
    return { seq, schedule, now };
  }

  async snapshot(initialRatePerSec?: number, beats?: Beats): Promise<CounterAnswer> {
    const now = this.clock();
    if (beats) this.liveness.record(beats, now);
    const schedule = this.current(now, initialRatePerSec);
    if (this.pendingWrite) await this.pendingWrite;
    return { schedule, now };
  }

  async configure(change: ScheduleChange, initialRatePerSec?: number): Promise<CounterAnswer> {
    const now = this.clock();
    const schedule = reconfigure(this.current(now, initialRatePerSec), now, change);
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
