/**
 * The supervisor's policy (scripts/supervisor.ts) on a fake clock (vitest's fake timers) with fake
 * processes: when a dead process is started again and after what pause, when one that stops answering is
 * restarted, what the terminal is told, and that stopping stops for good.
 */
import { EventEmitter } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { httpProbe, inWords, type Policy, Supervisor } from "../../scripts/supervisor";

/** A process that answers its health check while `answering`, and exits on SIGTERM/SIGKILL when `obeys`. */
class FakeProcess extends EventEmitter {
  answering = false;
  obeys = true;
  alive = true;
  constructor(readonly pid: number) {
    super();
  }
  die(code: number | null, signal: NodeJS.Signals | null = null) {
    if (!this.alive) return;
    this.alive = false;
    this.emit("exit", code, signal);
  }
}

class Harness {
  processes: FakeProcess[] = [];
  lines: string[] = [];
  signals: [number, NodeJS.Signals][] = [];
  gaveUp: string[] = [];
  readyCount = 0;
  /** each health check's `starting` */
  probes: boolean[] = [];
  supervisor: Supervisor;

  constructor(policy: Partial<Policy> = {}, opts: { answersAtOnce?: boolean } = {}) {
    this.supervisor = new Supervisor({
      name: "origin",
      start: () => {
        const p = new FakeProcess(1000 + this.processes.length);
        p.answering = opts.answersAtOnce ?? true;
        this.processes.push(p);
        return p;
      },
      probe: async (starting) => {
        this.probes.push(starting);
        return this.current.alive && this.current.answering;
      },
      policy,
      log: (line) => this.lines.push(line),
      signalGroup: (pid, signal) => {
        this.signals.push([pid, signal]);
        const p = this.processes.find((x) => x.pid === pid);
        if (p?.alive && p.obeys) setTimeout(() => p.die(null, signal), 50);
      },
      onReady: () => this.readyCount++,
      onGiveUp: (reason) => this.gaveUp.push(reason),
    });
  }
  get current(): FakeProcess {
    return this.processes[this.processes.length - 1]!;
  }
  get starts(): number {
    return this.processes.length;
  }
  last(): string {
    return this.lines[this.lines.length - 1] ?? "";
  }
}

const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

beforeEach(() => {
  vi.useFakeTimers({ now: 1_750_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("a process that dies", () => {
  it("is started again after 0.5 s, then after pauses doubling to 10 s while it keeps failing, and the terminal is told", async () => {
    const h = new Harness();
    h.supervisor.start();
    await advance(1000);
    expect(h.readyCount).toBe(1);

    h.current.die(null, "SIGKILL");
    expect(h.last()).toBe("origin stopped unexpectedly (killed by SIGKILL); starting it again in 0.5 s.");
    // the dead process's group is cleared of anything it left behind
    expect(h.signals).toContainEqual([1000, "SIGKILL"]);
    await advance(499);
    expect(h.starts).toBe(1);
    await advance(1);
    expect(h.starts).toBe(2);

    // From now on it dies at once, every time: 1, 2, 4, 8, 10, 10 s.
    const pauses: string[] = [];
    for (let i = 0; i < 6; i++) {
      const before = h.starts;
      h.current.die(1);
      pauses.push(h.last());
      const pause = Number(/again in ([\d.]+) s/.exec(h.last())![1]) * 1000;
      await advance(pause - 1);
      expect(h.starts).toBe(before);
      await advance(1);
      expect(h.starts).toBe(before + 1);
    }
    expect(pauses.map((l) => /again in ([\d.]+ s)/.exec(l)![1])).toEqual(["1 s", "2 s", "4 s", "8 s", "10 s", "10 s"]);
    expect(pauses[0]).toBe("origin stopped unexpectedly (exit code 1); starting it again in 1 s (2 failures in a row).");
    expect(h.gaveUp).toEqual([]);
  });

  it("is back to the shortest pause once it has been up and answering for 30 s, not after a shorter spell", async () => {
    const h = new Harness();
    h.supervisor.start();
    await advance(1000);
    h.current.die(null, "SIGKILL");
    await advance(500);
    h.current.die(null, "SIGKILL");
    expect(h.last()).toMatch(/again in 1 s/);
    await advance(1000);
    // up and answering for about 10 s: not long enough
    await advance(10_000);
    h.current.die(null, "SIGKILL");
    expect(h.last()).toMatch(/again in 2 s/);
    await advance(2000);
    // up and answering for over 30 s: the next pause is the first one again
    await advance(35_000);
    h.current.die(null, "SIGKILL");
    expect(h.last()).toBe("origin stopped unexpectedly (killed by SIGKILL); starting it again in 0.5 s.");
  });

  it("says when it is up again after being started again", async () => {
    const h = new Harness();
    h.supervisor.start();
    await advance(1000);
    expect(h.lines).toEqual([]);
    h.current.die(null, "SIGKILL");
    await advance(1500);
    expect(h.starts).toBe(2);
    expect(h.last()).toBe("origin is up again.");
    expect(h.readyCount).toBe(2);
  });

  it("is not started again when it exits on its very first start before it ever answered", async () => {
    const h = new Harness({}, { answersAtOnce: false });
    h.supervisor.start();
    await advance(2000);
    h.current.die(1);
    expect(h.gaveUp).toEqual(["origin stopped before it came up (exit code 1)"]);
    await advance(60_000);
    expect(h.starts).toBe(1);
  });
});

describe("a process that stops answering", () => {
  it("is restarted after three failed health checks in a row: SIGTERM to its group, then started again", async () => {
    const h = new Harness();
    h.supervisor.start();
    await advance(500); // first check: up
    expect(h.readyCount).toBe(1);
    h.current.answering = false;
    await advance(3000 * 2);
    expect(h.signals).toEqual([]); // two misses are not enough
    await advance(2999);
    expect(h.signals).toEqual([]);
    await advance(1); // the third miss in a row
    expect(h.last()).toBe("origin has stopped answering (3 health checks in a row failed); restarting it.");
    expect(h.signals).toEqual([[1000, "SIGTERM"]]);
    await advance(50); // it exits on SIGTERM
    expect(h.last()).toBe("origin stopped; starting it again in 0.5 s.");
    expect(h.signals).toEqual([
      [1000, "SIGTERM"],
      [1000, "SIGKILL"],
    ]); // leftovers of its group cleared
    await advance(500);
    expect(h.starts).toBe(2);
    await advance(500);
    expect(h.last()).toBe("origin is up again.");
  });

  it("is not restarted for a miss or two between answers", async () => {
    const h = new Harness();
    h.supervisor.start();
    await advance(1000);
    for (let i = 0; i < 5; i++) {
      h.current.answering = false;
      await advance(6000); // two checks missed
      h.current.answering = true;
      await advance(3000);
    }
    expect(h.signals).toEqual([]);
    expect(h.starts).toBe(1);
  });

  it("is killed (SIGKILL) when it does not exit within the grace after SIGTERM", async () => {
    const h = new Harness();
    h.supervisor.start();
    await advance(500);
    h.current.answering = false;
    h.current.obeys = false;
    await advance(9000);
    expect(h.signals).toEqual([[1000, "SIGTERM"]]);
    await advance(4999);
    expect(h.signals).toEqual([[1000, "SIGTERM"]]);
    await advance(1);
    expect(h.signals).toEqual([
      [1000, "SIGTERM"],
      [1000, "SIGKILL"],
    ]);
    h.current.die(null, "SIGKILL");
    await advance(500);
    expect(h.starts).toBe(2);
  });

  it("is restarted when a fresh process does not answer within its start-up bound", async () => {
    const h = new Harness({ startupTimeoutMs: 60_000 }, { answersAtOnce: false });
    h.supervisor.start();
    await advance(30_000);
    expect(h.last()).toBe("origin has not answered yet after 30 s; still waiting for it.");
    await advance(29_999);
    expect(h.signals).toEqual([]);
    await advance(1);
    expect(h.last()).toBe("origin did not answer within 60 s of starting; restarting it.");
    expect(h.signals).toEqual([[1000, "SIGTERM"]]);
    await advance(50 + 500);
    expect(h.starts).toBe(2);
    expect(h.gaveUp).toEqual([]);
  });
});

describe("stopping", () => {
  it("stops the process group for good: SIGTERM, no restart, and resolves once it has exited", async () => {
    const h = new Harness();
    h.supervisor.start();
    await advance(1000);
    const stopped = h.supervisor.stop();
    expect(h.signals).toEqual([[1000, "SIGTERM"]]);
    await advance(100);
    await stopped;
    await advance(60_000);
    expect(h.starts).toBe(1);
    expect(h.lines).toEqual([]);
  });

  it("kills a process that ignores SIGTERM after the grace", async () => {
    const h = new Harness();
    h.supervisor.start();
    await advance(1000);
    h.current.obeys = false;
    let done = false;
    void h.supervisor.stop().then(() => (done = true));
    await advance(5000);
    expect(h.signals).toEqual([
      [1000, "SIGTERM"],
      [1000, "SIGKILL"],
    ]);
    expect(done).toBe(false);
    h.current.die(null, "SIGKILL");
    await advance(0);
    expect(done).toBe(true);
    expect(h.starts).toBe(1);
  });

  it("cancels a pending restart", async () => {
    const h = new Harness();
    h.supervisor.start();
    await advance(1000);
    h.current.die(null, "SIGKILL");
    await h.supervisor.stop();
    await advance(20_000);
    expect(h.starts).toBe(1);
  });
});

describe("the health check", () => {
  it("says a process is starting until its first answer, and again after it is started again", async () => {
    const h = new Harness({}, { answersAtOnce: false });
    h.supervisor.start();
    await advance(1_600);
    h.current.answering = true;
    await advance(7_000);
    expect(h.probes.slice(0, 3)).toEqual([true, true, true]);
    expect(h.probes.at(-1)).toBe(false);
    const seen = h.probes.length;
    h.current.die(1);
    await advance(1_200);
    expect(h.starts).toBe(2);
    expect(h.probes[seen]).toBe(true);
  });

  it("reads the answer to its end, and waits longer for a starting process's first answer", async () => {
    vi.useRealTimers();
    let finished = 0;
    let failed = 0;
    const server = createServer((req, res) => {
      // a slow start: the first answer after 300 ms; the body in two parts, the second 100 ms later
      setTimeout(
        () => {
          res.writeHead(200, { "content-type": "text/plain" });
          res.write("po");
          setTimeout(() => res.end("ng"), 100);
          res.on("finish", () => finished++);
          res.on("error", () => failed++);
          res.on("close", () => {
            if (!res.writableFinished) failed++;
          });
        },
        req.url === "/slow" ? 300 : 0,
      );
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(await httpProbe(`${base}/`, 1000)(false)).toBe(true);
      expect(finished).toBe(1);
      expect(failed).toBe(0);
      expect(await httpProbe(`${base}/slow`, 200, 2000)(true)).toBe(true);
      expect(await httpProbe(`${base}/slow`, 200, 2000)(false)).toBe(false);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe("inWords", () => {
  it("words a pause as people read it", () => {
    expect([500, 1000, 2000, 10_000, 90_000, 300_000].map(inWords)).toEqual(["0.5 s", "1 s", "2 s", "10 s", "90 s", "5 min"]);
  });
});
