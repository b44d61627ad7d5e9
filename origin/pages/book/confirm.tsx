/**
 * Step 5, /book/confirm?hold=: both doses, the clinic, the channel and the hold's countdown → "예약하기".
 * One idempotency key per confirm page, so a double submit or a retry after a dropped connection books once.
 * A hold that ran out or a place taken meanwhile offers the same clinic's times again.
 */
import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import { getCookie } from "hono/cookie";
import { holdDetails } from "../../booking/holds";
import { nextOpenDay } from "../../clinics/calendar";
import { addDays, seoulDate } from "../../clinics/dates";
import { isChannel } from "../../notify/channels";
import type { OriginEnv } from "../../types";
import { answer } from "../api";
import { form } from "../forms";
import { errorText, formatDate, formatInstant } from "../i18n";
import { Countdown, ErrorPage, Page, pageCtx } from "../layout";
import { holdGone } from "./clinic";
import { type Book, CHANNEL_COOKIE, relationshipLabel } from "./context";
import { alreadyBookedPage, ForWhom } from "./parts";

/** Refusals after which the same clinic's times are offered again. */
const HOLD_GONE = new Set(["slot_full", "hold_not_found", "slot_past", "no_second_dose"]);

export function confirmStep(b: Book) {
  const app = new Hono<OriginEnv>();

  app.get("/book/confirm", async (c) => {
    const p = pageCtx(c);
    const s = await b.session(c);
    if (s instanceof Response) return s;
    const channel = getCookie(c, CHANNEL_COOKIE);
    if (!isChannel(channel)) return c.redirect("/book/channel", 303);
    const holdId = c.req.query("hold") ?? "";
    const hold = await holdDetails(b.db, { holdId, personId: s.subjectId ?? s.personId, now: b.now() });
    if (!hold) return holdGone(b, c, p, s, holdId, "hold_expired");
    const { t, lang } = p;
    const known = await b.people(s);
    const { me, subject, relationship } = known;
    const who = subject ?? me;
    const firstDay = seoulDate(new Date(hold.startsAt));
    // The planned day moves past weekends and holidays as booking will (the clinic's own closures are known then).
    const second =
      hold.vaccine.doses > 1 && hold.vaccine.secondDoseDays ? nextOpenDay(addDays(firstDay, hold.vaccine.secondDoseDays)) : null;
    return c.html(
      <Page c={c} p={p} title={t.confirmTitle} step={5} script="book">
        <p class="warn" id="hold-timer">
          {t.holdCountdown}:{" "}
          <Countdown
            untilIso={hold.expiresAt}
            nowMs={b.clock()}
            expiredId="hold-expired"
            disableIds={["book-it"]}
            label={t.holdCountdown}
          />
          <br />
          {t.holdWarning}
        </p>
        <div class="summary" id="hold-expired" role="alert" hidden>
          <p style="margin-top:0">{t.holdReleased}</p>
          <a class="button" href={`/book/clinic/${hold.clinic.id}?date=${firstDay}`}>
            {t.chooseAgain}
          </a>
        </div>
        <ForWhom b={b} p={p} s={s} known={known} />
        <p>{t.confirmLead}</p>
        <dl class="facts card">
          <dt>{t.subject}</dt>
          <dd>
            {who.name} ({who.rrnMasked}){subject ? ` · ${t.relLabel}: ${relationshipLabel(p, relationship)}` : ""}
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
          <input type="hidden" name="key" value={randomUUID()} />
          <button type="submit" class="big" id="book-it">
            {t.bookIt}
          </button>
          <a class="button secondary" href={`/book/clinic/${hold.clinic.id}?date=${firstDay}`}>
            {t.changeTime}
          </a>
        </form>
      </Page>,
    );
  });

  app.post("/book/confirm", async (c) => {
    const p = pageCtx(c);
    const s = await b.session(c);
    if (s instanceof Response) return s;
    const f = await form(c);
    const channel = getCookie(c, CHANNEL_COOKIE);
    if (!channel) return c.redirect("/book/channel", 303);
    const booked = await answer(
      await b
        .api(c)
        .reservations.reservations.$post(
          { json: { holdId: f.hold ?? "", notifyChannel: channel } },
          { headers: { "idempotency-key": f.key || randomUUID() } },
        ),
    );
    if (booked.ok) return c.redirect(`/book/done?r=${encodeURIComponent(booked.body.reservationNumber)}`, 303);
    const { code } = booked.body;
    if (HOLD_GONE.has(code)) {
      return holdGone(b, c, p, s, f.hold ?? "", code === "slot_full" && booked.body.holdExpired ? "hold_expired" : code, {
        clinicId: booked.body.clinicId,
      });
    }
    if (code === "already_booked") return alreadyBookedPage(c, p, s);
    const status = booked.status >= 400 && booked.status < 600 ? (booked.status as 400) : 400;
    return c.html(<ErrorPage c={c} p={p} message={errorText(p.t, code, booked.body.message)} />, status);
  });

  return app;
}
