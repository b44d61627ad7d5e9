/**
 * `npm run bench -- edge [--json FILE] [--duration S] [--connections N] [--rounds R]`
 *
 * Bundles the Worker as it would deploy (`wrangler deploy --dry-run`) and runs the bundle on workerd
 * directly through Miniflare's API (not `wrangler dev`, whose proxy caps every route near 2k req/s here).
 * Then, with the same client and concurrency, in interleaved rounds:
 *   ping    GET /_wr/ping                     a trivial route of the same Worker (the baseline)
 *   issue   GET /book with no cookie          a new arrival: a ticket from the Durable Object + the page
 *   issueJson  the same with Accept: application/json (an API client): the counter's cost without the page
 *   poll    GET /_wr/status with a ticket     computed at the edge from the cached snapshot
 *                                             (1,000 different people's tickets, in turn)
 * and, in the same rounds, the floor any design with a counter in a Durable Object stands on: a bare Worker
 * (no Hono, no tokens, no page) on its own workerd, whose one route asks a Durable Object for the next
 * number and stores it, beside its own trivial route:
 *   barePing     GET /ping                   the bare Worker's trivial route
 *   bareCounter  GET /next                   one DO call that counts and stores, answered as JSON
 *   bareRpc      GET /rpc                    one DO call that counts in memory only (not durable: the
 *                                            ceiling of any design that calls a Durable Object per arrival)
 *   bareSigned   GET /signed                 the same, plus an HMAC-SHA256 (WebCrypto) signed ticket in a
 *                                            cookie: the steps every arrival needs (a number and a signed
 *                                            ticket), without durability, Hono, per-address limits or a page
 * The bare ratios (each to barePing) say what an arrival can reach here while each one takes a number from
 * a Durable Object; issueToBare (issueJson / bareCounter) is how ours compares with the naive durable counter.
 * The queue is paused so nobody is admitted (nothing is forwarded to an origin). The per-address limits on
 * new places are on, as deployed (Miniflare emulates the Rate Limiting bindings): every request comes from
 * its own address (CF-Connecting-IP), as 200,000 people's would.
 */

import { spawnSync } from "node:child_process";
import type autocannon from "autocannon";
import { Miniflare } from "miniflare";
import { operatorApi } from "../loadtest/operator-api";
import { type LoadResult, load, ratio, writeReport } from "./common";

const OUT_DIR = ".bench/edge";
const POLLERS = 1000;
const SECRETS = {
  TICKET_SECRET: "bench-ticket-secret-0123456789",
  PASS_SECRET: "bench-pass-secret-0123456789ab",
  OPERATOR_TOKEN: "bench-operator-token-012345678",
};

/** Another client address for every call: the per-address limits see many people, as in production. */
let addressCounter = 0;
export function nextAddress(): string {
  const n = addressCounter++;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** autocannon requests that each carry a fresh client address. */
export function fromManyAddresses(base: autocannon.Request = {}): autocannon.Request[] {
  return [{ ...base, setupRequest: (req) => ({ ...req, headers: { ...req.headers, "cf-connecting-ip": nextAddress() } }) }];
}

/** The Worker bundled as it deploys, on workerd through Miniflare, with wrangler.toml's rate limits. */
export async function startEdge(bindings: Record<string, string>): Promise<{ mf: Miniflare; base: string }> {
  console.log("bundling the worker (wrangler deploy --dry-run)...");
  const build = spawnSync(process.execPath, ["node_modules/wrangler/bin/wrangler.js", "deploy", "--dry-run", "--outdir", OUT_DIR], {
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  if (build.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${build.stdout}\n${build.stderr}`);
  const mf = new Miniflare({
    modules: true,
    scriptPath: `${OUT_DIR}/index.js`,
    compatibilityDate: "2026-04-01",
    durableObjects: { QUEUE: { className: "QueueCounter", useSQLite: true } },
    // as wrangler.toml declares them
    ratelimits: {
      ARRIVALS_BURST: { simple: { limit: 20, period: 10 } },
      ARRIVALS_SUSTAINED: { simple: { limit: 60, period: 60 } },
    },
    bindings: { ...SECRETS, ORIGIN_URL: "http://127.0.0.1:9", SNAPSHOT_TTL_MS: "1000", INITIAL_RATE_PER_SEC: "0", ...bindings },
    host: "127.0.0.1",
    port: 0,
  });
  return { mf, base: (await mf.ready).toString().replace(/\/$/, "") };
}

/**
 * The bare baseline: the least a Worker can do per arrival with its counter in a Durable Object (one call,
 * one stored number, the answer held by the output gate until it is durable, as ours is).
 */
const BARE_WORKER = `
import { DurableObject } from "cloudflare:workers";
export class BareCounter extends DurableObject {
  n = this.ctx.storage.kv.get("n") ?? 0;
  m = 0;
  next() {
    this.n += 1;
    this.ctx.storage.kv.put("n", this.n);
    return this.n;
  }
  count() {
    return ++this.m;
  }
}
const encoder = new TextEncoder();
let key;
export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    if (path === "/ping") return new Response("pong");
    const counter = env.BARE.get(env.BARE.idFromName("bare"));
    const seq = path === "/rpc" || path === "/signed" ? await counter.count() : await counter.next();
    if (path === "/signed") {
      key ??= crypto.subtle.importKey("raw", encoder.encode("bare-ticket-secret"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      const payload = btoa(JSON.stringify({ l: "booking", s: 0, q: seq, t: Date.now() }));
      const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await key, encoder.encode(payload)));
      const ticket = payload + "." + btoa(String.fromCharCode(...mac));
      return Response.json({ seq }, { headers: { "set-cookie": "wr_ticket=" + ticket + "; HttpOnly; SameSite=Lax; Path=/" } });
    }
    return Response.json({ seq });
  },
};
`;

async function startBare(): Promise<{ mf: Miniflare; base: string }> {
  const mf = new Miniflare({
    modules: true,
    script: BARE_WORKER,
    compatibilityDate: "2026-04-01",
    durableObjects: { BARE: { className: "BareCounter", useSQLite: true } },
    host: "127.0.0.1",
    port: 0,
  });
  return { mf, base: (await mf.ready).toString().replace(/\/$/, "") };
}

export const operatorCall = (base: string, path: string, body?: unknown) => operatorApi(base, SECRETS.OPERATOR_TOKEN, path, body);

export async function benchEdge(opts: { json?: string; durationSec: number; connections: number; rounds: number }) {
  const { mf, base } = await startEdge({ LANE: "booking" });
  const bare = await startBare();
  try {
    await operatorCall(base, "/config", { paused: true });
    // Polls come from many people: 1,000 distinct tickets, each polled in turn.
    const tickets: string[] = [];
    for (let i = 0; i < POLLERS; i++) {
      const res = await fetch(`${base}/book`, { headers: { accept: "application/json", "cf-connecting-ip": nextAddress() } });
      tickets.push(
        res.headers
          .getSetCookie()
          .find((c) => c.startsWith("wr_ticket="))!
          .split(";")[0]!,
      );
    }

    const routes = {
      ping: { url: `${base}/_wr/ping` },
      issue: { url: `${base}/book`, requests: fromManyAddresses({ method: "GET", headers: { accept: "text/html" } }) },
      issueJson: { url: `${base}/book`, requests: fromManyAddresses({ method: "GET", headers: { accept: "application/json" } }) },
      poll: {
        url: `${base}/_wr/status`,
        requests: tickets.map((cookie) => ({ method: "GET" as const, headers: { cookie, accept: "application/json" } })),
      },
      barePing: { url: `${bare.base}/ping` },
      bareCounter: { url: `${bare.base}/next` },
      bareRpc: { url: `${bare.base}/rpc` },
      bareSigned: { url: `${bare.base}/signed` },
    };
    const results: Record<keyof typeof routes, LoadResult[]> = {
      ping: [],
      issue: [],
      issueJson: [],
      poll: [],
      barePing: [],
      bareCounter: [],
      bareRpc: [],
      bareSigned: [],
    };
    // Warm every path once (JIT, snapshot cache, DO) before measuring.
    for (const r of Object.values(routes)) await load({ ...r, connections: opts.connections, durationSec: 1 });
    for (let round = 1; round <= opts.rounds; round++) {
      for (const [name, r] of Object.entries(routes) as [keyof typeof routes, (typeof routes)["ping"]][]) {
        const res = await load({ ...r, connections: opts.connections, durationSec: opts.durationSec });
        results[name].push(res);
        console.log(
          `round ${round} ${name.padEnd(11)} ${String(res.rps).padStart(6)} req/s  p50 ${res.p50Ms} ms  p99 ${res.p99Ms} ms  errors ${res.errors}`,
        );
      }
    }
    const mean = (xs: LoadResult[]) => Math.round(xs.reduce((s, x) => s + x.rps, 0) / xs.length);
    const pingRps = mean(results.ping);
    const issueRps = mean(results.issue);
    const pollRps = mean(results.poll);
    const issueJsonRps = mean(results.issueJson);
    const barePingRps = mean(results.barePing);
    const bareCounterRps = mean(results.bareCounter);
    const bareRpcRps = mean(results.bareRpc);
    const stats = await operatorCall(base, "/stats");
    const figures = {
      pingRps,
      issueRps,
      pollRps,
      issueRatio: ratio(issueRps, pingRps),
      pollRatio: ratio(pollRps, pingRps),
      issueJsonRps,
      issueJsonRatio: ratio(issueJsonRps, pingRps),
      barePingRps,
      bareCounterRps,
      bareCounterRatio: ratio(bareCounterRps, barePingRps),
      bareRpcRps,
      bareRpcRatio: ratio(bareRpcRps, barePingRps),
      bareSignedRps: mean(results.bareSigned),
      bareSignedRatio: ratio(mean(results.bareSigned), barePingRps),
      issueToBare: ratio(issueJsonRps, bareCounterRps),
      connections: opts.connections,
      durationSec: opts.durationSec,
      rounds: opts.rounds,
      ticketsIssued: (stats as { issued: number }).issued,
      errors: Object.values(results)
        .flat()
        .reduce((s, r) => s + r.errors, 0),
    };
    console.log(JSON.stringify({ edge: figures }, null, 2));
    writeReport(opts.json, "edge", figures);
  } finally {
    await mf.dispose();
    await bare.mf.dispose();
  }
}
