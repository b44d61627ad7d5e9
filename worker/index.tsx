/**
 * The edge: a virtual waiting room in front of the origin.
 *   /_wr/ping          a trivial route (the benchmark's baseline)
 *   /_wr/status        my place in line, as JSON, from the cached snapshot
 *   /_wr/fairness      the pre-queue's draw: commitment, revealed seed, how to recompute a place
 *   /_wr/admin         the operator console (page); /_wr/admin/* the operator API (bearer token)
 *   /favicon.ico, /robots.txt   answered here (static-files.ts): never a place in line
 *   everything else    behind the waiting room: admitted requests are proxied to ORIGIN_URL, at one
 *                      person's pace per pass; the origin's `X-WR-Command: revoke` ends the pass (passes.ts)
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { languageDetector } from "hono/language";
import { AppError } from "../lib/errors";
import { admin } from "./admin";
import { fairness } from "./fairness";
import { consoleRoutes } from "./console";
import type { AppEnv } from "./app-env";
import { config, ConfigError } from "./config";
import { laneFor } from "../lib/lanes";
import { laneCookies, readCookie, withCookies } from "./cookies";
import { Refused, refusalResponse } from "./refusal";
import { forward } from "./forward";
import { fromOrigin, limitPass } from "./passes";
import { STATIC_PATHS, staticFile } from "./static-files";
import { asLang, LANGS } from "./i18n";
import { statusJson } from "./admission";
import { laneParam } from "./lane-param";
import { resolveVisit, type Visit } from "./visit";
import { ASSETS } from "./assets";
import { renderWaitingPage } from "./waiting-page";

export { QueueCounter } from "./queue-counter";

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
  const headers: [string, string][] = [["content-type", "application/json"], ["cache-control", "no-store"]];
  for (const value of visit.cookies) headers.push(["set-cookie", value]);
  return new Response(body, { headers });
}

function wantsJson(accept: string | undefined): boolean {
  return !!accept && accept.includes("application/json") && !accept.includes("text/html");
}

export function createWorkerApp() {
  const app = new Hono<AppEnv>();

  app.onError((err, c) => {
    if (err instanceof Refused) {
      const lang = asLang(c.req.query("lang") ?? readCookie(c.req.header("cookie"), "wr_lang") ?? (/^en\b/i.test(c.req.header("accept-language") ?? "") ? "en" : "ko"));
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

  app.get("/_wr/assets/*", (c) => {
    const asset = ASSETS[c.req.path];
    if (!asset) return c.json({ code: "not_found", message: "No such asset." }, 404);
    return new Response(asset.body, {
      headers: { "content-type": asset.type, "cache-control": "public, max-age=31536000, immutable" },
    });
  });

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
      const answer = await fromOrigin(c, await forward(c, visit.pass.token), visit.pass, laneCookies(lane, cfg.lane).pass, visit.cookies);
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
