/**
 * The origin's settings, parsed once from the environment. The only module that reads process.env
 * (through `loadConfig(process.env)` in the entry); a bad setting stops start-up with a message that
 * names it.
 */
import { availableParallelism } from "node:os";
import { z } from "zod";
import { type LaneSpec, parseLanes } from "../lib/lanes";

const secret = (what: string) => z.string({ required_error: `is required (${what})` }).min(32, "must be at least 32 characters");

const optionalUrl = z
  .string()
  .url("must be an http(s):// URL")
  .optional()
  .or(z.literal("").transform(() => undefined));

const databaseSchema = z.object({
  DATABASE_URL: z
    .string()
    .url("must be a postgres:// URL")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  DATA_DIR: z.string().min(1).default(".data/pglite"),
});

const schema = databaseSchema
  .extend({
    ORIGIN_HOST: z.string().min(1).default("127.0.0.1"),
    ORIGIN_PORT: z.coerce.number().int().min(0).max(65535).default(8788),
    PASS_SECRET: z
      .string({ required_error: "is required (the same value the edge signs passes with)" })
      .min(16, "must be at least 16 characters"),
    APP_ENV: z.enum(["development", "test", "production"]).default("development"),
    LANE: z
      .string()
      .regex(/^[a-z0-9_-]{1,32}$/)
      .default("booking"),
    /** the edge's lane table (wrangler.toml's LANES, JSON); without it one lane named LANE takes every path */
    LANES: z.string().optional(),
    RRN_HMAC_KEY: secret("keys the hash that matches resident numbers"),
    RRN_ENC_KEY: secret("keys the encryption of resident numbers"),
    SESSION_SECRET: secret("signs session cookies and keys one-time-code hashes"),
    OTP_TTL_SECONDS: z.coerce.number().int().min(30).max(1800).default(180),
    SESSION_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(1800),
    HOLD_SECONDS: z.coerce.number().int().min(30).max(3600).default(300),
    BOOKING_HORIZON_DAYS: z.coerce.number().int().min(1).max(366).default(28),
    NOTIFY_KAKAO_URL: optionalUrl,
    NOTIFY_NAVER_URL: optionalUrl,
    NOTIFY_SMS_URL: optionalUrl,
    NOTIFY_TOKEN: z.string().optional(),
    OUTBOX_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
    ORIGIN_PROCESSES: z.coerce.number().int().min(1, "must be at least 1").max(256).default(availableParallelism()),
    OPERATOR_TOKEN: z
      .string()
      .min(16, "must be at least 16 characters")
      .optional()
      .or(z.literal("").transform(() => undefined)),
  })
  .superRefine((v, ctx) => {
    if (v.APP_ENV !== "production") return;
    for (const key of ["NOTIFY_KAKAO_URL", "NOTIFY_NAVER_URL", "NOTIFY_SMS_URL"] as const) {
      if (!v[key]) ctx.addIssue({ code: "custom", path: [key], message: "is required in production (the channel's gateway endpoint)" });
    }
  });

export interface OriginConfig {
  host: string;
  port: number;
  passSecret: string;
  appEnv: "development" | "test" | "production";
  lane: string;
  /** lanes and the paths each may open (a pass is accepted only on its own lane's paths) */
  lanes: LaneSpec[];
  /** PostgreSQL through postgres.js when set; else PGlite stored in `dataDir` */
  databaseUrl?: string;
  dataDir: string;
  /** how many days ahead (from today, Asia/Seoul) people may book */
  bookingHorizonDays: number;
  rrnHmacKey: string;
  rrnEncKey: string;
  sessionSecret: string;
  otpTtlMs: number;
  sessionTtlMs: number;
  /** how long a hold keeps a place */
  holdMs: number;
  /** notification gateways per channel; a channel without one delivers to the development sink */
  notify: { endpoints: { kakao?: string; naver?: string; sms?: string }; token?: string };
  /** how often the dispatcher looks for due notifications */
  outboxPollMs: number;
  /** serving processes under node:cluster when on PostgreSQL (PGlite always runs one) */
  originProcesses: number;
  /** the operator API and page (/ops); unset: they are off */
  operatorToken?: string;
}

function problems(error: z.ZodError): string {
  return error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
}

/** Only what opening the database needs (the seed script uses this). */
export function loadDatabaseConfig(env: Record<string, string | undefined>): { databaseUrl?: string; dataDir: string } {
  const result = databaseSchema.safeParse(env);
  if (!result.success) throw new ConfigError(`Cannot open the database; fix these settings:\n${problems(result.error)}`);
  return { databaseUrl: result.data.DATABASE_URL, dataDir: result.data.DATA_DIR };
}

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined>): OriginConfig {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(`The origin cannot start; fix these settings:\n${problems(result.error)}`);
  }
  const v = result.data;
  let lanes: LaneSpec[];
  try {
    lanes = v.LANES ? parseLanes(v.LANES) : [{ name: v.LANE, prefixes: ["/"] }];
  } catch (err) {
    throw new ConfigError(`The origin cannot start; fix these settings:\n  LANES: ${(err as Error).message}`);
  }
  return {
    host: v.ORIGIN_HOST,
    port: v.ORIGIN_PORT,
    passSecret: v.PASS_SECRET,
    appEnv: v.APP_ENV,
    lane: lanes[0]!.name,
    lanes,
    databaseUrl: v.DATABASE_URL,
    dataDir: v.DATA_DIR,
    bookingHorizonDays: v.BOOKING_HORIZON_DAYS,
    rrnHmacKey: v.RRN_HMAC_KEY,
    rrnEncKey: v.RRN_ENC_KEY,
    sessionSecret: v.SESSION_SECRET,
    otpTtlMs: v.OTP_TTL_SECONDS * 1000,
    sessionTtlMs: v.SESSION_TTL_SECONDS * 1000,
    holdMs: v.HOLD_SECONDS * 1000,
    notify: {
      endpoints: { kakao: v.NOTIFY_KAKAO_URL, naver: v.NOTIFY_NAVER_URL, sms: v.NOTIFY_SMS_URL },
      token: v.NOTIFY_TOKEN,
    },
    outboxPollMs: v.OUTBOX_POLL_MS,
    originProcesses: v.ORIGIN_PROCESSES,
    operatorToken: v.OPERATOR_TOKEN,
  };
}
