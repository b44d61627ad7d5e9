/**
 * The operator API (bearer OPERATOR_TOKEN): live numbers straight from the counter, and changes to the
 * admission schedule. A change is re-anchored inside the counter (admission.ts), so it never makes the
 * cursor jump, and this isolate's snapshot is dropped so its next answer already reflects it.
 */
import { Hono } from "hono";
import { z } from "zod";
import { AppError } from "../lib/errors";
import { MAX_RATE_PER_SEC, serving, type Schedule } from "./admission";
import type { AppEnv } from "./app-env";
import { operatorAuth } from "./operator-auth";
import { laneParam } from "./lane-param";
import { SHARD, counter, forget, initialRate } from "./snapshot";

const configChange = z
  .object({
    ratePerSec: z
      .number({ invalid_type_error: "ratePerSec must be a number" })
      .finite()
      .min(0, "ratePerSec cannot be negative")
      .max(MAX_RATE_PER_SEC, `ratePerSec above ${MAX_RATE_PER_SEC}/s is not a plausible admission rate`)
      .optional(),
    paused: z.boolean({ invalid_type_error: "paused must be true or false" }).optional(),
  })
  .strict()
  .refine((v) => v.ratePerSec !== undefined || v.paused !== undefined, "Send ratePerSec and/or paused.");

function stats(lane: string, schedule: Schedule, now: number) {
  const cursor = serving(schedule, now);
  return {
    lane,
    issued: schedule.issued,
    serving: cursor,
    waiting: schedule.issued - cursor,
    ratePerSec: schedule.ratePerSec,
    paused: schedule.paused,
    at: new Date(now).toISOString(),
  };
}

export const admin = new Hono<AppEnv>()
  .use("*", operatorAuth)
  .get("/stats", async (c) => {
    const lane = laneParam(c);
    const { schedule, now } = await counter(c.env, lane, SHARD).snapshot(initialRate(c.env, lane));
    return c.json(stats(lane, schedule, now));
  })
  .post("/config", async (c) => {
    const body = await c.req.json().catch(() => {
      throw new AppError("bad_json", 400, "The request body must be JSON, e.g. {\"ratePerSec\": 100}.");
    });
    const parsed = configChange.safeParse(body);
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
      throw new AppError("invalid_config", 400, message);
    }
    const lane = laneParam(c);
    const { schedule, now } = await counter(c.env, lane, SHARD).configure(parsed.data, initialRate(c.env, lane));
    forget(lane, SHARD);
    return c.json(stats(lane, schedule, now));
  });
