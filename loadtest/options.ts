/**
 * What the rehearsal commands (`npm run loadtest`, `npm run loadtest:compare`) read alike from their
 * command lines: the operator token (flag, environment or `npm start`'s .dev.vars), the rule that the system
 * under load is on this machine unless told otherwise, and the text forms of an origin slowdown, of when people
 * give up, and of the autopilot's floor and ceiling.
 */
import { existsSync, readFileSync } from "node:fs";
import { z } from "zod";
import { MAX_TARGET_P95_MS, MIN_TARGET_P95_MS } from "../worker/operator/config-schema";
import { MAX_RATE_PER_SEC } from "../worker/queue/admission";
import type { AutopilotSettings } from "./autopilot";
import { numberFields } from "./number-fields";
import { parseSlowdownPlan } from "./origin-control";

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

/** The operator token `npm start` wrote to .dev.vars, if any. */
function devVarsToken(): string | undefined {
  if (!existsSync(".dev.vars")) return undefined;
  return readFileSync(".dev.vars", "utf8").match(/^OPERATOR_TOKEN="?([^"\n]+)"?/m)?.[1];
}

/** The operator token: the flag, else the environment's OPERATOR_TOKEN, else .dev.vars; "" when none. */
export function operatorToken(flag: string | undefined, fromEnvironment: string | undefined): string {
  return flag ?? fromEnvironment ?? devVarsToken() ?? "";
}

export const tokenOption = z.string().min(16, "is required: --token, OPERATOR_TOKEN, or .dev.vars from npm start");

/** Stops the command when a URL is not on this machine and remote targets were not allowed. */
export function requireLocal(command: string, urls: string[], allowRemote: boolean): void {
  for (const url of urls) {
    if (!allowRemote && !LOOPBACK.test(new URL(url).hostname)) {
      console.error(`${command}: ${url} is not on this machine; pass --allow-remote to load a system you own elsewhere.`);
      process.exit(2);
    }
  }
}

/** `--origin-slowdown "SECONDS:EXTRA_MS[:LINES],..."` as its steps. */
export const slowdownOption = z.string().transform((v, ctx) => {
  const plan = parseSlowdownPlan(v);
  if ("problem" in plan) {
    ctx.addIssue({ code: "custom", message: plan.problem });
    return [];
  }
  return plan;
});

/** "MIN:MAX" with 0 ≤ MIN ≤ MAX ≤ `max`; null otherwise. */
function range(text: string, max = Infinity): [number, number] | null {
  const n = numberFields(text);
  if (n?.length !== 2 || n[0]! < 0 || n[1]! < n[0]! || n[1]! > max) return null;
  return [n[0]!, n[1]!];
}

/** `--abandon-after "MIN:MAX"`: when people who give up while waiting do so, in seconds after arriving. */
export const abandonAfterOption = z.string().transform((v, ctx) => {
  const r = range(v);
  if (!r) ctx.addIssue({ code: "custom", message: 'write it as "min:max" seconds, e.g. "5:60"' });
  return r ?? ([0, 0] as [number, number]);
});

/** An admission rate the edge accepts (per second). */
export const rateOption = z.coerce.number().min(0).max(MAX_RATE_PER_SEC);
/** An autopilot target the edge accepts (ms). */
export const targetP95Option = z.coerce.number().int().min(MIN_TARGET_P95_MS).max(MAX_TARGET_P95_MS);

/**
 * `--autopilot "MIN:MAX"` (its floor and ceiling, per second; the target is the run's `--target-p95`) as its
 * settings, "off" as null (a fixed rate), or the reason it cannot be read.
 */
export function parseAutopilot(text: string, targetP95Ms: number): AutopilotSettings | null | { problem: string } {
  if (text.trim() === "off") return null;
  const r = range(text, MAX_RATE_PER_SEC);
  if (!r) return { problem: `write it as "min:max" admissions per second (at most ${MAX_RATE_PER_SEC}), e.g. "5:300", or "off"` };
  return { targetP95Ms, minRate: r[0], maxRate: r[1] };
}

/**
 * How a command ends on what it cannot go on with (an unknown flag, a system it cannot reach): one line
 * naming the command and the reason, exit code 2, no stack trace.
 */
export function stopOnFailure(command: string): void {
  process.on("uncaughtException", (err) => {
    const cause = err.cause instanceof Error ? err.cause.message : undefined;
    console.error(`${command}: ${err.message}${cause ? ` (${cause})` : ""}`);
    process.exit(2);
  });
}

/** Writes the issues of a failed parse the way the commands print them, each under its flag's name, and stops. */
export function refuse(command: string, issues: z.ZodIssue[]): never {
  const flag = (path: PropertyKey[]) => path.join(".").replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  console.error(`${command}: ${issues.map((i) => `--${flag(i.path)} ${i.message}`).join("\n  ")}`);
  process.exit(2);
}
