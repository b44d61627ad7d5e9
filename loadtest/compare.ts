/**
 * `npm run loadtest:compare -- [options]`: the same rehearsal twice, one after the other, each with new
 * people: first at a fixed rate (the ceiling), then with the autopilot (target p95, floor, ceiling). Before
 * each run it waits, for a bounded time, until the lane has nobody waiting and no active passes, and says how
 * long it waited; at the end (or when stopped) it sets the lane's rate back as it found it. It writes both
 * runs' JSON and HTML reports and prints the README table, one line per run on what must never happen, and
 * the verdicts.
 *
 *   --users N          simulated people (3000)                  --arrival S     arrival window (5)
 *   --think MS         mean think time between steps (500)      --ceiling R     the fixed rate and the autopilot's ceiling (300)
 *   --target-p95 MS    the autopilot's target, and what both runs are judged against (1500)
 *   --min-rate R       the autopilot's floor (5)                --start-rate R  where the autopilot starts (its floor)
 *   --origin-slowdown "SECONDS:EXTRA_MS[:LINES],..."  slow the development origin's identity checks in both runs
 *   --json-dir DIR     where the reports go (.bench/compare)    --settle-max S  longest wait for a quiet lane (120)
 *   --curve, --abandon, --abandon-after, --click-timeout, --max-seconds, --connections, --seed, --target,
 *   --origin, --token, --allow-remote: as for `npm run loadtest`
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import {
  autopilotLabel,
  autopilotSettings,
  compareTable,
  compareVerdicts,
  fixedLabel,
  restoreChange,
  runLine,
  type Scenario,
  settledLine,
  settleLane,
} from "./comparison";
import { htmlReport } from "./html";
import { operatorApi } from "./operator-api";
import {
  abandonAfterOption,
  operatorToken,
  rateOption,
  refuse,
  requireLocal,
  slowdownOption,
  stopOnFailure,
  targetP95Option,
  tokenOption,
} from "./options";
import { setSlowdown } from "./origin-control";
import { runWithProgress } from "./progress";
import { DEFAULT_CLICK_TIMEOUT_MS, type LoadOptions, type Report } from "./run";

stopOnFailure("loadtest:compare");
const { values } = parseArgs({
  options: {
    users: { type: "string", default: "3000" },
    arrival: { type: "string", default: "5" },
    think: { type: "string", default: "500" },
    ceiling: { type: "string", default: "300" },
    "target-p95": { type: "string", default: "1500" },
    "min-rate": { type: "string", default: "5" },
    "start-rate": { type: "string" },
    "origin-slowdown": { type: "string", default: "" },
    "json-dir": { type: "string", default: ".bench/compare" },
    "settle-max": { type: "string", default: "120" },
    curve: { type: "string", default: "burst" },
    abandon: { type: "string", default: "0.1" },
    "abandon-after": { type: "string", default: "5:60" },
    "click-timeout": { type: "string", default: String(DEFAULT_CLICK_TIMEOUT_MS / 1000) },
    "max-seconds": { type: "string", default: "600" },
    connections: { type: "string", default: "128" },
    seed: { type: "string", default: "1" },
    target: { type: "string", default: "http://127.0.0.1:8787" },
    origin: { type: "string", default: "http://127.0.0.1:8788" },
    token: { type: "string" },
    "allow-remote": { type: "boolean", default: false },
  },
});

const schema = z
  .object({
    users: z.coerce.number().int().min(1).max(200_000),
    arrival: z.coerce.number().min(0).max(3600),
    think: z.coerce.number().min(0).max(60_000),
    ceiling: rateOption.refine((r) => r > 0, "must be more than 0"),
    targetP95: targetP95Option,
    minRate: rateOption,
    startRate: rateOption.optional(),
    originSlowdown: slowdownOption,
    settleMax: z.coerce.number().min(0).max(3600),
    curve: z.enum(["burst", "poisson", "uniform"]),
    abandon: z.coerce.number().min(0).max(1),
    abandonAfter: abandonAfterOption,
    clickTimeout: z.coerce.number().gt(0).max(600),
    maxSeconds: z.coerce.number().min(1).max(3600),
    connections: z.coerce.number().int().min(1).max(1024),
    seed: z.coerce.number().int(),
    target: z.string().url(),
    origin: z.string().url(),
    token: tokenOption,
  })
  .refine((v) => v.minRate <= v.ceiling, { message: "must be at most --ceiling", path: ["min-rate"] })
  .refine((v) => v.startRate === undefined || (v.startRate >= v.minRate && v.startRate <= v.ceiling), {
    message: "must lie between --min-rate and --ceiling",
    path: ["start-rate"],
  });

const parsed = schema.safeParse({
  ...values,
  targetP95: values["target-p95"],
  minRate: values["min-rate"],
  startRate: values["start-rate"],
  originSlowdown: values["origin-slowdown"],
  settleMax: values["settle-max"],
  abandonAfter: values["abandon-after"],
  clickTimeout: values["click-timeout"],
  maxSeconds: values["max-seconds"],
  token: operatorToken(values.token, process.env.OPERATOR_TOKEN),
});
if (!parsed.success) refuse("loadtest:compare", parsed.error.issues);
const a = parsed.data;
requireLocal("loadtest:compare", [a.target, a.origin], values["allow-remote"] ?? false);

const target = a.target.replace(/\/$/, "");
const origin = a.origin.replace(/\/$/, "");
const scenario: Scenario = {
  users: a.users,
  arrivalSec: a.arrival,
  thinkMs: a.think,
  ceiling: a.ceiling,
  minRate: a.minRate,
  targetP95Ms: a.targetP95,
  originSlowdown: a.originSlowdown,
};
const base: Omit<LoadOptions, "rate" | "autopilot"> = {
  target,
  origin,
  token: a.token,
  users: a.users,
  arrivalSec: a.arrival,
  curve: a.curve,
  ratePlan: [],
  abandon: a.abandon,
  abandonAfterSec: a.abandonAfter,
  thinkMs: a.think,
  maxSeconds: a.maxSeconds,
  connections: a.connections,
  seed: a.seed,
  tolerance: 0,
  clickTimeoutMs: a.clickTimeout * 1000,
  targetP95Ms: a.targetP95,
  originSlowdown: a.originSlowdown,
};

/** What this command reads of the lane's stats answer. */
const laneFigures = z.object({
  ratePerSec: z.number(),
  paused: z.boolean(),
  waiting: z.number(),
  activePasses: z.number().optional(),
  autopilot: z.object({ targetP95Ms: z.number(), minRate: z.number(), maxRate: z.number() }).nullable().optional(),
});

const operator = (path: string, body?: unknown): Promise<unknown> => operatorApi(target, a.token, path, body);

const found = laneFigures.parse(await operator("/stats"));
let restored = false;
async function restore(): Promise<void> {
  if (restored) return;
  restored = true;
  const change = restoreChange(found);
  // A run stopped half-way leaves the development origin slowed: the slowdown ends with the comparison.
  if (a.originSlowdown.length) await setSlowdown(origin, a.token, { identityCheckExtraMs: 0, identityCheckLines: null });
  await operator("/config", change).then(
    () => console.log(`the lane is set back: ${JSON.stringify(change)}`),
    (err) => console.error(`could not set the lane back (${JSON.stringify(change)}): ${err}`),
  );
}
process.once("SIGINT", () => void restore().finally(() => process.exit(130)));

async function run(label: string, which: number, options: LoadOptions): Promise<{ report: Report; settled: string }> {
  const settled = await settleLane(
    async () => {
      const s = laneFigures.parse(await operator("/stats"));
      return { waiting: s.waiting, activePasses: s.activePasses ?? 0 };
    },
    { maxMs: a.settleMax * 1000, pollMs: 1000 },
  );
  const line = settledLine(label, settled);
  console.log(line);
  console.log(`run ${which} of 2: ${label}`);
  const report = await runWithProgress(options);
  return { report, settled: line };
}

const dir = values["json-dir"]!;
mkdirSync(dir, { recursive: true });
const write = (name: string, report: Report) => {
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(dir, `${name}.html`), htmlReport(report));
  console.log(`wrote ${join(dir, `${name}.json`)} and ${name}.html`);
};

try {
  const fixed = await run(fixedLabel(scenario), 1, { ...base, rate: a.ceiling, autopilot: null });
  write("fixed", fixed.report);
  const auto = await run(autopilotLabel(scenario), 2, { ...base, rate: a.startRate ?? a.minRate, autopilot: autopilotSettings(scenario) });
  write("autopilot", auto.report);
  await restore();

  const verdicts = compareVerdicts(scenario, fixed.report, auto.report);
  const text = [
    compareTable(scenario, fixed.report, auto.report),
    "",
    `- ${runLine(fixedLabel(scenario), fixed.report)}`,
    `- ${runLine(autopilotLabel(scenario), auto.report)}`,
    "",
    ...verdicts.map((v) => `- ${v.ok === null ? "·" : v.ok ? "ok" : "NOT MET"}: ${v.what}`),
    "",
    `- ${fixed.settled}`,
    `- ${auto.settled}`,
  ].join("\n");
  writeFileSync(join(dir, "compare.md"), `${text}\n`);
  console.log(`\n${text}\n\nwrote ${join(dir, "compare.md")}`);
} finally {
  await restore();
}
