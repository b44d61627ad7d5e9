/**
 * Keeps one process of `npm start` running (the origin, or the edge's `wrangler dev`) and says on the
 * terminal, in plain words, what happens to it:
 *
 *   it dies            it is started again after a pause that doubles with each failure in a row
 *                      (0.5 s, 1 s, 2 s, … up to 10 s); once it has stayed up and answering for 30 s, the
 *                      next pause is back to 0.5 s.
 *   it stops answering its health check (an HTTP GET with a short timeout, every few seconds) failing
 *                      several times in a row means it is wedged, or that a process under it is gone while
 *                      it lives on (workerd under wrangler dev: the port stays open and requests hang). Its
 *                      process group is stopped (SIGTERM, then SIGKILL after a grace) and started again.
 *   it never comes up  a fresh process that has not answered within its start-up bound is restarted the
 *                      same way. One that exits before it ever answered, on its very first start, is not:
 *                      that is a setting or a busy port to fix, and `onGiveUp` stops the rest.
 *
 * Each process leads its own process group, so stopping it also stops what it started, and whatever a
 * dead one leaves behind (workerd, cluster workers) is cleared before it is started again.
 */

/** What the supervisor needs of a started process (a `ChildProcess` spawned with `detached: true`). */
export interface Supervised {
  readonly pid?: number;
  once(event: "exit", listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
}

export interface Policy {
  /** the first pause before starting a dead process again; each failure in a row doubles it */
  firstDelayMs: number;
  maxDelayMs: number;
  /** up and answering this long: the pause starts again from `firstDelayMs` */
  healthyResetMs: number;
  /** between health checks of a running process (while it starts: `startupProbeMs`) */
  probeEveryMs: number;
  startupProbeMs: number;
  /** failed health checks in a row that make a running process count as not answering */
  failuresToRestart: number;
  /** how long a fresh process may take to answer its first health check */
  startupTimeoutMs: number;
  /** after this long still starting, the terminal is told it is still being waited for */
  slowStartNoteMs: number;
  /** between SIGTERM and SIGKILL when stopping a process group */
  stopGraceMs: number;
}

export const DEFAULT_POLICY: Policy = {
  firstDelayMs: 500,
  maxDelayMs: 10_000,
  healthyResetMs: 30_000,
  probeEveryMs: 3_000,
  startupProbeMs: 500,
  failuresToRestart: 3,
  startupTimeoutMs: 120_000,
  slowStartNoteMs: 30_000,
  stopGraceMs: 5_000,
};

export interface SupervisorOptions {
  /** how the terminal names it: "origin", "edge (wrangler dev)" */
  name: string;
  /** starts the process (in its own process group) */
  start(): Supervised;
  /** true when it answered its health check in time (`starting`: it has not answered one since it started) */
  probe(starting: boolean): Promise<boolean>;
  policy?: Partial<Policy>;
  log?(line: string): void;
  /** sends a signal to a process group; by default `process.kill(-pid, signal)`, ignoring a group already gone */
  signalGroup?(pid: number, signal: NodeJS.Signals): void;
  /** it answered its first health check after a start */
  onReady?(): void;
  /** it exited on its first start before it ever answered (it is not started again) */
  onGiveUp?(reason: string): void;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* the group is gone already */
  }
}

/** A pause or an age in plain words: "0.5 s", "10 s", "2 min". */
export function inWords(ms: number): string {
  if (ms < 1000) return `${Math.round(ms / 100) / 10} s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

export class Supervisor {
  private readonly policy: Policy;
  private readonly log: (line: string) => void;
  private readonly signal: (pid: number, signal: NodeJS.Signals) => void;
  private child: Supervised | undefined;
  private alive = false;
  private exited: Promise<void> = Promise.resolve();
  private launchedAt = 0;
  /** when the current process first answered, and when it last did */
  private readyAt: number | undefined;
  private lastOkAt = 0;
  private failures = 0;
  /** the supervisor itself asked the current process to stop, to start it again */
  private restarting = false;
  private stopping = false;
  /** starts in a row without a healthy spell between them: the exponent of the pause */
  private streak = 0;
  private timers = new Set<ReturnType<typeof setTimeout>>();
  /** it has answered at least once since `npm start` began */
  everReady = false;
  /** how many times it has been started */
  starts = 0;

  constructor(private readonly opts: SupervisorOptions) {
    this.policy = { ...DEFAULT_POLICY, ...opts.policy };
    this.log = opts.log ?? ((line) => console.error(line));
    this.signal = opts.signalGroup ?? signalGroup;
  }

  start(): void {
    this.launch();
  }

  /** Stops the process group for good: SIGTERM, SIGKILL after the grace; resolves once it has exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const pid = this.child?.pid;
    if (!this.alive || pid === undefined) return;
    this.signal(pid, "SIGTERM");
    const kill = setTimeout(() => this.signal(pid, "SIGKILL"), this.policy.stopGraceMs);
    await this.exited;
    clearTimeout(kill);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private launch(): void {
    if (this.stopping) return;
    this.readyAt = undefined;
    this.failures = 0;
    this.restarting = false;
    this.launchedAt = Date.now();
    this.starts++;
    const child = this.opts.start();
    this.child = child;
    this.alive = true;
    this.exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        this.onExit(child, code, signal);
        resolve();
      }),
    );
    this.later(this.policy.startupProbeMs, () => void this.check(child));
    this.later(this.policy.slowStartNoteMs, () => {
      if (this.child === child && this.alive && this.readyAt === undefined && !this.restarting) {
        this.log(`${this.opts.name} has not answered yet after ${inWords(Date.now() - this.launchedAt)}; still waiting for it.`);
      }
    });
  }

  private current(child: Supervised): boolean {
    return this.child === child && this.alive && !this.restarting && !this.stopping;
  }

  private async check(child: Supervised): Promise<void> {
    if (!this.current(child)) return;
    let ok = false;
    try {
      ok = await this.opts.probe(this.readyAt === undefined);
    } catch {
      ok = false;
    }
    if (!this.current(child)) return;
    const { policy } = this;
    const now = Date.now();
    if (ok) {
      this.lastOkAt = now;
      this.failures = 0;
      if (this.readyAt === undefined) {
        this.readyAt = now;
        if (this.everReady) this.log(`${this.opts.name} is up again.`);
        this.everReady = true;
        this.opts.onReady?.();
      }
      this.later(policy.probeEveryMs, () => void this.check(child));
    } else if (this.readyAt === undefined) {
      if (now - this.launchedAt >= policy.startupTimeoutMs) {
        this.restart(child, `${this.opts.name} did not answer within ${inWords(policy.startupTimeoutMs)} of starting`);
      } else {
        this.later(policy.startupProbeMs, () => void this.check(child));
      }
    } else if (++this.failures >= policy.failuresToRestart) {
      this.restart(child, `${this.opts.name} has stopped answering (${this.failures} health checks in a row failed)`);
    } else {
      this.later(policy.probeEveryMs, () => void this.check(child));
    }
  }

  private restart(child: Supervised, reason: string): void {
    this.restarting = true;
    this.log(`${reason}; restarting it.`);
    const pid = child.pid;
    if (pid === undefined) return;
    this.signal(pid, "SIGTERM");
    this.later(this.policy.stopGraceMs, () => {
      if (this.child === child && this.alive) this.signal(pid, "SIGKILL");
    });
  }

  private onExit(child: Supervised, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    this.alive = false;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    // Whatever the process started and left behind (workerd, cluster workers) goes with it.
    if (child.pid !== undefined) this.signal(child.pid, "SIGKILL");
    if (this.stopping) return;
    const how = signal ? `killed by ${signal}` : `exit code ${code}`;
    if (!this.everReady && !this.restarting) {
      const reason = `${this.opts.name} stopped before it came up (${how})`;
      this.log(`${reason}.`);
      this.opts.onGiveUp?.(reason);
      return;
    }
    if (this.readyAt !== undefined && this.lastOkAt - this.readyAt >= this.policy.healthyResetMs) this.streak = 0;
    const delay = Math.min(this.policy.maxDelayMs, this.policy.firstDelayMs * 2 ** this.streak);
    this.streak++;
    const inARow = this.streak > 1 ? ` (${this.streak} failures in a row)` : "";
    if (this.restarting) this.log(`${this.opts.name} stopped; starting it again in ${inWords(delay)}${inARow}.`);
    else this.log(`${this.opts.name} stopped unexpectedly (${how}); starting it again in ${inWords(delay)}${inARow}.`);
    this.later(delay, () => this.launch());
  }
}

/**
 * A health check: GET `url`, answered 2xx, its body read to the end, within `timeoutMs` (`startingMs` while
 * the process has not answered since it started: a process that is starting holds its first requests until it
 * is ready). The answer is read rather than dropped: a server still writing to a connection its client
 * hung up on logs an error (workerd logs "Broken pipe"), and a check that gives up early does the same.
 */
export function httpProbe(url: string, timeoutMs: number, startingMs = timeoutMs): (starting: boolean) => Promise<boolean> {
  return async (starting) => {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(starting ? startingMs : timeoutMs) });
      await res.arrayBuffer();
      return res.ok;
    } catch {
      return false;
    }
  };
}
