/**
 * QueueCounter: the Durable Object that hands out places in one lane's line (one shard of it).
 *
 * It stores a handful of numbers and never a list of people (see admission.ts for what they mean and
 * the formula over them). Every change is written to DO storage before the answer leaves (the output
 * gate holds it), so a restart or an eviction loses nobody's place and never re-issues a number.
 *
 * Only new arrivals and operators call it. Polls are answered at the edge from a snapshot of the
 * schedule (snapshot.ts), so poll traffic does not grow the load on this object.
 */
import { DurableObject } from "cloudflare:workers";
import { arrive, initialSchedule, reconfigure, type Schedule, type ScheduleChange } from "./admission";
import { config } from "./config";
import type { Env } from "./env";

const STORAGE_KEY = "schedule";

export class QueueCounter extends DurableObject<Env> {
  /** The counter's clock. Tests replace it (runInDurableObject) to drive time. */
  clock: () => number = () => Date.now();
  private stored: Schedule | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.stored = ctx.storage.kv.get<Schedule>(STORAGE_KEY);
    });
  }

  /**
   * The schedule; a counter that has never been written starts at its lane's initial rate (the edge
   * names it on every call, since one class serves every lane).
   */
  private current(initialRatePerSec?: number): Schedule {
    return (this.stored ??= initialSchedule(initialRatePerSec ?? config(this.env).initialRatePerSec, this.clock()));
  }

  private get schedule(): Schedule {
    return this.current();
  }

  private pendingWrite: Promise<void> | null = null;

  /**
   * Persists the schedule. Arrivals that land in the same turn of the event loop share one write:
   * each waits until that write has been issued, and the output gate then holds every answer until it
   * is durable. So no number leaves this object before it is stored, at one commit per batch instead of
   * one per arrival (the commit, not the arithmetic, is what limits a counter's throughput).
   */
  private save(next: Schedule): Promise<void> {
    this.stored = next;
    this.pendingWrite ??= new Promise<void>((resolve) =>
      setTimeout(() => {
        this.pendingWrite = null;
        this.ctx.storage.kv.put(STORAGE_KEY, this.schedule);
        resolve();
      }, 0),
    );
    return this.pendingWrite;
  }

  /** A new arrival: the next sequence number, and the schedule right after issuing it. */
  async issue(initialRatePerSec?: number): Promise<{ seq: number; schedule: Schedule; now: number }> {
    const now = this.clock();
    const { seq, schedule } = arrive(this.current(initialRatePerSec), now);
    await this.save(schedule);
    return { seq, schedule: this.schedule, now };
  }

  async snapshot(initialRatePerSec?: number): Promise<{ schedule: Schedule; now: number }> {
    return { schedule: this.current(initialRatePerSec), now: this.clock() };
  }

  async configure(change: ScheduleChange, initialRatePerSec?: number): Promise<{ schedule: Schedule; now: number }> {
    const now = this.clock();
    await this.save(reconfigure(this.current(initialRatePerSec), now, change));
    return { schedule: this.schedule, now };
  }
}
