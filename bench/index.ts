/**
 * `npm run bench -- <name> [--json FILE] [options]`: benchmarks that print figures (never assertions).
 *   edge     waiting-room throughput on workerd: trivial route vs new arrivals vs status polls
 *   shards   new arrivals on a lane of K = 1, 2, 4 counters, side by side, with the admission-order fairness error
 *   search   clinic search through the origin vs the same SQL through a bare postgres.js loop (DATABASE_URL)
 *   booking  hold + confirm through the origin vs the same statements through postgres.js, and a hot-slot
 *            run checked for overbooking (DATABASE_URL)
 */
import { parseArgs } from "node:util";
import { benchBooking } from "./booking";
import { benchEdge } from "./edge";
import { benchSearch } from "./search";
import { benchShards } from "./shards";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    json: { type: "string" },
    duration: { type: "string", default: "5" },
    connections: { type: "string", default: "32" },
    rounds: { type: "string", default: "2" },
    fairness: { type: "string", default: "2000" },
  },
});

const positive = (name: string, v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name} must be a whole number of at least 1 (got ${v})`);
    process.exit(2);
  }
  return n;
};

const benches: Record<string, () => Promise<void>> = {
  edge: () =>
    benchEdge({
      json: values.json,
      durationSec: positive("duration", values.duration),
      connections: positive("connections", values.connections),
      rounds: positive("rounds", values.rounds),
    }),
  shards: () =>
    benchShards({
      json: values.json,
      durationSec: positive("duration", values.duration),
      connections: positive("connections", values.connections),
      rounds: positive("rounds", values.rounds),
      fairness: positive("fairness", values.fairness),
    }),
  search: () =>
    benchSearch({
      json: values.json,
      durationSec: positive("duration", values.duration),
      connections: positive("connections", values.connections),
      // A benchmark is a command-line tool, like the start script: it takes its target from the environment.
      databaseUrl: process.env.DATABASE_URL,
    }),
  booking: () =>
    benchBooking({
      json: values.json,
      durationSec: positive("duration", values.duration),
      connections: positive("connections", values.connections),
      databaseUrl: process.env.DATABASE_URL,
    }),
};

const name = positionals[0];
const run = name ? benches[name] : undefined;
if (!run) {
  console.error(`usage: npm run bench -- <${Object.keys(benches).join("|")}> [--json FILE] [--duration S] [--connections N] [--rounds R]`);
  process.exit(2);
}
await run();
