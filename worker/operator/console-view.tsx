/**
 * The operator console's pages: sign-in, the dashboard (live numbers, chart, the forms that steer a lane,
 * the autopilot's panel: its state and reason in words, its chart, its last changes, its settings form; and
 * the places left in the open booking window), a refused form, and the confirmation a big change asks for.
 * Times are shown in Korea time.
 */
import { raw } from "hono/html";
import { assetPath } from "../../lib/assets";
import { PageHead } from "../pages/page-head";
import { MAX_ACTIVE, MAX_RATE_PER_SEC } from "../queue/admission";
import {
  type AutopilotSettingsView,
  type AutopilotShown,
  beforeOpening,
  changeReasonNumbers,
  currentReasonNumbers,
  koreaClock,
  koreaClockSeconds,
  koreaDateTime,
} from "./console-shared";
import { type ConsoleLang, changeWords, figure, phaseWords, reasonWords, WORDS } from "./console-words";
import type { LaneStats } from "./lane-ops";

/** The charting library (uPlot, as published) and the dashboard's script (console.client.ts), served from /_wr/assets/. */
const UPLOT_JS_PATH = assetPath("uplot/dist/uPlot.iife.min.js");
const UPLOT_CSS_PATH = assetPath("uplot/dist/uPlot.min.css");
const SCRIPT_PATH = assetPath("worker/operator/console.client.ts");

/** Every console page, in standards mode (the doctype first); `script` is the URL of the page's own script. */
function Shell(props: { l: ConsoleLang; title: string; children: unknown; script?: string; head?: unknown; lane?: string }) {
  return (
    <>
      {raw("<!DOCTYPE html>")}
      <html lang={props.l}>
        <PageHead title={props.title}>{props.head}</PageHead>
        <body class="console">
          <main>
            <div class="top">
              <h1>{props.title}</h1>
              <a
                href={`/_wr/admin?lang=${props.l === "ko" ? "en" : "ko"}${props.lane ? `&lane=${props.lane}` : ""}`}
                lang={props.l === "ko" ? "en" : "ko"}
              >
                {WORDS[props.l].other}
              </a>
            </div>
            {props.children}
          </main>
          {props.script ? <script src={props.script} /> : null}
        </body>
      </html>
    </>
  );
}

export function Login(props: { l: ConsoleLang; error?: string }) {
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

/** An instant as operators in Korea read it (KST, UTC+9, no daylight saving), "2026-12-01 20:00:00 (한국 시간)". */
export function koreaTime(iso: string, l: ConsoleLang): string {
  return `${koreaDateTime(Date.parse(iso))} ${WORDS[l].zone}`;
}

/** The lane's state in a few words: before its opening, sold out, paused or running. */
function stateWords(schedule: LaneStats, l: ConsoleLang): string {
  const w = WORDS[l];
  if (beforeOpening(schedule))
    return w.beforeOpening(schedule.preQueued.toLocaleString("ko-KR"), koreaClock(Date.parse(schedule.opensAt!)));
  if (schedule.soldOut) return w.soldOut;
  return schedule.paused ? w.paused : w.running;
}

/** The autopilot's state line: on with the rate it chose and its phase, or off at the fixed rate. */
export function autopilotStatus(l: ConsoleLang, ratePerSec: number, a: AutopilotShown | null): string {
  const w = WORDS[l];
  return a ? w.apOn(figure(a.rate), phaseWords(l, a.phase)) : w.apOff(figure(ratePerSec));
}

/** The autopilot's last reason in words (none yet: says so). */
export function autopilotReason(l: ConsoleLang, a: AutopilotShown | null): string {
  if (!a?.reason) return WORDS[l].apNoReason;
  return reasonWords(l, a.reason.code, currentReasonNumbers(a));
}

/**
 * The autopilot's panel: its state and last reason, its chart (ceiling, chosen rate, admitted per second;
 * p95 against the target), its last changes with the way to the full log, and the form that turns it on,
 * changes it or turns it off. The page's script keeps it live.
 */
function AutopilotPanel(props: { l: ConsoleLang; lane: string; schedule: LaneStats }) {
  const { l, lane, schedule } = props;
  const w = WORDS[l];
  const a: AutopilotShown | null = schedule.autopilot;
  const settings: AutopilotSettingsView | null = a ? { targetP95Ms: a.targetP95Ms, minRate: a.minRate, maxRate: a.maxRate } : null;
  const ceiling = settings?.maxRate ?? (schedule.ratePerSec > 0 ? schedule.ratePerSec : "");
  const floor = settings?.minRate ?? (typeof ceiling === "number" ? Math.min(5, ceiling) : 5);
  const action = `/_wr/admin/console?lang=${l}&lane=${lane}`;
  return (
    <section aria-labelledby="ap-h">
      <h2 id="ap-h">{w.autopilot}</h2>
      <div class="card" id="ap" data-on={a ? "1" : "0"}>
        <dl>
          <div>
            <dt>{w.autopilotState}</dt>
            <dd id="ap-status">{autopilotStatus(l, schedule.ratePerSec, a)}</dd>
          </div>
        </dl>
        <p>
          <strong>{w.apReason}:</strong> <span id="ap-reason">{autopilotReason(l, a)}</span>
        </p>
        <h3>{w.apChart}</h3>
        <div id="ap-chart" role="img" aria-label={w.apChart} />
        <h3>{w.apChanges}</h3>
        <table class="changes">
          <thead>
            <tr>
              <th scope="col">{w.apWhen}</th>
              <th scope="col">{w.apRateChange}</th>
              <th scope="col">{w.apReason}</th>
            </tr>
          </thead>
          <tbody id="ap-changes">
            {a?.changes.length ? (
              a.changes.slice(0, 20).map((c) => (
                <tr>
                  <td>{koreaClockSeconds(Date.parse(c.at))}</td>
                  <td>{`${figure(c.from)} → ${figure(c.to)}`}</td>
                  <td title={c.text}>{l === "en" ? c.text : changeWords(l, c.code, changeReasonNumbers(c, settings!))}</td>
                </tr>
              ))
            ) : (
              <tr>
                <td colspan={3}>{w.apNoChanges}</td>
              </tr>
            )}
          </tbody>
        </table>
        <p>
          <a href={`/_wr/admin/autopilot-log?lane=${lane}`}>{w.apFullLog}</a>
        </p>
      </div>
      <form method="post" action={action} class="card" data-big="autopilot">
        <input type="hidden" name="autopilot" value="on" />
        <p>{w.autopilotHelp}</p>
        <label for="targetP95Ms">{w.targetP95}</label>
        <input
          id="targetP95Ms"
          name="targetP95Ms"
          type="number"
          min="100"
          max="60000"
          step="1"
          value={String(settings?.targetP95Ms ?? 1500)}
          required
        />
        <label for="minRate">{w.minRate}</label>
        <input id="minRate" name="minRate" type="number" min="0" max={String(MAX_RATE_PER_SEC)} step="any" value={String(floor)} required />
        <label for="maxRate">{w.maxRate}</label>
        <input
          id="maxRate"
          name="maxRate"
          type="number"
          min="0"
          max={String(MAX_RATE_PER_SEC)}
          step="any"
          value={String(ceiling)}
          required
        />
        <button type="submit">{w.autopilotApply}</button>
      </form>
      {a ? (
        <form method="post" action={action} class="card">
          <input type="hidden" name="autopilot" value="off" />
          <button type="submit" class="secondary">
            {w.autopilotOff}
          </button>
        </form>
      ) : null}
    </section>
  );
}

/**
 * The dashboard of one lane: its numbers, the chart and the forms that steer it. The page's script
 * (console.client.ts) draws the chart and keeps the numbers live; it finds the lane on the chart.
 */
export function Dashboard(props: { l: ConsoleLang; lane: string; lanes: string[]; schedule: LaneStats; notice: string | null }) {
  const { l, lane, lanes, schedule, notice } = props;
  const w = WORDS[l];
  const pre = beforeOpening(schedule);
  return (
    <Shell l={l} title={w.title} lane={lane} script={SCRIPT_PATH} head={<link rel="stylesheet" href={UPLOT_CSS_PATH} />}>
      <script src={UPLOT_JS_PATH} />
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}
      <nav class="card" aria-label={w.lanes}>
        {w.lanes}:{" "}
        {lanes.map((name) =>
          name === lane ? <strong aria-current="page"> {name} </strong> : <a href={`/_wr/admin?lang=${l}&lane=${name}`}> {name} </a>,
        )}
      </nav>
      <section class="card" aria-label={w.title}>
        <dl>
          {(
            [
              ["s-state", w.state, stateWords(schedule, l)],
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
              [
                "s-places",
                w.places,
                schedule.placesLeft === null
                  ? w.placesUnknown
                  : `${schedule.placesLeftAtLeast ? "≥ " : ""}${schedule.placesLeft.toLocaleString("en-US")}`,
              ],
              ["s-next", w.nextOpensAt, schedule.nextOpensAt ? koreaTime(schedule.nextOpensAt, l) : w.notSet],
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
        <div id="chart" role="img" aria-label={w.chart} data-lane={lane} />
      </div>
      <AutopilotPanel l={l} lane={lane} schedule={schedule} />
      <form method="post" action={`/_wr/admin/console?lang=${l}&lane=${lane}`} class="card" data-big="rate">
        <label for="ratePerSec">{w.setRate}</label>
        <input
          id="ratePerSec"
          name="ratePerSec"
          type="number"
          min="0"
          max={String(MAX_RATE_PER_SEC)}
          step="any"
          value={String(schedule.ratePerSec)}
          required
        />
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
        <input
          id="maxActive"
          name="maxActive"
          type="number"
          min="0"
          max={String(MAX_ACTIVE)}
          step="1"
          value={schedule.maxActive === null ? "" : String(schedule.maxActive)}
        />
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
    </Shell>
  );
}

/** A refused form: the reason, and the way back (nothing is changed). */
export function Problem(props: { l: ConsoleLang; lane: string; message: string }) {
  const { l, lane, message } = props;
  const w = WORDS[l];
  return (
    <Shell l={l} title={w.title} lane={lane}>
      <p class="error" role="alert">
        {message}
      </p>
      <p>
        <a href={`/_wr/admin?lang=${l}&lane=${lane}`}>{w.no}</a>
      </p>
    </Shell>
  );
}

/** What a big change says before it is made: a pause, the autopilot turned on or its ceiling cut, or a rate change. */
function confirmWords(
  l: ConsoleLang,
  schedule: LaneStats,
  change: { ratePerSec?: number; paused?: boolean; autopilot?: AutopilotSettingsView | null },
): string {
  const w = WORDS[l];
  if (change.paused) return w.confirmPause;
  if (change.autopilot) {
    const { minRate, maxRate, targetP95Ms } = change.autopilot;
    return schedule.autopilot ? w.confirmCeiling(schedule.autopilot.maxRate, maxRate) : w.confirmAutopilotOn(minRate, maxRate, targetP95Ms);
  }
  return w.confirmRate(schedule.ratePerSec, change.ratePerSec ?? schedule.ratePerSec);
}

/** A big change asks first: the change again, as hidden fields, with the confirmation. */
export function Confirm(props: {
  l: ConsoleLang;
  lane: string;
  schedule: LaneStats;
  change: { ratePerSec?: number; paused?: boolean; autopilot?: AutopilotSettingsView | null };
}) {
  const { l, lane, schedule, change } = props;
  const w = WORDS[l];
  return (
    <Shell l={l} title={w.confirmTitle}>
      <p role="alert">{confirmWords(l, schedule, change)}</p>
      <form method="post" action={`/_wr/admin/console?lang=${l}&lane=${lane}`}>
        {change.ratePerSec !== undefined ? <input type="hidden" name="ratePerSec" value={String(change.ratePerSec)} /> : null}
        {change.paused !== undefined ? <input type="hidden" name="paused" value={String(change.paused)} /> : null}
        {change.autopilot ? (
          <>
            <input type="hidden" name="autopilot" value="on" />
            <input type="hidden" name="targetP95Ms" value={String(change.autopilot.targetP95Ms)} />
            <input type="hidden" name="minRate" value={String(change.autopilot.minRate)} />
            <input type="hidden" name="maxRate" value={String(change.autopilot.maxRate)} />
          </>
        ) : null}
        <input type="hidden" name="confirmed" value="1" />
        <button type="submit" class="danger">
          {w.yes}
        </button>
        <a href={`/_wr/admin?lang=${l}`}>{w.no}</a>
      </form>
    </Shell>
  );
}
