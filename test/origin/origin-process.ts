/**
 * The real origin as a child process (`node --import tsx origin/server.ts`, as `npm start` runs it) on a
 * PostgreSQL database, for what only a process shows: that it survives lost connections, and that
 * several processes on one database behave as one. Also a client for it that carries what the edge
 * adds to an admitted request: the pass and the signed client address.
 */
import { type ChildProcess, spawn } from "node:child_process";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { Agent, fetch } from "undici";
import { CLIENT_HEADER, signClientAddress } from "../../lib/client-address";
import { keyring, signPass } from "../../lib/tokens";
import { ORIGIN_TEST_ENV } from "../secrets";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface OriginProcess {
  url: string;
  child: ChildProcess;
  /** everything it printed so far (stdout and stderr) */
  output(): string;
  alive(): boolean;
  stop(): Promise<void>;
}

/** A loopback port nobody is listening on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts the origin on `databaseUrl` (migrated and seeded already, or it seeds the full demo) and resolves
 * once it answers /health. `processes` > 1 runs it under node:cluster.
 */
export async function startOrigin(opts: { databaseUrl: string; processes?: number; env?: Record<string, string> }): Promise<OriginProcess> {
  const port = await freePort();
  let out = "";
  const child = spawn(process.execPath, ["--import", "tsx", "origin/server.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      ...ORIGIN_TEST_ENV,
      DATABASE_URL: opts.databaseUrl,
      ORIGIN_HOST: "127.0.0.1",
      ORIGIN_PORT: String(port),
      ORIGIN_PROCESSES: String(opts.processes ?? 1),
      OUTBOX_POLL_MS: "200",
      ...opts.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!alive()) throw new Error(`the origin exited while starting:\n${out}`);
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok && (opts.processes ?? 1) <= 1) break;
    if (ok && (out.match(/listening on/g) ?? []).length >= opts.processes!) break;
    if (Date.now() > deadline) throw new Error(`the origin did not answer /health within 60 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    output: () => out,
    alive,
    async stop() {
      if (!alive()) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 8000))]);
      if (alive()) child.kill("SIGKILL");
    },
  };
}

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

/**
 * Calls an origin as the edge forwards an admitted person's request: with a pass and a signed address.
 * `fresh` opens a new connection for every call (under node:cluster each new connection goes to the
 * next worker; a kept-alive one stays with the worker that accepted it).
 */
export async function edgeClient(opts: { address?: string; fresh?: boolean; timeoutMs?: number } = {}) {
  const ring = await keyring(ORIGIN_TEST_ENV.PASS_SECRET);
  const pass = await signPass(ring, { lane: "booking", seq: 1, exp: Date.now() + 3_600_000 });
  const address = opts.address ?? "203.0.113.7";
  return async function call(
    base: string,
    method: string,
    path: string,
    o: { cookie?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const dispatcher = opts.fresh ? new Agent({ pipelining: 0 }) : undefined;
    const res = await fetch(`${base}${path}`, {
      dispatcher,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
      method,
      headers: {
        "x-wr-pass": pass,
        [CLIENT_HEADER]: await signClientAddress(ring, { addr: address, iat: Date.now() }),
        "content-type": "application/json",
        ...(o.cookie ? { cookie: o.cookie } : {}),
        ...o.headers,
      },
      body: o.body === undefined ? undefined : JSON.stringify(o.body),
    });
    const text = await res.text();
    await dispatcher?.close();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {
      // a page, or nothing
    }
    return { status: res.status, body, headers: res.headers };
  };
}
