/**
 * The Worker's settings, parsed once per isolate from its bindings. A missing or malformed setting fails
 * the request with a message naming the setting (never its value), instead of misbehaving quietly.
 */
import { z } from "zod";
import { MAX_RATE_PER_SEC } from "./admission";
import type { Env } from "./env";

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const schema = z.object({
  ORIGIN_URL: z.string().url(),
  TICKET_SECRET: z.string().min(16, "must be at least 16 characters (comma-separated list for rotation)"),
  PASS_SECRET: z.string().min(16, "must be at least 16 characters (comma-separated list for rotation)"),
  OPERATOR_TOKEN: z.string().min(16, "must be at least 16 characters"),
  LANE: z.string().regex(/^[a-z0-9_-]{1,32}$/).default("booking"),
  PASS_TTL_SECONDS: seconds(1200),
  TICKET_TTL_SECONDS: seconds(24 * 3600),
  SNAPSHOT_TTL_MS: z.coerce.number().int().min(0).max(10_000).default(1000),
  INITIAL_RATE_PER_SEC: z.coerce.number().min(0).max(MAX_RATE_PER_SEC).default(20),
});

export interface WorkerConfig {
  originUrl: string;
  ticketSecret: string;
  passSecret: string;
  operatorToken: string;
  lane: string;
  passTtlMs: number;
  ticketTtlMs: number;
  snapshotTtlMs: number;
  initialRatePerSec: number;
}

export class ConfigError extends Error {}

const parsed = new WeakMap<Env, WorkerConfig>();

export function config(env: Env): WorkerConfig {
  const hit = parsed.get(env);
  if (hit) return hit;
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ConfigError(`Worker is misconfigured: ${problems}`);
  }
  const v = result.data;
  const cfg: WorkerConfig = {
    originUrl: v.ORIGIN_URL.replace(/\/+$/, ""),
    ticketSecret: v.TICKET_SECRET,
    passSecret: v.PASS_SECRET,
    operatorToken: v.OPERATOR_TOKEN,
    lane: v.LANE,
    passTtlMs: v.PASS_TTL_SECONDS * 1000,
    ticketTtlMs: v.TICKET_TTL_SECONDS * 1000,
    snapshotTtlMs: v.SNAPSHOT_TTL_MS,
    initialRatePerSec: v.INITIAL_RATE_PER_SEC,
  };
  parsed.set(env, cfg);
  return cfg;
}
