/**
 * What the rehearsal commands (`npm run loadtest`, `npm run loadtest:compare`) read alike from their
 * command lines: the operator token (flag, environment or `npm start`'s .dev.vars), the rule that the system
 * under load is on this machine unless told otherwise, and the text forms of an origin slowdown and of the
 * autopilot's floor and ceiling.
 */
import { existsSync, readFileSync } from "node:fs";
import { z } from "zod";
import type { AutopilotSettings } from "./autopilot";
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

/**
 * `--autopilot "MIN:MAX"` (its floor and ceiling, per second; the target is the run's `--target-p95`) as its
 * settings, "off" as null (a fixed rate), or the reason it cannot be read.
 */
export function parseAutopilot(text: string, targetP95Ms: number): AutopilotSettings | null | { problem: string } {
  if (text.trim() === "off") return null;
  const [min, max] = text.split(":").map(Number);
  if (text.split(":").length !== 2 || !Number.isFinite(min) || !Number.isFinite(max) || min! < 0 || max! < min!) {
    return { problem: 'write it as "min:max" admissions per second, e.g. "5:300", or "off"' };
  }
  return { targetP95Ms, minRate: min!, maxRate: max! };
}

/** Writes the issues of a failed parse the way the commands print them, and stops. */
export function refuse(command: string, issues: z.ZodIssue[]): never {
  console.error(`${command}: ${issues.map((i) => `--${i.path.join(".")} ${i.message}`).join("\n  ")}`);
  process.exit(2);
}
