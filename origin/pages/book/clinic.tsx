/**
 * Step 4b, /book/clinic/:id?date=: one clinic's times on one date, as radio buttons → a hold, then the
 * confirm step. A hold refused (taken meanwhile, ran out) shows the same times again with the reason.
 */
import { type Context, Hono } from "hono";
import { holdPlace } from "../../booking/holds";
import { seoulDate } from "../../clinics/dates";
import { parseId } from "../../ids";
import type { OriginEnv, SessionInfo } from "../../types";
import { answer } from "../api";
import { form } from "../forms";
import { errorText, formatDate } from "../i18n";
import { ErrorPage, ErrorSummary, Page, type PageCtx, pageCtx } from "../layout";
import type { Book } from "./context";
import { alreadyBookedPage, ForWhom } from "./parts";

/** One clinic's times on a date, as radio buttons; with an error above them when given. */
export async function timesPage(
  b: Book,
  c: Context,
  p: PageCtx,
  s: SessionInfo,
  clinicId: number,
  date: string,
  opts: { error?: string; status?: 200 | 400 | 409 } = {},
) {
  const { t, lang } = p;
  const found = await answer(await b.api(c).clinics.clinics[":id"].slots.$get({ param: { id: String(clinicId) }, query: { date } }));
  if (!found.ok) return c.html(<ErrorPage c={c} p={p} message={errorText(t, found.body.code, found.body.message)} />, 400);
  const { clinic, slots } = found.body;
  const back = new URLSearchParams({ date, sido: c.req.query("sido") ?? "", sigungu: c.req.query("sigungu") ?? "", find: "1" }).toString();
  const firstFree = slots.find((x) => x.free > 0);
  const vaccineLabel = (await b.reference()).vaccines.get(clinic.vaccine)?.[lang] ?? clinic.vaccine;
  return c.html(
    <Page c={c} p={p} title={t.timesTitle} step={4} script="book" hasErrors={!!opts.error}>
      <ForWhom b={b} p={p} s={s} />
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
      <form
        method="post"
        action={`/book/clinic/${clinicId}?${new URLSearchParams({ date, sido: c.req.query("sido") ?? "", sigungu: c.req.query("sigungu") ?? "" })}`}
      >
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

/** The hold ran out or vanished: say so, and offer the same clinic's times on the same date. */
export async function holdGone(
  b: Book,
  c: Context,
  p: PageCtx,
  s: SessionInfo,
  holdId: string,
  code: string,
  fallback?: { clinicId?: number },
) {
  const place = await holdPlace(b.db, holdId);
  const clinicId = place?.clinicId ?? fallback?.clinicId;
  if (!clinicId) return c.html(<ErrorPage c={c} p={p} message={errorText(p.t, code)} />, 409);
  // The hold's own date, unless it has passed: then today's times.
  const today = seoulDate(b.now());
  const date = place && seoulDate(place.startsAt) > today ? seoulDate(place.startsAt) : today;
  return timesPage(b, c, p, s, clinicId, date, { error: errorText(p.t, code), status: 409 });
}

export function clinicStep(b: Book) {
  const app = new Hono<OriginEnv>();

  app.get("/book/clinic/:id{[0-9]+}", async (c) => {
    const s = await b.session(c);
    if (s instanceof Response) return s;
    return timesPage(b, c, pageCtx(c), s, Number(c.req.param("id")), c.req.query("date") ?? "");
  });

  app.post("/book/clinic/:id{[0-9]+}", async (c) => {
    const p = pageCtx(c);
    const s = await b.session(c);
    if (s instanceof Response) return s;
    const f = await form(c);
    const clinicId = Number(c.req.param("id"));
    const date = c.req.query("date") ?? "";
    const slotId = parseId(f.slotId, "bigint");
    if (slotId === null) return timesPage(b, c, p, s, clinicId, date, { error: p.t.errors.bad_slot, status: 400 });
    const held = await answer(await b.api(c).holds.holds.$post({ json: { slotId } }));
    if (!held.ok) {
      if (held.body.code === "not_eligible")
        return c.html(<ErrorPage c={c} p={p} message={errorText(p.t, "not_eligible", held.body.message)} />, 403);
      if (held.body.code === "already_booked") return alreadyBookedPage(c, p, s);
      return timesPage(b, c, p, s, clinicId, date, { error: errorText(p.t, held.body.code, held.body.message), status: 409 });
    }
    return c.redirect(`/book/confirm?hold=${encodeURIComponent(held.body.holdId)}`, 303);
  });

  return app;
}
