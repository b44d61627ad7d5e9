/**
 * `npm start` under faults, on the whole system (test/browser/system.ts; a throwaway PostgreSQL database):
 *   - the origin killed (`kill -9`): admitted people get 503 origin_unavailable with Retry-After at once (a
 *     page for browsers), never a hang; the origin is started again and the same pass goes through;
 *   - every workerd of the edge killed: the edge stops answering, which is detected, and wrangler dev is
 *     restarted;
 *   - the Worker's workerd frozen (SIGSTOP: the port stays open and requests hang): detected, restarted.
 * Each time the terminal says what happened.
 */
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningSystem, startSystem } from "./system";

const DATABASE = process.env.TEST_DATABASE_URL;
if (!DATABASE)
  console.warn("\n!! SUPERVISION TEST SKIPPED: TEST_DATABASE_URL is not set (the system runs on a throwaway PostgreSQL database)\n");

let sys: RunningSystem;

beforeAll(async () => {
  if (DATABASE) sys = await startSystem(DATABASE, { browser: false });
});
afterAll(async () => {
  await sys?.stop();
});

/** The processes under `root`, with their command lines. */
function descendants(root: number): { pid: number; args: string }[] {
  const rows = execFileSync("ps", ["-eo", "pid=,ppid=,args="], { encoding: "utf8" })
    .split("\n")
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3]! }));
  const out: { pid: number; args: string }[] = [];
  const todo = [root];
  while (todo.length > 0) {
    const parent = todo.pop()!;
    for (const row of rows.filter((r) => r.ppid === parent)) {
      out.push(row);
      todo.push(row.pid);
    }
  }
  return out;
}

function signal(pids: number[], sig: NodeJS.Signals): void {
  expect(pids.length).toBeGreaterThan(0);
  for (const pid of pids) process.kill(pid, sig);
}

const originPids = () =>
  descendants(sys.pid)
    .filter((p) => p.args.includes("origin/server.ts"))
    .map((p) => p.pid);
const workerdPids = () => descendants(sys.pid).filter((p) => /\bworkerd serve\b/.test(p.args));

/** Milliseconds until `ok()` holds (checked every 250 ms), failing after `withinMs`. */
async function until(ok: () => Promise<boolean>, withinMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < withinMs) {
    if (await ok().catch(() => false)) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not happen within ${withinMs / 1000} s; npm start said:\n${sys.output().slice(-4000)}`);
}

const edgeAnswers = async () => (await fetch(`${sys.url}/_wr/ping`, { signal: AbortSignal.timeout(2000) })).ok;

describe.skipIf(!DATABASE)("npm start under faults", () => {
  let cookie = "";
  const pass = (accept = "application/json") =>
    fetch(`${sys.url}/api/pass`, { headers: { cookie, accept }, redirect: "manual", signal: AbortSignal.timeout(10_000) });

  it("admits a person (the pass used below)", async () => {
    await sys.operator({ ratePerSec: 100 });
    await until(
      async () => {
        const res = await pass();
        const set = res.headers.getSetCookie().map((c) => c.split(";")[0]!);
        if (set.length > 0) cookie = set.join("; ");
        return res.status === 200;
      },
      10_000,
      "admission",
    );
  });

  it("answers 503 origin_unavailable at once while the origin is down, then the origin is back within seconds", async () => {
    signal(originPids(), "SIGKILL");
    const started = Date.now();
    const down = await pass();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(down.status).toBe(503);
    expect(down.headers.get("retry-after")).toBe("5");
    expect(await down.json()).toMatchObject({ code: "origin_unavailable" });
    const page = await fetch(`${sys.url}/`, { headers: { cookie, accept: "text/html" }, signal: AbortSignal.timeout(10_000) });
    if (page.status === 503) {
      const html = await page.text();
      expect(html).toContain("잠시 후 다시 시도해 주세요");
      expect(html).toMatch(/<meta http-equiv="refresh" content="5;url=\/"/);
    } else {
      expect(page.status).toBe(200); // the origin was back already
    }

    const back = await until(async () => (await pass()).status === 200, 60_000, "the origin coming back");
    console.log(
      `origin killed: answering again through the edge after ${((Date.now() - started) / 1000).toFixed(1)} s (${(back / 1000).toFixed(1)} s of polling)`,
    );
    await until(async () => sys.output().includes("[npm start] origin is up again."), 10_000, "the terminal being told");
    expect(sys.output()).toContain("[npm start] origin stopped unexpectedly (killed by SIGKILL); starting it again in 0.5 s.");
  });

  it("restarts the edge when its workerd processes are killed", async () => {
    const before = sys.output().length;
    signal(
      workerdPids().map((p) => p.pid),
      "SIGKILL",
    );
    const took = await until(edgeAnswers, 120_000, "the edge answering again");
    console.log(`every workerd killed: the edge answers again after ${(took / 1000).toFixed(1)} s`);
    await until(
      async () => sys.output().slice(before).includes("[npm start] edge (wrangler dev) is up again."),
      10_000,
      "the terminal being told",
    );
    expect(sys.output().slice(before)).toContain("[npm start] edge (wrangler dev) has stopped answering");
    expect((await pass()).status).toBe(200); // the pass still holds, and the origin is reached
  });

  it("restarts the edge when the Worker's workerd stops answering (its port stays open, requests hang)", async () => {
    const before = sys.output().length;
    // The workerd that runs the Worker is the one not bound to the edge's own port (that one is wrangler's proxy).
    const port = new URL(sys.url).port;
    const worker = workerdPids().filter((p) => !p.args.includes(`entry=127.0.0.1:${port}`));
    signal(
      worker.map((p) => p.pid),
      "SIGSTOP",
    );
    const hung = await fetch(`${sys.url}/_wr/ping`, { signal: AbortSignal.timeout(2000) }).then(
      () => false,
      () => true,
    );
    expect(hung).toBe(true);
    const took = await until(edgeAnswers, 120_000, "the edge answering again");
    console.log(`the Worker's workerd frozen: the edge answers again after ${(took / 1000).toFixed(1)} s`);
    await until(
      async () => sys.output().slice(before).includes("[npm start] edge (wrangler dev) is up again."),
      10_000,
      "the terminal being told",
    );
    expect(sys.output().slice(before)).toContain("[npm start] edge (wrangler dev) has stopped answering");
    expect((await pass()).status).toBe(200);
    // the frozen process went with its group
    for (const p of worker) expect(() => process.kill(p.pid, 0)).toThrow();
  });
});
