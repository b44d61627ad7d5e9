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
import type { AppEnv } from "./app-env";
import { readCookie } from "./cookies";
import { messages, type Lang } from "./i18n";
import { PageHead } from "./page-head";

/** Seconds a person is asked to wait before trying again: about what `npm start` needs to bring a stopped origin back. */
export const ORIGIN_RETRY_AFTER_SECONDS = 5;

const STYLE = `body{margin:0;font:18px/1.6 system-ui,-apple-system,"Apple SD Gothic Neo","Malgun Gothic","Noto Sans KR",sans-serif;color:#111;background:#f4f6f8;word-break:keep-all;overflow-wrap:anywhere}main{max-width:40rem;margin:0 auto;padding:1.5rem 1rem}.card{background:#fff;border:2px solid #1f3a5f;border-radius:12px;padding:1.5rem}h1{font-size:1.5rem;color:#1f3a5f;margin-top:0}.note{background:#fff4d6;border-left:6px solid #b07a00;padding:.75rem 1rem}.lang{display:block;text-align:right;margin-bottom:.5rem}a{color:#0b4f9c}a:focus{outline:3px solid #e8a400;outline-offset:2px}`;

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

/** The same path with `lang` set to another language (the switch link). */
function withLang(path: string, lang: Lang): string {
  const url = new URL(path, "http://edge.invalid");
  url.searchParams.set("lang", lang);
  return url.pathname + url.search;
}

function Page(props: { lang: Lang; retry: string; sent: boolean }) {
  const { lang, retry } = props;
  const t = messages[lang];
  const other: Lang = lang === "ko" ? "en" : "ko";
  return (
    <html lang={lang}>
      <PageHead title={t.originDownTitle}>
        <meta http-equiv="refresh" content={`${ORIGIN_RETRY_AFTER_SECONDS};url=${retry}`} />
        <style dangerouslySetInnerHTML={{ __html: STYLE }} />
      </PageHead>
      <body>
        <main>
          <a class="lang" href={withLang(retry, other)} hreflang={other} lang={other}>
            {t.switchLabel}
          </a>
          <div class="card">
            <h1>{t.originDownHeading}</h1>
            <p role="status">
              {t.originDownBody} {t.originDownAuto.replace("{n}", String(ORIGIN_RETRY_AFTER_SECONDS))}
            </p>
            {props.sent ? <p class="note">{t.originDownSent}</p> : null}
            <p>
              <a href={retry}>{t.originDownRetry}</a>
            </p>
          </div>
        </main>
      </body>
    </html>
  );
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
  const html = "<!DOCTYPE html>" + String(<Page lang={lang} retry={retryPath(c)} sent={sent} />);
  return new Response(c.req.method === "HEAD" ? null : html, { status: 503, headers: { ...headers, "content-type": "text/html; charset=UTF-8" } });
}
