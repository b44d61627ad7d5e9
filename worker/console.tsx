/**
 * The operator console at /_wr/admin: sign in once with the operator token (kept in a signed, HttpOnly,
 * SameSite=Strict cookie limited to /_wr/admin), then watch the line live (issued, serving, waiting, the
 * set rate, admitted per second, the wait at the back of the line, with a chart) and steer it: set the
 * rate, pause, resume, cap the passes live at once (`maxActive`; the number live is shown beside it). A big
 * change (pausing, or a rate cut or raise of more than half) asks for confirmation first: in the page's
 * script, and on the server for a form sent without it. Requests from any other origin are refused
 * (same-origin.ts).
 * Each lane (lib/lanes.ts) is steered on its own: ?lane=, default the first. Korean by default, English with ?lang=en.
 */
import { Hono, type Context } from "hono";
import { raw } from "hono/html";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import { timingSafeEqual } from "hono/utils/buffer";
import UPLOT_CSS from "uplot/dist/uPlot.min.css";
import UPLOT_JS from "uplot/dist/uPlot.iife.min.js";
import { MAX_ACTIVE, MAX_POW_BITS, MAX_RATE_PER_SEC } from "./admission";
import type { AppEnv } from "./app-env";
import { asset } from "./assets";
import { config } from "./config";
import { laneParam } from "./lane-param";
import { MAX_OPENING_AHEAD_MS } from "./admin";
import { configureLane, laneStats, openLane, readLane } from "./lane-ops";
import { PageHead } from "./page-head";
import { sameOrigin } from "./same-origin";

export const CONSOLE_COOKIE = "wr_operator";
const COOKIE_PATH = "/_wr/admin";
const SESSION_MS = 12 * 3600_000;

const UPLOT_JS_PATH = asset("uplot", "js", UPLOT_JS);
const UPLOT_CSS_PATH = asset("uplot", "css", UPLOT_CSS);

const WORDS = {
  ko: {
    title: "대기열 운영 콘솔",
    lanes: "대기열",
    login: "운영자 로그인",
    token: "운영자 토큰",
    signIn: "로그인",
    signOut: "로그아웃",
    badToken: "토큰이 맞지 않습니다.",
    issued: "발급된 번호",
    serving: "입장 허용 번호",
    waiting: "대기 중",
    rate: "초당 입장",
    admittedPerSec: "실제 초당 입장",
    eta: "맨 뒤 예상 대기",
    state: "상태",
    running: "진행 중",
    paused: "일시 중지",
    setRate: "초당 입장 인원 설정",
    apply: "적용",
    pause: "입장 일시 중지",
    resume: "입장 재개",
    confirmTitle: "큰 변경을 확인해 주세요",
    confirmPause: "입장을 멈추면 줄 선 모든 분이 기다리게 됩니다. 멈추시겠습니까?",
    confirmRate: (from: number, to: number) => `초당 입장을 ${from}명에서 ${to}명으로 바꿉니다. 계속하시겠습니까?`,
    yes: "예, 적용합니다",
    no: "취소",
    badRate: `0 이상 ${MAX_RATE_PER_SEC} 이하의 숫자를 입력하세요.`,
    chart: "대기 인원과 초당 입장 (최근 5분)",
    other: "English",
    seconds: (s: number) => (s < 60 ? `${Math.round(s)}초` : s < 3600 ? `${Math.round(s / 60)}분` : `${(s / 3600).toFixed(1)}시간`),
    unknown: "알 수 없음 (멈춤)",
    shards: "카운터 수",
    opensAt: "개장 시각",
    notScheduled: "예약 없음",
    preQueued: "사전 대기 (개장 전 도착)",
    liveWaiting: "실제 대기 (이탈 제외)",
    scheduleOpening: "개장 시각 예약 (한국 시간)",
    schedule: "개장 예약",
    openNow: "지금 개장 (사전 대기 순서 추첨)",
    openingHelp: "개장 전에 온 분들은 개장 시각에 무작위 순서로 줄 앞에 서고, 그 뒤로는 도착 순서대로 섭니다. 추첨 씨앗의 해시는 지금 공개되고 씨앗은 개장 때 공개됩니다 (/_wr/fairness).",
    badOpening: "개장 시각을 날짜와 시각으로 입력해 주세요 (한국 시간).",
    openingPast: "개장 시각이 이미 지났습니다. 지금 열려면 '지금 개장'을 누르세요.",
    openingTooFar: "개장 시각은 지금부터 30일 이내로 정해 주세요.",
    beforeOpening: (n: string, at: string) => `개장 전 대기 ${n}명, 개장 ${at} (한국 시간)`,
    etaBeforeOpening: "개장 후 계산",
    scheduled: (at: string) => `개장 시각을 ${at}으로 예약했습니다. 추첨 씨앗의 해시(약속값)를 공정성 페이지에 공개했습니다.`,
    openedNow: "지금 개장했습니다. 사전 대기 순서를 추첨했고 씨앗을 공정성 페이지에 공개했습니다.",
    applied: "변경을 적용했습니다.",
    zone: "(한국 시간)",
    time: "시각 (한국 시간)",
    openingInProgress: "이전 개장의 사전 대기자가 아직 입장 중입니다. 모두 입장한 뒤에 다음 개장을 예약하세요.",
    pow: "자동 접속 방어 (새 대기번호에 계산 요구)",
    powHelp: "공격을 받을 때만 켜세요. 새로 오는 분의 기기가 대기번호를 받기 전에 몇 초 계산합니다. 이미 줄 선 분은 영향이 없습니다.",
    powOff: "끔",
    powApply: "방어 설정 적용",
    badPow: `방어 수준은 0(끔)부터 ${MAX_POW_BITS}비트까지 고를 수 있습니다.`,
    powLevel: (bits: number) => `${bits}비트 (약 ${Math.round(2 ** bits / 1000) / 10}만 번 계산)`,
    active: "입장 중 (활성 입장권)",
    maxActive: "동시 입장 상한",
    noCap: "상한 없음",
    setMaxActive: "동시 입장 상한 (비우면 상한 없음)",
    maxActiveHelp: "입장해 예약 중인 분이 이 수에 이르면, 한 분이 끝내고 나갈 때마다 한 분씩 들어옵니다. 이미 입장한 분은 영향이 없습니다.",
    applyCap: "상한 적용",
    badMaxActive: `동시 입장 상한은 0 이상 ${MAX_ACTIVE} 이하의 정수이거나, 비워 두어 상한 없음이어야 합니다.`,
  },
  en: {
    title: "Waiting-room console",
    lanes: "Lanes",
    login: "Operator sign-in",
    token: "Operator token",
    signIn: "Sign in",
    signOut: "Sign out",
    badToken: "That token is not right.",
    issued: "Numbers issued",
    serving: "Admitted up to",
    waiting: "Waiting",
    rate: "Rate per second",
    admittedPerSec: "Admitted per second",
    eta: "Wait at the back",
    state: "State",
    running: "running",
    paused: "paused",
    setRate: "Admissions per second",
    apply: "Apply",
    pause: "Pause entry",
    resume: "Resume entry",
    confirmTitle: "Confirm a big change",
    confirmPause: "Pausing makes everyone in line wait. Pause entry?",
    confirmRate: (from: number, to: number) => `Change the rate from ${from}/s to ${to}/s?`,
    yes: "Yes, apply it",
    no: "Cancel",
    badRate: `Enter a number from 0 to ${MAX_RATE_PER_SEC}.`,
    chart: "Waiting and admitted per second (last 5 minutes)",
    other: "한국어",
    seconds: (s: number) => (s < 60 ? `${Math.round(s)} s` : s < 3600 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`),
    unknown: "unknown (paused)",
    shards: "Counters",
    opensAt: "Opens at",
    notScheduled: "not scheduled",
    preQueued: "Pre-queue (came before opening)",
    liveWaiting: "Still waiting (abandoned left out)",
    scheduleOpening: "Schedule the opening (Korea time)",
    schedule: "Schedule opening",
    openNow: "Open now (draw the pre-queue's order)",
    openingHelp: "People who come before the opening are put at the front in a random order at the opening; after it, first come, first served. The draw's seed hash is published now and the seed at the opening (/_wr/fairness).",
    badOpening: "Enter the opening as a date and a time (Korea time).",
    openingPast: "That opening time has passed. To open now, use 'Open now'.",
    openingTooFar: "Choose an opening within 30 days from now.",
    beforeOpening: (n: string, at: string) => `Before opening: ${n} waiting, opens ${at} (Korea time)`,
    etaBeforeOpening: "counted after the opening",
    scheduled: (at: string) => `Opening scheduled for ${at}. The draw's seed hash (the commitment) is published on the fairness page.`,
    openedNow: "Opened now. The pre-queue's order is drawn and the seed is published on the fairness page.",
    applied: "Change applied.",
    zone: "(Korea time)",
    time: "Time (Korea)",
    openingInProgress: "People from the previous opening's pre-queue are still being admitted. Schedule the next opening once they are all in.",
    pow: "Bot defence (a calculation before each new place)",
    powHelp: "Switch on only under attack. A newcomer's device calculates for a few seconds before it gets a place. People already in line are not affected.",
    powOff: "off",
    powApply: "Apply defence setting",
    badPow: `The defence level is 0 (off) to ${MAX_POW_BITS} bits.`,
    powLevel: (bits: number) => `${bits} bits (about ${Math.round(2 ** bits / 1000)} thousand hashes)`,
    active: "Inside now (active passes)",
    maxActive: "Cap on people inside",
    noCap: "no cap",
    setMaxActive: "Cap on people inside at once (empty: no cap)",
    maxActiveHelp: "Once this many admitted people are inside, one more comes in each time one finishes. People already inside are not affected.",
    applyCap: "Apply cap",
    badMaxActive: `The cap is a whole number from 0 to ${MAX_ACTIVE}, or empty for no cap.`,
  },
};
type Lang = keyof typeof WORDS;

const STYLE = `body{font:18px/1.5 system-ui,"Noto Sans KR","Noto Sans CJK KR","Noto Sans",Arial,sans-serif;margin:0;color:#111;background:#f4f6f8}
main{max-width:56rem;margin:0 auto;padding:1rem}h1{color:#1f3a5f;font-size:1.5rem}
.card{background:#fff;border:2px solid #c9d3de;border-radius:12px;padding:1rem;margin:0 0 1rem}
dl{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:.75rem;margin:0}dt{color:#333;font-size:.9rem}dd{margin:0;font-size:1.5rem;font-weight:800}
label{display:block;font-weight:700;margin:.5rem 0 .25rem}input{font:inherit;padding:.5rem;border:2px solid #4a5a6a;border-radius:8px;width:12rem}
button{font:inherit;font-weight:700;border:0;border-radius:10px;padding:.7rem 1.2rem;margin:.5rem .5rem 0 0;background:#0b4f9c;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#0b4f9c;border:2px solid #0b4f9c}button.danger{background:#b00020}
a{color:#0b4f9c}a:focus-visible,button:focus-visible,input:focus-visible{outline:4px solid #e8a400;outline-offset:2px}
.top{display:flex;justify-content:space-between;align-items:center;gap:1rem;flex-wrap:wrap}.error{color:#b00020;font-weight:700}
.notice{border-left:6px solid #0b7a3e;background:#eaf6ee;padding:.75rem 1rem;margin:0 0 1rem;font-weight:700}
input,select{font:inherit;max-width:100%}select{font-size:1rem;padding:.5rem;border:2px solid #4a5a6a;border-radius:8px;background:#fff;color:#111}
#chart{overflow:hidden}dl>div:first-child{grid-column:1/-1}`;

function lang(c: Context): Lang {
  return c.req.query("lang") === "en" ? "en" : "ko";
}

/** Whether the request carries a valid console session (the signed cookie, not expired). */
export async function consoleSession(c: Context<AppEnv>): Promise<boolean> {
  const value = await getSignedCookie(c, config(c.env).operatorToken, CONSOLE_COOKIE);
  return typeof value === "string" && /^op:\d+$/.test(value) && Number(value.slice(3)) > Date.now();
}

/** Every console page, in standards mode (the doctype first). */
function Shell(props: { l: Lang; title: string; children: unknown; script?: string; head?: unknown; lane?: string }) {
  return (
    <>
      {raw("<!DOCTYPE html>")}
      <html lang={props.l}>
      <PageHead title={props.title}>
        <style dangerouslySetInnerHTML={{ __html: STYLE }} />
        {props.head}
      </PageHead>
      <body>
        <main>
          <div class="top">
            <h1>{props.title}</h1>
            <a href={`/_wr/admin?lang=${props.l === "ko" ? "en" : "ko"}${props.lane ? `&lane=${props.lane}` : ""}`} lang={props.l === "ko" ? "en" : "ko"}>
              {WORDS[props.l].other}
            </a>
          </div>
          {props.children}
        </main>
        {props.script ? <script dangerouslySetInnerHTML={{ __html: props.script }} /> : null}
      </body>
      </html>
    </>
  );
}

function Login(props: { l: Lang; error?: string }) {
  const w = WORDS[props.l];
  return (
    <Shell l={props.l} title={w.login}>
      {props.error ? (
        <p class="error" role="alert">
          {props.error}
        </p>
      ) : null}
      <form method="post" action={`/_wr/admin/login?lang=${props.l}`} class="card">
        <label for="token">{w.token}</label>
        <input id="token" name="token" type="password" autocomplete="off" required />
        <button type="submit">{w.signIn}</button>
      </form>
    </Shell>
  );
}

/**
 * A change is big when it pauses, or moves the rate by more than half either way. The page's script
 * embeds this very function (via toString), so the page and the server ask about the same changes.
 */
function isBig(current: { ratePerSec: number; paused: boolean }, change: { ratePerSec?: number; paused?: boolean }): boolean {
  if (change.paused === true && !current.paused) return true;
  if (change.ratePerSec === undefined) return false;
  const from = current.ratePerSec;
  const to = change.ratePerSec;
  return from === 0 ? to > 0 : to < from * 0.5 || to > from * 1.5;
}

/** An instant as operators in Korea read it (KST, UTC+9, no daylight saving), "2026-12-01 20:00:00 (한국 시간)". */
function koreaTime(iso: string, l: Lang): string {
  return `${new Date(Date.parse(iso) + 9 * 3600_000).toISOString().slice(0, 19).replace("T", " ")} ${WORDS[l].zone}`;
}

/** Hours and minutes in Korea (HH:MM). Self-contained: the console's script embeds it too. */
function koreaClock(ms: number): string {
  return new Date(ms + 9 * 3600000).toISOString().slice(11, 16);
}

/** Whether the lane's numbers describe a pre-queue before its opening. */
function beforeOpening(s: { opensAt: string | null; at: string }): boolean {
  return !!s.opensAt && Date.parse(s.opensAt) > Date.parse(s.at);
}

/** What a change just made is called on the page the console returns to (?done=). */
const DONE = ["scheduled", "opened", "applied"] as const;

/** A datetime-local value (no zone), read as Korea time; anything else comes back as given, to be refused. */
function fromKoreaTime(value: string): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value) ? `${value.length === 16 ? `${value}:00` : value}+09:00` : value;
}

export const consoleRoutes = new Hono<AppEnv>()
  .use("*", sameOrigin)
  .get("/", async (c) => {
    const l = lang(c);
    if (!(await consoleSession(c))) return c.html(<Login l={l} />);
    const w = WORDS[l];
    const lane = laneParam(c);
    const lanes = config(c.env).lanes.map((x) => x.name);
    const schedule = laneStats(lane, await readLane(c.env, lane));
    const pre = beforeOpening(schedule);
    const done = DONE.find((d) => d === c.req.query("done"));
    const notice = done === "scheduled" && schedule.opensAt ? w.scheduled(koreaTime(schedule.opensAt, l)) : done === "opened" ? w.openedNow : done === "applied" ? w.applied : null;
    // The chart begins with the counters' own samples of the last five minutes (/history), then adds the
    // live numbers each second; its axis, like every time on the page, is in Korea time.
    const script = `(function(){var W=${JSON.stringify({ running: w.running, paused: w.paused, waiting: w.waiting, admitted: w.admittedPerSec, rate: w.rate, unknown: w.unknown, confirmPause: w.confirmPause, active: w.active, etaBefore: w.etaBeforeOpening, time: w.time })};
var fmt=${w.seconds.toString()};var conf=${w.confirmRate.toString()};var isBig=${isBig.toString()};var before=${beforeOpening.toString()};var clock=${koreaClock.toString()};var preWords=${w.beforeOpening.toString()};
var xs=[],waiting=[],admitted=[],rates=[],actives=[],last=null,cur=null;
var el=document.getElementById("chart");var plot=new uPlot({width:Math.min(860,el.clientWidth||320),height:260,tzDate:function(ts){return uPlot.tzDate(new Date(ts*1e3),"Asia/Seoul")},scales:{x:{time:true,range:function(u,min,max){return [Math.min(min,max-60),max+1]}}},series:[{label:W.time},{label:W.waiting,stroke:"#0b4f9c",width:2,scale:"n"},{label:W.admitted,stroke:"#0b7a3e",width:2,scale:"r"},{label:W.rate,stroke:"#b00020",width:1,dash:[6,4],scale:"r"},{label:W.active,stroke:"#6a3d9a",width:2,scale:"n"}],axes:[{},{scale:"n",size:70},{scale:"r",side:1,size:60,grid:{show:false}}]},[xs,waiting,admitted,rates,actives],el);
window.addEventListener("resize",function(){plot.setSize({width:Math.min(860,el.clientWidth||320),height:260});});
function set(id,v){var e=document.getElementById(id);if(e)e.textContent=v;}
function point(t,issued,serving,rate,active){if(xs.length&&t<=xs[xs.length-1])return;var a=last?Math.max(0,(serving-last.serving)/Math.max(0.001,t-last.t)):0;last={serving:serving,t:t};
xs.push(t);waiting.push(issued-serving);admitted.push(Math.round(a*10)/10);rates.push(rate);actives.push(active);while(xs.length&&xs[0]<t-300){xs.shift();waiting.shift();admitted.shift();rates.shift();actives.shift();}return a;}
function tick(){var x=new XMLHttpRequest();x.open("GET","/_wr/admin/stats?lane=${lane}",true);x.onload=function(){if(x.status!==200)return;var s=JSON.parse(x.responseText);cur=s;var t=Date.parse(s.at)/1000,pre=before(s);
var a=point(t,s.issued,s.serving,s.paused||pre?0:s.ratePerSec,s.activePasses);if(a===undefined)a=0;
plot.setData([xs,waiting,admitted,rates,actives]);set("s-active",s.activePasses.toLocaleString());set("s-max",s.maxActive===null?${JSON.stringify(w.noCap)}:s.maxActive.toLocaleString());set("s-issued",s.issued.toLocaleString());set("s-serving",s.serving.toLocaleString());set("s-waiting",s.waiting.toLocaleString());
set("s-rate",String(s.ratePerSec));set("s-live",s.liveWaiting.toLocaleString());set("s-pre",s.preQueued.toLocaleString());set("s-admitted",String(Math.round(a)));
set("s-state",pre?preWords(s.preQueued.toLocaleString(),clock(Date.parse(s.opensAt))):s.paused?W.paused:W.running);set("s-eta",pre?W.etaBefore:s.paused||!s.ratePerSec?W.unknown:fmt(s.liveWaiting/s.ratePerSec));};x.send();}
var h=new XMLHttpRequest();h.open("GET","/_wr/admin/history?lane=${lane}",true);h.onloadend=function(){try{var list=h.status===200?JSON.parse(h.responseText).samples:[];for(var i=0;i<list.length;i++){var p=list[i];point(p.t/1000,p.issued,p.serving,p.ratePerSec,p.active);}}catch(e){}tick();setInterval(tick,1000);};h.send();
var forms=document.querySelectorAll("form[data-big]");for(var i=0;i<forms.length;i++)forms[i].addEventListener("submit",function(e){var f=e.target,ok=true;if(f.getAttribute("data-big")==="pause")ok=confirm(W.confirmPause);else if(cur){var to=+f.elements.ratePerSec.value;if(isBig(cur,{ratePerSec:to}))ok=confirm(conf(cur.ratePerSec,to));}if(!ok){e.preventDefault();return;}var h=document.createElement("input");h.type="hidden";h.name="confirmed";h.value="1";f.appendChild(h);});
})();`;
    return c.html(
      <Shell l={l} title={w.title} lane={lane} script={script} head={<link rel="stylesheet" href={UPLOT_CSS_PATH} />}>
        <script src={UPLOT_JS_PATH} />
        {notice ? (
          <p class="notice" role="status">
            {notice}
          </p>
        ) : null}
        <nav class="card" aria-label={w.lanes}>
          {w.lanes}:{" "}
          {lanes.map((name) => (name === lane ? <strong aria-current="page"> {name} </strong> : <a href={`/_wr/admin?lang=${l}&lane=${name}`}> {name} </a>))}
        </nav>
        <section class="card" aria-label={w.title}>
          <dl>
            {(
              [
                ["s-state", w.state, pre ? w.beforeOpening(schedule.preQueued.toLocaleString("ko-KR"), koreaClock(Date.parse(schedule.opensAt!))) : schedule.paused ? w.paused : w.running],
                ["s-issued", w.issued, String(schedule.issued)],
                ["s-serving", w.serving, "–"],
                ["s-waiting", w.waiting, "–"],
                ["s-rate", w.rate, String(schedule.ratePerSec)],
                ["s-live", w.liveWaiting, String(schedule.liveWaiting)],
                ["s-admitted", w.admittedPerSec, "–"],
                ["s-eta", w.eta, pre ? w.etaBeforeOpening : "–"],
                ["s-opens", w.opensAt, schedule.opensAt ? koreaTime(schedule.opensAt, l) : w.notScheduled],
                ["s-pre", w.preQueued, String(schedule.preQueued)],
                ["s-shards", w.shards, String(schedule.shards)],
                ["s-active", w.active, String(schedule.activePasses)],
                ["s-max", w.maxActive, schedule.maxActive === null ? w.noCap : String(schedule.maxActive)],
              ] as const
            ).map(([id, label, value]) => (
              <div>
                <dt>{label}</dt>
                <dd id={id}>{value}</dd>
              </div>
            ))}
          </dl>
        </section>
        <h2>{w.chart}</h2>
        <div class="card">
          <div id="chart" role="img" aria-label={w.chart} />
        </div>
        <form method="post" action={`/_wr/admin/console?lang=${l}&lane=${lane}`} class="card" data-big="rate">
          <label for="ratePerSec">{w.setRate}</label>
          <input id="ratePerSec" name="ratePerSec" type="number" min="0" max={String(MAX_RATE_PER_SEC)} step="any" value={String(schedule.ratePerSec)} required />
          <button type="submit">{w.apply}</button>
        </form>
        <form method="post" action={`/_wr/admin/console?lang=${l}&lane=${lane}`} class="card" data-big={schedule.paused ? "resume" : "pause"}>
          <input type="hidden" name="paused" value={schedule.paused ? "false" : "true"} />
          <button type="submit" class={schedule.paused ? "" : "danger"}>
            {schedule.paused ? w.resume : w.pause}
          </button>
        </form>
        <form method="post" action={`/_wr/admin/console?lang=${l}&lane=${lane}`} class="card">
          <label for="opensAt">{w.scheduleOpening}</label>
          <p>{w.openingHelp}</p>
          <input id="opensAt" name="opensAt" type="datetime-local" step="1" required />
          <button type="submit">{w.schedule}</button>
        </form>
        <form method="post" action={`/_wr/admin/console?lang=${l}&lane=${lane}`} class="card">
          <input type="hidden" name="opensAt" value="now" />
          <button type="submit" class="secondary">
            {w.openNow}
          </button>
        </form>
        <form method="post" action={`/_wr/admin/console?lang=${l}&lane=${lane}`} class="card">
          <label for="maxActive">{w.setMaxActive}</label>
          <p>{w.maxActiveHelp}</p>
          <input id="maxActive" name="maxActive" type="number" min="0" max={String(MAX_ACTIVE)} step="1" value={schedule.maxActive === null ? "" : String(schedule.maxActive)} />
          <button type="submit">{w.applyCap}</button>
        </form>
        <form method="post" action={`/_wr/admin/console?lang=${l}&lane=${lane}`} class="card">
          <label for="proofOfWorkBits">{w.pow}</label>
          <p>{w.powHelp}</p>
          <select id="proofOfWorkBits" name="proofOfWorkBits">
            {[0, 14, 16, 18, 20].map((bits) => (
              <option value={String(bits)} selected={schedule.proofOfWorkBits === bits}>
                {bits === 0 ? w.powOff : w.powLevel(bits)}
              </option>
            ))}
          </select>
          <button type="submit">{w.powApply}</button>
        </form>
        <form method="post" action={`/_wr/admin/logout?lang=${l}`}>
          <button type="submit" class="secondary">
            {w.signOut}
          </button>
        </form>
      </Shell>,
    );
  })
  .post("/login", async (c) => {
    const l = lang(c);
    const body = await c.req.parseBody();
    const token = config(c.env).operatorToken;
    if (typeof body.token !== "string" || !(await timingSafeEqual(body.token, token))) {
      return c.html(<Login l={l} error={WORDS[l].badToken} />, 401);
    }
    await setSignedCookie(c, CONSOLE_COOKIE, `op:${Date.now() + SESSION_MS}`, token, {
      path: COOKIE_PATH,
      httpOnly: true,
      sameSite: "Strict",
      secure: c.req.url.startsWith("https:"),
      maxAge: SESSION_MS / 1000,
    });
    return c.redirect(`/_wr/admin?lang=${l}`, 303);
  })
  .post("/logout", (c) => {
    deleteCookie(c, CONSOLE_COOKIE, { path: COOKIE_PATH });
    return c.redirect(`/_wr/admin?lang=${lang(c)}`, 303);
  })
  .post("/console", async (c) => {
    const l = lang(c);
    const w = WORDS[l];
    if (!(await consoleSession(c))) return c.html(<Login l={l} />, 401);
    const body = await c.req.parseBody();
    const change: { ratePerSec?: number; paused?: boolean; powBits?: number; maxActive?: number | null } = {};
    const lane = laneParam(c);
    // Every refused form gets the same page: the reason, and the way back (nothing is changed).
    const problem = (message: string, status: 400 | 409) =>
      c.html(
        <Shell l={l} title={w.title} lane={lane}>
          <p class="error" role="alert">
            {message}
          </p>
          <p>
            <a href={`/_wr/admin?lang=${l}&lane=${lane}`}>{w.no}</a>
          </p>
        </Shell>,
        status,
      );
    if (typeof body.ratePerSec === "string") {
      const rate = Number(body.ratePerSec);
      if (!body.ratePerSec.trim() || !Number.isFinite(rate) || rate < 0 || rate > MAX_RATE_PER_SEC) return problem(w.badRate, 400);
      change.ratePerSec = rate;
    }
    if (body.paused === "true" || body.paused === "false") change.paused = body.paused === "true";
    if (typeof body.proofOfWorkBits === "string") {
      const bits = Number(body.proofOfWorkBits);
      if (!/^\d{1,2}$/.test(body.proofOfWorkBits) || bits > MAX_POW_BITS) return problem(w.badPow, 400);
      change.powBits = bits;
    }
    if (typeof body.maxActive === "string") {
      const cap = body.maxActive.trim();
      if (cap !== "" && (!/^\d{1,8}$/.test(cap) || Number(cap) > MAX_ACTIVE)) return problem(w.badMaxActive, 400);
      change.maxActive = cap === "" ? null : Number(cap);
    }
    if (typeof body.opensAt === "string") {
      const now = Date.now();
      const at = body.opensAt === "now" ? now : Date.parse(fromKoreaTime(body.opensAt));
      if (!Number.isFinite(at) || !/[+]09:00$/.test(body.opensAt === "now" ? "+09:00" : fromKoreaTime(body.opensAt))) return problem(w.badOpening, 400);
      if (at > now + MAX_OPENING_AHEAD_MS) return problem(w.openingTooFar, 400);
      if (at < now - 60_000) return problem(w.openingPast, 400);
      const opened = await openLane(c.env, lane, at);
      if ("refused" in opened) return problem(w.openingInProgress, 409);
      return c.redirect(`/_wr/admin?lang=${l}&lane=${lane}&done=${body.opensAt === "now" ? "opened" : "scheduled"}`, 303);
    }
    const schedule = laneStats(lane, await readLane(c.env, lane));
    if (isBig(schedule, change) && body.confirmed !== "1") {
      return c.html(
        <Shell l={l} title={w.confirmTitle}>
          <p role="alert">{change.paused ? w.confirmPause : w.confirmRate(schedule.ratePerSec, change.ratePerSec ?? schedule.ratePerSec)}</p>
          <form method="post" action={`/_wr/admin/console?lang=${l}&lane=${lane}`}>
            {change.ratePerSec !== undefined ? <input type="hidden" name="ratePerSec" value={String(change.ratePerSec)} /> : null}
            {change.paused !== undefined ? <input type="hidden" name="paused" value={String(change.paused)} /> : null}
            <input type="hidden" name="confirmed" value="1" />
            <button type="submit" class="danger">
              {w.yes}
            </button>
            <a href={`/_wr/admin?lang=${l}`}>{w.no}</a>
          </form>
        </Shell>,
      );
    }
    if (change.ratePerSec !== undefined || change.paused !== undefined || change.powBits !== undefined || change.maxActive !== undefined) {
      await configureLane(c.env, lane, change);
      return c.redirect(`/_wr/admin?lang=${l}&lane=${lane}&done=applied`, 303);
    }
    return c.redirect(`/_wr/admin?lang=${l}&lane=${lane}`, 303);
  });
