/**
 * The origin's operator side, mounted at /ops (OPERATOR_TOKEN; no admission pass needed, like /health):
 * the JSON API (api.ts) and the page (page-routes.tsx), both behind the one operator sign-in
 * (lib/operator-session.ts through sign-in.ts).
 */
import { Hono } from "hono";
import type { Deps } from "../types";
import { opsApi } from "./api";
import type { Gauge } from "./gauge";
import { opsPages } from "./page-routes";
import { opsSignIn } from "./sign-in";

export function opsRoutes(deps: Deps, clock: () => number, gauge: Gauge) {
  const signIn = opsSignIn(deps.config, clock);
  return new Hono().route("/", opsApi(deps.db, clock, gauge, signIn)).route("/", opsPages(deps.db, clock, gauge, signIn));
}
