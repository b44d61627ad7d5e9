/** The Worker's bindings, as wrangler.toml and .dev.vars declare them. Read them only through `config()`. */
import type { QueueCounter } from "./queue-counter";

export interface Env {
  QUEUE: DurableObjectNamespace<QueueCounter>;
  ORIGIN_URL: string;
  TICKET_SECRET: string;
  PASS_SECRET: string;
  OPERATOR_TOKEN: string;
  LANE?: string;
  /** JSON lane table (lib/lanes.ts); without it, one lane named LANE takes every path */
  LANES?: string;
  /** a pass's idle time (renewed while its holder is active), its longest life, and its grace after expiring */
  PASS_TTL_SECONDS?: string;
  PASS_MAX_SECONDS?: string;
  PASS_GRACE_SECONDS?: string;
  TICKET_TTL_SECONDS?: string;
  SNAPSHOT_TTL_MS?: string;
  INITIAL_RATE_PER_SEC?: string;
  ABANDON_GRACE_SECONDS?: string;
  /** how long a forwarded request waits for the origin to answer (default 30) */
  ORIGIN_TIMEOUT_SECONDS?: string;
  /** new places per client address: a burst per 10 s, and a slower limit per minute (wrangler.toml [[ratelimits]]) */
  ARRIVALS_BURST?: RateLimit;
  ARRIVALS_SUSTAINED?: RateLimit;
  /** requests per pass: one person's pace (wrangler.toml [[ratelimits]]) */
  PASS_REQUESTS?: RateLimit;
}
