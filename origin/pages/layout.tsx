/**
 * The frame of every citizen page, and the form pieces they share. Written for people in their fifties
 * and older on any browser: 18px base text (22px with "larger text"), high contrast, a visible focus ring,
 * labels tied to inputs, errors linked to their fields and announced, and nothing fetched from another
 * site (the page renders with no internet access). Every step is a plain HTML form; the small inline
 * scripts (countdowns, copy button, district list) only add to what already works without them.
 */
import type { Context } from "hono";
import type { Child } from "hono/jsx";
import { getCookie, setCookie } from "hono/cookie";
import { raw } from "hono/html";
import { errorText, MESSAGES, type Lang, type Messages } from "./i18n";

/** The origin's one stylesheet: the citizen pages use it as it is, /ops (ops/page.tsx) adds its own few rules. */
export const STYLE = `
*{box-sizing:border-box}
[hidden]{display:none!important}
html{font-size:18px}
html.large{font-size:22px}
body{margin:0;font:1rem/1.6 system-ui,-apple-system,"Segoe UI","Apple SD Gothic Neo","Malgun Gothic","Noto Sans KR","Noto Sans CJK KR","Noto Sans",Arial,sans-serif;color:#111;background:#f4f6f8;word-break:keep-all;overflow-wrap:anywhere}
a{color:#0b4f9c}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible{outline:4px solid #e8a400;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem;z-index:9}
.skip:focus{left:.5rem}
header{background:#1f3a5f;color:#fff}
header .bar{max-width:46rem;margin:0 auto;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between}
header a{color:#fff}
header .site{font-weight:800;text-decoration:none;font-size:1.05rem}
header nav{display:flex;gap:1rem;flex-wrap:wrap}
main{max-width:46rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;line-height:1.3;color:#1f3a5f;margin:.5rem 0 1rem}
h2{font-size:1.25rem;color:#1f3a5f;margin:1.5rem 0 .5rem}
.card{background:#fff;border:2px solid #c9d3de;border-radius:12px;padding:1.25rem;margin:0 0 1rem}
.steps{color:#333;margin:0 0 .25rem;font-weight:600}
label,.label{display:block;font-weight:700;margin:1rem 0 .25rem}
.hint{color:#333;font-size:.9rem;margin:.1rem 0 .3rem}
input[type=text],input[type=tel],input[type=password],input[type=date],select{font:inherit;width:100%;max-width:26rem;padding:.6rem .7rem;border:2px solid #4a5a6a;border-radius:8px;background:#fff;color:#111}
input[aria-invalid=true],select[aria-invalid=true]{border-color:#b00020;border-width:3px}
.rrn{display:grid;grid-template-columns:minmax(0,9rem) auto minmax(0,9rem);align-items:end;gap:.4rem}
.rrn>span{padding-bottom:.7rem}
.rrn input{width:100%}
.rrn span{font-weight:700}
.field-error{color:#b00020;font-weight:700;margin:.25rem 0}
.summary{border:3px solid #b00020;background:#fff5f6;border-radius:10px;padding:1rem;margin:0 0 1rem}
.summary h2{color:#b00020;margin:0 0 .5rem;font-size:1.1rem}
.notice{border-left:6px solid #0b4f9c;background:#eef5ff;padding:.75rem 1rem;margin:0 0 1rem}
.warn{border-left:6px solid #b07a00;background:#fff4d6;padding:.75rem 1rem;margin:0 0 1rem}
button,.button{display:inline-block;font:inherit;font-weight:700;border:0;border-radius:10px;padding:.8rem 1.4rem;margin:1rem .5rem 0 0;background:#0b4f9c;color:#fff;text-decoration:none;cursor:pointer;min-height:48px}
button:disabled{opacity:.55;cursor:not-allowed}
button.secondary,.button.secondary{background:#fff;color:#0b4f9c;border:2px solid #0b4f9c}
button.danger{background:#b00020}
.big{font-size:1.3rem;padding:1.1rem 1.8rem}
fieldset{border:0;padding:0;margin:1rem 0}
legend{font-weight:700;margin-bottom:.25rem}
.choice{display:flex;gap:.6rem;align-items:center;padding:.6rem .8rem;border:2px solid #c9d3de;border-radius:10px;margin:.4rem 0;background:#fff;font-weight:400}
.choice input{width:1.4rem;height:1.4rem;margin:0}
.choice:has(input:checked){border-color:#0b4f9c;background:#eef5ff}
.choice[aria-disabled=true]{color:#555;background:#eee}
ul.plain{list-style:none;padding:0;margin:0}
.clinic{border-top:1px solid #c9d3de;padding:.75rem 0}
.clinic:first-child{border-top:0}
.clinic h3{margin:0;font-size:1.1rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem;margin:.5rem 0}
dl.facts dt{font-weight:700;color:#333}
dl.facts dd{margin:0}
.number{font-size:2rem;font-weight:800;letter-spacing:.08em;color:#0b4f9c;font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
.countdown{font-size:1.4rem;font-weight:800;color:#7a4f00}
table{border-collapse:collapse;width:100%;font-size:1rem}
th,td{text-align:left;padding:.45rem .4rem;border-bottom:1px solid #c9d3de;vertical-align:top}
.timeout{max-width:min(32rem,calc(100% - 2rem));border:3px solid #1f3a5f;border-radius:12px;padding:1.25rem;font-size:1rem}
.timeout::backdrop{background:rgba(0,0,0,.6)}
.timeout h2{margin-top:0}
footer{max-width:46rem;margin:2rem auto;padding:0 1rem;color:#333;font-size:.9rem}
details>summary{font-weight:700;cursor:pointer;color:#1f3a5f;font-size:1.1rem}
dl.facts.wide dd{overflow-wrap:anywhere}
@media (max-width:520px){dl.facts.wide{grid-template-columns:1fr;gap:.1rem}dl.facts.wide dd{margin-bottom:.6rem}}
.pager{display:flex;justify-content:space-between;gap:1rem;margin-top:1rem}
@media (max-width:420px){h1{font-size:1.4rem}button,.button{width:100%;margin-right:0}.number{font-size:1.45rem;letter-spacing:.03em}}
`;

export interface PageCtx {
  lang: Lang;
  t: Messages;
  large: boolean;
  /** when the visitor's admission pass ends for good (ms; null without one): no step is counted down past it */
  journeyEndsAt: number | null;
}

const LANG_COOKIE = "lang";
const SIZE_COOKIE = "text_size";
const YEAR = 365 * 24 * 3600;

/**
 * The reader's language and text size: `?lang=` and `?text=` switch them (and are remembered in cookies),
 * else the cookies, else Accept-Language; Korean by default.
 */
export function pageCtx(c: Context): PageCtx {
  const q = c.req.query("lang");
  let lang: Lang;
  if (q === "ko" || q === "en") {
    lang = q;
    setCookie(c, LANG_COOKIE, q, { path: "/", sameSite: "Lax", httpOnly: true, maxAge: YEAR });
  } else {
    const saved = getCookie(c, LANG_COOKIE);
    lang = saved === "en" || saved === "ko" ? saved : /^\s*en\b/i.test(c.req.header("accept-language") ?? "") ? "en" : "ko";
  }
  const size = c.req.query("text");
  let large: boolean;
  if (size === "large" || size === "normal") {
    large = size === "large";
    setCookie(c, SIZE_COOKIE, size, { path: "/", sameSite: "Lax", httpOnly: true, maxAge: YEAR });
  } else {
    large = getCookie(c, SIZE_COOKIE) === "large";
  }
  // The pass's hard end (the edge renews it while the visitor is active, and readmits a lapsed one, until then).
  const pass = c.get("pass") as { end?: number } | undefined;
  return { lang, t: MESSAGES[lang], large, journeyEndsAt: typeof pass?.end === "number" && pass.end > 0 ? pass.end : null };
}

/** The current URL with one query parameter set (the language and text-size links). */
function withParam(c: Context, key: string, value: string): string {
  const url = new URL(c.req.url);
  url.searchParams.set(key, value);
  return `${url.pathname}?${url.searchParams.toString()}`;
}

/** Every page is served in standards mode: without the doctype a browser lays it out in quirks mode (tables keep their own text size). */
export const DOCTYPE = "<!DOCTYPE html>";

/**
 * A form that came back with errors puts its summary in front of the person: focused, so a screen reader
 * reads it and the page scrolls to it (the title says "오류:" as well).
 */
const ERROR_FOCUS_SCRIPT = `(function(){var s=document.getElementById("error-summary");if(s)s.focus();})();`;

export function Page(props: { c: Context; p: PageCtx; title: string; step?: number; children: Child; scripts?: string; hasErrors?: boolean }) {
  const { c, p, title, step } = props;
  const { t, lang } = p;
  const other: Lang = lang === "ko" ? "en" : "ko";
  const fullTitle = `${props.hasErrors ? t.errorPrefix : ""}${title === t.siteName ? title : `${title} | ${t.siteName}`}`;
  return (
    <>
      {raw(DOCTYPE)}
      <html lang={lang} class={p.large ? "large" : undefined}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="robots" content="noindex" />
          <title>{fullTitle}</title>
          <style dangerouslySetInnerHTML={{ __html: STYLE }} />
        </head>
        <body>
          <a class="skip" href="#main">
            {t.skip}
          </a>
          <header>
            <div class="bar">
              <a class="site" href="/">
                {t.siteName}
              </a>
              <nav aria-label={lang === "ko" ? "화면 설정" : "Display settings"}>
                <a href={withParam(c, "lang", other)} lang={other} hreflang={other}>
                  {t.switchLang}
                </a>
                <a href={withParam(c, "text", p.large ? "normal" : "large")}>{p.large ? t.normalText : t.largerText}</a>
                <a href="/lookup">{t.lookupLink}</a>
              </nav>
            </div>
          </header>
          <main id="main" tabindex={-1}>
            {step ? <p class="steps">{`${t.stepOf(step, t.steps.length)}: ${t.steps[step - 1]}`}</p> : null}
            <h1>{title}</h1>
            {props.children}
          </main>
          <footer>
            <p>{lang === "ko" ? "질병관리청 코로나19 예방접종 사전예약 (데모)" : "COVID-19 vaccination pre-booking (demo)"}</p>
          </footer>
          {props.scripts ? <script dangerouslySetInnerHTML={{ __html: props.scripts }} /> : null}
          {props.hasErrors ? <script dangerouslySetInnerHTML={{ __html: ERROR_FOCUS_SCRIPT }} /> : null}
        </body>
      </html>
    </>
  );
}

/** Field errors of a submitted form: field name → sentence. */
export type FieldErrors = Record<string, string>;

/** At the top of a form that came back with errors: announced, and each line jumps to its field. */
export function ErrorSummary(props: { t: Messages; errors: FieldErrors; ids?: Record<string, string> }) {
  const entries = Object.entries(props.errors);
  if (!entries.length) return null;
  return (
    <div class="summary" role="alert" tabindex={-1} id="error-summary">
      <h2>{props.t.errorSummary}</h2>
      <ul>
        {entries.map(([field, text]) => (
          <li>
            <a href={`#${props.ids?.[field] ?? field}`}>{text}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A labelled text input with its hint and error tied to it (aria-describedby, aria-invalid). */
export function Field(props: {
  name: string;
  label: string;
  value?: string;
  hint?: string;
  error?: string;
  type?: "text" | "tel" | "password" | "date";
  autocomplete?: string;
  inputmode?: "numeric" | "text" | "tel";
  maxlength?: number;
  pattern?: string;
  required?: boolean;
  min?: string;
  max?: string;
  disabled?: boolean;
  /** another element that describes the field (a message about it outside the field) */
  describedBy?: string;
}) {
  const describedBy = [props.hint ? `${props.name}-hint` : "", props.error ? `${props.name}-error` : "", props.describedBy ?? ""].filter(Boolean).join(" ");
  return (
    <div>
      <label for={props.name}>{props.label}</label>
      {props.hint ? (
        <p class="hint" id={`${props.name}-hint`}>
          {props.hint}
        </p>
      ) : null}
      {props.error ? (
        <p class="field-error" id={`${props.name}-error`}>
          {props.error}
        </p>
      ) : null}
      <input
        id={props.name}
        name={props.name}
        type={props.type ?? "text"}
        value={props.value ?? ""}
        autocomplete={props.autocomplete}
        inputmode={props.inputmode}
        maxlength={props.maxlength}
        pattern={props.pattern}
        required={props.required}
        min={props.min}
        max={props.max}
        disabled={props.disabled}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={describedBy || undefined}
      />
    </div>
  );
}

/** A full page for an error that is not about one field (expired session, a failed step). */
export function ErrorPage(props: { c: Context; p: PageCtx; message: string; children?: Child }) {
  return (
    <Page c={props.c} p={props.p} title={props.p.t.errorTitle}>
      <div class="summary" role="alert">
        <p>{props.message}</p>
      </div>
      {props.children}
      <p>
        <a class="button" href="/book">
          {props.p.t.startOver}
        </a>
        <a class="button secondary" href="/">
          {props.p.t.home}
        </a>
      </p>
    </Page>
  );
}

/**
 * Countdowns (hold time, code validity, the wait before a new code): the server states the seconds left,
 * `data-enable` names a button the script keeps disabled until then (without JavaScript it stays
 * enabled and the server answers a press too early), `data-disable` the controls it disables at 0:00 and
 * `data-expired` the message it shows then (without JavaScript the server says the same on the next
 * press). The script only subtracts
 * the time elapsed since the page loaded, so a wrong clock on the person's computer changes nothing.
 */
export const COUNTDOWN_SCRIPT = `(function(){var t0=Date.now(),els=document.querySelectorAll("[data-left]");function tick(){for(var i=0;i<els.length;i++){var el=els[i],left=Math.max(0,(+el.getAttribute("data-left"))-Math.floor((Date.now()-t0)/1000));var m=Math.floor(left/60),s=left%60;el.textContent=m+":"+(s<10?"0":"")+s;var id=el.getAttribute("data-expired");if(left===0&&id){var w=document.getElementById(id);if(w)w.hidden=false;}var off=el.getAttribute("data-disable");if(left===0&&off){off.split(" ").forEach(function(x){var o=document.getElementById(x);if(o)o.disabled=true;});}var en=el.getAttribute("data-enable");if(en){var b=document.getElementById(en);if(b)b.disabled=left>0;}}}tick();setInterval(tick,1000);})();`;

/** m:ss left until `untilIso`, by the server's clock. */
export function Countdown(props: { untilIso: string; nowMs: number; expiredId?: string; enableId?: string; disableIds?: string[]; label: string; id?: string }) {
  const left = Math.max(0, Math.round((Date.parse(props.untilIso) - props.nowMs) / 1000));
  return (
    <span
      class="countdown"
      id={props.id}
      data-left={String(left)}
      data-expired={props.expiredId}
      data-enable={props.enableId}
      data-disable={props.disableIds?.join(" ")}
      role="timer"
      aria-label={props.label}
    >
      {`${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`}
    </span>
  );
}

/** A browser asking for a page (not the JSON API): errors answer it with a page, never JSON or a blank. */
export function wantsPage(c: Context): boolean {
  return !c.req.path.startsWith("/api/") && (c.req.header("accept") ?? "").includes("text/html");
}

/** The error page for an error code, in the reader's language, with the given status. */
export function errorPage(c: Context, code: string, fallback: string | undefined, status: number): Response | Promise<Response> {
  const p = pageCtx(c);
  return c.html(<ErrorPage c={c} p={p} message={errorText(p.t, code, fallback)} />, status as 400);
}
