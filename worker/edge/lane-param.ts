/** Which lane a waiting-room or operator endpoint means: `?lane=`, else the default lane. */
import type { Context } from "hono";
import { AppError } from "../../lib/errors";
import type { AppEnv } from "../app-env";
import { config } from "../config";

/** `?lane=` of a waiting-room endpoint: a configured lane, else the default one; an unknown name is a 400. */
export function laneParam(c: Context<AppEnv>): string {
  const cfg = config(c.env);
  const name = c.req.query("lane");
  if (name === undefined || name === "") return cfg.lane;
  if (!cfg.laneByName.has(name)) {
    throw new AppError("unknown_lane", 400, `No lane named "${name}"; lanes: ${cfg.lanes.map((l) => l.name).join(", ")}.`);
  }
  return name;
}
