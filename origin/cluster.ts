/**
 * The origin's processes under node:cluster. The primary starts `count` workers, which share the
 * listening port (the primary hands each new connection to one of them), and replaces a worker that
 * dies at once, saying so. Nothing about requests lives here: every worker is stateless over the one
 * PostgreSQL database, so a replacement serves the next request as well as the one it replaces. Workers
 * that keep dying straight after starting (a bad setting, a port taken) are not restarted forever: after
 * too many deaths in a short time the primary stops with the reason, and whatever supervises it decides.
 */
import cluster, { type Worker } from "node:cluster";

export interface WorkerPoolOptions {
  count: number;
  /** deaths within `burstMs` beyond which the primary gives up (default: 5 + 2 per worker in 30 s) */
  maxDeaths?: number;
  burstMs?: number;
  log?: (line: string) => void;
}

export interface WorkerPool {
  /** stops every worker (SIGTERM, then waits for it) without replacing any */
  stop(): Promise<void>;
}

export function runWorkers(opts: WorkerPoolOptions): WorkerPool {
  const log = opts.log ?? ((line: string) => console.log(line));
  const burstMs = opts.burstMs ?? 30_000;
  const maxDeaths = opts.maxDeaths ?? 5 + 2 * opts.count;
  const deaths: number[] = [];
  let stopping = false;

  const describe = (w: Worker) => `origin worker ${w.id} (pid ${w.process.pid})`;

  cluster.on("exit", (worker, code, signal) => {
    if (stopping) return;
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const now = Date.now();
    deaths.push(now);
    while (deaths.length > 0 && deaths[0]! < now - burstMs) deaths.shift();
    if (deaths.length > maxDeaths) {
      log(`${describe(worker)} ${how}; ${deaths.length} workers died within ${burstMs / 1000} s, so the origin stops`);
      void pool.stop().finally(() => process.exit(1));
      return;
    }
    const next = cluster.fork();
    log(`${describe(worker)} ${how}; started ${describe(next)} in its place`);
  });

  for (let i = 0; i < opts.count; i++) cluster.fork();

  const pool: WorkerPool = {
    async stop() {
      stopping = true;
      const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && !w.isDead());
      await Promise.all(
        alive.map(
          (w) =>
            new Promise<void>((resolve) => {
              w.once("exit", () => resolve());
              w.process.kill("SIGTERM");
            }),
        ),
      );
    },
  };
  return pool;
}
