/**
 * The operator API (bearer OPERATOR_TOKEN, from the operator's own origin only: same-origin.ts): live numbers
 * straight from the lane's counters, and changes to its admission schedule: rate, pause, a scheduled opening,
 * the cap on active passes. A change must be sent as `application/json` (415 otherwise). Changes are re-anchored inside each counter
 * (admission.ts), so they never make the cursor jump, and this isolate's snapshots are dropped so its next
 * answer already reflects them. A lane of K shards is read and steered as one (lane-ops.ts). `/history` is
 * the counters' own samples of the last five minutes, where the console's chart begins.
 */
import { Hono } from "hono";
import { z } from "zod";
import { AppError } from "../lib/errors";
import { MAX_ACTIVE, MAX_POW_BITS, MAX_RATE_PER_SEC } from "./admission";
import type { AppEnv } from "./app-env";
import { config } from "./config";
import { operatorAuth } from "./operator-auth";
import { laneParam } from "./lane-param";
import { sameOrigin } from "./same-origin";
import { configureLane, laneHistory, laneStats, openLane, readLane, type LaneRead } from "./lane-ops";

/** How far ahead an opening may be scheduled: further is a typo (a wrong year), not a plan. */
export const MAX_OPENING_AHEAD_MS = 30 * 24 * 3600_000;

const OPENS_AT_FORMAT = 'opensAt must be an ISO 8601 time with its zone, e.g. 2021-07-19T20:00:00+09:00, or "now"';
const isoWithZone = z.string().datetime({ offset: true });

const configChange = z
  .object({
    ratePerSec: z
      .number({ invalid_type_error: "ratePerSec must be a number" })
      .finite()
      .min(0, "ratePerSec cannot be negative")
      .max(MAX_RATE_PER_SEC, `ratePerSec above ${MAX_RATE_PER_SEC}/s is not a plausible admission rate`)
      .optional(),
    paused: z.boolean({ invalid_type_error: "paused must be true or false" }).optional(),
    proofOfWorkBits: z
      .number({ invalid_type_error: "proofOfWorkBits must be a whole number" })
      .int("proofOfWorkBits must be a whole number")
      .min(0, "proofOfWorkBits cannot be negative (0 switches it off)")
      .max(MAX_POW_BITS, `proofOfWorkBits above ${MAX_POW_BITS} would take people minutes on an old phone`)
      .optional(),
    opensAt: z
      .string({ invalid_type_error: OPENS_AT_FORMAT })
      .refine((v) => v === "now" || isoWithZone.safeParse(v).success, OPENS_AT_FORMAT)
      .optional(),
    maxActive: z
      .number({ invalid_type_error: "maxActive must be a whole number, or null for no cap" })
      .int("maxActive must be a whole number, or null for no cap")
      .min(0, "maxActive cannot be negative")
      .max(MAX_ACTIVE, `maxActive above ${MAX_ACTIVE} is not a plausible cap`)
      .nullable()
      .optional(),
  })
  .strict()
  .refine(
    (v) => v.ratePerSec !== undefined || v.paused !== undefined || v.opensAt !== undefined || v.proofOfWorkBits !== undefined || v.maxActive !== undefined,
    "Send ratePerSec, paused, opensAt, proofOfWorkBits and/or maxActive.",
  );

/** The opening time of a change, checked against the server's clock; an AppError when implausible. */
export function openingTime(value: string, now: number): number {
  if (value === "now") return now;
  const at = Date.parse(value);
  if (at > now + MAX_OPENING_AHEAD_MS) throw new AppError("invalid_config", 400, "opensAt is more than 30 days ahead; check the date.");
  if (at < now - 60_000) throw new AppError("invalid_config", 400, "opensAt is in the past; to open the pre-queue now, send \"now\".");
  return at;
}

function parseConfigChange(body: unknown): z.infer<typeof configChange> {
  const parsed = configChange.safeParse(body);
  if (!parsed.success) {
    const message = parsed.error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
    throw new AppError("invalid_config", 400, message);
  }
  return parsed.data;
}

export const admin = new Hono<AppEnv>()
  .use("*", sameOrigin)
  .use("*", operatorAuth)
  .get("/stats", async (c) => {
    const lane = laneParam(c);
    return c.json({ ...laneStats(lane, await readLane(c.env, lane)), abandonGraceSeconds: config(c.env).abandonGraceMs / 1000 });
  })
  .get("/history", async (c) => c.json(await laneHistory(c.env, laneParam(c)), 200, { "cache-control": "no-store" }))
  .post("/config", async (c) => {
    if (!/^application\/json\s*(;|$)/i.test(c.req.header("content-type") ?? "")) {
      throw new AppError("unsupported_media_type", 415, "Send the change as JSON, with Content-Type: application/json.");
    }
    const body = await c.req.json().catch(() => {
      throw new AppError("bad_json", 400, "The request body must be JSON, e.g. {\"ratePerSec\": 100}.");
    });
    const change = parseConfigChange(body);
    const lane = laneParam(c);
    const opensAt = change.opensAt === undefined ? undefined : openingTime(change.opensAt, Date.now());
    // The answer is the state the last change left, as its counters returned it (no second read).
    let after: LaneRead | undefined;
    if (opensAt !== undefined) {
      const opened = await openLane(c.env, lane, opensAt);
      if ("refused" in opened) {
        throw new AppError("opening_in_progress", 409, "People from the previous opening's pre-queue are still waiting for their drawn places; schedule the next opening once they are all admitted.");
      }
      after = opened;
    }
    if (change.ratePerSec !== undefined || change.paused !== undefined || change.proofOfWorkBits !== undefined || change.maxActive !== undefined) {
      after = await configureLane(c.env, lane, { ratePerSec: change.ratePerSec, paused: change.paused, powBits: change.proofOfWorkBits, maxActive: change.maxActive });
    }
    return c.json(laneStats(lane, after ?? (await readLane(c.env, lane))));
  });
