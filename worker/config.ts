/**
 * The Worker's settings, parsed once per isolate from its bindings. A missing or malformed setting fails
 * the request with a message naming the setting (never its value), instead of misbehaving quietly.
 */
import { z } from "zod";
import { type LaneSpec, parseLanes } from "../lib/lanes";
import { MAX_RATE_PER_SEC, POLL_MAX_MS } from "./queue/admission";
import { maxPollMs } from "./queue/liveness";

/** The Worker's settings as its bindings carry them (wrangler.toml [vars], .dev.vars, secrets): text. */
export interface Settings {
  ORIGIN_URL: string;
  TICKET_SECRET: string;
  PASS_SECRET: string;
  OPERATOR_TOKEN: string;
  LANE?: string;
  /** JSON lane table (lib/lanes.ts; "places" per lane: `lanePlaces`); without it, one lane named LANE takes every path */
  LANES?: string;
  /** a pass's idle time (renewed while its holder is active), its longest life, and its grace after expiring */
  PASS_TTL_SECONDS?: string;
  PASS_MAX_SECONDS?: string;
  PASS_GRACE_SECONDS?: string;
  TICKET_TTL_SECONDS?: string;
  SNAPSHOT_TTL_MS?: string;
  INITIAL_RATE_PER_SEC?: string;
  ABANDON_GRACE_SECONDS?: string;
  /** how long a forwarded request waits for the origin to answer (default 30) */
  ORIGIN_TIMEOUT_SECONDS?: string;
}

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/**
 * The edge's own setting on a lane of LANES beside those lib/lanes.ts reads: `"places": true` marks a lane
 * whose people book places, whose line stops when the open booking window has none left (queue-counter.ts).
 */
const lanePlaces = z.array(z.object({ name: z.string(), places: z.boolean({ invalid_type_error: "places is true or false" }).optional() }));

/** A lane as the edge runs it: lib/lanes.ts's spec, with its starting rate, its shards and whether it books places. */
export interface EdgeLane extends LaneSpec {
  initialRatePerSec: number;
  shards: number;
  places: boolean;
}

const schema = z.object({
  ORIGIN_URL: z.string().url(),
  TICKET_SECRET: z.string().min(16, "must be at least 16 characters (comma-separated list for rotation)"),
  PASS_SECRET: z.string().min(16, "must be at least 16 characters (comma-separated list for rotation)"),
  OPERATOR_TOKEN: z.string().min(16, "must be at least 16 characters"),
  LANE: z
    .string()
    .regex(/^[a-z0-9_-]{1,32}$/)
    .default("booking"),
  LANES: z.string().optional(),
  PASS_TTL_SECONDS: seconds(1200),
  PASS_MAX_SECONDS: seconds(3600),
  PASS_GRACE_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(24 * 3600)
    .default(900),
  TICKET_TTL_SECONDS: seconds(24 * 3600),
  SNAPSHOT_TTL_MS: z.coerce.number().int().min(0).max(10_000).default(1000),
  INITIAL_RATE_PER_SEC: z.coerce.number().min(0).max(MAX_RATE_PER_SEC).default(20),
  // A waiting page that has not checked in for this long is taken as gone (0: never).
  ABANDON_GRACE_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(24 * 3600)
    .default(300),
  // The longest the edge waits for the origin to start answering a forwarded request.
  ORIGIN_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(30),
});

export interface WorkerConfig {
  originUrl: string;
  ticketSecret: string;
  passSecret: string;
  operatorToken: string;
  /** the default lane's name (the first of `lanes`) */
  lane: string;
  lanes: EdgeLane[];
  /** the same lanes by name (asked on every poll and arrival) */
  laneByName: Map<string, EdgeLane>;
  /** a pass's idle time: it expires this long after its holder's last renewal (renewed at half of it) */
  passTtlMs: number;
  /** a pass's longest life, from admission: no renewal goes past it */
  passMaxMs: number;
  /** how long after expiring a pass still readmits its holder at once */
  passGraceMs: number;
  ticketTtlMs: number;
  snapshotTtlMs: number;
  initialRatePerSec: number;
  /** a ticket that has not checked in for this long no longer counts as waiting (0: never judged) */
  abandonGraceMs: number;
  /** the longest a waiting page may go between polls: every live page must check in once per liveness epoch, with room to be late */
  maxPollMs: number;
  /** how long a forwarded request may wait for the origin's answer before the person is told to try again */
  originTimeoutMs: number;
}

export class ConfigError extends Error {}

const parsed = new WeakMap<Settings, WorkerConfig>();

export function config(env: Settings): WorkerConfig {
  const hit = parsed.get(env);
  if (hit) return hit;
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ConfigError(`Worker is misconfigured: ${problems}`);
  }
  const v = result.data;
  let specs: LaneSpec[];
  const places = new Map<string, boolean>();
  try {
    specs = v.LANES ? parseLanes(v.LANES) : [{ name: v.LANE, prefixes: ["/"] }];
    if (v.LANES) {
      const flags = lanePlaces.safeParse(JSON.parse(v.LANES));
      if (!flags.success) throw new Error(flags.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
      for (const lane of flags.data) places.set(lane.name, lane.places ?? false);
    }
  } catch (err) {
    throw new ConfigError(`Worker is misconfigured: LANES: ${(err as Error).message}`);
  }
  const lanes: EdgeLane[] = specs.map((l) => ({
    ...l,
    initialRatePerSec: l.initialRatePerSec ?? v.INITIAL_RATE_PER_SEC,
    shards: l.shards ?? 1,
    places: places.get(l.name) ?? false,
  }));
  const cfg: WorkerConfig = {
    originUrl: v.ORIGIN_URL.replace(/\/+$/, ""),
    ticketSecret: v.TICKET_SECRET,
    passSecret: v.PASS_SECRET,
    operatorToken: v.OPERATOR_TOKEN,
    lane: lanes[0]!.name,
    lanes,
    laneByName: new Map(lanes.map((l) => [l.name, l])),
    passTtlMs: v.PASS_TTL_SECONDS * 1000,
    passMaxMs: Math.max(v.PASS_MAX_SECONDS, v.PASS_TTL_SECONDS) * 1000,
    passGraceMs: v.PASS_GRACE_SECONDS * 1000,
    ticketTtlMs: v.TICKET_TTL_SECONDS * 1000,
    snapshotTtlMs: v.SNAPSHOT_TTL_MS,
    initialRatePerSec: v.INITIAL_RATE_PER_SEC,
    abandonGraceMs: v.ABANDON_GRACE_SECONDS * 1000,
    maxPollMs: v.ABANDON_GRACE_SECONDS > 0 ? Math.min(POLL_MAX_MS, maxPollMs(v.ABANDON_GRACE_SECONDS * 1000)) : POLL_MAX_MS,
    originTimeoutMs: v.ORIGIN_TIMEOUT_SECONDS * 1000,
  };
  parsed.set(env, cfg);
  return cfg;
}
