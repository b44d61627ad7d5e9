/**
 * What every benchmark shares: a load client (autocannon: few sockets, one event loop), the JSON
 * report file (merged, so `edge`, `search`, ... can share one FILE), and a table on stdout.
 * Benchmarks print figures; they assert nothing, because shared machines are noisy: compare the ratios
 * measured side by side in one run.
 */

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import autocannon from "autocannon";

export interface LoadResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
}

export async function load(opts: {
  url: string;
  headers?: Record<string, string>;
  /** a sequence of requests each connection cycles through (many different clients) */
  requests?: autocannon.Request[];
  connections: number;
  durationSec: number;
}): Promise<LoadResult> {
  const r = await autocannon({
    url: opts.url,
    headers: opts.headers,
    requests: opts.requests,
    connections: opts.connections,
    pipelining: 1,
    duration: opts.durationSec,
  });
  return {
    rps: Math.round(r.requests.average),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

export function writeReport(file: string | undefined, section: string, figures: Record<string, unknown>): void {
  if (!file) return;
  const existing = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>) : {};
  writeFileSync(file, JSON.stringify({ ...existing, [section]: figures }, null, 2) + "\n");
  console.log(`wrote ${section} figures to ${file}`);
}

export function ratio(a: number, b: number): number {
  return b > 0 ? Math.round((a / b) * 100) / 100 : 0;
}
