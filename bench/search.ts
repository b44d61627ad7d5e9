/**
 * `npm run bench -- search [--json FILE] [--duration S] [--connections N]` (needs DATABASE_URL: a
 * PostgreSQL server; the benchmark works in a throwaway database there and drops it afterwards).
 *
 * Seeds the full demo data, then in one run at the same concurrency:
 *   api   GET /api/clinics?date=&region= through the origin app over HTTP (pass check, validation, JSON)
 *   bare  the very same SQL statement through a bare postgres.js loop
 * with random 시/군/구 and open days, and reports requests/s, p50/p99 and searchRatio = api / bare.
 */

import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { PgDialect } from "drizzle-orm/pg-core";
import postgres from "postgres";
import { districtCode, SIDO } from "../drizzle/seed/regions";
import { keyring, signPass } from "../lib/tokens";
import { createApp } from "../origin/app";
import { isOpenDay } from "../origin/clinics/calendar";
import { addDays, seoulDate } from "../origin/clinics/dates";
import { searchClinicsSql } from "../origin/clinics/queries";
import { loadConfig } from "../origin/config";
import { scratchDatabase } from "../origin/db/scratch";
import { seed } from "../origin/db/seed";
import { load, ratio, writeReport } from "./common";

const PASS_SECRET = "bench-pass-secret-0123456789ab";

function percentile(sorted: number[], p: number): number {
  return sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]! * 100) / 100 : 0;
}

export async function benchSearch(opts: { json?: string; durationSec: number; connections: number; databaseUrl?: string }) {
  if (!opts.databaseUrl) throw new Error("set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/test");
  const now = new Date();
  const database = await scratchDatabase(opts.databaseUrl, { poolSize: opts.connections });
  try {
    console.log("seeding the full demo data...");
    const summary = await seed(database.db, { now });
    console.log(`  ${summary.clinics} clinics, ${summary.slots} slots`);

    // The same random searches for both: open days (origin/clinics/calendar.ts) of the next four weeks, any 시/군/구.
    const districts = SIDO.flatMap((s) => s.districts.map((_, i) => districtCode(s.code, i)));
    const today = seoulDate(now);
    const days = Array.from({ length: 27 }, (_, i) => addDays(today, i + 1)).filter(isOpenDay);
    let x = 7;
    const rnd = (n: number) => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return x % n;
    };
    const searches = Array.from({ length: 500 }, () => ({ regionCode: districts[rnd(districts.length)]!, date: days[rnd(days.length)]! }));

    const config = loadConfig({
      PASS_SECRET,
      RRN_HMAC_KEY: "bench-rrn-hmac-key-0123456789abcdef01",
      RRN_ENC_KEY: "bench-rrn-enc-key-0123456789abcdef012",
      SESSION_SECRET: "bench-session-secret-0123456789abcdef",
      APP_ENV: "test",
    });
    const app = createApp({ config, db: database.db });
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
    });
    const port = (server.address() as AddressInfo).port;
    const pass = await signPass(await keyring(PASS_SECRET), { lane: "booking", seq: 1, exp: Date.now() + 3600_000 });
    const requests = searches.map((s) => ({
      method: "GET" as const,
      path: `/api/clinics?date=${s.date}&region=${s.regionCode}`,
      headers: { "x-wr-pass": pass },
    }));

    const url = `http://127.0.0.1:${port}`;
    await load({ url, requests, connections: opts.connections, durationSec: 2 }); // warm up
    const api = await load({ url, requests, connections: opts.connections, durationSec: opts.durationSec });
    console.log(`api   ${api.rps} req/s  p50 ${api.p50Ms} ms  p99 ${api.p99Ms} ms  non-2xx ${api.non2xx}  errors ${api.errors}`);
    await new Promise<void>((r) => server.close(() => r()));

    // The bare baseline: the same statements, a postgres.js pool of the same size, the same concurrency.
    const dialect = new PgDialect();
    const queries = searches.map((s) => dialect.sqlToQuery(searchClinicsSql({ regionCodes: [s.regionCode], date: s.date, now })));
    const client = postgres(database.url, { max: opts.connections, onnotice: () => {} });
    const bareRun = async (seconds: number) => {
      const latencies: number[] = [];
      const until = Date.now() + seconds * 1000;
      let i = 0;
      await Promise.all(
        Array.from({ length: opts.connections }, async () => {
          while (Date.now() < until) {
            const q = queries[i++ % queries.length]!;
            const t0 = performance.now();
            await client.unsafe(q.sql, q.params as never[], { prepare: true }); // as the origin runs it
            latencies.push(performance.now() - t0);
          }
        }),
      );
      latencies.sort((a, b) => a - b);
      return { rps: Math.round(latencies.length / seconds), p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99) };
    };
    await bareRun(2); // warm up
    const bare = await bareRun(opts.durationSec);
    await client.end();
    console.log(`bare  ${bare.rps} req/s  p50 ${bare.p50Ms} ms  p99 ${bare.p99Ms} ms`);

    const figures = {
      apiRps: api.rps,
      apiP50Ms: api.p50Ms,
      apiP99Ms: api.p99Ms,
      bareRps: bare.rps,
      bareP50Ms: bare.p50Ms,
      bareP99Ms: bare.p99Ms,
      searchRatio: ratio(api.rps, bare.rps),
      connections: opts.connections,
      durationSec: opts.durationSec,
      clinics: summary.clinics,
      slots: summary.slots,
      apiErrors: api.errors + api.non2xx,
    };
    console.log(JSON.stringify({ search: figures }, null, 2));
    writeReport(opts.json, "search", figures);
  } finally {
    await database.close();
  }
}
