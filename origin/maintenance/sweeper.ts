/**
 * The sweeper: deletes what is no longer needed, so personal data lives no longer than its use. It keeps
 * no state; every origin process may run one (their deletions skip each other's rows).
 *
 *   identity challenges  (name, encrypted resident number, phone) once expired and older than the longest
 *                        limit window: the per-phone and per-client start limits count them until then
 *   sessions             once expired (nothing reads an ended session)
 *   lookup attempts      once older than the longest limit window (origin/limits.ts): no limit counts them
 *   holds                one session length after they expired: until then the journey that made one may
 *                        still confirm it (if its place is free) or show where it was
 *   idempotency keys     a day after the request: a client retries a dropped confirmation within seconds
 *                        or minutes, and the answer holds the subject's name and masked number
 *   pass bindings        once the pass they bind can no longer be used or renewed
 *   development codes    (development provider only) once older than the longest limit window
 *
 * Each kind is deleted in batches until none is left, every `intervalMs` (default a minute).
 */
import type { Db } from "../db";
import { LONGEST_LIMIT_WINDOW_MS } from "../limits";
import {
  deleteChallenges,
  deleteDevCodes,
  deleteEndedJourneys,
  deleteHolds,
  deleteIdempotencyKeys,
  deleteLookupMisses,
  deleteSessions,
} from "./queries";

export const SWEEP_INTERVAL_MS = 60_000;
/** How long the answer to an Idempotency-Key request is kept for its retries. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 3_600_000;
const BATCH = 1000;

export interface SweepResult {
  challenges: number;
  sessions: number;
  lookupMisses: number;
  holds: number;
  idempotencyKeys: number;
  journeys: number;
  devCodes: number;
}

export interface SweeperOptions {
  db: Db;
  /** how long a session lasts (config.sessionTtlMs): expired holds are kept that long */
  sessionTtlMs: number;
  clock?: () => number;
  intervalMs?: number;
  batch?: number;
  onError?: (err: unknown) => void;
}

export interface Sweeper {
  /** one sweep at the clock's now; resolves with how many rows of each kind went */
  runOnce(): Promise<SweepResult>;
  /** sweeps every `intervalMs` until stop() */
  start(): void;
  stop(): Promise<void>;
}

/** Runs `one` until it deletes less than a full batch; returns the total. */
async function drain(one: () => Promise<number>, batch: number): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await one();
    total += n;
    if (n < batch) return total;
  }
}

export function createSweeper(opts: SweeperOptions): Sweeper {
  const clock = opts.clock ?? (() => Date.now());
  const batch = opts.batch ?? BATCH;
  const intervalMs = opts.intervalMs ?? SWEEP_INTERVAL_MS;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;

  async function runOnce(): Promise<SweepResult> {
    const now = new Date(clock());
    const limitsStart = new Date(now.getTime() - LONGEST_LIMIT_WINDOW_MS);
    const { db } = opts;
    return {
      challenges: await drain(() => deleteChallenges(db, { now, createdBefore: limitsStart, limit: batch }), batch),
      sessions: await drain(() => deleteSessions(db, { now, limit: batch }), batch),
      lookupMisses: await drain(() => deleteLookupMisses(db, { before: limitsStart, limit: batch }), batch),
      holds: await drain(() => deleteHolds(db, { expiredBefore: new Date(now.getTime() - opts.sessionTtlMs), limit: batch }), batch),
      idempotencyKeys: await drain(
        () => deleteIdempotencyKeys(db, { before: new Date(now.getTime() - IDEMPOTENCY_RETENTION_MS), limit: batch }),
        batch,
      ),
      journeys: await drain(() => deleteEndedJourneys(db, { now, limit: batch }), batch),
      devCodes: await drain(() => deleteDevCodes(db, { before: limitsStart, limit: batch }), batch),
    };
  }

  return {
    runOnce,
    start() {
      const tick = () => {
        if (stopped) return;
        running = runOnce()
          .catch((err) => opts.onError?.(err))
          .finally(() => {
            if (!stopped) timer = setTimeout(tick, intervalMs).unref();
          });
      };
      timer = setTimeout(tick, 0).unref();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** Starts a sweeper for the origin's database (server.ts). */
export function startSweeper(opts: SweeperOptions): Sweeper {
  const sweeper = createSweeper(opts);
  sweeper.start();
  return sweeper;
}
