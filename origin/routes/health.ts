/** Liveness for load balancers and `npm start`: open, no pass needed. */
import { Hono } from "hono";
import type { Deps } from "../types";

export function health(deps: Deps) {
  return new Hono().get("/", (c) => c.json({ ok: true, service: "origin", env: deps.config.appEnv }));
}
