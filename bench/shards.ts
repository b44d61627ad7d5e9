/**
 * `npm run bench -- shards [--json FILE] [--duration S] [--connections N] [--rounds R] [--fairness N]`
 *
 * One lane's arrivals spread over K counters (K = 1, 2, 4 as three lanes of one Worker, on workerd through
 * Miniflare as `edge` does), measured side by side in interleaved rounds with the trivial route:
 *   issueRps(K)     new arrivals per second (JSON answers, each from its own address)
 *   ratioToK1       issueRps(K) / issueRps(1)
 *   fairnessError   for N more arrivals per lane: the largest difference, in tickets, between a ticket's
 *                   place in admission order (when its shard's schedule admits it) and in arrival order
 *                   (the edge's clock when it arrived, ties counted in its favour); p99 beside it.
 * The lanes admit slowly (1 per second in all), so nobody's admission time moves during the run.
 */
import { type LoadResult, load, ratio, writeReport } from "./common";
import { fromManyAddresses, nextAddress, operatorCall, startEdge } from "./edge";

const KS = [1, 2, 4] as const;
const laneOf = (k: number) => `k${k}`;
const pathOf = (k: number) => (k === 1 ? "/book" : `/k${k}`);

interface Ticket {
  shard: number;
  seq: number;
  iat: number;
}

function decodeTicket(setCookie: string[], k: number): Ticket {
  const name = k === 1 ? "wr_ticket=" : `wr_ticket_${laneOf(k)}=`;
  const value = setCookie
    .find((c) => c.startsWith(name))!
    .slice(name.length)
    .split(";")[0]!;
  const fields = Buffer.from(value.split(".")[1]!, "base64url").toString("utf8").split("|");
  return { shard: Number(fields[2]), seq: Number(fields[3]), iat: Number(fields[4]) };
}

/** N arrivals, `concurrency` at a time, each from its own address; their tickets. */
async function arrivals(base: string, k: number, n: number, concurrency: number): Promise<Ticket[]> {
  const out: Ticket[] = [];
  let started = 0;
  const worker = async () => {
    while (started < n) {
      started++;
      const res = await fetch(`${base}${pathOf(k)}`, { headers: { accept: "application/json", "cf-connecting-ip": nextAddress() } });
      await res.arrayBuffer();
      out.push(decodeTicket(res.headers.getSetCookie(), k));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}

type ShardSchedule = { shard: number; anchorSeq: number; anchorAt: number; ratePerSec: number; speed: number };

/** Largest and 99th-percentile |admission rank − arrival rank| over the tickets. */
export function fairnessError(tickets: Ticket[], shards: ShardSchedule[]): { max: number; p99: number } {
  const admitAt = (t: Ticket) => {
    const s = shards[t.shard]!;
    return s.anchorAt + ((t.seq - s.anchorSeq) / (s.ratePerSec * s.speed)) * 1000;
  };
  const rows = tickets.map((t) => ({ t, admit: admitAt(t) }));
  const byAdmit = [...rows].sort((a, b) => a.admit - b.admit || a.t.shard - b.t.shard);
  const admitRank = new Map(byAdmit.map((r, i) => [r, i]));
  const byArrival = [...rows].sort((a, b) => a.t.iat - b.t.iat || admitRank.get(a)! - admitRank.get(b)!);
  const errors = byArrival.map((r, i) => Math.abs(admitRank.get(r)! - i)).sort((a, b) => a - b);
  return { max: errors[errors.length - 1] ?? 0, p99: errors[Math.floor(errors.length * 0.99)] ?? 0 };
}

export async function benchShards(opts: { json?: string; durationSec: number; connections: number; rounds: number; fairness: number }) {
  const lanes = KS.map((k) => ({ name: laneOf(k), prefixes: [pathOf(k)], shards: k, initialRatePerSec: 1 }));
  lanes[0]!.prefixes = ["/"];
  const { mf, base } = await startEdge({ LANES: JSON.stringify(lanes), ABANDON_GRACE_SECONDS: "0" });
  try {
    const routes: [string, Parameters<typeof load>[0]][] = [
      ["ping", { url: `${base}/_wr/ping`, connections: opts.connections, durationSec: opts.durationSec }],
      ...KS.map((k): [string, Parameters<typeof load>[0]] => [
        `K=${k}`,
        {
          url: `${base}${pathOf(k)}`,
          requests: fromManyAddresses({ method: "GET", headers: { accept: "application/json" } }),
          connections: opts.connections,
          durationSec: opts.durationSec,
        },
      ]),
    ];
    for (const [, r] of routes) await load({ ...r, durationSec: 1 }); // warm every path and counter
    const results = new Map<string, LoadResult[]>(routes.map(([name]) => [name, []]));
    for (let round = 1; round <= opts.rounds; round++) {
      for (const [name, r] of routes) {
        const res = await load(r);
        results.get(name)!.push(res);
        console.log(
          `round ${round} ${name.padEnd(5)} ${String(res.rps).padStart(6)} req/s  p50 ${res.p50Ms} ms  p99 ${res.p99Ms} ms  errors ${res.errors}  non-2xx ${res.non2xx}`,
        );
      }
    }
    const mean = (name: string) => Math.round(results.get(name)!.reduce((s, x) => s + x.rps, 0) / results.get(name)!.length);
    const pingRps = mean("ping");
    const k1 = mean("K=1");
    const figures: Record<string, unknown> = {
      pingRps,
      connections: opts.connections,
      durationSec: opts.durationSec,
      rounds: opts.rounds,
      fairnessTickets: opts.fairness,
    };
    for (const k of KS) {
      const tickets = await arrivals(base, k, opts.fairness, opts.connections);
      const stats = await operatorCall(base, `/stats?lane=${laneOf(k)}`);
      const error = fairnessError(tickets, stats.perShard);
      const perShard = (stats.perShard as { issued: number }[]).map((s) => s.issued);
      figures[`K${k}`] = {
        issueRps: mean(`K=${k}`),
        ratioToK1: ratio(mean(`K=${k}`), k1),
        ratioToPing: ratio(mean(`K=${k}`), pingRps),
        perShardIssueRps: Math.round(mean(`K=${k}`) / k),
        fairnessErrorMax: error.max,
        fairnessErrorP99: error.p99,
        issuedPerShard: perShard,
      };
    }
    console.log(JSON.stringify({ shards: figures }, null, 2));
    writeReport(opts.json, "shards", figures);
  } finally {
    await mf.dispose();
  }
}
