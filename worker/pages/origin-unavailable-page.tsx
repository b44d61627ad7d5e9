/**
 * The page an admitted person sees while the origin cannot answer (edge/origin-unavailable.ts): it says so
 * in their language, tries again by itself after the wait, and, after a form was sent, warns that it may
 * have been received.
 */
import { PageHead } from "./page-head";
import { type Lang, messages } from "./words";

/** The same path with `lang` set to another language (the switch link). */
function withLang(path: string, lang: Lang): string {
  const url = new URL(path, "http://edge.invalid");
  url.searchParams.set("lang", lang);
  return url.pathname + url.search;
}

function Page(props: { lang: Lang; retry: string; sent: boolean; retryAfterSeconds: number }) {
  const { lang, retry } = props;
  const t = messages[lang];
  const other: Lang = lang === "ko" ? "en" : "ko";
  return (
    <html lang={lang}>
      <PageHead title={t.originDownTitle}>
        <meta http-equiv="refresh" content={`${props.retryAfterSeconds};url=${retry}`} />
      </PageHead>
      <body class="unavailable">
        <main>
          <a class="lang" href={withLang(retry, other)} hreflang={other} lang={other}>
            {t.switchLabel}
          </a>
          <div class="card">
            <h1>{t.originDownHeading}</h1>
            <p role="status">
              {t.originDownBody} {t.originDownAuto.replace("{n}", String(props.retryAfterSeconds))}
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

/** The page as HTML text. */
export function renderOriginUnavailablePage(props: { lang: Lang; retry: string; sent: boolean; retryAfterSeconds: number }): string {
  return "<!DOCTYPE html>" + String(<Page {...props} />);
}
