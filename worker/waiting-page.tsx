/**
 * The waiting page. Server-rendered with the visitor's real numbers, so it is complete without
 * JavaScript (a <noscript> meta refresh reloads it at the poll interval). With JavaScript, a small
 * ES5 script polls /_wr/status at the interval the server asks for and reloads once admitted (or when its
 * ticket turns out to have been used already: the page then says so). Once admitted, the page stops saying
 * the visitor is in line at once (heading, title and figures change) while the next page loads. Style and
 * script are separate, immutably cached assets, so the page itself stays small for every arrival.
 */
import type { QueueStatus } from "./admission";
import { escapeToBuffer } from "hono/utils/html";
import { asset } from "./assets";
import { formatCountdown, formatEta, messages, progressFigure, serviceName, type Lang } from "./i18n";
import { PageHead } from "./page-head";

const STYLE = `
:root{color-scheme:light}
*{box-sizing:border-box}
body{margin:0;word-break:keep-all;overflow-wrap:anywhere;font:18px/1.6 system-ui,-apple-system,"Apple SD Gothic Neo","Malgun Gothic","Noto Sans KR",sans-serif;color:#111;background:#f4f6f8}
main{max-width:40rem;margin:0 auto;padding:1.5rem 1rem}
.card{background:#fff;border:2px solid #1f3a5f;border-radius:12px;padding:1.5rem}
h1{font-size:1.6rem;margin:0 0 .5rem;color:#1f3a5f}
.lang{display:block;text-align:right;margin-bottom:.5rem}
a{color:#0b4f9c}a:focus,button:focus{outline:3px solid #e8a400;outline-offset:2px}
.seq{font-size:2.6rem;font-weight:800;color:#0b4f9c;letter-spacing:.02em}
dl{display:grid;grid-template-columns:1fr auto;gap:.4rem 1rem;margin:1rem 0}
dt{color:#333}dd{margin:0;font-weight:700;text-align:right}
.service{margin:0 0 .25rem;font-weight:700;color:#333}
.bar{width:100%;height:1.4rem;background:#dde5ee;border:1px solid #1f3a5f;border-radius:.7rem;overflow:hidden}
.bar>span{display:block;height:100%;background:#0b4f9c}
.pfig{margin:.25rem 0 0;font-weight:700}
.note{background:#eef5ff;border-left:6px solid #0b4f9c;padding:.75rem 1rem;margin-top:1rem}
.paused{background:#fff4d6;border-left:6px solid #b07a00;padding:.75rem 1rem}
.countdown{font-size:2.6rem;font-weight:800;color:#0b4f9c;font-variant-numeric:tabular-nums}
`;

const numberFormats = new Map<Lang, Intl.NumberFormat>();

function numberFormat(lang: Lang): Intl.NumberFormat {
  let nf = numberFormats.get(lang);
  if (!nf) numberFormats.set(lang, (nf = new Intl.NumberFormat(lang === "en" ? "en-US" : "ko-KR")));
  return nf;
}

/** The page's script, for both languages: it reads the language from <html lang> and its words from the page. */
const SCRIPT = `(function(){
var formatEta=${formatEta.toString()};var formatCountdown=${formatCountdown.toString()};var progressFigure=${progressFigure.toString()};
var root=document.getElementById("wr"),lang=document.documentElement.lang,start=+root.getAttribute("data-start"),suffix=root.getAttribute("data-people")||"";
var nf=window.Intl?new Intl.NumberFormat(lang==="en"?"en-US":"ko-KR"):{format:String};
function set(id,v){var el=document.getElementById(id);if(el&&el.textContent!==v)el.textContent=v;}
function show(id,on){var el=document.getElementById(id);if(el)el.hidden=!on;}
function people(n){return nf.format(n)+suffix;}
function admitted(){var h=document.getElementById("wr-h"),words=root.getAttribute("data-admitted")||"";if(h)h.textContent=words;document.title=words;show("wr-figs",false);show("wr-prog",false);show("wr-paused",false);show("wr-msg",true);location.reload();}
function poll(){
var x=new XMLHttpRequest();x.open("GET","/_wr/status?lane="+encodeURIComponent(root.getAttribute("data-lane")||""),true);x.setRequestHeader("Accept","application/json");
x.onload=function(){if(x.status===409){location.reload();return;}var s;try{s=JSON.parse(x.responseText);}catch(e){return later(5000);}
if(x.status!==200||!s||!s.state)return later(5000);
var pre=root.getAttribute("data-state")==="before_open";
if(pre!==(s.state==="before_open")){if(s.state==="admitted")return admitted();location.reload();return;}
if(pre){opensAt=Date.now()+s.opensInSeconds*1000;set("wr-countdown",formatCountdown(s.opensInSeconds));set("wr-pre",people(s.preQueued));return later(s.pollAfterMs);}
if(s.state==="admitted")return admitted();
set("wr-seq",nf.format(s.seq));set("wr-ahead",people(s.ahead));set("wr-behind",people(s.behind));
set("wr-eta",formatEta(s.etaSeconds,lang));show("wr-paused",s.state==="paused");
var p=document.getElementById("wr-progress"),span=s.seq-start,pct=span>0?Math.round(100*Math.max(0,Math.min(1,(s.serving-start)/span))):0,fig=progressFigure(people(s.ahead),formatEta(s.etaSeconds,lang),lang);
if(p){p.setAttribute("aria-valuenow",String(pct));p.setAttribute("aria-valuetext",pct+"% · "+fig);p.firstChild.style.width=pct+"%";}set("wr-pfig",fig+" · "+pct+"%");
later(s.pollAfterMs);};
x.onerror=function(){later(5000);};x.send();}
function later(ms){setTimeout(poll,Math.max(1000,ms||5000));}
var opensAt=Date.now()+(+root.getAttribute("data-opens")||0)*1000;
if(root.getAttribute("data-state")==="before_open")setInterval(function(){set("wr-countdown",formatCountdown((opensAt-Date.now())/1000));},1000);
later(+root.getAttribute("data-poll"));
})();`;

/**
 * The page's stylesheet and script, served from /_wr/assets/ with immutable caching: a person downloads
 * them once, and every arrival, refresh and no-JavaScript reload afterwards is a page of about 1.5 KB.
 */
const CSS_PATH = asset("wait", "css", STYLE);
const JS_PATH = asset("wait", "js", SCRIPT);

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
}

/**
 * What both views share: the head (no-JavaScript reload, the cached stylesheet), the language link, the
 * card (its data for the script, heading, lead; then the view's own figures; the "your turn" alert, the
 * view's note and the no-JavaScript line), the script.
 */
function Frame(props: { lang: Lang; title: string; f: PageFields; card: Record<string, string>; heading: string; lead: string; note: unknown; children: unknown }) {
  const { lang, f } = props;
  const t = messages[lang];
  const other: Lang = lang === "ko" ? "en" : "ko";
  return (
    <html lang={lang}>
      <PageHead title={props.title}>
        <noscript>
          <meta http-equiv="refresh" content={f.refreshSeconds} />
        </noscript>
        <link rel="stylesheet" href={CSS_PATH} />
      </PageHead>
      <body>
        <main>
          <a class="lang" href={`${f.path}?lang=${other}`} hreflang={other} lang={other}>
            {t.switchLabel}
          </a>
          <div class="card" id="wr" {...props.card} data-admitted={t.admittedHeading}>
            <p class="service">{t.lineFor.replace("{service}", f.service)}</p>
            <h1 id="wr-h">{props.heading}</h1>
            <p>{props.lead}</p>
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
        <script src={JS_PATH} defer />
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
      <dl>
        {props.rows.map(([label, id, value]) => (
          <>
            <dt>{label}</dt>
            <dd id={id}>{value}</dd>
          </>
        ))}
      </dl>
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
        <div id="wr-progress" class="bar" role="progressbar" aria-labelledby="wr-plabel" aria-valuemin="0" aria-valuemax="100" aria-valuenow={f.percent} aria-valuetext={`${f.percent}% · ${f.progressText}`}>
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
      card={{ "data-state": "before_open", "data-lane": f.lane, "data-poll": f.pollAfterMs, "data-opens": f.opensIn, "data-people": t.people }}
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
 * Every new arrival gets this page, so it is not rendered element by element each time: the JSX above is
 * rendered once per language and paused state with a marker in each field, split at the markers, and
 * each visit only joins the pieces with its own (escaped) values. Rendering the tree per arrival cost
 * about a fifth of an arrival's time at the edge.
 */
type Template = { pieces: string[]; order: (keyof PageFields)[] };
const templates = new Map<string, Template>();
const MARK = "\u0001";

type PageKind = "waiting" | "paused" | "before_open";

function template(lang: Lang, kind: PageKind): Template {
  const key = `${lang}:${kind}`;
  let tpl = templates.get(key);
  if (tpl) return tpl;
  const names: (keyof PageFields)[] = ["lane", "refreshSeconds", "path", "startedAt", "pollAfterMs", "seq", "ahead", "behind", "eta", "progress", "percent", "opensIn", "countdown", "preQueued", "service", "progressText"];
  const marked = Object.fromEntries(names.map((n) => [n, `${MARK}${n}${MARK}`])) as unknown as PageFields;
  const view = kind === "before_open" ? <PreQueueView lang={lang} f={marked} /> : <PageView lang={lang} paused={kind === "paused"} f={marked} />;
  const html = "<!DOCTYPE html>" + String(view);
  const parts = html.split(MARK);
  tpl = { pieces: parts.filter((_, i) => i % 2 === 0), order: parts.filter((_, i) => i % 2 === 1) as (keyof PageFields)[] };
  templates.set(key, tpl);
  return tpl;
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
  };
  const { pieces, order } = template(lang, s.state === "before_open" ? "before_open" : s.state === "paused" ? "paused" : "waiting");
  let out = pieces[0]!;
  for (let i = 0; i < order.length; i++) out += fields[order[i]!] + pieces[i + 1]!;
  return out;
}
