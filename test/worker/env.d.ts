/** The test runtime's `env` (cloudflare:test) is the Worker's own bindings. */
import type { Env as WorkerEnv } from "../../worker/env";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {}
  }
}

/** What test/origin-for-worker.ts provides to the worker tests (`inject(...)`). */
declare module "vitest" {
  export interface ProvidedContext {
    originUrl: string;
    troubledOriginUrl: string;
  }
}
