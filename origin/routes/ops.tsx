/**
 * The origin's operator side (OPERATOR_TOKEN; no admission pass needed, like /health):
 *   GET  /ops/stats       bookings per minute, overbooked places (must be 0), fill by 시/도 and date,
 *                         outbox backlog and failures, identity checks and rejections by code, requests
 *                         in flight and their peak
 *   POST /ops/peak/reset  starts a new peak measurement (the load harness does this before a run)
 *   POST /ops/capacity    {clinicId, date, capacity, reason}: a clinic's places per slot on a date (audited)
 *   GET  /ops             the same as a page (token once at login, then an HttpOnly cookie), Korean and English,
 *                         with its own header (ops/page.tsx), every time in Korea time
 * API clients send `Authorization: Bearer <token>`; the page uses the signed cookie.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { timingSafeEqual } from "node:crypto";
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import { AppError } from "../../lib/errors";
import { addDays, isCalendarDate, seoulDate } from "../clinics/dates";
import { INT4_MAX, parseId } from "../ids";
import { outboxStats } from "../notify/outbox";
import { changeCapacity, recentCapacityChanges } from "../ops/capacity";
import type { Gauge } from "../ops/gauge";
import { bookingsPerMinute, fillByRegionAndDate, identityCounts, overbookedSlots, reservationCounts } from "../ops/queries";
import { fillFigure, koreaTime, OpsPage, rejectionWords } from "../ops/page";
import { form } from "../pages/forms";
import { pageCtx, type PageCtx } from "../pages/layout";
import type { Deps } from "../types";

const OPS_COOKIE = "ops";
const require = createRequire(import.meta.url);
const UPLOT_JS = readFileSync(require.resolve("uplot/dist/uPlot.iife.min.js"), "utf8");
const UPLOT_CSS = readFileSync(require.resolve("uplot/dist/uPlot.min.css"), "utf8");

const MAX_CAPACITY = 500;
const REASON_MIN = 3;
const REASON_MAX = 200;

const WORDS = {
  ko: {
    title: "운영 현황 (예약 서버)",
    login: "운영자 로그인",
    token: "운영자 토큰",
    signIn: "로그인",
    signOut: "로그아웃",
    badToken: "토큰이 맞지 않습니다.",
    bookings: "분당 예약 건수 (최근 30분)",
    overbooked: "초과 예약된 자리",
    active: "유효한 예약",
    cancelled: "취소된 예약",
    inFlight: "처리 중인 요청",
    peak: "최대 동시 요청",
    outbox: "알림 발송 대기",
    failing: "발송 실패 후 재시도 중",
    sent: "발송 완료",
    identity: "본인인증 (최근 15분)",
    started: "인증번호 발송",
    verified: "인증 완료",
    locked: "오입력으로 잠김",
    rejections: "거절 사유별 건수 (이 서버 시작 이후)",
    fill: "지역·날짜별 예약률 (7일)",
    fillHelp: "예약된 자리 / 전체 자리. 접종 시간대가 없는 날(주말·공휴일)은 표에 없습니다.",
    noFill: "앞으로 7일 동안 접종 시간대가 없습니다.",
    when: "시각",
    target: "의료기관 · 날짜",
    change: "변경",
    by: "누가 · 사유",
    failed: "수용 인원을 바꾸지 못했습니다. 잠시 후 다시 시도해 주세요.",
    region: "시/도",
    capacityTitle: "의료기관 수용 인원 조정",
    clinicId: "의료기관 번호",
    date: "날짜",
    capacity: "시간대별 인원",
    reason: "사유",
    apply: "적용",
    confirm: "정말 바꾸시겠습니까? 이 변경은 기록됩니다.",
    changed: "수용 인원을 바꾸었습니다.",
    audit: "최근 변경 기록",
    none: "없음",
    problems: "입력한 내용을 확인해 주세요.",
    fieldProblems: {
      clinicId: `의료기관 번호는 1부터 ${INT4_MAX}까지의 정수입니다.`,
      date: "날짜는 달력에 있는 날짜를 YYYY-MM-DD로 적어 주세요 (예: 2026-11-24).",
      capacity: `시간대별 인원은 0부터 ${MAX_CAPACITY}까지의 정수입니다.`,
      reason: `사유를 ${REASON_MIN}~${REASON_MAX}자로 적어 주세요 (제어 문자 제외).`,
    } as Record<CapacityField, string>,
    noSlots: (date: string) => `그 의료기관에는 ${date}에 접종 시간대가 없습니다.`,
    belowTaken: (times: string, minimum: number) => `${times}에 이미 예약되었거나 잡아 둔 자리가 더 많습니다. ${minimum}명 이상으로 정해 주세요.`,
  },
  en: {
    title: "Operations (booking origin)",
    login: "Operator sign-in",
    token: "Operator token",
    signIn: "Sign in",
    signOut: "Sign out",
    badToken: "That token is not right.",
    bookings: "Bookings per minute (last 30 min)",
    overbooked: "Overbooked places",
    active: "Active bookings",
    cancelled: "Cancelled bookings",
    inFlight: "Requests in flight",
    peak: "Peak concurrent requests",
    outbox: "Notifications waiting",
    failing: "Failed, retrying",
    sent: "Sent",
    identity: "Identity checks (last 15 min)",
    started: "Codes sent",
    verified: "Verified",
    locked: "Locked by wrong codes",
    rejections: "Rejections by reason (since this process started)",
    fill: "Fill by region and date (7 days)",
    fillHelp: "Places taken / places offered. Days without slots (weekends, holidays) are left out.",
    noFill: "No slots in the next 7 days.",
    when: "When",
    target: "Clinic · date",
    change: "Change",
    by: "Who · why",
    failed: "The capacity could not be changed. Please try again in a moment.",
    region: "Region",
    capacityTitle: "Adjust a clinic's capacity",
    clinicId: "Clinic id",
    date: "Date",
    capacity: "People per slot",
    reason: "Reason",
    apply: "Apply",
    confirm: "Change it? The change is recorded.",
    changed: "Capacity changed.",
    audit: "Recent changes",
    none: "none",
    problems: "Please check what you entered.",
    fieldProblems: {
      clinicId: `clinicId must be a clinic's id, a whole number from 1 to ${INT4_MAX}.`,
      date: "date must be YYYY-MM-DD, a day of the calendar (e.g. 2026-11-24).",
      capacity: `capacity must be a whole number from 0 to ${MAX_CAPACITY} per half-hour.`,
      reason: `reason must say why, in ${REASON_MIN}–${REASON_MAX} characters (no control characters).`,
    } as Record<CapacityField, string>,
    noSlots: (date: string) => `The clinic has no slots on ${date}.`,
    belowTaken: (times: string, minimum: number) => `Already taken or held beyond that at ${times}; choose at least ${minimum}.`,
  },
};

type CapacityField = "clinicId" | "date" | "capacity" | "reason";
type CapacityInput = { clinicId: number; date: string; capacity: number; reason: string };

/**
 * A capacity change as the API (JSON) or the form (text fields) sends it, or the fields that are wrong:
 * the clinic id must fit its integer column, the date must exist on the calendar, the capacity is a whole
 * number 0–500, and the reason (stored in the audit) is 3–200 characters without control characters.
 */
function readCapacityChange(body: unknown): { ok: true; value: CapacityInput } | { ok: false; fields: CapacityField[] } {
  const b = body && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const clinicId = parseId(b.clinicId, "integer");
  const date = isCalendarDate(b.date) ? b.date : null;
  const capacityText = typeof b.capacity === "string" ? b.capacity.trim() : b.capacity;
  const capacity = typeof capacityText === "number" ? capacityText : typeof capacityText === "string" && /^\d{1,4}$/.test(capacityText) ? Number(capacityText) : NaN;
  const reason = typeof b.reason === "string" ? b.reason.normalize("NFC").trim() : "";
  const fields: CapacityField[] = [];
  if (clinicId === null) fields.push("clinicId");
  if (date === null) fields.push("date");
  if (!Number.isInteger(capacity) || capacity < 0 || capacity > MAX_CAPACITY) fields.push("capacity");
  if (reason.length < REASON_MIN || reason.length > REASON_MAX || /[\p{Cc}\p{Cs}]/u.test(reason)) fields.push("reason");
  if (fields.length) return { ok: false, fields };
  return { ok: true, value: { clinicId: clinicId!, date: date!, capacity, reason } };
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function opsRoutes(deps: Deps, clock: () => number, gauge: Gauge) {
  const { db, config } = deps;
  const token = config.operatorToken;

  const signedIn = async (c: Context): Promise<boolean> => {
    if (!token) return false;
    const header = c.req.header("authorization");
    if (header?.startsWith("Bearer ") && same(header.slice(7), token)) return true;
    return (await getSignedCookie(c, config.sessionSecret, OPS_COOKIE)) === "operator";
  };
  const auth: MiddlewareHandler = async (c, next) => {
    if (!token) throw new AppError("ops_disabled", 503, "Set OPERATOR_TOKEN to use the operator API.");
    if (!(await signedIn(c))) throw new AppError("unauthorized", 401, "Send the operator token: Authorization: Bearer <OPERATOR_TOKEN>.");
    await next();
  };

  async function stats() {
    const now = new Date(clock());
    const [perMinute, overbooked, reservations, fill, outbox, identity] = await Promise.all([
      bookingsPerMinute(db, { now, minutes: 30 }),
      overbookedSlots(db),
      reservationCounts(db),
      fillByRegionAndDate(db, { from: seoulDate(now), days: 7 }),
      outboxStats(db),
      identityCounts(db, { now, windowMs: 15 * 60_000 }),
    ]);
    return {
      at: now.toISOString(),
      bookingsPerMinute: perMinute,
      overbookedSlots: overbooked,
      reservations,
      fill,
      outbox,
      identity: { ...identity, rejectionsByCode: Object.fromEntries(gauge.identityRejections) },
      requests: { inFlight: gauge.inFlight, peakConcurrent: gauge.peak },
    };
  }

  const app = new Hono();

  app.get("/assets/uplot.js", (c) => c.body(UPLOT_JS, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=86400" }));
  app.get("/assets/uplot.css", (c) => c.body(UPLOT_CSS, 200, { "content-type": "text/css; charset=utf-8", "cache-control": "public, max-age=86400" }));

  app.get("/stats", auth, async (c) => c.json(await stats()));
  app.post("/peak/reset", auth, (c) => {
    gauge.resetPeak();
    return c.json({ peakConcurrent: gauge.peak });
  });
  app.post("/capacity", auth, async (c) => {
    const parsed = readCapacityChange(await c.req.json().catch(() => null));
    if (!parsed.ok) {
      throw new AppError("invalid_capacity", 400, parsed.fields.map((f) => WORDS.en.fieldProblems[f]).join(" "), { fields: parsed.fields });
    }
    const result = await changeCapacity(db, { ...parsed.value, operator: "api", now: new Date(clock()) });
    return c.json(result);
  });

  // The page.
  const LoginPage = (props: { c: Context; p: PageCtx; error?: string }) => {
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
  };

  /** What the capacity form shows above itself after a post: the change made, or what to correct. */
  interface FormOutcome {
    notice?: string;
    errors?: string[];
    fields?: CapacityField[];
    values?: Record<string, string>;
    status?: 200 | 400 | 404 | 409;
  }

  async function dashboard(c: Context, p: PageCtx, outcome: FormOutcome = {}) {
    const w = WORDS[p.lang];
    const s = await stats();
    const audit = await recentCapacityChanges(db);
    const dates = [...new Set(s.fill.map((f) => f.date))];
    const regions = [...new Map(s.fill.map((f) => [f.region, f.name])).entries()];
    const cell = (region: string, date: string) => s.fill.find((f) => f.region === region && f.date === date);
    const notice = outcome.notice;
    const v = outcome.values ?? {};
    const invalid = (f: CapacityField) => (outcome.fields?.includes(f) ? "true" : undefined);
    // The page refreshes itself every 15 s, except when it shows a refused form (a reload would post it again).
    const chartScript = `(function(){var data=${JSON.stringify([s.bookingsPerMinute.map((_, i) => i), s.bookingsPerMinute.map((b) => b.count)])};var labels=${JSON.stringify(s.bookingsPerMinute.map((b) => b.minute))};
var el=document.getElementById("bookings-chart");var plot=new uPlot({width:Math.min(720,el.clientWidth||320),height:220,series:[{label:${JSON.stringify(w.when)},value:function(u,v){return labels[v]||""}},{label:${JSON.stringify(w.bookings)},stroke:"#0b4f9c",width:2,fill:"rgba(11,79,156,.1)"}],axes:[{values:function(u,vs){return vs.map(function(v){return labels[v]||""})}},{}],scales:{x:{time:false}}},data,el);
window.addEventListener("resize",function(){plot.setSize({width:Math.min(720,el.clientWidth||320),height:220});});
document.getElementById("capacity-form").addEventListener("submit",function(e){if(!confirm(${JSON.stringify(w.confirm)}))e.preventDefault();});
${outcome.errors?.length ? "" : `setTimeout(function(){if(!document.activeElement||document.activeElement===document.body)location.reload();},15000);`}})();`;
    return c.html(
      <OpsPage c={c} p={p} title={w.title} signedIn scripts={chartScript} head={<link rel="stylesheet" href="/ops/assets/uplot.css" />}>
        <script src="/ops/assets/uplot.js" />
        {notice ? (
          <p class="notice" role="status">
            {notice}
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
          <div class="chart" id="bookings-chart" role="img" aria-label={`${w.bookings}: ${s.bookingsPerMinute.map((b) => `${b.minute} ${b.count}`).join(", ")}`} />
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
                    if (!f || !f.capacity) return <td class="num">–</td>;
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
          <input id="clinicId" name="clinicId" type="text" inputmode="numeric" required value={v.clinicId ?? ""} aria-invalid={invalid("clinicId")} />
          <label for="date">{w.date}</label>
          <input id="date" name="date" type="date" min={seoulDate(new Date(clock()))} max={addDays(seoulDate(new Date(clock())), 120)} required value={v.date ?? ""} aria-invalid={invalid("date")} />
          <label for="capacityValue">{w.capacity}</label>
          <input id="capacityValue" name="capacity" type="text" inputmode="numeric" required value={v.capacity ?? ""} aria-invalid={invalid("capacity")} />
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
                  <td>{koreaTime(a.changed_at, p.lang)}</td>
                  <td>
                    {a.clinic} (#{a.clinic_id}) {a.date}
                  </td>
                  <td>
                    {a.previous_min === a.previous_max ? a.previous_min : `${a.previous_min}–${a.previous_max}`} → {a.capacity}
                  </td>
                  <td>
                    {a.operator}: {a.reason}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </OpsPage>,
      outcome.status ?? 200,
    );
  }

  app.get("/", async (c) => {
    const p = pageCtx(c);
    if (!(await signedIn(c))) return c.html(<LoginPage c={c} p={p} />, token ? 200 : 503);
    return dashboard(c, p, { notice: c.req.query("changed") ? WORDS[p.lang].changed : undefined });
  });

  app.post("/login", async (c) => {
    const p = pageCtx(c);
    const body = await form(c);
    if (!token || typeof body.token !== "string" || !same(body.token, token)) {
      return c.html(<LoginPage c={c} p={p} error={WORDS[p.lang].badToken} />, 401);
    }
    await setSignedCookie(c, OPS_COOKIE, "operator", config.sessionSecret, { path: "/ops", httpOnly: true, sameSite: "Strict", maxAge: 12 * 3600 });
    return c.redirect("/ops", 303);
  });
  app.post("/logout", (c) => {
    deleteCookie(c, OPS_COOKIE, { path: "/ops" });
    return c.redirect("/ops", 303);
  });
  // A refused change comes back as the page with what to correct (4xx), keeping what was typed.
  app.post("/capacity-form", auth, async (c) => {
    const p = pageCtx(c);
    const w = WORDS[p.lang];
    const values = await form(c);
    const parsed = readCapacityChange(values);
    if (!parsed.ok) return dashboard(c, p, { errors: parsed.fields.map((f) => w.fieldProblems[f]), fields: parsed.fields, values, status: 400 });
    try {
      await changeCapacity(db, { ...parsed.value, operator: "console", now: new Date(clock()) });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      const message =
        err.code === "no_slots"
          ? w.noSlots(parsed.value.date)
          : err.code === "capacity_below_taken"
            ? w.belowTaken(((err.details?.times as string[] | undefined) ?? []).join(", "), Number(err.details?.minimum))
            : w.failed;
      return dashboard(c, p, { errors: [message], values, status: err.status === 404 ? 404 : err.status === 409 ? 409 : 400 });
    }
    return c.redirect("/ops?changed=1#capacity", 303);
  });

  return app;
}
