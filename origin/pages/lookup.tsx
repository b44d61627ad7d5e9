/**
 * Lookup, cancel and second-dose change for citizens (예약 조회/취소), reachable from every page:
 *   /lookup                 name + resident number + reservation number (checked by the API: one
 *                           not_found whatever was wrong, misses limited per client, per reservation
 *                           number and per resident number; a refusal says when to try again)
 *   /lookup/reservation     both doses, a cancel button and a form to move the second dose
 *   /lookup/cancel          "do you really want to cancel?", then the cancellation
 * After a successful lookup the browser holds a signed cookie naming that one reservation for 15 minutes,
 * so cancel and change need not carry the resident number through the page again.
 */
import { type Context, Hono } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import { AppError } from "../../lib/errors";
import { parseReservationNumber } from "../booking/numbers";
import { cancelReservation, loadReservation, moveSecondDose } from "../booking/reservations";
import { FIRST_SLOT_MINUTE, SLOT_MINUTES, SLOTS_PER_DAY } from "../booking/schedule";
import { isCalendarDate, seoulTime } from "../clinics/dates";
import { parseName, parseRrn } from "../identity/fields";
import { endJourney } from "../journey/end";
import type { Deps, OriginEnv } from "../types";
import { type Api, answer } from "./api";
import { checkAll, form, RrnInputs, rrnOf } from "./forms";
import { errorText, formatDate } from "./i18n";
import { ErrorSummary, Field, type FieldErrors, FormError, Page, type PageCtx, pageCtx } from "./layout";
import { ReservationFacts } from "./reservation-view";

const LOOKUP_COOKIE = "lookup";
const LOOKUP_TTL_S = 15 * 60;

const SLOT_TIMES = Array.from({ length: SLOTS_PER_DAY }, (_, i) => {
  const m = FIRST_SLOT_MINUTE + i * SLOT_MINUTES;
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
});

export function lookupPages(deps: Deps, clock: () => number, api: Api) {
  const { db, config } = deps;
  const now = () => new Date(clock());

  const LookupForm = (props: { c: Context; p: PageCtx; values?: Record<string, string>; errors?: FieldErrors; notice?: string }) => {
    const { t } = props.p;
    const v = props.values ?? {};
    const e = props.errors ?? {};
    return (
      <Page c={props.c} p={props.p} title={t.lookupTitle} script="lookup" hasErrors={Object.keys(e).length > 0}>
        {props.notice ? (
          <p class="notice" role="status">
            {props.notice}
          </p>
        ) : null}
        <ErrorSummary t={t} errors={e} ids={{ rrn: "rrn1", form: "form-error" }} />
        <p>{t.lookupLead}</p>
        <form method="post" action="/lookup" novalidate>
          <FormError error={e.form} />
          <Field name="name" label={t.name} value={v.name} error={e.name} autocomplete="off" required />
          <RrnInputs t={t} front={v.rrn1} back={v.rrn2} error={e.rrn} />
          <Field
            name="reservationNumber"
            label={t.reservationNumber}
            value={v.reservationNumber}
            hint={t.reservationNumberHint}
            error={e.reservationNumber}
            autocomplete="off"
            required
          />
          <button type="submit" class="big">
            {t.lookup}
          </button>
        </form>
      </Page>
    );
  };

  /** The reservation this browser looked up in the last 15 minutes, or null. */
  async function lookedUp(c: Context) {
    const number = await getSignedCookie(c, config.sessionSecret, LOOKUP_COOKIE);
    const canonical = number ? parseReservationNumber(number) : null;
    return canonical ? loadReservation(db, { number: canonical }) : null;
  }

  async function reservationPage(c: Context, p: PageCtx, opts: { notice?: string; errors?: FieldErrors; status?: 200 | 400 | 409 } = {}) {
    const r = await lookedUp(c);
    if (!r) return c.redirect("/lookup", 303);
    const { t, lang } = p;
    const v = r.view;
    const active = v.status === "active";
    const upcoming = (iso: string | undefined) => !!iso && new Date(iso) > now();
    const canMove = active && v.second?.status === "active" && upcoming(v.second.startsAt) && v.secondDoseWindow;
    const e = opts.errors ?? {};
    return c.html(
      <Page c={c} p={p} title={t.lookupTitle} script="lookup" hasErrors={Object.keys(e).length > 0}>
        {opts.notice ? (
          <p class="notice" role="status">
            {opts.notice}
          </p>
        ) : null}
        <ErrorSummary t={t} errors={e} />
        <div class="card">
          <p style="margin:0;font-weight:700">{t.reservationNumber}</p>
          <p class="number">{v.reservationNumber}</p>
          <p style="margin:0">
            <strong>{active ? t.statusActive : t.statusCancelled}</strong>
          </p>
        </div>
        <ReservationFacts p={p} view={v} />
        {canMove ? (
          <section class="card" aria-labelledby="move">
            <h2 id="move" style="margin-top:0">
              {t.moveHeading}
            </h2>
            <p>{t.moveLead(formatDate(v.secondDoseWindow!.from, lang), formatDate(v.secondDoseWindow!.to, lang))}</p>
            <form method="post" action="/lookup/second-dose" novalidate>
              <Field
                name="date"
                type="date"
                label={t.newDate}
                min={v.secondDoseWindow!.from}
                max={v.secondDoseWindow!.to}
                error={e.date}
                value={opts.errors ? "" : undefined}
                required
              />
              <label for="time">{t.time}</label>
              <select id="time" name="time">
                <option value="">{t.sameTime}</option>
                {SLOT_TIMES.map((time) => (
                  <option value={time}>{time}</option>
                ))}
              </select>
              <div>
                <button type="submit">{t.moveButton}</button>
              </div>
            </form>
          </section>
        ) : null}
        {active && (upcoming(v.first.startsAt) || upcoming(v.second?.startsAt)) ? (
          <section class="card" aria-labelledby="cancel">
            <h2 id="cancel" style="margin-top:0">
              {t.cancelHeading}
            </h2>
            <p>{t.cancelLead}</p>
            <a class="button danger" href="/lookup/cancel" style="background:#b00020">
              {t.cancelButton}
            </a>
          </section>
        ) : null}
        <p>
          <a href="/lookup?new=1">{t.lookupAgain}</a>
        </p>
      </Page>,
      opts.status ?? 200,
    );
  }

  const app = new Hono<OriginEnv>();

  app.get("/lookup", (c) => {
    if (c.req.query("new")) deleteCookie(c, LOOKUP_COOKIE, { path: "/" });
    return c.html(<LookupForm c={c} p={pageCtx(c)} />);
  });

  app.post("/lookup", async (c) => {
    const p = pageCtx(c);
    const f = await form(c);
    const rrn = rrnOf(f);
    // All three fields are checked first, so the form names every problem at once.
    const errors = checkAll(p.t, {
      name: () => parseName(f.name),
      rrn: () => parseRrn(rrn, now()),
      reservationNumber: () => {
        if (!parseReservationNumber(f.reservationNumber ?? ""))
          throw new AppError("reservation_number_invalid", 400, "That is not a reservation number.");
      },
    });
    if (Object.keys(errors).length) return c.html(<LookupForm c={c} p={p} values={f} errors={errors} />, 400);
    const found = await answer(
      await api(c).reservations.reservations.lookup.$post({
        json: { name: f.name ?? "", rrn, reservationNumber: f.reservationNumber ?? "" },
      }),
    );
    if (!found.ok) {
      const { field = "form", retryAt, retryAfterSeconds } = found.body;
      // Too many misses: a form-level message with the time lookups open again, whichever limit it was.
      const limited = found.status === 429;
      const text =
        limited && retryAt !== undefined && retryAfterSeconds !== undefined
          ? p.t.lookupTooMany(seoulTime(new Date(retryAt)), Math.ceil(retryAfterSeconds / 60))
          : errorText(p.t, found.body.code, found.body.message);
      if (limited && retryAfterSeconds !== undefined) c.header("Retry-After", String(retryAfterSeconds));
      return c.html(
        <LookupForm c={c} p={p} values={f} errors={{ [limited ? "form" : field]: text }} />,
        limited ? 429 : found.status === 404 ? 404 : 400,
      );
    }
    await setSignedCookie(c, LOOKUP_COOKIE, found.body.reservationNumber, config.sessionSecret, {
      path: "/",
      httpOnly: true,
      sameSite: "Strict",
      maxAge: LOOKUP_TTL_S,
      secure: c.req.header("x-forwarded-proto") === "https",
    });
    return c.redirect("/lookup/reservation", 303);
  });

  app.get("/lookup/reservation", (c) => {
    const p = pageCtx(c);
    const done = c.req.query("done");
    if (done === "cancelled" || done === "moved") endJourney(c); // the change is made: the edge ends this pass
    return reservationPage(c, p, { notice: done === "cancelled" ? p.t.cancelled : done === "moved" ? p.t.moved : undefined });
  });

  app.get("/lookup/cancel", async (c) => {
    const p = pageCtx(c);
    const r = await lookedUp(c);
    if (!r) return c.redirect("/lookup", 303);
    const { t } = p;
    return c.html(
      <Page c={c} p={p} title={t.cancelConfirmTitle}>
        <p class="warn">{t.cancelConfirmLead}</p>
        <ReservationFacts p={p} view={r.view} />
        <form method="post" action="/lookup/cancel">
          <button type="submit" class="danger">
            {t.cancelYes}
          </button>
          <a class="button secondary" href="/lookup/reservation">
            {t.cancelNo}
          </a>
        </form>
      </Page>,
    );
  });

  app.post("/lookup/cancel", async (c) => {
    const p = pageCtx(c);
    const r = await lookedUp(c);
    if (!r) return c.redirect("/lookup", 303);
    try {
      await cancelReservation(db, { reservationId: r.id, now: now() });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      return reservationPage(c, p, { errors: { form: errorText(p.t, err.code, err.message) }, status: 409 });
    }
    return c.redirect("/lookup/reservation?done=cancelled", 303);
  });

  app.post("/lookup/second-dose", async (c) => {
    const p = pageCtx(c);
    const r = await lookedUp(c);
    if (!r) return c.redirect("/lookup", 303);
    const f = await form(c);
    const date = isCalendarDate(f.date) ? f.date : "";
    if (!date) return reservationPage(c, p, { errors: { date: p.t.errors.bad_date! }, status: 400 });
    try {
      await moveSecondDose(db, { reservationId: r.id, date, time: f.time || undefined, now: now() });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      return reservationPage(c, p, { errors: { date: errorText(p.t, err.code, err.message) }, status: 409 });
    }
    return c.redirect("/lookup/reservation?done=moved", 303);
  });

  return app;
}
