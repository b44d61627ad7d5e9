/**
 * Lanes: separately metered queues in front of one site, chosen by the request's path. Each lane has its
 * own counter, rate, tickets and passes, so checking or cancelling a reservation (lane `lookup`) never
 * waits behind the opening-night surge for booking (lane `booking`, which takes every other path).
 * Configured once, in wrangler.toml's LANES (JSON); the edge routes by it, and the origin, given the same
 * table, accepts a pass only on its own lane's paths.
 */
import { z } from "zod";

export interface LaneSpec {
  name: string;
  /** path prefixes this lane takes ("/" takes everything no other lane takes) */
  prefixes: string[];
  /** the admission rate a new counter starts with */
  initialRatePerSec?: number;
  /** counters the lane's arrivals are spread over (each admits rate/K); 1 unless set */
  shards?: number;
}

const laneSchema = z.object({
  name: z.string().regex(/^[a-z0-9_-]{1,32}$/, "a lane name is 1–32 of a-z, 0-9, _ and -"),
  prefixes: z.array(z.string().regex(/^\//, "a prefix starts with /")).min(1),
  initialRatePerSec: z.number().min(0).max(100_000).optional(),
  shards: z.number().int("shards is a whole number").min(1).max(64, "more than 64 shards per lane is not a plan").optional(),
});

const lanesSchema = z
  .array(laneSchema)
  .min(1)
  .refine((lanes) => new Set(lanes.map((l) => l.name)).size === lanes.length, "lane names must differ");

/** The lane table from a JSON string (or an already parsed value); throws with a readable message. */
export function parseLanes(value: unknown): LaneSpec[] {
  const raw = typeof value === "string" ? JSON.parse(value) : value;
  const parsed = lanesSchema.safeParse(raw);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  return parsed.data;
}

function matches(prefix: string, path: string): boolean {
  if (prefix === "/") return true;
  const p = prefix.endsWith("/") ? prefix.slice(0, -1) : prefix;
  return path === p || path.startsWith(`${p}/`);
}

/** The lane of a path: the one with the longest matching prefix; the first lane when none matches. */
export function laneFor(lanes: LaneSpec[], path: string): LaneSpec {
  let best: LaneSpec | undefined;
  let bestLength = -1;
  for (const lane of lanes) {
    for (const prefix of lane.prefixes) {
      if (prefix.length > bestLength && matches(prefix, path)) {
        best = lane;
        bestLength = prefix.length;
      }
    }
  }
  return best ?? lanes[0]!;
}
