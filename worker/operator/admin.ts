/**
 * The operator API (the bearer OPERATOR_TOKEN, or the console's session: sign-in.ts; from the operator's own
 * origin only: same-origin.ts): live numbers straight from the lane's counters, and changes to its admission
 * schedule: rate, pause, a scheduled opening, the cap on active passes, the bot defence. A change must be sent
 * as `application/json` (415 otherwise) and is validated with config-schema.ts. Changes are re-anchored inside
 * each counter (queue/admission.ts), so they never make the cursor jump, and this isolate's snapshots are
 * dropped so its next answer already reflects them. A lane of K shards is read and steered as one
 * (lane-ops.ts). `/history` is the counters' own samples of the last five minutes, where the console's chart
 * begins. The autopilot (`{"autopilot": {...}}` on, `null` off; a fixed `ratePerSec` turns it off) is the
 * lane leader's; `/autopilot-log` pages through its audit log, newest first.
 */
import { Hono } from "hono";
import { AppError } from "../../lib/errors";
import type { AppEnv } from "../app-env";
import { config } from "../config";
import { counter } from "../edge/counter";
import { laneParam } from "../edge/lane-param";
import { openingTime, parseConfigChange } from "./config-schema";
import { configureLane, type LaneRead, laneHistory, laneStats, openLane, readLane } from "./lane-ops";
import { sameOrigin } from "./same-origin";
import { operatorAuth } from "./sign-in";

export const admin = new Hono<AppEnv>()
  .use("*", sameOrigin)
  .use("*", operatorAuth)
  .get("/stats", async (c) => {
    const lane = laneParam(c);
    return c.json({ ...laneStats(lane, await readLane(c.env, lane)), abandonGraceSeconds: config(c.env).abandonGraceMs / 1000 });
  })
  .get("/history", async (c) => c.json(await laneHistory(c.env, laneParam(c)), 200, { "cache-control": "no-store" }))
  .get("/autopilot-log", async (c) => {
    const lane = laneParam(c);
    const before = c.req.query("before");
    if (before !== undefined && !/^\d{1,15}$/.test(before)) {
      throw new AppError("invalid_cursor", 400, "before must be the `next` of a previous page of the autopilot log.");
    }
    const page = await counter(c.env, lane, 0).auditLog(before);
    return c.json({ lane, ...page }, 200, { "cache-control": "no-store" });
  })
  .post("/config", async (c) => {
    if (!/^application\/json\s*(;|$)/i.test(c.req.header("content-type") ?? "")) {
      throw new AppError("unsupported_media_type", 415, "Send the change as JSON, with Content-Type: application/json.");
    }
    const body = await c.req.json().catch(() => {
      throw new AppError("bad_json", 400, 'The request body must be JSON, e.g. {"ratePerSec": 100}.');
    });
    const change = parseConfigChange(body);
    const lane = laneParam(c);
    const opensAt = change.opensAt === undefined ? undefined : openingTime(change.opensAt, Date.now());
    // The answer is the state the last change left, as its counters returned it (no second read).
    let after: LaneRead | undefined;
    if (opensAt !== undefined) {
      const opened = await openLane(c.env, lane, opensAt);
      if ("refused" in opened) {
        throw new AppError(
          "opening_in_progress",
          409,
          "People from the previous opening's pre-queue are still waiting for their drawn places; schedule the next opening once they are all admitted.",
        );
      }
      after = opened;
    }
    if (
      change.ratePerSec !== undefined ||
      change.paused !== undefined ||
      change.proofOfWorkBits !== undefined ||
      change.maxActive !== undefined ||
      change.autopilot !== undefined
    ) {
      after = await configureLane(c.env, lane, {
        ratePerSec: change.ratePerSec,
        paused: change.paused,
        powBits: change.proofOfWorkBits,
        maxActive: change.maxActive,
        autopilot: change.autopilot,
      });
    }
    return c.json(laneStats(lane, after ?? (await readLane(c.env, lane))));
  });
