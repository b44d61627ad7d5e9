/**
 * `npm run loadtest -- [options]`: rehearse opening night against a running system (default: the one
 * `npm start` runs). Prints a progress bar, then the key figures; writes a JSON and an HTML report.
 *
 *   --users N          simulated people (default 1000)          --arrival S     arrival window (default 10)
 *   --curve burst|poisson|uniform (default burst)              --abandon F     share who give up (0.1)
 *   --rate R           set the admission rate at the start      --rate-plan "0:100,60:300"  change it at times
 *   --think MS         mean think time between steps (1000)     --max-seconds S hard time limit (600)
 *   --target URL       the edge (http://127.0.0.1:8787)         --origin URL    the origin (http://127.0.0.1:8788)
 *   --token T          operator token (else OPERATOR_TOKEN or .dev.vars)
 *   --opens-in S       schedule the opening S seconds after the start: earlier arrivals form the pre-queue
 *   --abandon-after "MIN:MAX"  those who give up do so MIN..MAX seconds after arriving (default 5:60)
 *   --max-active N     cap the lane's active passes at the start ("none" removes a cap; default: leave it)
 *   --click-timeout S  a click of the journey with no answer by then is given up, and so is the journey (30)
 *   --target-p95 MS    the p95 admitted people's requests must stay under once the run is steady (1500)
 *   --origin-slowdown "SECONDS:EXTRA_MS[:LINES],..."  slow the development origin's identity checks from
 *                      those seconds (e.g. "30:2000"; LINES: checks answered at once, a capacity); reset at the end
 *   --autopilot "MIN:MAX"  turn the lane's autopilot on for the run, between MIN and MAX admissions per second,
 *                      holding the --target-p95 (it starts from --rate when given); "off": a fixed rate
 *   --json FILE, --html FILE   reports                          --allow-remote  permit a non-loopback target
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { z } from "zod";
import { htmlReport } from "./html";
import { numberFields } from "./number-fields";
import {
  abandonAfterOption,
  operatorToken,
  parseAutopilot,
  rateOption,
  refuse,
  requireLocal,
  slowdownOption,
  stopOnFailure,
  targetP95Option,
  tokenOption,
} from "./options";
import { runWithProgress } from "./progress";
import { DEFAULT_CLICK_TIMEOUT_MS, DEFAULT_TARGET_P95_MS, type LoadOptions } from "./run";

stopOnFailure("loadtest");
const { values } = parseArgs({
  options: {
    users: { type: "string", default: "1000" },
    arrival: { type: "string", default: "10" },
    curve: { type: "string", default: "burst" },
    abandon: { type: "string", default: "0.1" },
    rate: { type: "string" },
    "rate-plan": { type: "string", default: "" },
    think: { type: "string", default: "1000" },
    "max-seconds": { type: "string", default: "600" },
    target: { type: "string", default: "http://127.0.0.1:8787" },
    origin: { type: "string", default: "http://127.0.0.1:8788" },
    token: { type: "string" },
    json: { type: "string" },
    html: { type: "string" },
    connections: { type: "string", default: "128" },
    seed: { type: "string", default: "1" },
    "opens-in": { type: "string" },
    "abandon-after": { type: "string", default: "5:60" },
    "max-active": { type: "string" },
    "click-timeout": { type: "string", default: String(DEFAULT_CLICK_TIMEOUT_MS / 1000) },
    "target-p95": { type: "string", default: String(DEFAULT_TARGET_P95_MS) },
    "origin-slowdown": { type: "string", default: "" },
    autopilot: { type: "string" },
    "allow-remote": { type: "boolean", default: false },
  },
});

const schema = z.object({
  users: z.coerce.number().int().min(1).max(200_000),
  arrival: z.coerce.number().min(0).max(3600),
  curve: z.enum(["burst", "poisson", "uniform"]),
  abandon: z.coerce.number().min(0).max(1),
  rate: rateOption.optional(),
  ratePlan: z.string().transform((v, ctx) => {
    if (!v.trim()) return [] as [number, number][];
    const plan = v.split(",").map((part) => (numberFields(part) ?? []) as [number, number]);
    if (plan.some((p) => p.length !== 2 || p[0] < 0 || !rateOption.safeParse(p[1]).success)) {
      ctx.addIssue({ code: "custom", message: 'write it as "seconds:rate,seconds:rate", e.g. "0:100,60:300"' });
    }
    return plan;
  }),
  think: z.coerce.number().min(0).max(60_000),
  maxSeconds: z.coerce.number().min(1).max(3600),
  target: z.string().url(),
  origin: z.string().url(),
  token: tokenOption,
  connections: z.coerce.number().int().min(1).max(1024),
  seed: z.coerce.number().int(),
  opensIn: z.coerce.number().min(0).max(3600).optional(),
  maxActive: z.union([z.literal("none").transform(() => null), z.coerce.number().int().min(0).max(10_000_000)]).optional(),
  abandonAfter: abandonAfterOption,
  clickTimeout: z.coerce.number().gt(0).max(600),
  targetP95: targetP95Option,
  originSlowdown: slowdownOption,
  autopilot: z.string().optional(),
});

const parsed = schema.safeParse({
  ...values,
  ratePlan: values["rate-plan"],
  maxSeconds: values["max-seconds"],
  opensIn: values["opens-in"],
  abandonAfter: values["abandon-after"],
  maxActive: values["max-active"],
  clickTimeout: values["click-timeout"],
  targetP95: values["target-p95"],
  originSlowdown: values["origin-slowdown"],
  token: operatorToken(values.token, process.env.OPERATOR_TOKEN),
});
if (!parsed.success) refuse("loadtest", parsed.error.issues);
const a = parsed.data;
requireLocal("loadtest", [a.target, a.origin], values["allow-remote"] ?? false);
const autopilot = a.autopilot === undefined ? undefined : parseAutopilot(a.autopilot, a.targetP95);
if (autopilot && "problem" in autopilot) refuse("loadtest", [{ code: "custom", path: ["autopilot"], message: autopilot.problem }]);

const opts: LoadOptions = {
  target: a.target.replace(/\/$/, ""),
  origin: a.origin.replace(/\/$/, ""),
  token: a.token,
  users: a.users,
  arrivalSec: a.arrival,
  curve: a.curve,
  rate: a.rate,
  ratePlan: a.ratePlan,
  abandon: a.abandon,
  thinkMs: a.think,
  maxSeconds: a.maxSeconds,
  connections: a.connections,
  seed: a.seed,
  tolerance: 0,
  opensInSec: a.opensIn,
  abandonAfterSec: a.abandonAfter,
  maxActive: a.maxActive,
  clickTimeoutMs: a.clickTimeout * 1000,
  targetP95Ms: a.targetP95,
  originSlowdown: a.originSlowdown,
  autopilot,
};

const report = await runWithProgress(opts);

const { series: _series, ...summary } = report;
console.log(JSON.stringify(summary, null, 2));
if (values.json) {
  writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote ${values.json}`);
}
if (values.html) {
  writeFileSync(values.html, htmlReport(report));
  console.log(`wrote ${values.html}`);
}
