/**
 * The Worker's bindings, as wrangler.toml and .dev.vars declare them: the settings (config.ts `Settings`,
 * read only through `config()`), the counters' namespace and the rate limiters.
 */
import type { Settings } from "./config";
import type { QueueCounter } from "./queue/queue-counter";

export interface Env extends Settings {
  QUEUE: DurableObjectNamespace<QueueCounter>;
  /** new places per client address: a burst per 10 s, and a slower limit per minute (wrangler.toml [[ratelimits]]) */
  ARRIVALS_BURST?: RateLimit;
  ARRIVALS_SUSTAINED?: RateLimit;
  /** requests per pass: one person's pace (wrangler.toml [[ratelimits]]) */
  PASS_REQUESTS?: RateLimit;
}
