/**
 * The waiting page. Server-rendered with the visitor's real numbers, so it is complete without
 * JavaScript (a <noscript> meta refresh reloads it at the poll interval). With JavaScript, its
 * script polls /_wr/status at the interval the server asks for and reloads once admitted (or when its
 * ticket turns out to have been used already: the page then says so). Once admitted, the page stops saying
 * the visitor is in line at once (heading, title and figures change) while the next page loads. When the
 * booking window open now has no places left (state "sold_out"), the page says so and when the next window
 * opens (Korea time), without a progress bar or a wait: the visitor keeps their number, and the line goes on
 * by itself when places come back. Style
 * (edge.css) and script (wait.client.ts, which reads its data from the card's data- attributes) are
 * separate, immutably cached assets, so the page itself stays small for every arrival.
 */
import { escapeToBuffer } from "hono/utils/html";
import { assetPath } from "../../lib/assets";
import type { QueueStatus } from "../queue/admission";
import { formatCountdown, formatEta, formatOpening, progressFigure } from "./format";
import { PageHead } from "./page-head";
import { type Lang, messages, serviceName } from "./words";

const numberFormats = new Map<Lang, Intl.NumberFormat>();

function numberFormat(lang: Lang): Intl.NumberFormat {
  let nf = numberFormats.get(lang);
  if (!nf) numberFormats.set(lang, (nf = new Intl.NumberFormat(lang === "en" ? "en-US" : "ko-KR")));
  return nf;
}

/** The page's script (wait.client.ts), served from /_wr/assets/ and cached for good like the stylesheet. */
const SCRIPT_PATH = assetPath("worker/pages/wait.client.ts");

/** Everything on the page that changes from visit to visit, already formatted. */
interface PageFields {
  lane: string;
  refreshSeconds: string;
  path: string;
  startedAt: string;
  pollAfterMs: string;
  seq: string;
  ahead: string;
  behind: string;
  eta: string;
  progress: string;
  percent: string;
  opensIn: string;
  countdown: string;
  preQueued: string;
  service: string;
  progressText: string;
  /** the sold-out view's words: the window is full, and when the next one opens (or that it is not set yet) */
  soldOut: string;
}

/**
 * What both views share: the head (no-JavaScript reload, the cached stylesheet), the language link, the
 * card (its data for the script, heading, lead if any; then the view's own figures; the "your turn" alert, the
 * view's note and the no-JavaScript line), the script.
 */
function Frame(props: {
  lang: Lang;
  title: string;
  f: PageFields;
  card: Record<string, string>;
  heading: string;
  lead?: string;
  note: unknown;
  children: unknown;
}) {
  const { lang, f } = props;
  const t = messages[lang];
  const other: Lang = lang === "ko" ? "en" : "ko";
  return (
    <html lang={lang}>
      <PageHead title={props.title}>
        <noscript>
          <meta http-equiv="refresh" content={f.refreshSeconds} />
        </noscript>
      </PageHead>
      <body class="wait">
        <main>
          <a class="lang" href={`${f.path}?lang=${other}`} hreflang={other} lang={other}>
            {t.switchLabel}
          </a>
          <div class="card" id="wr" {...props.card} data-admitted={t.admittedHeading}>
            <p class="service">{t.lineFor.replace("{service}", f.service)}</p>
            <h1 id="wr-h">{props.heading}</h1>
            {props.lead ? <p>{props.lead}</p> : null}
            {props.children}
            <p id="wr-msg" role="alert" hidden>
              {t.admitted}
            </p>
            {props.note}
            <noscript>
              <p>{t.noScript.replace("{n}", f.refreshSeconds)}</p>
            </noscript>
          </div>
        </main>
        <script src={SCRIPT_PATH} defer />
      </body>
    </html>
  );
}

/** The numbers of both views, read out as they change: one big figure, then a list of smaller ones (label, id, value). */
function Figures(props: { label: string; big: unknown; rows: [string, string, string][] }) {
  return (
    <div id="wr-figs" aria-live="polite" aria-atomic="false">
      <p>
        {props.label}
        <br />
        {props.big}
      </p>
      {props.rows.length ? (
        <dl>
          {props.rows.map(([label, id, value]) => (
            <>
              <dt>{label}</dt>
              <dd id={id}>{value}</dd>
            </>
          ))}
        </dl>
      ) : null}
    </div>
  );
}

function PageView(props: { lang: Lang; paused: boolean; f: PageFields }) {
  const { lang, paused, f } = props;
  const t = messages[lang];
  return (
    <Frame
      lang={lang}
      title={t.title}
      f={f}
      card={{ "data-lane": f.lane, "data-start": f.startedAt, "data-poll": f.pollAfterMs, "data-people": t.people }}
      heading={t.heading}
      lead={t.lead}
      note={
        <p class="note">
          {t.keepPlace} {t.autoUpdate}
        </p>
      }
    >
      <p id="wr-paused" class="paused" role="status" hidden={!paused}>
        {t.paused}
      </p>
      <Figures
        label={t.myNumber}
        big={
          <span class="seq" id="wr-seq">
            {f.seq}
          </span>
        }
        rows={[
          [t.ahead, "wr-ahead", f.ahead],
          [t.behind, "wr-behind", f.behind],
          [t.eta, "wr-eta", f.eta],
        ]}
      />
      <div id="wr-prog">
        <p id="wr-plabel" class="pfig">
          {t.progress}
        </p>
        <div
          id="wr-progress"
          class="bar"
          role="progressbar"
          aria-labelledby="wr-plabel"
          aria-valuemin="0"
          aria-valuemax="100"
          aria-valuenow={f.percent}
          aria-valuetext={`${f.percent}% · ${f.progressText}`}
        >
          <span style={`width:${f.percent}%`} />
        </div>
        <p id="wr-pfig" class="pfig">
          {f.progressText} · {f.percent}%
        </p>
      </div>
    </Frame>
  );
}

/**
 * Before a scheduled opening: a countdown on the server's clock (the script counts the seconds between
 * polls, but each poll resets it from the server) and what happens at the opening. No number yet: places
 * are drawn at the opening.
 */
function PreQueueView(props: { lang: Lang; f: PageFields }) {
  const { lang, f } = props;
  const t = messages[lang];
  return (
    <Frame
      lang={lang}
      title={t.preTitle}
      f={f}
      card={{
        "data-state": "before_open",
        "data-lane": f.lane,
        "data-poll": f.pollAfterMs,
        "data-opens": f.opensIn,
        "data-people": t.people,
      }}
      heading={t.preHeading}
      lead={t.preLead}
      note={
        <>
          <p class="note">{t.preNote}</p>
          <p>
            <a href={`/_wr/fairness?lane=${f.lane}&lang=${lang}`}>{t.fairness}</a>
          </p>
        </>
      }
    >
      <Figures
        label={t.opensIn}
        big={
          <span class="countdown" id="wr-countdown" role="timer" aria-live="off">
            {f.countdown}
          </span>
        }
        rows={[[t.preQueued, "wr-pre", f.preQueued]]}
      />
    </Frame>
  );
}

/**
 * The booking window open now has no places left: the visitor keeps their number; no progress bar and no
 * wait, since nobody can say when places come back. The script rewrites the sentence about the next window
 * from each poll (the words with "{when}" are on the card) and reloads when the line moves again.
 */
function SoldOutView(props: { lang: Lang; f: PageFields }) {
  const { lang, f } = props;
  const t = messages[lang];
  return (
    <Frame
      lang={lang}
      title={t.soldOutTitle}
      f={f}
      card={{
        "data-state": "sold_out",
        "data-lane": f.lane,
        "data-poll": f.pollAfterMs,
        "data-people": t.people,
        "data-sold-lead": t.soldOutLead,
        "data-sold-next": t.soldOutNext,
        "data-sold-none": t.soldOutNone,
      }}
      heading={t.soldOutHeading}
      note={<p class="note">{t.soldOutKeep}</p>}
    >
      <p id="wr-sold" class="sold-out" role="status">
        {f.soldOut}
      </p>
      <Figures
        label={t.myNumber}
        big={
          <span class="seq" id="wr-seq">
            {f.seq}
          </span>
        }
        rows={[]}
      />
    </Frame>
  );
}

/**
 * Every new arrival gets this page, so it is not rendered element by element each time: the JSX above is
 * rendered once per language and paused state with a marker in each field, split at the markers, and
 * each visit only joins the pieces with its own (escaped) values. Rendering the tree per arrival cost
 * about a fifth of an arrival's time at the edge.
 */
type Template = { pieces: string[]; order: (keyof PageFields)[] };
const templates = new Map<string, Template>();
const MARK = "\u0001";

type PageKind = "waiting" | "paused" | "before_open" | "sold_out";

function template(lang: Lang, kind: PageKind): Template {
  const key = `${lang}:${kind}`;
  let tpl = templates.get(key);
  if (tpl) return tpl;
  const names: (keyof PageFields)[] = [
    "lane",
    "refreshSeconds",
    "path",
    "startedAt",
    "pollAfterMs",
    "seq",
    "ahead",
    "behind",
    "eta",
    "progress",
    "percent",
    "opensIn",
    "countdown",
    "preQueued",
    "service",
    "progressText",
    "soldOut",
  ];
  const marked = Object.fromEntries(names.map((n) => [n, `${MARK}${n}${MARK}`])) as unknown as PageFields;
  const view =
    kind === "before_open" ? (
      <PreQueueView lang={lang} f={marked} />
    ) : kind === "sold_out" ? (
      <SoldOutView lang={lang} f={marked} />
    ) : (
      <PageView lang={lang} paused={kind === "paused"} f={marked} />
    );
  const html = "<!DOCTYPE html>" + String(view);
  const parts = html.split(MARK);
  tpl = { pieces: parts.filter((_, i) => i % 2 === 0), order: parts.filter((_, i) => i % 2 === 1) as (keyof PageFields)[] };
  templates.set(key, tpl);
  return tpl;
}

/** What the sold-out view says: the window is full, and when the next one opens (Korea time), or that it is not set yet. */
export function soldOutWords(nextOpensAt: string | null, lang: Lang, now: number): string {
  const t = messages[lang];
  return `${t.soldOutLead} ${nextOpensAt ? t.soldOutNext.replace("{when}", formatOpening(nextOpensAt, lang, now)) : t.soldOutNone}`;
}

function escapeHtml(text: string): string {
  const buffer: [string] = [""];
  escapeToBuffer(text, buffer);
  return buffer[0];
}

/** The waiting page for one visit, as HTML text. */
export function renderWaitingPage(props: { status: QueueStatus; startedAt: number; lang: Lang; path: string; lane: string }): string {
  const { status: s, startedAt, lang } = props;
  const t = messages[lang];
  const nf = numberFormat(lang);
  const span = s.seq - startedAt;
  const progress = span > 0 ? Math.max(0, Math.min(1, (s.serving - startedAt) / span)) : 0;
  const fields: PageFields = {
    lane: props.lane,
    refreshSeconds: String(Math.ceil(s.pollAfterMs / 1000)),
    path: escapeHtml(props.path),
    startedAt: String(startedAt),
    pollAfterMs: String(s.pollAfterMs),
    seq: nf.format(s.seq),
    ahead: nf.format(s.ahead) + t.people,
    behind: nf.format(s.behind) + t.people,
    eta: escapeHtml(formatEta(s.etaSeconds, lang)),
    progress: progress.toFixed(3),
    percent: String(Math.round(progress * 100)),
    opensIn: String(s.opensInSeconds ?? 0),
    countdown: formatCountdown(s.opensInSeconds ?? 0),
    preQueued: nf.format(s.preQueued) + t.people,
    service: escapeHtml(serviceName(props.lane, lang)),
    progressText: escapeHtml(progressFigure(nf.format(s.ahead) + t.people, formatEta(s.etaSeconds, lang), lang)),
    soldOut: s.state === "sold_out" ? escapeHtml(soldOutWords(s.nextOpensAt, lang, Date.now())) : "",
  };
  const kind: PageKind = s.state === "before_open" || s.state === "paused" || s.state === "sold_out" ? s.state : "waiting";
  const { pieces, order } = template(lang, kind);
  let out = pieces[0]!;
  for (let i = 0; i < order.length; i++) out += fields[order[i]!] + pieces[i + 1]!;
  return out;
}
