/**
 * Open endpoints, no pass needed: liveness for load balancers and `npm start`, and the places left in the
 * booking window open now (booking/places.ts), which the edge asks for to stop admitting honestly when they
 * run out (aggregate numbers only: the places left, the open window, the next opening).
 */
import { Hono } from "hono";
import { placesReport } from "../booking/places";
import type { Deps } from "../types";

export function health(deps: Deps) {
  const clock = deps.clock ?? Date.now;
  return new Hono()
    .get("/", (c) => c.json({ ok: true, service: "origin", env: deps.config.appEnv }))
    .get("/places", async (c) =>
      c.json(await placesReport(deps.db, { now: new Date(clock()), horizonDays: deps.config.bookingHorizonDays }), 200, {
        "cache-control": "no-store",
      }),
    );
}
