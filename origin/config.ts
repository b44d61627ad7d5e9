/**
 * The origin's settings, parsed once from the environment. The only module that reads process.env
 * (through `loadConfig(process.env)` in the entry); a bad setting stops start-up with a message that
 * names it.
 */
import { z } from "zod";

const schema = z.object({
  ORIGIN_HOST: z.string().min(1).default("127.0.0.1"),
  ORIGIN_PORT: z.coerce.number().int().min(0).max(65535).default(8788),
  PASS_SECRET: z.string({ required_error: "is required (the same value the edge signs passes with)" }).min(16, "must be at least 16 characters"),
  APP_ENV: z.enum(["development", "test", "production"]).default("development"),
  LANE: z.string().regex(/^[a-z0-9_-]{1,32}$/).default("booking"),
  DATABASE_URL: z.string().url("must be a postgres:// URL").optional().or(z.literal("").transform(() => undefined)),
  DATA_DIR: z.string().min(1).default(".data/pglite"),
  BOOKING_HORIZON_DAYS: z.coerce.number().int().min(1).max(366).default(28),
});

export interface OriginConfig {
  host: string;
  port: number;
  passSecret: string;
  appEnv: "development" | "test" | "production";
  lane: string;
  /** PostgreSQL through postgres.js when set; else PGlite stored in `dataDir` */
  databaseUrl?: string;
  dataDir: string;
  /** how many days ahead (from today, Asia/Seoul) people may book */
  bookingHorizonDays: number;
}

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined>): OriginConfig {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new ConfigError(`The origin cannot start; fix these settings:\n${problems}`);
  }
  const v = result.data;
  return {
    host: v.ORIGIN_HOST,
    port: v.ORIGIN_PORT,
    passSecret: v.PASS_SECRET,
    appEnv: v.APP_ENV,
    lane: v.LANE,
    databaseUrl: v.DATABASE_URL,
    dataDir: v.DATA_DIR,
    bookingHorizonDays: v.BOOKING_HORIZON_DAYS,
  };
}
