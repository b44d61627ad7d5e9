import type { PassClaims } from "../lib/tokens";
import type { OriginConfig } from "./config";
import type { Db } from "./db";

/** What the origin app is built from: tests pass their own, the entry passes the real ones. */
export interface Deps {
  config: OriginConfig;
  db: Db;
  /** the server's clock (ms); tests inject one */
  clock?: () => number;
}

export interface OriginEnv {
  Variables: { pass: PassClaims };
}
