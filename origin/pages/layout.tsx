/**
 * The frame of every citizen page, and the form pieces they share. Written for people in their fifties
 * and older on any browser: 18px base text (22px with "larger text"), high contrast, a visible focus ring,
 * labels tied to inputs, errors linked to their fields and announced, and nothing fetched from another
 * site (the page renders with no internet access). Every step is a plain HTML form; the page's one
 * script (book.client.ts or lookup.client.ts: countdowns, copy button, district list) only adds to what
 * already works without it, and reads what it needs from the page itself (data- attributes, JSON blocks).
 */
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import { assetPath } from "../../lib/assets";
import { formatLeft } from "./countdown";
import { errorText, type Lang, MESSAGES, type Messages } from "./i18n";

/** The scripts a page may load: the booking steps' and the lookup pages'. */
const SCRIPTS = {
  book: "origin/pages/book.client.ts",
  lookup: "origin/pages/lookup.client.ts",
} as const;

export type PageScript = keyof typeof SCRIPTS;

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
export function withParam(c: Context, key: string, value: string): string {
  const url = new URL(c.req.url);
  url.searchParams.set(key, value);
  return `${url.pathname}?${url.searchParams.toString()}`;
}

/** Every page is served in standards mode: without the doctype a browser lays it out in quirks mode (tables keep their own text size). */
export const DOCTYPE = "<!DOCTYPE html>";

export function Page(props: {
  c: Context;
  p: PageCtx;
  title: string;
  step?: number;
  children: Child;
  script?: PageScript;
  hasErrors?: boolean;
}) {
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
          <link rel="stylesheet" href={assetPath("origin/pages/site.css")} />
        </head>
        {/* A form that came back with errors: the script focuses its summary (client/error-focus.ts). */}
        <body data-focus-errors={props.hasErrors ? "" : undefined}>
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
          {props.script ? <script src={assetPath(SCRIPTS[props.script])} /> : null}
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

/** A form's own error (not one field's), where the summary's link for `form` lands. */
export function FormError(props: { error?: string }) {
  if (!props.error) return null;
  return (
    <p class="field-error" id="form-error">
      {props.error}
    </p>
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
  const describedBy = [props.hint ? `${props.name}-hint` : "", props.error ? `${props.name}-error` : "", props.describedBy ?? ""]
    .filter(Boolean)
    .join(" ");
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
 * A countdown to `untilIso` by the server's clock, m:ss; the page's script keeps it running
 * (client/countdown.ts says what `expiredId`, `enableId` and `disableIds` do at 0:00).
 */
export function Countdown(props: {
  untilIso: string;
  nowMs: number;
  expiredId?: string;
  enableId?: string;
  disableIds?: string[];
  label: string;
  id?: string;
}) {
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
      {formatLeft(left)}
    </span>
  );
}

/** Data for the page's script, as a JSON block it reads by id (`<` escaped, so the block cannot end early). */
export function JsonData(props: { id: string; value: unknown }) {
  return (
    <script
      type="application/json"
      id={props.id}
      dangerouslySetInnerHTML={{ __html: JSON.stringify(props.value).replace(/</g, "\\u003c") }}
    />
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
