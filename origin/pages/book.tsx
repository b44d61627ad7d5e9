/**
 * The booking journey as plain HTML forms (post, then redirect to the next step):
 *   /book            identity: name, resident number (two fields, like the paper form), mobile
 *   /book/verify     the one-time code, with its countdown and "send a new code"
 *   /book/who        for myself, or for someone else (대리예약) → /book/proxy
 *   /book/channel    KakaoTalk, Naver app or SMS
 *   /book/search     date → 시/도 → 시/군/구 → clinics with free places
 *   /book/clinic/:id times of one clinic on one date → a hold
 *   /book/confirm    both doses, the clinic, the channel, and the hold's countdown → the booking
 *   /book/done       the reservation number, large and copyable, and both dose dates
 *   /book/extend     "continue" in the timeout warning every step after identity shows two minutes before the end
 * Each step calls the JSON API in-process (api.ts); API error codes become sentences next to the field
 * they concern. Without a session the steps after identity send the person back to /book, saying why.
 * Someone who already has a booking is told so at the "who" step (for oneself right after identity, for
 * another person right after their details), with the way to look it up, and goes no further.
 */
import { randomUUID } from "node:crypto";
import { Hono, type Context } from "hono";
import { AppError } from "../../lib/errors";
import { getCookie, setCookie } from "hono/cookie";
import { hasActiveBooking } from "../booking/active-booking";
import { holdDetails, holdPlace } from "../booking/holds";
import { formatReservationNumber, parseReservationNumber } from "../booking/numbers";
import { isRelationship, RELATIONSHIP_LABELS, RELATIONSHIPS } from "../booking/relationships";
import { loadReservation } from "../booking/reservations";
import { isOpenDay, nextOpenDay } from "../clinics/calendar";
import { addDays, seoulDate } from "../clinics/dates";
import type { ReferenceData } from "../clinics/reference";
import { currentEligibility, type Eligibility } from "../identity/eligibility";
import { sessionPeople } from "../identity/queries";
import { parseId } from "../ids";
import { extendSessionLife, findSession, sessionMaxMs } from "../middleware/require-session";
import { parseName, parsePhone, parseRrn } from "../identity/fields";
import { RESEND_AFTER_MS } from "../routes/identity";
import { CHANNELS, type Channel } from "../notify/channels";
import type { Deps, OriginEnv, SessionInfo } from "../types";
import type { Api, ApiAnswer } from "./api";
import { errorText, formatDate, formatInstant, type Messages } from "./i18n";
import { Countdown, COUNTDOWN_SCRIPT, ErrorPage, ErrorSummary, Field, Page, pageCtx, type FieldErrors, type PageCtx } from "./layout";
import { checkAll, form, rrnOf, RrnInputs } from "./forms";
import { ReservationFacts } from "./reservation-view";
import { endJourney } from "../journey/end";

const CHANNEL_COOKIE = "notify_channel";

/**
 * The timeout dialog (see TimeoutWarning): opened when two minutes are left, "continue" extends the session
 * with a fetch and moves the page's session timers on, and at 0:00 the page is asked for again.
 */
const TIMEOUT_SCRIPT = `(function(){var d=document.getElementById("timeout"),timer=document.getElementById("session-timer");if(!d||!d.showModal||!timer)return;
var t0=Date.now(),shown=false;function left(){return +timer.getAttribute("data-left")-Math.floor((Date.now()-t0)/1000);}
setInterval(function(){var l=left();if(l<=120&&l>0&&!shown&&!d.open){shown=true;d.showModal();}if(l<=0){location.replace(location.pathname+location.search);}},1000);
document.getElementById("timeout-close").addEventListener("click",function(){d.close();});
document.getElementById("timeout-form").addEventListener("submit",function(e){e.preventDefault();
fetch("/book/extend",{method:"POST",headers:{accept:"application/json"},credentials:"same-origin"}).then(function(r){return r.ok?r.json():Promise.reject(r);}).then(function(j){
var moved=j.secondsLeft+Math.floor((Date.now()-t0)/1000),els=document.querySelectorAll("#session-timer,#timeout [data-left]");for(var i=0;i<els.length;i++){els[i].setAttribute("data-left",String(moved));}
shown=false;if(!j.extendable){var b=document.getElementById("timeout-continue");if(b)b.remove();}d.close();}).catch(function(){location.replace(location.pathname+location.search);});});})();`;
const PAGE_SIZE = 20;

/** Field errors from an API error: the field it names (resident-number fields share one), else the form. */
function fieldErrors(t: Messages, answer: ApiAnswer, fallbackField: string): FieldErrors {
  const field = typeof answer.body.field === "string" ? answer.body.field : fallbackField;
  let text = errorText(t, answer.body.code, answer.body.message);
  if (answer.body.code === "wrong_code" && typeof answer.body.attemptsLeft === "number") text += ` ${t.attemptsLeft(answer.body.attemptsLeft)}`;
  return { [field]: text };
}

function eligibilityText(t: Messages, e: Eligibility, lang: "ko" | "en"): string | null {
  if (e.eligible) return null;
  if (e.reason === "not_open_yet") return t.notEligible.not_open_yet(formatInstant(e.opensAt, lang));
  return t.notEligible[e.reason];
}

function maskPhone(phone: string): string {
  const d = phone.replace(/\D/g, "");
  return d.length >= 10 ? `${d.slice(0, 3)}-****-${d.slice(-4)}` : "***";
}

export function bookingPages(deps: Deps, clock: () => number, api: Api, reference: ReferenceData) {
  const { db, config } = deps;
  const now = () => new Date(clock());

  /** The session, or a redirect to /book that says it ran out. */
  async function session(c: Context): Promise<SessionInfo | Response> {
    const s = await findSession(c, { db, secret: config.sessionSecret, now: now() });
    if (s === "none") return c.redirect("/book", 303);
    if (s === "expired") return c.redirect("/book?expired=1", 303);
    return s;
  }

  async function people(s: SessionInfo) {
    const list = await sessionPeople(db, s.tokenHash);
    const me = list.find((p) => p.id === s.personId)!;
    const subject = s.subjectId ? list.find((p) => p.id === s.subjectId) ?? null : null;
    return { me, subject, relationship: me.relationship };
  }

  function relationshipLabel(p: PageCtx, rel: string | null): string {
    return rel && isRelationship(rel) ? RELATIONSHIP_LABELS[rel][p.lang] : "";
  }

  const IdentityForm = (props: { c: Context; p: PageCtx; values?: Record<string, string>; errors?: FieldErrors; notice?: string }) => {
    const { t } = props.p;
    const v = props.values ?? {};
    const e = props.errors ?? {};
    return (
      <Page c={props.c} p={props.p} title={t.identityTitle} step={1} hasErrors={Object.keys(e).length > 0}>
        {props.notice ? (
          <p class="warn" role="status">
            {props.notice}
          </p>
        ) : null}
        <ErrorSummary t={t} errors={e} ids={{ rrn: "rrn1", form: "form-error" }} />
        <p>{t.identityLead}</p>
        <form method="post" action="/book" novalidate>
          <Field name="name" label={t.name} value={v.name} error={e.name} autocomplete="name" required />
          <RrnInputs t={t} front={v.rrn1} back={v.rrn2} error={e.rrn} />
          <Field name="phone" label={t.phone} type="tel" value={v.phone} hint={t.phoneHint} error={e.phone} autocomplete="tel" inputmode="tel" required />
          {e.form ? (
            <p class="field-error" id="form-error">
              {e.form}
            </p>
          ) : null}
          <button type="submit" class="big">
            {t.sendCode}
          </button>
        </form>
      </Page>
    );
  };

  /**
   * The code form. A code that ran out (by the server's clock, or at 0:00 on the page) or was entered wrongly
   * five times can no longer work: the input and the button are disabled and the page says to ask for a new code.
   */
  const CodeForm = (props: { c: Context; p: PageCtx; challengeId: string; phone: string; expiresAt?: string; errors?: FieldErrors; notice?: string; lockedOut?: boolean }) => {
    const { t } = props.p;
    const e = props.errors ?? {};
    // The expiry comes back from this page's own link or form: an instant a day or more away is not one the server gave.
    const expiresMs = Date.parse(props.expiresAt ?? "");
    const expires = Math.abs(expiresMs - clock()) < 86_400_000 ? new Date(expiresMs).toISOString() : null;
    // The code was sent OTP_TTL before it expires; a new one may be asked for RESEND_AFTER_MS after that.
    const resendAt = expires ? new Date(Date.parse(expires) - config.otpTtlMs + RESEND_AFTER_MS).toISOString() : null;
    const timedOut = expires !== null && Date.parse(expires) <= clock();
    const dead = timedOut || !!props.lockedOut;
    return (
      <Page c={props.c} p={props.p} title={t.codeTitle} step={1} scripts={COUNTDOWN_SCRIPT} hasErrors={Object.keys(e).length > 0}>
        {props.notice ? (
          <p class="notice" role="status">
            {props.notice}
          </p>
        ) : null}
        <ErrorSummary t={t} errors={e} />
        <p>{t.codeLead(props.phone)}</p>
        {expires && !props.lockedOut ? (
          <p>
            {t.codeExpires}:{" "}
            <Countdown untilIso={expires} nowMs={clock()} label={t.codeExpires} expiredId="code-dead" disableIds={["code", "verify"]} />
          </p>
        ) : null}
        <p class="warn" id="code-dead" role="alert" hidden={!dead}>
          {props.lockedOut ? t.codeLockedOut : t.codeTimedOut}
        </p>
        <form method="post" action="/book/verify" novalidate>
          <input type="hidden" name="c" value={props.challengeId} />
          <input type="hidden" name="m" value={props.phone} />
          <input type="hidden" name="e" value={expires ?? ""} />
          <Field
            name="code"
            label={t.code}
            value=""
            error={e.code}
            autocomplete="one-time-code"
            inputmode="numeric"
            maxlength={6}
            pattern="[0-9]{6}"
            required
            disabled={dead}
            describedBy={dead ? "code-dead" : undefined}
          />
          <button type="submit" class="big" id="verify" disabled={dead} aria-describedby={dead ? "code-dead" : undefined}>
            {t.verify}
          </button>
        </form>
        <form method="post" action="/book/resend">
          <input type="hidden" name="c" value={props.challengeId} />
          <input type="hidden" name="m" value={props.phone} />
          <input type="hidden" name="e" value={expires ?? ""} />
          {resendAt ? (
            <p class="hint" id="resend-hint">
              {t.resendWait} <Countdown untilIso={resendAt} nowMs={clock()} enableId="resend" label={t.resendWait} />
            </p>
          ) : null}
          <button type="submit" class="secondary" id="resend" aria-describedby={resendAt ? "resend-hint" : undefined}>
            {t.resend}
          </button>
        </form>
      </Page>
    );
  };

  /** Someone who already has a booking: said plainly, without its number, with the way to look it up. */
  const AlreadyBooked = (props: { p: PageCtx; self: boolean; id?: string }) => {
    const { t } = props.p;
    return (
      <div class="warn" role="status" id={props.id}>
        <p style="margin-top:0">
          <strong>{props.self ? t.alreadyBookedSelf : t.alreadyBookedSubject}</strong>
        </p>
        <p>{t.alreadyBookedHow}</p>
        <p style="margin-bottom:0">
          <a class="button secondary" href="/lookup">
            {t.lookupLink}
          </a>
        </p>
      </div>
    );
  };

  const verifyUrl = (challengeId: string, phone: string, expiresAt: string, extra = "") =>
    `/book/verify?c=${encodeURIComponent(challengeId)}&m=${encodeURIComponent(phone)}&e=${encodeURIComponent(expiresAt)}${extra}`;

  const app = new Hono<OriginEnv>();

  app.get("/book", (c) => {
    const p = pageCtx(c);
    return c.html(<IdentityForm c={c} p={p} notice={c.req.query("expired") ? p.t.sessionExpired : undefined} />);
  });

  app.post("/book", async (c) => {
    const p = pageCtx(c);
    const f = await form(c);
    const rrn = rrnOf(f);
    // Every field is checked before anything is sent, so the form names all its problems at once.
    const errors = checkAll(p.t, { name: () => parseName(f.name), rrn: () => parseRrn(rrn, now()), phone: () => parsePhone(f.phone) });
    if (Object.keys(errors).length) return c.html(<IdentityForm c={c} p={p} values={f} errors={errors} />, 400);
    const answer = await api(c, "POST", "/api/identity/start", { name: f.name ?? "", rrn, phone: f.phone ?? "" });
    if (!answer.ok) {
      return c.html(<IdentityForm c={c} p={p} values={f} errors={fieldErrors(p.t, answer, "form")} />, answer.status === 429 || answer.status === 403 ? answer.status : 400);
    }
    return c.redirect(verifyUrl(answer.body.challengeId, maskPhone(f.phone ?? ""), answer.body.expiresAt), 303);
  });

  app.get("/book/verify", (c) => {
    const p = pageCtx(c);
    const challengeId = c.req.query("c") ?? "";
    if (!challengeId) return c.redirect("/book", 303);
    return c.html(
      <CodeForm c={c} p={p} challengeId={challengeId} phone={c.req.query("m") ?? ""} expiresAt={c.req.query("e")} notice={c.req.query("resent") ? p.t.resent : undefined} />,
    );
  });

  app.post("/book/resend", async (c) => {
    const p = pageCtx(c);
    const f = await form(c);
    const answer = await api(c, "POST", "/api/identity/resend", { challengeId: f.c ?? "" });
    if (!answer.ok) {
      return c.html(
        <CodeForm c={c} p={p} challengeId={f.c ?? ""} phone={f.m ?? ""} expiresAt={f.e} errors={fieldErrors(p.t, answer, "code")} />,
        answer.status === 429 ? 429 : 400,
      );
    }
    return c.redirect(verifyUrl(answer.body.challengeId, f.m ?? "", answer.body.expiresAt, "&resent=1"), 303);
  });

  app.post("/book/verify", async (c) => {
    const p = pageCtx(c);
    const f = await form(c);
    const answer = await api(c, "POST", "/api/identity/verify", { challengeId: f.c ?? "", code: f.code ?? "" });
    if (!answer.ok) {
      const lockedOut = answer.body.code === "too_many_attempts";
      // A code that ran out: the page shows it ran out, whatever the person's form said about its expiry.
      const expiresAt = answer.body.code === "code_expired" ? new Date(clock()).toISOString() : f.e;
      return c.html(
        <CodeForm c={c} p={p} challengeId={f.c ?? ""} phone={f.m ?? ""} expiresAt={expiresAt} errors={fieldErrors(p.t, answer, "code")} lockedOut={lockedOut} />,
        answer.status === 429 || answer.status === 403 ? answer.status : 400,
      );
    }
    return c.redirect("/book/who", 303);
  });

  app.get("/book/who", async (c) => {
    const p = pageCtx(c);
    const s = await session(c);
    if (s instanceof Response) return s;
    const known = await people(s);
    const { me } = known;
    const eligibility = await currentEligibility(db, me.birth_date, now());
    const booked = await hasActiveBooking(db, me.id);
    const why = booked ? null : eligibilityText(p.t, eligibility, p.lang);
    const { t } = p;
    return c.html(
      <Page c={c} p={p} title={t.whoTitle} step={2} scripts={COUNTDOWN_SCRIPT}>
        <p class="notice" role="status">
          {t.verifiedAs(me.name, me.rrn_masked)}
        </p>
        <ForWhom p={p} s={s} known={known} />
        <form method="post" action="/book/who">
          {booked ? <AlreadyBooked p={p} self id="self-why" /> : null}
          {why ? (
            <p class="warn" id="self-why">
              {t.notEligibleNow} {why}
            </p>
          ) : null}
          <button type="submit" name="for" value="self" class="big" disabled={booked || !!why} aria-describedby={booked || why ? "self-why" : undefined}>
            {t.forMe}
          </button>
        </form>
        <p>
          <a class="button secondary big" href="/book/proxy" aria-describedby="proxy-hint">
            {t.forOther}
          </a>
        </p>
        <p class="hint" id="proxy-hint">
          {t.forOtherHint}
        </p>
      </Page>,
    );
  });

  app.post("/book/who", async (c) => {
    const s = await session(c);
    if (s instanceof Response) return s;
    if (await hasActiveBooking(db, s.personId)) return c.redirect("/book/who", 303);
    await api(c, "DELETE", "/api/proxy/subject");
    return c.redirect("/book/channel", 303);
  });

  const ProxyForm = (props: { c: Context; p: PageCtx; s: SessionInfo; values?: Record<string, string>; errors?: FieldErrors; booked?: boolean }) => {
    const { t, lang } = props.p;
    const v = props.values ?? {};
    const e = props.errors ?? {};
    return (
      <Page c={props.c} p={props.p} title={t.proxyTitle} step={2} scripts={COUNTDOWN_SCRIPT} hasErrors={Object.keys(e).length > 0}>
        <ForWhom p={props.p} s={props.s} />
        <ErrorSummary t={t} errors={e} ids={{ rrn: "rrn1", form: "form-error" }} />
        {props.booked ? <AlreadyBooked p={props.p} self={false} /> : null}
        <p>{t.proxyLead}</p>
        <form method="post" action="/book/proxy" novalidate>
          <label for="relationship">{t.relationship}</label>
          {e.relationship ? (
            <p class="field-error" id="relationship-error">
              {e.relationship}
            </p>
          ) : null}
          <select id="relationship" name="relationship" required aria-invalid={e.relationship ? "true" : undefined} aria-describedby={e.relationship ? "relationship-error" : undefined}>
            <option value="">{t.choose}</option>
            {RELATIONSHIPS.map((r) => (
              <option value={r} selected={v.relationship === r}>
                {RELATIONSHIP_LABELS[r][lang]}
              </option>
            ))}
          </select>
          <Field name="name" label={t.subjectName} value={v.name} error={e.name} autocomplete="off" required />
          <RrnInputs t={t} front={v.rrn1} back={v.rrn2} error={e.rrn} />
          {e.form ? (
            <p class="field-error" id="form-error">
              {e.form}
            </p>
          ) : null}
          <button type="submit" class="big">
            {t.next}
          </button>
          <a class="button secondary" href="/book/who">
            {t.back}
          </a>
        </form>
      </Page>
    );
  };

  app.get("/book/proxy", async (c) => {
    const s = await session(c);
    if (s instanceof Response) return s;
    return c.html(<ProxyForm c={c} p={pageCtx(c)} s={s} />);
  });

  app.post("/book/proxy", async (c) => {
    const p = pageCtx(c);
    const s = await session(c);
    if (s instanceof Response) return s;
    const f = await form(c);
    const rrn = rrnOf(f);
    const errors = checkAll(p.t, {
      relationship: () => {
        if (!isRelationship(f.relationship ?? "")) throw new AppError("relationship_invalid", 400, "Choose the relationship.", { field: "relationship" });
      },
      name: () => parseName(f.name),
      rrn: () => parseRrn(rrn, now()),
    });
    if (Object.keys(errors).length) return c.html(<ProxyForm c={c} p={p} s={s} values={f} errors={errors} />, 400);
    const answer = await api(c, "POST", "/api/proxy/subject", { name: f.name ?? "", rrn, relationship: f.relationship ?? "" });
    if (!answer.ok) {
      let errors = fieldErrors(p.t, answer, "form");
      if (answer.body.code === "not_eligible" && answer.body.eligibility) {
        errors = { form: `${p.t.errors.not_eligible} ${eligibilityText(p.t, answer.body.eligibility as Eligibility, p.lang) ?? ""}` };
      }
      if (answer.body.code === "already_booked") return c.html(<ProxyForm c={c} p={p} s={s} values={f} booked />, 409);
      return c.html(<ProxyForm c={c} p={p} s={s} values={f} errors={errors} />, answer.status === 403 ? 403 : 400);
    }
    return c.redirect("/book/channel", 303);
  });

  /**
   * Two minutes before the verification (or the admission) ends, a dialog says so and, while the rules allow,
   * offers to continue: the session then runs SESSION_TTL from now again (see require-session.ts). With
   * JavaScript the dialog extends in place and closes, so nothing typed is lost; without it the timer on
   * the page and the message after the end say what happened. At 0:00 the page is asked for again, and the
   * server answers with the identity form saying the verification ended.
   */
  function TimeoutWarning(props: { p: PageCtx; s: SessionInfo; endsAt: string; passFirst: boolean }) {
    const { t } = props.p;
    const hardEnd = props.s.verifiedAt.getTime() + sessionMaxMs(config.sessionTtlMs);
    const extendable = !props.passFirst && props.s.expiresAt.getTime() < hardEnd - 1000;
    return (
      <>
        <dialog class="timeout" id="timeout" aria-labelledby="timeout-title" aria-describedby="timeout-lead" data-extendable={extendable ? "1" : undefined}>
          <h2 id="timeout-title">{props.passFirst ? t.journeyLeft : t.timeoutTitle}</h2>
          <p id="timeout-lead">
            {props.passFirst ? t.timeoutJourney : extendable ? t.timeoutLead : t.timeoutLast}
          </p>
          <p>
            {props.passFirst ? t.journeyLeft : t.sessionLeft}: <Countdown untilIso={props.endsAt} nowMs={clock()} label={props.passFirst ? t.journeyLeft : t.sessionLeft} />
          </p>
          <form method="post" action="/book/extend" id="timeout-form">
            {extendable ? (
              <button type="submit" class="big" id="timeout-continue">
                {t.timeoutContinue}
              </button>
            ) : null}
            <button type="button" class="secondary" id="timeout-close">
              {t.timeoutClose}
            </button>
          </form>
        </dialog>
        <script dangerouslySetInnerHTML={{ __html: TIMEOUT_SCRIPT }} />
      </>
    );
  }

  /** Who this booking is for, on every later step (and a way back to booking for oneself). */
  /**
   * On every step after identity: whose booking this is, and how long the person may still go on: the
   * verification's end, or the admission pass's end if that comes first (the real limit, whichever it is).
   */
  async function ForWhom(props: { p: PageCtx; s: SessionInfo; known?: Awaited<ReturnType<typeof people>> }) {
    const { t, journeyEndsAt } = props.p;
    const passFirst = journeyEndsAt !== null && journeyEndsAt < props.s.expiresAt.getTime();
    const label = passFirst ? t.journeyLeft : t.sessionLeft;
    const endsAt = new Date(passFirst ? journeyEndsAt : props.s.expiresAt.getTime()).toISOString();
    const timer = (
      <>
        <p class="hint" id="session-left">
          {label}: <Countdown untilIso={endsAt} nowMs={clock()} label={label} id="session-timer" /> · {passFirst ? t.journeyLeftHint : t.sessionLeftHint}
        </p>
        <TimeoutWarning p={props.p} s={props.s} endsAt={endsAt} passFirst={passFirst} />
      </>
    );
    if (!props.s.subjectId) return timer;
    const { subject, relationship } = props.known ?? (await people(props.s));
    return (
      <>
        <p class="notice">{t.bookingFor(subject!.name, relationshipLabel(props.p, relationship))}</p>
        {timer}
      </>
    );
  }

  /**
   * "Continue" in the timeout dialog: the session runs SESSION_TTL from now again, within its hard maximum.
   * The dialog's script asks for JSON; a plain form post is sent back to the page it came from.
   */
  app.post("/book/extend", async (c) => {
    const s = await session(c);
    if (s instanceof Response) return s;
    const until = await extendSessionLife(db, { tokenHash: s.tokenHash, now: now(), ttlMs: config.sessionTtlMs });
    if (!until) return c.redirect("/book?expired=1", 303);
    const hardEnd = s.verifiedAt.getTime() + sessionMaxMs(config.sessionTtlMs);
    if ((c.req.header("accept") ?? "").includes("application/json")) {
      return c.json({ expiresAt: until.toISOString(), secondsLeft: Math.max(0, Math.round((until.getTime() - clock()) / 1000)), extendable: until.getTime() < hardEnd - 1000 });
    }
    const back = (c.req.header("referer") ?? "").replace(/^https?:\/\/[^/]+/, "");
    return c.redirect(/^\/book\/[a-z]/.test(back) ? back : "/book/who", 303);
  });

  app.get("/book/channel", async (c) => {
    const p = pageCtx(c);
    const s = await session(c);
    if (s instanceof Response) return s;
    const current = getCookie(c, CHANNEL_COOKIE);
    const error = c.req.query("error") ? p.t.errors.bad_channel! : undefined;
    const { t } = p;
    return c.html(
      <Page c={c} p={p} title={t.channelTitle} step={3} scripts={COUNTDOWN_SCRIPT} hasErrors={!!error}>
        <ForWhom p={p} s={s} />
        <ErrorSummary t={t} errors={error ? { "channel-kakao": error } : {}} />
        <form method="post" action="/book/channel">
          <fieldset aria-describedby={error ? "channel-error" : undefined}>
            <legend>{t.channelLead}</legend>
            {error ? (
              <p class="field-error" id="channel-error">
                {error}
              </p>
            ) : null}
            {CHANNELS.map((ch) => (
              <label class="choice" for={`channel-${ch}`}>
                <input type="radio" id={`channel-${ch}`} name="channel" value={ch} checked={current === ch} required />
                {t.channels[ch]}
              </label>
            ))}
          </fieldset>
          <button type="submit" class="big">
            {t.next}
          </button>
        </form>
      </Page>,
    );
  });

  app.post("/book/channel", async (c) => {
    const f = await form(c);
    if (!(CHANNELS as readonly string[]).includes(f.channel ?? "")) return c.redirect("/book/channel?error=1", 303);
    setCookie(c, CHANNEL_COOKIE, f.channel!, { path: "/", httpOnly: true, sameSite: "Lax", maxAge: 3600 });
    return c.redirect("/book/search", 303);
  });

  app.get("/book/search", async (c) => {
    const p = pageCtx(c);
    const s = await session(c);
    if (s instanceof Response) return s;
    const { t, lang } = p;
    const today = seoulDate(now());
    // Only days clinics work: the calendar's one rule (no weekends, no public holidays).
    const dates = Array.from({ length: config.bookingHorizonDays }, (_, i) => addDays(today, i)).filter(isOpenDay);
    const date = dates.includes(c.req.query("date") ?? "") ? c.req.query("date")! : (dates[0] ?? today);
    const sido = c.req.query("sido") ?? "";
    const sigungu = c.req.query("sigungu") ?? "";
    const { regions, vaccines } = await reference();
    const region = regions.find((r) => r.code === sido);
    const district = region?.districts.find((d) => d.code === sigungu);
    const label = (x: { name: string; nameEn: string }) => (lang === "en" ? x.nameEn : x.name);

    const eligibility = await currentEligibility(db, s.subjectBirthDate, now());
    // The booking window may fix the vaccine; otherwise the person may filter by one (or see all).
    const fixedVaccine = eligibility.eligible ? eligibility.window.vaccine : null;
    const vaccineChoices = fixedVaccine ? [fixedVaccine] : [...vaccines.keys()];
    const chosenVaccine = c.req.query("vaccine") ?? "";
    const vaccine = fixedVaccine ?? (vaccines.has(chosenVaccine) ? chosenVaccine : null);
    let result: ApiAnswer | null = null;
    if (region && c.req.query("find") !== undefined) {
      const q = new URLSearchParams({ date, region: district?.code ?? region.code });
      if (vaccine) q.set("vaccine", vaccine);
      result = await api(c, "GET", `/api/clinics?${q}`);
    }
    const error = c.req.query("find") !== undefined && !region ? t.errors.region_required! : result && !result.ok ? errorText(t, result.body.code, result.body.message) : undefined;
    const found = (result?.ok ? result.body.clinics : []) as { id: number; name: string; address: string; vaccine: string; freeSlots: number; firstFreeTime: string }[];
    // A long list is hard to read: PAGE_SIZE clinics at a time, with links to the next and previous ones.
    const pages = Math.max(1, Math.ceil(found.length / PAGE_SIZE));
    const pageNo = Math.min(pages, Math.max(1, Number(c.req.query("page")) || 1));
    const clinics = found.slice((pageNo - 1) * PAGE_SIZE, pageNo * PAGE_SIZE);
    const pageLink = (n: number) => `/book/search?${new URLSearchParams({ date, sido, sigungu, vaccine: vaccine ?? "", find: "1", page: String(n) })}#results`;
    const back = new URLSearchParams({ date, sido, sigungu, vaccine: vaccine ?? "" }).toString();
    const districtData = JSON.stringify(Object.fromEntries(regions.map((r) => [r.code, r.districts.map((d) => [d.code, label(d)])])));
    const script = `(function(){var data=${districtData.replace(/</g, "\\u003c")};var sido=document.getElementById("sido"),sg=document.getElementById("sigungu"),btn=document.getElementById("show-districts");if(btn)btn.hidden=true;sido.addEventListener("change",function(){var list=data[sido.value]||[];while(sg.options.length>1)sg.remove(1);for(var i=0;i<list.length;i++){var o=document.createElement("option");o.value=list[i][0];o.textContent=list[i][1];sg.appendChild(o);}});})();`;
    return c.html(
      <Page c={c} p={p} title={t.searchTitle} step={4} scripts={script + COUNTDOWN_SCRIPT}>
        <ForWhom p={p} s={s} />
        {!eligibility.eligible ? <p class="warn">{eligibilityText(t, eligibility, lang)}</p> : null}
        <ErrorSummary t={t} errors={error ? { sido: error } : {}} />
        <p>{t.searchLead}</p>
        <form method="get" action="/book/search" class="card">
          <label for="date">{t.date}</label>
          <p class="hint" id="date-hint">
            {t.openDaysHint}
          </p>
          <select id="date" name="date" aria-describedby="date-hint">
            {dates.map((d) => (
              <option value={d} selected={d === date}>
                {formatDate(d, lang)}
              </option>
            ))}
          </select>
          <label for="sido">{t.sido}</label>
          <select id="sido" name="sido" aria-invalid={error && !region ? "true" : undefined}>
            <option value="">{t.choose}</option>
            {regions.map((r) => (
              <option value={r.code} selected={r.code === sido}>
                {label(r)}
              </option>
            ))}
          </select>
          <button type="submit" id="show-districts" name="districts" value="1" class="secondary">
            {t.showDistricts}
          </button>
          <label for="sigungu">{t.sigungu}</label>
          <select id="sigungu" name="sigungu">
            <option value="">{t.allSigungu}</option>
            {(region?.districts ?? []).map((d) => (
              <option value={d.code} selected={d.code === sigungu}>
                {label(d)}
              </option>
            ))}
          </select>
          <label for="vaccine">{t.vaccine}</label>
          <select id="vaccine" name="vaccine">
            {fixedVaccine ? null : <option value="">{t.allVaccines}</option>}
            {vaccineChoices.map((v) => (
              <option value={v} selected={v === vaccine}>
                {vaccines.get(v)?.[lang] ?? v}
              </option>
            ))}
          </select>
          <div>
            <button type="submit" name="find" value="1" class="big">
              {t.findClinics}
            </button>
          </div>
        </form>
        {result?.ok ? (
          <section aria-labelledby="results" class="card">
            <h2 id="results" tabindex={-1}>
              {found.length ? t.clinicsFound(found.length) : t.noClinics}
            </h2>
            {found.length ? <p class="hint">{t.sortedHint}</p> : null}
            {pages > 1 ? <p>{t.pageOf(pageNo, pages)}</p> : null}
            <ul class="plain">
              {clinics.map((cl) => (
                <li class="clinic">
                  <h3>
                    <a href={`/book/clinic/${cl.id}?${back}`}>{cl.name}</a>
                  </h3>
                  <p style="margin:.2rem 0">{cl.address}</p>
                  <p style="margin:.2rem 0">
                    <strong>{t.freePlaces(cl.freeSlots)}</strong> · {t.firstTime(cl.firstFreeTime)} · {t.vaccine} {vaccines.get(cl.vaccine)?.[lang] ?? cl.vaccine}
                  </p>
                </li>
              ))}
            </ul>
            {pages > 1 ? (
              <nav class="pager" aria-label={t.pageOf(pageNo, pages)}>
                {pageNo > 1 ? <a href={pageLink(pageNo - 1)}>{t.prevPage}</a> : <span />}
                {pageNo < pages ? <a href={pageLink(pageNo + 1)}>{t.nextPage}</a> : <span />}
              </nav>
            ) : null}
          </section>
        ) : null}
      </Page>,
    );
  });

  /** One clinic's times on a date, as radio buttons; with an error or a notice above them when given. */
  async function timesPage(c: Context, p: PageCtx, s: SessionInfo, clinicId: number, date: string, opts: { error?: string; status?: 200 | 400 | 409 } = {}) {
    const { t, lang } = p;
    const answer = await api(c, "GET", `/api/clinics/${clinicId}/slots?date=${encodeURIComponent(date)}`);
    if (!answer.ok) return c.html(<ErrorPage c={c} p={p} message={errorText(t, answer.body.code, answer.body.message)} />, 400);
    const { clinic, slots } = answer.body as { clinic: { id: number; name: string; address: string; phone: string; vaccine: string }; slots: { id: number; time: string; free: number }[] };
    const back = new URLSearchParams({ date, sido: c.req.query("sido") ?? "", sigungu: c.req.query("sigungu") ?? "", find: "1" }).toString();
    const firstFree = slots.find((x) => x.free > 0);
    const vaccineLabel = (await reference()).vaccines.get(clinic.vaccine)?.[lang] ?? clinic.vaccine;
    return c.html(
      <Page c={c} p={p} title={t.timesTitle} step={4} scripts={COUNTDOWN_SCRIPT} hasErrors={!!opts.error}>
        <ForWhom p={p} s={s} />
        <ErrorSummary t={t} errors={opts.error ? { [`slot-${firstFree?.id ?? "none"}`]: opts.error } : {}} />
        <div class="card">
          <h2 style="margin-top:0">{clinic.name}</h2>
          <p style="margin:.2rem 0">{clinic.address}</p>
          <p style="margin:.2rem 0">
            {clinic.phone} · {t.vaccine} {vaccineLabel}
          </p>
          <p style="margin:.2rem 0">
            <strong>{formatDate(date, lang)}</strong>
          </p>
        </div>
        <p>{t.timesLead}</p>
        <form method="post" action={`/book/clinic/${clinicId}?${new URLSearchParams({ date, sido: c.req.query("sido") ?? "", sigungu: c.req.query("sigungu") ?? "" })}`}>
          <fieldset>
            <legend>{t.chooseTime}</legend>
            {slots.map((slot) => (
              <label class="choice" for={`slot-${slot.id}`} aria-disabled={slot.free <= 0 ? "true" : undefined}>
                <input type="radio" id={`slot-${slot.id}`} name="slotId" value={String(slot.id)} disabled={slot.free <= 0} required />
                <strong>{slot.time}</strong> <span>{slot.free > 0 ? t.left(slot.free) : t.full}</span>
              </label>
            ))}
          </fieldset>
          <button type="submit" class="big" disabled={!firstFree}>
            {t.holdTime}
          </button>
          <a class="button secondary" href={`/book/search?${back}`}>
            {t.otherDate}
          </a>
        </form>
      </Page>,
      opts.status ?? 200,
    );
  }

  app.get("/book/clinic/:id{[0-9]+}", async (c) => {
    const s = await session(c);
    if (s instanceof Response) return s;
    return timesPage(c, pageCtx(c), s, Number(c.req.param("id")), c.req.query("date") ?? "");
  });

  app.post("/book/clinic/:id{[0-9]+}", async (c) => {
    const p = pageCtx(c);
    const s = await session(c);
    if (s instanceof Response) return s;
    const f = await form(c);
    const clinicId = Number(c.req.param("id"));
    const date = c.req.query("date") ?? "";
    const slotId = parseId(f.slotId, "bigint");
    if (slotId === null) return timesPage(c, p, s, clinicId, date, { error: p.t.errors.bad_slot, status: 400 });
    const answer = await api(c, "POST", "/api/holds", { slotId });
    if (!answer.ok) {
      if (answer.body.code === "not_eligible") return c.html(<ErrorPage c={c} p={p} message={errorText(p.t, "not_eligible", answer.body.message)} />, 403);
      if (answer.body.code === "already_booked") return alreadyBookedPage(c, p, s);
      return timesPage(c, p, s, clinicId, date, { error: errorText(p.t, answer.body.code, answer.body.message), status: 409 });
    }
    return c.redirect(`/book/confirm?hold=${encodeURIComponent(answer.body.holdId)}`, 303);
  });

  /** A hold or booking refused because the person being booked already has a booking. */
  function alreadyBookedPage(c: Context, p: PageCtx, s: SessionInfo) {
    return c.html(
      <Page c={c} p={p} title={p.t.errorTitle}>
        <AlreadyBooked p={p} self={!s.subjectId} />
        <p>
          <a class="button secondary" href="/">
            {p.t.home}
          </a>
        </p>
      </Page>,
      409,
    );
  }

  /** The hold ran out or vanished: say so, and offer the same clinic's times on the same date. */
  async function holdGone(c: Context, p: PageCtx, s: SessionInfo, holdId: string, code: string, fallback?: { clinicId?: number }) {
    const place = await holdPlace(db, holdId);
    const clinicId = place?.clinicId ?? fallback?.clinicId;
    const date = place ? seoulDate(place.startsAt) : seoulDate(now());
    if (!clinicId) return c.html(<ErrorPage c={c} p={p} message={errorText(p.t, code)} />, 409);
    return timesPage(c, p, s, clinicId, date >= seoulDate(now()) ? date : seoulDate(now()), { error: errorText(p.t, code), status: 409 });
  }

  app.get("/book/confirm", async (c) => {
    const p = pageCtx(c);
    const s = await session(c);
    if (s instanceof Response) return s;
    const channel = getCookie(c, CHANNEL_COOKIE) as Channel | undefined;
    if (!channel || !(CHANNELS as readonly string[]).includes(channel)) return c.redirect("/book/channel", 303);
    const holdId = c.req.query("hold") ?? "";
    const hold = await holdDetails(db, { holdId, personId: s.subjectId ?? s.personId, now: now() });
    if (!hold) return holdGone(c, p, s, holdId, "hold_expired");
    const { t, lang } = p;
    const known = await people(s);
    const { me, subject, relationship } = known;
    const who = subject ?? me;
    // The planned day moves past weekends and holidays as booking will (the clinic's own closures are known then).
    const second = hold.vaccine.doses > 1 && hold.vaccine.secondDoseDays ? nextOpenDay(addDays(seoulDate(new Date(hold.startsAt)), hold.vaccine.secondDoseDays)) : null;
    return c.html(
      <Page c={c} p={p} title={t.confirmTitle} step={5} scripts={COUNTDOWN_SCRIPT}>
        <p class="warn" id="hold-timer">
          {t.holdCountdown}:{" "}
          <Countdown untilIso={hold.expiresAt} nowMs={clock()} expiredId="hold-expired" disableIds={["book-it"]} label={t.holdCountdown} />
          <br />
          {t.holdWarning}
        </p>
        <div class="summary" id="hold-expired" role="alert" hidden>
          <p style="margin-top:0">{t.holdReleased}</p>
          <a class="button" href={`/book/clinic/${hold.clinic.id}?date=${seoulDate(new Date(hold.startsAt))}`}>
            {t.chooseAgain}
          </a>
        </div>
        <ForWhom p={p} s={s} known={known} />
        <p>{t.confirmLead}</p>
        <dl class="facts card">
          <dt>{t.subject}</dt>
          <dd>
            {who.name} ({who.rrn_masked}){subject ? ` · ${t.relLabel}: ${relationshipLabel(p, relationship)}` : ""}
          </dd>
          <dt>{t.clinic}</dt>
          <dd>
            {hold.clinic.name}
            <br />
            {hold.clinic.address} · {hold.clinic.phone}
          </dd>
          <dt>{t.vaccine}</dt>
          <dd>{lang === "ko" ? hold.vaccine.nameKo : hold.vaccine.name}</dd>
          <dt>{t.firstDose}</dt>
          <dd>{formatInstant(hold.startsAt, lang)}</dd>
          <dt>{t.secondDose}</dt>
          <dd>{second ? t.secondDosePlan(formatDate(second, lang)) : t.singleDose}</dd>
          <dt>{t.channel}</dt>
          <dd>
            {t.channels[channel]} (<a href="/book/channel">{lang === "ko" ? "바꾸기" : "change"}</a>)
          </dd>
        </dl>
        <form method="post" action="/book/confirm">
          <input type="hidden" name="hold" value={hold.holdId} />
          {/* One key per confirm page: a double click or a retry after a dropped connection books once. */}
          <input type="hidden" name="key" value={randomUUID()} />
          <button type="submit" class="big" id="book-it">
            {t.bookIt}
          </button>
          <a class="button secondary" href={`/book/clinic/${hold.clinic.id}?date=${seoulDate(new Date(hold.startsAt))}`}>
            {t.changeTime}
          </a>
        </form>
      </Page>,
    );
  });

  app.post("/book/confirm", async (c) => {
    const p = pageCtx(c);
    const s = await session(c);
    if (s instanceof Response) return s;
    const f = await form(c);
    const channel = getCookie(c, CHANNEL_COOKIE);
    if (!channel) return c.redirect("/book/channel", 303);
    const answer = await api(c, "POST", "/api/reservations", { holdId: f.hold ?? "", notifyChannel: channel }, { "idempotency-key": f.key || randomUUID() });
    if (answer.ok) return c.redirect(`/book/done?r=${encodeURIComponent(answer.body.reservationNumber)}`, 303);
    const code = answer.body.code as string;
    if (code === "slot_full" || code === "hold_not_found" || code === "slot_past" || code === "no_second_dose") {
      return holdGone(c, p, s, f.hold ?? "", code === "slot_full" && answer.body.holdExpired ? "hold_expired" : code, { clinicId: answer.body.clinicId });
    }
    if (code === "already_booked") return alreadyBookedPage(c, p, s);
    return c.html(<ErrorPage c={c} p={p} message={errorText(p.t, code, answer.body.message)} />, answer.status >= 400 && answer.status < 600 ? (answer.status as 400) : 400);
  });

  app.get("/book/done", async (c) => {
    const p = pageCtx(c);
    const s = await session(c);
    if (s instanceof Response) return s;
    const number = parseReservationNumber(c.req.query("r") ?? "");
    const r = number ? await loadReservation(db, { number }) : null;
    if (!r || r.bookedBy !== s.personId) return c.html(<ErrorPage c={c} p={p} message={errorText(p.t, "not_found")} />, 404);
    endJourney(c); // booked: the edge ends this pass
    const { t } = p;
    const formatted = formatReservationNumber(r.number);
    const copyScript = `(function(){var b=document.getElementById("copy");if(!b||!navigator.clipboard)return;b.hidden=false;b.addEventListener("click",function(){navigator.clipboard.writeText(${JSON.stringify(formatted)}).then(function(){document.getElementById("copy-status").textContent=${JSON.stringify(t.copied)};});});})();`;
    return c.html(
      <Page c={c} p={p} title={t.doneTitle} scripts={copyScript}>
        <div class="card" role="status">
          <p style="margin:0;font-weight:700">{t.reservationNumber}</p>
          <p class="number" id="reservation-number">
            {formatted}
          </p>
          <button type="button" id="copy" class="secondary" hidden>
            {t.copy}
          </button>
          <span id="copy-status" aria-live="polite"></span>
        </div>
        <ReservationFacts p={p} view={r.view} />
        <h2>{p.lang === "ko" ? "다음 안내" : "What happens next"}</h2>
        <ul>
          {t.doneNext.map((line) => (
            <li>{line}</li>
          ))}
        </ul>
        <p>
          <a class="button secondary" href="/">
            {t.home}
          </a>
        </p>
      </Page>,
    );
  });

  return app;
}
