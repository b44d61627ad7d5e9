/**
 * The operator page (/ops): sign-in with the token once (then the signed session cookie), the dashboard,
 * sign-out, and the capacity form, which comes back as the page with what to correct (4xx) when refused,
 * keeping what was typed. Korean first; English with ?lang=en.
 */
import { type Context, Hono } from "hono";
import { AppError } from "../../lib/errors";
import {
  endOperatorSession,
  isOperator,
  type OperatorSignIn,
  operatorTokenMatches,
  startOperatorSession,
} from "../../lib/operator-session";
import type { Db } from "../db";
import { form } from "../pages/forms";
import { type PageCtx, pageCtx } from "../pages/layout";
import { changeCapacity, recentCapacityChanges } from "./capacity";
import { readCapacityChange } from "./capacity-input";
import type { Gauge } from "./gauge";
import { requireOps } from "./sign-in";
import { opsStats } from "./stats";
import { Dashboard, type FormOutcome, LoginPage } from "./view";
import { WORDS } from "./words";

export function opsPages(db: Db, clock: () => number, gauge: Gauge, signIn: OperatorSignIn) {
  async function dashboard(c: Context, p: PageCtx, outcome: FormOutcome = {}, status: 200 | 400 | 404 | 409 = 200) {
    const now = new Date(clock());
    const stats = await opsStats(db, gauge, now);
    const audit = await recentCapacityChanges(db);
    return c.html(<Dashboard c={c} p={p} stats={stats} audit={audit} now={now} outcome={outcome} />, status);
  }

  const app = new Hono();

  app.get("/", async (c) => {
    const p = pageCtx(c);
    if (!(await isOperator(c, signIn))) return c.html(<LoginPage c={c} p={p} />, signIn.token ? 200 : 503);
    return dashboard(c, p, { notice: c.req.query("changed") ? WORDS[p.lang].changed : undefined });
  });

  app.post("/login", async (c) => {
    const p = pageCtx(c);
    const body = await form(c);
    if (!(await operatorTokenMatches(body.token, signIn.token)))
      return c.html(<LoginPage c={c} p={p} error={WORDS[p.lang].badToken} />, 401);
    await startOperatorSession(c, signIn);
    return c.redirect("/ops", 303);
  });

  app.post("/logout", (c) => {
    endOperatorSession(c, signIn);
    return c.redirect("/ops", 303);
  });

  app.post("/capacity-form", requireOps(signIn), async (c) => {
    const p = pageCtx(c);
    const w = WORDS[p.lang];
    const values = await form(c);
    const parsed = readCapacityChange(values);
    if (!parsed.ok) return dashboard(c, p, { errors: parsed.fields.map((f) => w.fieldProblems[f]), fields: parsed.fields, values }, 400);
    try {
      await changeCapacity(db, { ...parsed.value, operator: "console", now: new Date(clock()) });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      const message =
        err.code === "no_slots"
          ? w.noSlots(parsed.value.date)
          : err.code === "capacity_below_taken"
            ? w.belowTaken(belowTakenTimes(err.details?.times).join(", "), Number(err.details?.minimum))
            : w.failed;
      return dashboard(c, p, { errors: [message], values }, err.status === 404 ? 404 : err.status === 409 ? 409 : 400);
    }
    return c.redirect("/ops?changed=1#capacity", 303);
  });

  return app;
}

/** The times a refused capacity change names (capacity.ts puts them in the error's details). */
function belowTakenTimes(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((t): t is string => typeof t === "string") : [];
}
