/**
 * The operator page (/ops) as HTML: its frame (standards mode, its own header with the operator's title,
 * the language and text-size switches and sign-out; none of the citizen pages' links, which are not for
 * operators; a layout that fits a 360 px phone), the sign-in form, and the dashboard. Every time is in
 * Korea time. The dashboard's chart, the change confirmation and the refresh are ops.client.ts, which
 * reads its data from the page's JSON block.
 */
import type { Context } from "hono";
import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import { assetPath } from "../../lib/assets";
import { addDays, seoulDate } from "../clinics/dates";
import { DOCTYPE, JsonData, type PageCtx, withParam } from "../pages/layout";
import type { CapacityAudit } from "./capacity";
import type { CapacityField } from "./capacity-input";
import { OPS_DATA_ID, type OpsData } from "./ops-data";
import type { OpsStats } from "./stats";
import { fillFigure, koreaTime, rejectionWords, WORDS } from "./words";

export function OpsPage(props: { c: Context; p: PageCtx; title: string; signedIn: boolean; children: Child; dashboard?: boolean }) {
  const { c, p } = props;
  const ko = p.lang === "ko";
  const other = ko ? "en" : "ko";
  return (
    <>
      {raw(DOCTYPE)}
      <html lang={p.lang} class={p.large ? "large" : undefined}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="robots" content="noindex" />
          <title>{`${props.title} | ${ko ? "운영자 화면" : "Operators"}`}</title>
          <link rel="stylesheet" href={assetPath("origin/pages/site.css")} />
          {props.dashboard ? <link rel="stylesheet" href={assetPath("uplot/dist/uPlot.min.css")} /> : null}
        </head>
        <body class="ops">
          <a class="skip" href="#main">
            {ko ? "본문 바로가기" : "Skip to content"}
          </a>
          <header>
            <div class="bar">
              <a class="site" href="/ops">
                {ko ? "운영자 화면 · 예약 서버" : "Operators · booking origin"}
              </a>
              <nav aria-label={ko ? "운영자 메뉴" : "Operator menu"}>
                <a href={withParam(c, "lang", other)} lang={other} hreflang={other}>
                  {ko ? "English" : "한국어"}
                </a>
                <a href={withParam(c, "text", p.large ? "normal" : "large")}>
                  {p.large ? (ko ? "글자 보통" : "Normal text") : ko ? "글자 크게" : "Larger text"}
                </a>
                {props.signedIn ? (
                  <form method="post" action="/ops/logout">
                    <button type="submit">{ko ? "로그아웃" : "Sign out"}</button>
                  </form>
                ) : null}
              </nav>
            </div>
          </header>
          <main id="main" tabindex={-1}>
            <h1>{props.title}</h1>
            {props.children}
          </main>
          {props.dashboard ? (
            <>
              <script src={assetPath("uplot/dist/uPlot.iife.min.js")} />
              <script src={assetPath("origin/ops/ops.client.ts")} />
            </>
          ) : null}
        </body>
      </html>
    </>
  );
}

export function LoginPage(props: { c: Context; p: PageCtx; error?: string }) {
  const w = WORDS[props.p.lang];
  return (
    <OpsPage c={props.c} p={props.p} title={w.login} signedIn={false}>
      {props.error ? (
        <div class="summary" role="alert">
          <p>{props.error}</p>
        </div>
      ) : null}
      <form method="post" action="/ops/login">
        <label for="token">{w.token}</label>
        <input id="token" name="token" type="password" autocomplete="off" required />
        <button type="submit">{w.signIn}</button>
      </form>
    </OpsPage>
  );
}

/** What the capacity form shows above itself after a post: the change made, or what to correct. */
export interface FormOutcome {
  notice?: string;
  errors?: string[];
  fields?: CapacityField[];
  values?: Record<string, string>;
}

export function Dashboard(props: { c: Context; p: PageCtx; stats: OpsStats; audit: CapacityAudit[]; now: Date; outcome: FormOutcome }) {
  const { c, p, stats: s, audit, outcome } = props;
  const w = WORDS[p.lang];
  const dates = [...new Set(s.fill.map((f) => f.date))];
  const regions = [...new Map(s.fill.map((f) => [f.region, f.name])).entries()];
  const cell = (region: string, date: string) => s.fill.find((f) => f.region === region && f.date === date);
  const v = outcome.values ?? {};
  const invalid = (f: CapacityField) => (outcome.fields?.includes(f) ? "true" : undefined);
  const today = seoulDate(props.now);
  const data: OpsData = {
    minutes: s.bookingsPerMinute.map((b) => b.minute),
    counts: s.bookingsPerMinute.map((b) => b.count),
    when: w.when,
    bookings: w.bookings,
    confirm: w.confirm,
    // The page refreshes itself every 15 s, except when it shows a refused form (a reload would post it again).
    refresh: !outcome.errors?.length,
  };
  return (
    <OpsPage c={c} p={p} title={w.title} signedIn dashboard>
      {outcome.notice ? (
        <p class="notice" role="status">
          {outcome.notice}
        </p>
      ) : null}
      {outcome.errors?.length ? (
        <div class="summary" role="alert">
          <h2>{w.problems}</h2>
          <ul>
            {outcome.errors.map((e) => (
              <li>
                <a href="#capacity">{e}</a>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <dl class="facts card">
        <dt>{w.overbooked}</dt>
        <dd id="overbooked">
          <strong>{s.overbookedSlots}</strong>
        </dd>
        <dt>{w.active}</dt>
        <dd>{s.reservations.active}</dd>
        <dt>{w.cancelled}</dt>
        <dd>{s.reservations.cancelled}</dd>
        <dt>{w.inFlight}</dt>
        <dd>
          {s.requests.inFlight} ({w.peak} {s.requests.peakConcurrent})
        </dd>
        <dt>{w.outbox}</dt>
        <dd>
          {s.outbox.pending} ({w.failing} {s.outbox.failing}, {w.sent} {s.outbox.sent})
        </dd>
        <dt>{w.identity}</dt>
        <dd>
          {w.started} {s.identity.started} · {w.verified} {s.identity.verified} · {w.locked} {s.identity.lockedOut}
        </dd>
        <dt>{w.rejections}</dt>
        <dd>
          {rejectionWords(s.identity.rejectionsByCode, p.lang)
            .map((r) => `${r.reason} ${r.count}`)
            .join(" · ") || w.none}
        </dd>
      </dl>
      <h2>{w.bookings}</h2>
      <div class="card">
        <div
          class="chart"
          id="bookings-chart"
          role="img"
          aria-label={`${w.bookings}: ${s.bookingsPerMinute.map((b) => `${b.minute} ${b.count}`).join(", ")}`}
        />
      </div>
      <h2 id="fill">{w.fill}</h2>
      <p>{w.fillHelp}</p>
      {dates.length === 0 ? <p class="card">{w.noFill}</p> : null}
      <div class="card scroll" hidden={dates.length === 0}>
        <table aria-labelledby="fill">
          <thead>
            <tr>
              <th scope="col">{w.region}</th>
              {dates.map((d) => (
                <th scope="col" class="num">
                  {d.slice(5)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {regions.map(([code, name]) => (
              <tr>
                <th scope="row">{name}</th>
                {dates.map((d) => {
                  const f = cell(code, d);
                  if (!f?.capacity) return <td class="num">–</td>;
                  const fig = fillFigure(f.taken, f.capacity, p.lang);
                  return (
                    <td class="num">
                      {fig.share}
                      <span class="small">{fig.counts}</span>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2 id="capacity">{w.capacityTitle}</h2>
      <form method="post" action="/ops/capacity-form" id="capacity-form" class="card">
        <label for="clinicId">{w.clinicId}</label>
        <input
          id="clinicId"
          name="clinicId"
          type="text"
          inputmode="numeric"
          required
          value={v.clinicId ?? ""}
          aria-invalid={invalid("clinicId")}
        />
        <label for="date">{w.date}</label>
        <input
          id="date"
          name="date"
          type="date"
          min={today}
          max={addDays(today, 120)}
          required
          value={v.date ?? ""}
          aria-invalid={invalid("date")}
        />
        <label for="capacityValue">{w.capacity}</label>
        <input
          id="capacityValue"
          name="capacity"
          type="text"
          inputmode="numeric"
          required
          value={v.capacity ?? ""}
          aria-invalid={invalid("capacity")}
        />
        <label for="reason">{w.reason}</label>
        <input id="reason" name="reason" type="text" required value={v.reason ?? ""} aria-invalid={invalid("reason")} />
        <button type="submit">{w.apply}</button>
      </form>
      <h2 id="audit">{w.audit}</h2>
      <div class="card scroll">
        <table aria-labelledby="audit">
          <thead>
            <tr>
              <th scope="col">{w.when}</th>
              <th scope="col">{w.target}</th>
              <th scope="col">{w.change}</th>
              <th scope="col">{w.by}</th>
            </tr>
          </thead>
          <tbody>
            {audit.length === 0 ? (
              <tr>
                <td colspan={4}>{w.none}</td>
              </tr>
            ) : null}
            {audit.map((a) => (
              <tr>
                <td>{koreaTime(a.changedAt, p.lang)}</td>
                <td>
                  {a.clinic} (#{a.clinicId}) {a.date}
                </td>
                <td>
                  {a.previousMin === a.previousMax ? a.previousMin : `${a.previousMin}–${a.previousMax}`} → {a.capacity}
                </td>
                <td>
                  {a.operator}: {a.reason}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <JsonData id={OPS_DATA_ID} value={data} />
    </OpsPage>
  );
}
