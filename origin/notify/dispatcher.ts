/**
 * Sends outbox rows through their channel adapters, at least once.
 *
 * A dispatcher claims due rows with one UPDATE (FOR UPDATE SKIP LOCKED, so several origin processes never
 * take the same row) and sets a lease; it sends outside any transaction, then marks the row sent, or
 * schedules the next attempt with exponential backoff (1 s, 2 s, 4 s ... capped at 5 min, with jitter)
 * and records the error. If the process dies after sending and before marking, the lease runs out and the
 * row is sent again: receivers de-duplicate by the message id. Nothing is ever given up on; operators see
 * failing rows in the backlog figures.
 */
import { sql } from "drizzle-orm";
import { z } from "zod";
import { col, type Db, execute, instant, query } from "../db";
import { type Channel, type ChannelAdapter, isChannel } from "./channels";

export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_MAX_MS = 5 * 60_000;

/** How long to wait before attempt `attempts + 1`, given `attempts` made so far. */
export function backoffMs(attempts: number, random = Math.random): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

export interface DispatcherOptions {
  db: Db;
  adapters: Record<Channel, ChannelAdapter>;
  clock?: () => number;
  /** rows per round */
  batch?: number;
  /** how long a claimed row is ours before another dispatcher may take it over */
  leaseMs?: number;
  onError?: (err: unknown) => void;
}

export interface Dispatcher {
  /** one round: claim due rows, send them; resolves with what happened */
  runOnce(): Promise<{ sent: number; failed: number }>;
  /** rounds every `intervalMs` until stop() */
  start(intervalMs: number): void;
  stop(): Promise<void>;
}

export function createDispatcher(opts: DispatcherOptions): Dispatcher {
  const clock = opts.clock ?? (() => Date.now());
  const batch = opts.batch ?? 50;
  const leaseMs = opts.leaseMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;

  async function runOnce() {
    const now = new Date(clock());
    const due = await query(
      opts.db,
      z.object({ id: col.text, channel: col.text, recipient: col.text, body: col.text, attempts: col.int }),
      sql`update outbox set lease_until = ${instant(new Date(now.getTime() + leaseMs))}, attempts = attempts + 1
          where id in (
            select id from outbox
            where sent_at is null and next_attempt_at <= ${instant(now)} and (lease_until is null or lease_until <= ${instant(now)})
            order by next_attempt_at limit ${batch}
            for update skip locked)
          returning id, channel, recipient, body, attempts`,
    );
    let sent = 0;
    let failed = 0;
    await Promise.all(
      due.map(async (m) => {
        const { channel } = m;
        try {
          const adapter = isChannel(channel) ? opts.adapters[channel] : undefined;
          if (!isChannel(channel) || !adapter) throw new Error(`no adapter for channel ${channel}`);
          await adapter.send({ id: m.id, channel, to: m.recipient, text: m.body });
          await execute(
            opts.db,
            sql`update outbox set sent_at = ${instant(new Date(clock()))}, lease_until = null, last_error = null where id = ${m.id}`,
          );
          sent++;
        } catch (err) {
          failed++;
          const reason = (err instanceof Error ? err.message : String(err)).slice(0, 500);
          const next = new Date(clock() + backoffMs(m.attempts));
          await execute(
            opts.db,
            sql`update outbox set next_attempt_at = ${instant(next)}, lease_until = null, last_error = ${reason} where id = ${m.id}`,
          );
        }
      }),
    );
    return { sent, failed };
  }

  return {
    runOnce,
    start(intervalMs) {
      const tick = () => {
        if (stopped) return;
        running = runOnce()
          .catch((err) => opts.onError?.(err))
          .finally(() => {
            if (!stopped) timer = setTimeout(tick, intervalMs);
          });
      };
      timer = setTimeout(tick, 0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
