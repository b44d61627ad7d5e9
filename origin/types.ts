import type { PassClaims } from "../lib/tokens";
import type { OriginConfig } from "./config";
import type { Db } from "./db";
import type { IdentityProvider } from "./identity/provider";

/** What the origin app is built from: tests pass their own, the entry passes the real ones. */
export interface Deps {
  config: OriginConfig;
  db: Db;
  /** the server's clock (ms); tests inject one */
  clock?: () => number;
  /** where one-time codes go; development and tests default to the in-memory provider */
  identityProvider?: IdentityProvider;
}

export interface OriginEnv {
  Variables: { pass: PassClaims };
}
