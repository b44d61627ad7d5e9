/**
 * What an operator may change about a lane, as one zod schema: the operator API validates its JSON body with
 * it, and the console validates its forms with it (converted from form text first), so both accept and
 * refuse the same values. An opening time is also checked against the server's clock (`openingProblem`).
 * The autopilot's settings turn it on (or change it); `"autopilot": null` turns it off at the rate in force;
 * a `ratePerSec` sent alone turns it off at that rate (queue/autopilot.ts `operate`: the operator's fixed
 * rate always wins).
 */
import { z } from "zod";
import { AppError } from "../../lib/errors";
import { MAX_ACTIVE, MAX_POW_BITS, MAX_RATE_PER_SEC } from "../queue/admission";

/** How far ahead an opening may be scheduled: further is a typo (a wrong year), not a plan. */
export const MAX_OPENING_AHEAD_MS = 30 * 24 * 3600_000;

const OPENS_AT_FORMAT = 'opensAt must be an ISO 8601 time with its zone, e.g. 2021-07-19T20:00:00+09:00, or "now"';
const isoWithZone = z.string().datetime({ offset: true });

/** The autopilot's range of rates, and the p95 it holds admitted people's requests to. */
export const MIN_TARGET_P95_MS = 100;
export const MAX_TARGET_P95_MS = 60_000;

const autopilotRate = (name: string) =>
  z
    .number({ required_error: `autopilot.${name} is required`, invalid_type_error: `autopilot.${name} must be a number` })
    .finite()
    .min(0, `autopilot.${name} cannot be negative`)
    .max(MAX_RATE_PER_SEC, `autopilot.${name} above ${MAX_RATE_PER_SEC}/s is not a plausible admission rate`);

export const autopilotSettings = z
  .object(
    {
      targetP95Ms: z
        .number({
          required_error: "autopilot.targetP95Ms is required",
          invalid_type_error: "autopilot.targetP95Ms must be a whole number of milliseconds",
        })
        .int("autopilot.targetP95Ms must be a whole number of milliseconds")
        .min(MIN_TARGET_P95_MS, `autopilot.targetP95Ms below ${MIN_TARGET_P95_MS} ms cannot be held by any origin`)
        .max(MAX_TARGET_P95_MS, `autopilot.targetP95Ms above ${MAX_TARGET_P95_MS} ms (a minute) is not a plausible target`),
      minRate: autopilotRate("minRate"),
      maxRate: autopilotRate("maxRate"),
    },
    { invalid_type_error: 'autopilot must be an object {"targetP95Ms", "minRate", "maxRate"}, or null to turn it off' },
  )
  .strict()
  .refine((v) => v.minRate <= v.maxRate, { message: "autopilot.maxRate must be at least autopilot.minRate", path: ["maxRate"] });

export const configChange = z
  .object({
    ratePerSec: z
      .number({ invalid_type_error: "ratePerSec must be a number" })
      .finite()
      .min(0, "ratePerSec cannot be negative")
      .max(MAX_RATE_PER_SEC, `ratePerSec above ${MAX_RATE_PER_SEC}/s is not a plausible admission rate`)
      .optional(),
    paused: z.boolean({ invalid_type_error: "paused must be true or false" }).optional(),
    proofOfWorkBits: z
      .number({ invalid_type_error: "proofOfWorkBits must be a whole number" })
      .int("proofOfWorkBits must be a whole number")
      .min(0, "proofOfWorkBits cannot be negative (0 switches it off)")
      .max(MAX_POW_BITS, `proofOfWorkBits above ${MAX_POW_BITS} would take people minutes on an old phone`)
      .optional(),
    opensAt: z
      .string({ invalid_type_error: OPENS_AT_FORMAT })
      .refine((v) => v === "now" || isoWithZone.safeParse(v).success, OPENS_AT_FORMAT)
      .optional(),
    maxActive: z
      .number({ invalid_type_error: "maxActive must be a whole number, or null for no cap" })
      .int("maxActive must be a whole number, or null for no cap")
      .min(0, "maxActive cannot be negative")
      .max(MAX_ACTIVE, `maxActive above ${MAX_ACTIVE} is not a plausible cap`)
      .nullable()
      .optional(),
    autopilot: autopilotSettings.nullable().optional(),
  })
  .strict()
  .refine(
    (v) =>
      v.ratePerSec !== undefined ||
      v.paused !== undefined ||
      v.opensAt !== undefined ||
      v.proofOfWorkBits !== undefined ||
      v.maxActive !== undefined ||
      v.autopilot !== undefined,
    "Send ratePerSec, paused, opensAt, proofOfWorkBits, maxActive and/or autopilot.",
  );

export type ConfigChange = z.infer<typeof configChange>;

/** Why an opening at `at` is implausible by the server's clock: too far ahead, or already past (a minute's slack). */
export function openingProblem(at: number, now: number): "too_far" | "past" | undefined {
  if (at > now + MAX_OPENING_AHEAD_MS) return "too_far";
  if (at < now - 60_000) return "past";
  return undefined;
}

/** The opening time of a change, checked against the server's clock; an AppError when implausible. */
export function openingTime(value: string, now: number): number {
  if (value === "now") return now;
  const at = Date.parse(value);
  const problem = openingProblem(at, now);
  if (problem === "too_far") throw new AppError("invalid_config", 400, "opensAt is more than 30 days ahead; check the date.");
  if (problem === "past") throw new AppError("invalid_config", 400, 'opensAt is in the past; to open the pre-queue now, send "now".');
  return at;
}

export function parseConfigChange(body: unknown): ConfigChange {
  const parsed = configChange.safeParse(body);
  if (!parsed.success) {
    const message = parsed.error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
    throw new AppError("invalid_config", 400, message);
  }
  return parsed.data;
}

/** A form's number: blank stays text, which the schema refuses as not a number. */
function formNumber(value: unknown): unknown {
  return typeof value === "string" && value.trim() !== "" ? Number(value) : value;
}

/**
 * The console's autopilot fields as the API's `autopilot` change, for the same schema to judge: `autopilot`
 * "on" with `targetP95Ms`, `minRate` and `maxRate` as text gives the settings, "off" gives null, and a form
 * without the field gives undefined (no change).
 */
export function formAutopilot(body: Record<string, unknown>): unknown {
  if (body.autopilot === "off") return null;
  if (body.autopilot !== "on") return undefined;
  return { targetP95Ms: formNumber(body.targetP95Ms), minRate: formNumber(body.minRate), maxRate: formNumber(body.maxRate) };
}
