import type { Env } from "./env";

/** Hono's environment for the Worker app: its bindings and what the language detector sets. */
export interface AppEnv {
  Bindings: Env;
  Variables: { language: string };
}
