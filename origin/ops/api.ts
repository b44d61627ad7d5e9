/**
 * The operator API (JSON, `Authorization: Bearer <OPERATOR_TOKEN>`):
 *   GET  /ops/stats       the figures (stats.ts)
 *   POST /ops/peak/reset  starts a new peak measurement (the load harness does this before a run)
 *   POST /ops/capacity    {clinicId, date, capacity, reason}: a clinic's places per slot on a date (audited);
 *                         400 `invalid_capacity` naming the wrong `fields`, 404 `no_slots`, 409 `capacity_below_taken`
 */
import { Hono } from "hono";
import { AppError } from "../../lib/errors";
import type { OperatorSignIn } from "../../lib/operator-session";
import type { Db } from "../db";
import { changeCapacity } from "./capacity";
import { readCapacityChange } from "./capacity-input";
import type { Gauge } from "./gauge";
import { requireOps } from "./sign-in";
import { opsStats } from "./stats";
import { WORDS } from "./words";

export function opsApi(db: Db, clock: () => number, gauge: Gauge, signIn: OperatorSignIn) {
  const auth = requireOps(signIn);
  return new Hono()
    .get("/stats", auth, async (c) => c.json(await opsStats(db, gauge, new Date(clock()))))
    .post("/peak/reset", auth, (c) => {
      gauge.resetPeak();
      return c.json({ peakConcurrent: gauge.peak });
    })
    .post("/capacity", auth, async (c) => {
      const parsed = readCapacityChange(await c.req.json().catch(() => null));
      if (!parsed.ok) {
        throw new AppError("invalid_capacity", 400, parsed.fields.map((f) => WORDS.en.fieldProblems[f]).join(" "), {
          fields: parsed.fields,
        });
      }
      return c.json(await changeCapacity(db, { ...parsed.value, operator: "api", now: new Date(clock()) }));
    });
}
