/**
 * The edge: a virtual waiting room in front of the origin.
 *   /_wr/ping          a trivial route (the benchmark's baseline)
 *   /_wr/status        my place in line, as JSON, from the cached snapshot
 *   /_wr/fairness      the pre-queue's draw: commitment, revealed seed, how to recompute a place
 *   /_wr/admin         the operator console (page); /_wr/admin/* the operator API (bearer token)
 *   /_wr/assets/*      the scripts and stylesheets of both apps (lib/assets.ts), cached for good
 *   /favicon.ico, /robots.txt   answered here (edge/static-files.ts): never a place in line
 *   everything else    behind the waiting room: admitted requests are proxied to ORIGIN_URL, at one
 *                      person's pace per pass; the origin's `X-WR-Command: revoke` ends the pass (edge/passes.ts).
 *                      Each is timed for the lane's autopilot (edge/load.ts), sent to its leader once a second
 */
import { type Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { languageDetector } from "hono/language";
import { serveAsset } from "../lib/assets";
import { AppError } from "../lib/errors";
import { laneFor } from "../lib/lanes";
import type { AppEnv } from "./app-env";
import { ConfigError, config } from "./config";
import { laneCookies, readCookie, withCookies } from "./edge/cookies";
import { forward } from "./edge/forward";
import { laneParam } from "./edge/lane-param";
import { dropLoad, loadDue, reportLoad } from "./edge/load";
import { fromOrigin, limitPass } from "./edge/passes";
import { Refused, refusalResponse } from "./edge/refusal";
import { freshSchedule } from "./edge/snapshot";
import { STATIC_PATHS, staticFile } from "./edge/static-files";
import { resolveVisit, type Visit } from "./edge/visit";
import { admin } from "./operator/admin";
import { consoleRoutes } from "./operator/console";
import { fairness } from "./pages/fairness";
import { renderWaitingPage } from "./pages/waiting-page";
import { asLang, LANGS } from "./pages/words";
import { statusJson } from "./queue/admission";

export { QueueCounter } from "./queue/queue-counter";

/** ?lang=en or ko (remembered in a cookie), else Accept-Language, else Korean. */
const detectLanguage = languageDetector({
  supportedLanguages: LANGS,
  fallbackLanguage: "ko",
  order: ["querystring", "cookie", "header"],
  lookupQueryString: "lang",
  lookupCookie: "wr_lang",
  caches: ["cookie"],
  cookieOptions: { sameSite: "Lax", httpOnly: true, path: "/", maxAge: 365 * 24 * 3600 },
});

const STATUS_HEADERS = { "content-type": "application/json", "cache-control": "no-store" };

/** `/_wr/status`'s answer, built in one step (every waiting person's script asks every 1–30 s). */
function statusResponse(visit: Visit): Response {
  const body = statusJson(visit.status);
  if (visit.cookies.length === 0) return new Response(body, { headers: STATUS_HEADERS });
  const headers: [string, string][] = [
    ["content-type", "application/json"],
    ["cache-control", "no-store"],
  ];
  for (const value of visit.cookies) headers.push(["set-cookie", value]);
  return new Response(body, { headers });
}

/**
 * After a forward: the lane's window of forwarded requests goes to its leader once it is a second old,
 * after the answer (waitUntil), while the lane's autopilot is on (as this isolate's copy of shard 0, or of
 * the pass's own shard, says); otherwise it is dropped.
 */
function reportForwards(c: Context<AppEnv>, lane: string, shard: number): void {
  const now = Date.now();
  if (!loadDue(lane, now)) return;
  const copy = freshSchedule(lane, 0, now, Number.POSITIVE_INFINITY) ?? freshSchedule(lane, shard, now, Number.POSITIVE_INFINITY);
  if (!copy?.autopilot) {
    dropLoad(lane);
    return;
  }
  const sending = reportLoad(c.env, lane, now);
  try {
    c.executionCtx.waitUntil(sending);
  } catch {
    // No execution context (an in-process test request): the report runs on without one.
  }
}

function wantsJson(accept: string | undefined): boolean {
  return !!accept && accept.includes("application/json") && !accept.includes("text/html");
}

export function createWorkerApp() {
  const app = new Hono<AppEnv>();

  app.onError((err, c) => {
    if (err instanceof Refused) {
      const lang = asLang(
        c.req.query("lang") ??
          readCookie(c.req.header("cookie"), "wr_lang") ??
          (/^en\b/i.test(c.req.header("accept-language") ?? "") ? "en" : "ko"),
      );
      return refusalResponse(c, err.refusal, lang, c.req.path === "/_wr/status" || wantsJson(c.req.header("accept")));
    }
    if (err instanceof AppError) return c.json(err.toJSON(), err.status);
    if (err instanceof HTTPException) return err.getResponse();
    if (err instanceof ConfigError) {
      console.error(err.message);
      return c.json({ code: "misconfigured", message: err.message }, 500);
    }
    console.error("unexpected error", err);
    return c.json({ code: "internal", message: "Something went wrong at the edge. Please try again." }, 500);
  });

  app.get("/_wr/ping", (c) => c.text("pong"));

  // Every waiting person's script calls this every 1–30 s: the response is built in one step.
  app.get("/_wr/status", (c): Response | Promise<Response> => {
    const visit = resolveVisit(c, laneParam(c));
    return visit instanceof Promise ? visit.then(statusResponse) : statusResponse(visit);
  });

  // Both apps' scripts and stylesheets (lib/assets.ts), hashed and cached for good: never behind the line.
  app.get("/_wr/assets/*", (c) => serveAsset(c.req.path) ?? c.json({ code: "not_found", message: "No such asset." }, 404));

  for (const path of STATIC_PATHS) app.get(path, (c) => staticFile(c.req.path)!);

  app.route("/_wr/fairness", fairness);
  app.route("/_wr/admin", consoleRoutes);
  app.route("/_wr/admin", admin);

  app.all("/_wr/*", (c) => c.json({ code: "not_found", message: "No such waiting-room endpoint." }, 404));

  app.all("*", async (c) => {
    const cfg = config(c.env);
    const lane = laneFor(cfg.lanes, c.req.path).name;
    const visit = await resolveVisit(c, lane);
    if (visit.pass) {
      await limitPass(c, visit.pass.claims);
      const answer = await fromOrigin(
        c,
        await forward(c, visit.pass.token, lane),
        visit.pass,
        laneCookies(lane, cfg.lane).pass,
        visit.cookies,
      );
      reportForwards(c, lane, visit.pass.claims.shard);
      return withCookies(answer.res, answer.cookies);
    }
    // Cookies go on the context before the response is built (one Response per arrival, not a copy).
    for (const value of visit.cookies) c.header("Set-Cookie", value, { append: true });
    c.header("Cache-Control", "no-store");
    if (wantsJson(c.req.header("accept"))) {
      c.header("Retry-After", String(Math.ceil(visit.status.pollAfterMs / 1000)));
      return c.json({ code: "waiting_room", ...visit.status }, 429);
    }
    await detectLanguage(c, async () => {}); // only when a page is rendered, not for admitted traffic
    const lang = asLang(c.get("language"));
    return c.html(renderWaitingPage({ status: visit.status, startedAt: visit.startedAt, lang, path: c.req.path, lane }));
  });

  return app;
}

export default createWorkerApp();
