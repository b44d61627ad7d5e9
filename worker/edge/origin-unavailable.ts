/**
 * What an admitted person gets when the origin cannot answer (nothing listening, the connection lost, or
 * no answer within the forwarding bound): `503` with `Retry-After`, never a hang or a bare 502. A browser
 * asking for a page gets one that tries again by itself after that many seconds; anything else gets
 * `{code: "origin_unavailable", message, retryAfterSeconds}`. The answer is returned, not thrown, so the
 * cookies of the visit (a pass minted on this very request) still reach the browser: the retry goes
 * straight to the origin, never back into the line.
 *
 * The language is the one the person was reading: `?lang=`, then the origin pages' `lang` cookie, then the
 * waiting room's `wr_lang`, then Accept-Language; Korean otherwise.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { renderOriginUnavailablePage } from "../pages/origin-unavailable-page";
import { type Lang, messages } from "../pages/words";
import { readCookie } from "./cookies";

/** Seconds a person is asked to wait before trying again: about what `npm start` needs to bring a stopped origin back. */
export const ORIGIN_RETRY_AFTER_SECONDS = 5;

function languageOf(c: Context<AppEnv>): Lang {
  const cookies = c.req.header("cookie");
  const chosen = c.req.query("lang") ?? readCookie(cookies, "lang") ?? readCookie(cookies, "wr_lang");
  if (chosen === "ko" || chosen === "en") return chosen;
  return /^\s*en\b/i.test(c.req.header("accept-language") ?? "") ? "en" : "ko";
}

/** A browser asking for a page, as the origin decides it (origin/pages/layout.tsx `wantsPage`). */
function wantsPage(c: Context<AppEnv>): boolean {
  return !c.req.path.startsWith("/api/") && (c.req.header("accept") ?? "").includes("text/html");
}

/**
 * Where the page goes when it tries again: the same address for a read; after a form was sent, the page
 * the form was on (the Referer, when it is one of this site's), else the start page. Always a path on this
 * site, never another host.
 */
function retryPath(c: Context<AppEnv>): string {
  const url = new URL(c.req.url);
  if (c.req.method === "GET" || c.req.method === "HEAD") return url.pathname + url.search;
  try {
    const from = new URL(c.req.header("referer") ?? "");
    if (from.host === url.host) return from.pathname + from.search;
  } catch {
    /* no usable Referer */
  }
  return "/";
}

/** The edge's answer for a request the origin could not take. */
export function originUnavailable(c: Context<AppEnv>): Response {
  const lang = languageOf(c);
  const t = messages[lang];
  const headers = { "retry-after": String(ORIGIN_RETRY_AFTER_SECONDS), "cache-control": "no-store" };
  if (!wantsPage(c)) {
    const message = `${t.originDownHeading}. ${t.originDownBody}`;
    return Response.json({ code: "origin_unavailable", message, retryAfterSeconds: ORIGIN_RETRY_AFTER_SECONDS }, { status: 503, headers });
  }
  const sent = c.req.method !== "GET" && c.req.method !== "HEAD";
  const html = renderOriginUnavailablePage({ lang, retry: retryPath(c), sent, retryAfterSeconds: ORIGIN_RETRY_AFTER_SECONDS });
  return new Response(c.req.method === "HEAD" ? null : html, {
    status: 503,
    headers: { ...headers, "content-type": "text/html; charset=UTF-8" },
  });
}
