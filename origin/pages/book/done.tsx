/**
 * /book/done?r=: the reservation number, large and copyable, both dose dates and what happens next. Only
 * the person who booked it sees it here; showing it ends the admission pass's journey at the edge.
 */
import { Hono } from "hono";
import { formatReservationNumber, parseReservationNumber } from "../../booking/numbers";
import { loadReservation } from "../../booking/reservations";
import { endJourney } from "../../journey/end";
import type { OriginEnv } from "../../types";
import { errorText } from "../i18n";
import { ErrorPage, Page, pageCtx } from "../layout";
import { ReservationFacts } from "../reservation-view";
import type { Book } from "./context";

export function doneStep(b: Book) {
  return new Hono<OriginEnv>().get("/book/done", async (c) => {
    const p = pageCtx(c);
    const s = await b.session(c);
    if (s instanceof Response) return s;
    const number = parseReservationNumber(c.req.query("r") ?? "");
    const r = number ? await loadReservation(b.db, { number }) : null;
    if (!r || r.bookedBy !== s.personId) return c.html(<ErrorPage c={c} p={p} message={errorText(p.t, "not_found")} />, 404);
    endJourney(c);
    const { t } = p;
    const formatted = formatReservationNumber(r.number);
    return c.html(
      <Page c={c} p={p} title={t.doneTitle} script="book">
        <div class="card" role="status">
          <p style="margin:0;font-weight:700">{t.reservationNumber}</p>
          <p class="number" id="reservation-number">
            {formatted}
          </p>
          {/* With a clipboard, the script shows the button; it copies data-copy and says data-copied. */}
          <button type="button" id="copy" class="secondary" data-copy={formatted} data-copied={t.copied} hidden>
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
}
