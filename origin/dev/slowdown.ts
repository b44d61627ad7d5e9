/**
 * A development-only brake on the origin: it makes the development identity provider's carrier check
 * slower on purpose, so a rehearsal can show what admission does when the origin's capacity drops mid-run
 * (as the carriers' identity check became the bottleneck of the 2021 booking site).
 *
 * It stores, per origin process: the extra time each identity check takes (`identityCheckExtraMs`) and how
 * many checks the simulated carrier answers at once (`identityCheckLines`; null: as many as come), the
 * checks holding a line now, and those waiting for one (first come, first served). With lines, the carrier
 * has a capacity (lines / extra time checks per second): past it, checks queue and wait longer the more
 * people come, as at a real bottleneck. Without lines, every check is slower by the same time however few
 * come, which no admission rate can make faster. Nothing is kept in the database; only the development
 * origin mounts the control (dev/routes.ts), and only the development provider applies it.
 *
 * Under node:cluster each worker has its own brake: a worker that is told passes the settings to the
 * primary, which passes them to every worker (`relaySlowdown`), so all processes brake alike.
 */
import cluster from "node:cluster";

export interface Slowdown {
  /** extra time per identity check (ms); 0: none */
  identityCheckExtraMs: number;
  /** checks the simulated carrier answers at once; null: no limit */
  identityCheckLines: number | null;
}

export const NO_SLOWDOWN: Slowdown = { identityCheckExtraMs: 0, identityCheckLines: null };

export class CarrierBrake {
  private settings: Slowdown = NO_SLOWDOWN;
  private busy = 0;
  private readonly queue: (() => void)[] = [];

  get current(): Slowdown {
    return this.settings;
  }

  /** Checks holding a line now, and checks waiting for one. */
  get load(): { busy: number; waiting: number } {
    return { busy: this.busy, waiting: this.queue.length };
  }

  apply(next: Slowdown): void {
    this.settings = { ...next };
    this.pump();
  }

  /** Runs one identity check's extra time: waits for a free line (if lines are limited), then the extra time. */
  async hold(): Promise<void> {
    if (this.settings.identityCheckExtraMs <= 0 && this.queue.length === 0) return;
    if (this.settings.identityCheckLines !== null && this.busy >= this.settings.identityCheckLines) {
      await new Promise<void>((resolve) => this.queue.push(resolve));
    } else {
      this.busy++;
    }
    try {
      const extra = this.settings.identityCheckExtraMs;
      if (extra > 0) await new Promise((resolve) => setTimeout(resolve, extra));
    } finally {
      this.busy--;
      this.pump();
    }
  }

  /** Lets waiting checks onto lines that are free (all of them once the lines are unlimited). */
  private pump(): void {
    const lines = this.settings.identityCheckLines ?? Number.POSITIVE_INFINITY;
    while (this.queue.length > 0 && this.busy < lines) {
      this.busy++;
      this.queue.shift()!();
    }
  }
}

/** The brake of this origin process. */
export const carrierBrake = new CarrierBrake();

const MESSAGE = "wr:dev-slowdown";

function isSlowdownMessage(m: unknown): m is { type: typeof MESSAGE; settings: Slowdown } {
  return typeof m === "object" && m !== null && (m as { type?: unknown }).type === MESSAGE;
}

if (cluster.isWorker) {
  process.on("message", (m) => {
    if (isSlowdownMessage(m)) carrierBrake.apply(m.settings);
  });
}

/** Applies new settings here and, in a cluster worker, through the primary to every other worker. */
export function shareSlowdown(settings: Slowdown, brake: CarrierBrake = carrierBrake): void {
  brake.apply(settings);
  if (brake === carrierBrake && cluster.isWorker && process.send) process.send({ type: MESSAGE, settings });
}

/** In the cluster's primary (development only): passes a worker's new settings on to every worker. */
export function relaySlowdown(): void {
  cluster.on("message", (_from, m) => {
    if (!isSlowdownMessage(m)) return;
    for (const w of Object.values(cluster.workers ?? {})) if (w && !w.isDead()) w.send(m);
  });
}
