/**
 * Development-only origin controls, for rehearsals (the load harness's `--origin-slowdown`):
 *   GET  /api/dev/slowdown   the identity-check slowdown in force, and the checks holding or waiting for a line
 *   POST /api/dev/slowdown   {identityCheckExtraMs, identityCheckLines?}: set it (0 ms: off); dev/slowdown.ts
 * Both take the operator token (`Authorization: Bearer`), and no admission pass: a rehearsal drives them
 * from outside, as it does /ops. They exist only in development mode with the development identity
 * provider (the one the slowdown brakes); anywhere else these paths are not routes.
 */
import { Hono } from "hono";
import { z } from "zod";
import { AppError } from "../../lib/errors";
import { readJsonObject } from "../identity/fields";
import { DevIdentityProvider } from "../identity/provider";
import { opsSignIn, requireOps } from "../ops/sign-in";
import type { Deps, OriginEnv } from "../types";
import { type CarrierBrake, carrierBrake, shareSlowdown } from "./slowdown";

const MAX_EXTRA_MS = 60_000;
const MAX_LINES = 100_000;

const slowdownBody = z
  .object({
    identityCheckExtraMs: z.number().int().min(0).max(MAX_EXTRA_MS),
    identityCheckLines: z.number().int().min(1).max(MAX_LINES).nullable().optional(),
  })
  .strict();

/** Whether this origin has the development controls: development mode, with the development identity provider. */
export function hasDevControls(deps: Deps): boolean {
  return deps.config.appEnv === "development" && (!deps.identityProvider || deps.identityProvider instanceof DevIdentityProvider);
}

export function devControls(deps: Deps, brake: CarrierBrake = carrierBrake) {
  const app = new Hono<OriginEnv>();
  if (!hasDevControls(deps)) return app;
  const operator = requireOps(opsSignIn(deps.config, deps.clock ?? Date.now));
  const answer = () => ({ ...brake.current, ...brake.load });

  app.get("/slowdown", operator, (c) => c.json(answer()));
  app.post("/slowdown", operator, async (c) => {
    const parsed = slowdownBody.safeParse(await readJsonObject(c));
    if (!parsed.success) {
      throw new AppError(
        "invalid_slowdown",
        400,
        `Send {"identityCheckExtraMs": 0–${MAX_EXTRA_MS}, "identityCheckLines": 1–${MAX_LINES} or null}: ${parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ")}`,
      );
    }
    shareSlowdown(
      { identityCheckExtraMs: parsed.data.identityCheckExtraMs, identityCheckLines: parsed.data.identityCheckLines ?? null },
      brake,
    );
    return c.json(answer());
  });
  return app;
}
