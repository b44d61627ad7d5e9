/**
 * The operator console at /_wr/admin: sign in once with the operator token (sign-in.ts: a signed, HttpOnly,
 * SameSite=Strict cookie limited to /_wr/admin), then watch the line live (issued, serving, waiting, the
 * set rate, admitted per second, the wait at the back of the line, with a chart) and steer it: set the
 * rate, pause, resume, cap the passes live at once (`maxActive`; the number live is shown beside it),
 * schedule the opening, switch the bot defence, turn the autopilot on (target p95, floor, ceiling), change it
 * or turn it off; the places left in the open booking window are shown. A form is validated with the
 * operator API's own schema (config-schema.ts). A big change (pausing, a rate cut or raise of more than half,
 * turning the autopilot on, or cutting its ceiling by more than half) asks for confirmation first: in the
 * page's script, and on the server for a form sent without it. Requests from
 * any other origin are refused (same-origin.ts). Each lane (lib/lanes.ts) is steered on its own: ?lane=,
 * default the first. Korean by default, English with ?lang=en.
 */
import { type Context, Hono } from "hono";
import type { AppEnv } from "../app-env";
import { config } from "../config";
import { laneParam } from "../edge/lane-param";
import { type ConfigChange, configChange, formAutopilot, MAX_TARGET_P95_MS, MIN_TARGET_P95_MS, openingProblem } from "./config-schema";
import { isBig, isBigAutopilot } from "./console-shared";
import { Confirm, Dashboard, koreaTime, Login, Problem } from "./console-view";
import { type ConsoleLang, WORDS } from "./console-words";
import { configureLane, laneStats, openLane, readLane } from "./lane-ops";
import { sameOrigin } from "./same-origin";
import { consoleSession, signIn, signOut } from "./sign-in";

function lang(c: Context): ConsoleLang {
  return c.req.query("lang") === "en" ? "en" : "ko";
}

/** What a change just made is called on the page the console returns to (?done=). */
const DONE = ["scheduled", "opened", "applied"] as const;

/** A datetime-local value (no zone), read as Korea time; anything else comes back as given, to be refused. */
function fromKoreaTime(value: string): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value) ? `${value.length === 16 ? `${value}:00` : value}+09:00` : value;
}

/** A form's number: blank stays text, which the schema refuses as not a number. */
function formNumber(value: string): number | string {
  return value.trim() === "" ? value : Number(value);
}

/**
 * The console's form as the operator API's JSON change: numbers as numbers, `paused` as a boolean (other
 * values are ignored), an empty cap as null (no cap), an opening as Korea time.
 */
function formChange(body: Record<string, unknown>): Record<string, unknown> {
  const change: Record<string, unknown> = {};
  if (typeof body.ratePerSec === "string") change.ratePerSec = formNumber(body.ratePerSec);
  if (body.paused === "true" || body.paused === "false") change.paused = body.paused === "true";
  if (typeof body.proofOfWorkBits === "string") change.proofOfWorkBits = formNumber(body.proofOfWorkBits);
  if (typeof body.maxActive === "string") change.maxActive = body.maxActive.trim() === "" ? null : formNumber(body.maxActive);
  if (typeof body.opensAt === "string") change.opensAt = body.opensAt === "now" ? "now" : fromKoreaTime(body.opensAt);
  const autopilot = formAutopilot(body);
  if (autopilot !== undefined) change.autopilot = autopilot;
  return change;
}

/** Which of the console's words says what is wrong with a field the schema refused, in the order the form's fields are checked. */
const FIELD_PROBLEMS = [
  ["ratePerSec", "badRate"],
  ["proofOfWorkBits", "badPow"],
  ["maxActive", "badMaxActive"],
  ["opensAt", "badOpening"],
  ["autopilot", "badAutopilot"],
] as const;

export const consoleRoutes = new Hono<AppEnv>()
  .use("*", sameOrigin)
  .get("/", async (c) => {
    const l = lang(c);
    if (!(await consoleSession(c))) return c.html(<Login l={l} />);
    const w = WORDS[l];
    const lane = laneParam(c);
    const lanes = config(c.env).lanes.map((x) => x.name);
    const schedule = laneStats(lane, await readLane(c.env, lane));
    const done = DONE.find((d) => d === c.req.query("done"));
    const notice =
      done === "scheduled" && schedule.opensAt
        ? w.scheduled(koreaTime(schedule.opensAt, l))
        : done === "opened"
          ? w.openedNow
          : done === "applied"
            ? w.applied
            : null;
    return c.html(<Dashboard l={l} lane={lane} lanes={lanes} schedule={schedule} notice={notice} />);
  })
  .post("/login", async (c) => {
    const l = lang(c);
    const body = await c.req.parseBody();
    if (!(await signIn(c, body.token))) return c.html(<Login l={l} error={WORDS[l].badToken} />, 401);
    return c.redirect(`/_wr/admin?lang=${l}`, 303);
  })
  .post("/logout", (c) => {
    signOut(c);
    return c.redirect(`/_wr/admin?lang=${lang(c)}`, 303);
  })
  .post("/console", async (c) => {
    const l = lang(c);
    const w = WORDS[l];
    if (!(await consoleSession(c))) return c.html(<Login l={l} />, 401);
    const body = await c.req.parseBody();
    const lane = laneParam(c);
    // Every refused form gets the same page: the reason, and the way back (nothing is changed).
    const problem = (message: string, status: 400 | 409) => c.html(<Problem l={l} lane={lane} message={message} />, status);
    const parsed = configChange.safeParse(formChange(body));
    if (!parsed.success) {
      const refused = new Set(parsed.error.issues.map((i) => i.path[0]));
      const field = FIELD_PROBLEMS.find(([name]) => refused.has(name));
      // Nothing to change (a form with none of the fields): back to the dashboard.
      if (!field) return c.redirect(`/_wr/admin?lang=${l}&lane=${lane}`, 303);
      return problem(field[1] === "badAutopilot" ? w.badAutopilot(MIN_TARGET_P95_MS, MAX_TARGET_P95_MS) : w[field[1]], 400);
    }
    const change: ConfigChange = parsed.data;
    if (change.opensAt !== undefined) {
      const now = Date.now();
      const at = change.opensAt === "now" ? now : Date.parse(change.opensAt);
      const late = openingProblem(at, now);
      if (late === "too_far") return problem(w.openingTooFar, 400);
      if (late === "past") return problem(w.openingPast, 400);
      const opened = await openLane(c.env, lane, at);
      if ("refused" in opened) return problem(w.openingInProgress, 409);
      return c.redirect(`/_wr/admin?lang=${l}&lane=${lane}&done=${change.opensAt === "now" ? "opened" : "scheduled"}`, 303);
    }
    const schedule = laneStats(lane, await readLane(c.env, lane));
    if ((isBig(schedule, change) || isBigAutopilot(schedule, change)) && body.confirmed !== "1") {
      return c.html(<Confirm l={l} lane={lane} schedule={schedule} change={change} />);
    }
    await configureLane(c.env, lane, {
      ratePerSec: change.ratePerSec,
      paused: change.paused,
      powBits: change.proofOfWorkBits,
      maxActive: change.maxActive,
      autopilot: change.autopilot,
    });
    return c.redirect(`/_wr/admin?lang=${l}&lane=${lane}&done=applied`, 303);
  });
