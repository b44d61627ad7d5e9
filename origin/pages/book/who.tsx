/**
 * Step 2, for whom:
 *   /book/who     for myself, or for someone else (대리예약)
 *   /book/proxy   the other person's relationship, name and resident number
 * Someone who already has a booking is told so here (for oneself right after identity, for another person
 * right after their details), with the way to look it up, and goes no further.
 */
import { type Context, Hono } from "hono";
import { AppError } from "../../../lib/errors";
import { hasActiveBooking } from "../../booking/active-booking";
import { isRelationship, RELATIONSHIP_LABELS, RELATIONSHIPS } from "../../booking/relationships";
import { currentEligibility } from "../../identity/eligibility";
import { parseName, parseRrn } from "../../identity/fields";
import type { OriginEnv, SessionInfo } from "../../types";
import { answer } from "../api";
import { checkAll, form, RrnInputs, rrnOf } from "../forms";
import { ErrorSummary, Field, type FieldErrors, FormError, Page, type PageCtx, pageCtx } from "../layout";
import { type Book, eligibilityText, fieldErrors } from "./context";
import { AlreadyBooked, ForWhom } from "./parts";

function ProxyForm(props: {
  b: Book;
  c: Context;
  p: PageCtx;
  s: SessionInfo;
  values?: Record<string, string>;
  errors?: FieldErrors;
  booked?: boolean;
}) {
  const { t, lang } = props.p;
  const v = props.values ?? {};
  const e = props.errors ?? {};
  return (
    <Page c={props.c} p={props.p} title={t.proxyTitle} step={2} script="book" hasErrors={Object.keys(e).length > 0}>
      <ForWhom b={props.b} p={props.p} s={props.s} />
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
        <select
          id="relationship"
          name="relationship"
          required
          aria-invalid={e.relationship ? "true" : undefined}
          aria-describedby={e.relationship ? "relationship-error" : undefined}
        >
          <option value="">{t.choose}</option>
          {RELATIONSHIPS.map((r) => (
            <option value={r} selected={v.relationship === r}>
              {RELATIONSHIP_LABELS[r][lang]}
            </option>
          ))}
        </select>
        <Field name="name" label={t.subjectName} value={v.name} error={e.name} autocomplete="off" required />
        <RrnInputs t={t} front={v.rrn1} back={v.rrn2} error={e.rrn} />
        <FormError error={e.form} />
        <button type="submit" class="big">
          {t.next}
        </button>
        <a class="button secondary" href="/book/who">
          {t.back}
        </a>
      </form>
    </Page>
  );
}

export function whoSteps(b: Book) {
  const { db } = b;
  const app = new Hono<OriginEnv>();

  app.get("/book/who", async (c) => {
    const p = pageCtx(c);
    const s = await b.session(c);
    if (s instanceof Response) return s;
    const known = await b.people(s);
    const { me } = known;
    const eligibility = await currentEligibility(db, me.birthDate, b.now());
    const booked = await hasActiveBooking(db, me.id);
    const why = booked ? null : eligibilityText(p.t, eligibility, p.lang);
    const { t } = p;
    return c.html(
      <Page c={c} p={p} title={t.whoTitle} step={2} script="book">
        <p class="notice" role="status">
          {t.verifiedAs(me.name, me.rrnMasked)}
        </p>
        <ForWhom b={b} p={p} s={s} known={known} />
        <form method="post" action="/book/who">
          {booked ? <AlreadyBooked p={p} self id="self-why" /> : null}
          {why ? (
            <p class="warn" id="self-why">
              {t.notEligibleNow} {why}
            </p>
          ) : null}
          <button
            type="submit"
            name="for"
            value="self"
            class="big"
            disabled={booked || !!why}
            aria-describedby={booked || why ? "self-why" : undefined}
          >
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
    const s = await b.session(c);
    if (s instanceof Response) return s;
    if (await hasActiveBooking(db, s.personId)) return c.redirect("/book/who", 303);
    await b.api(c).proxy.proxy.subject.$delete();
    return c.redirect("/book/channel", 303);
  });

  app.get("/book/proxy", async (c) => {
    const s = await b.session(c);
    if (s instanceof Response) return s;
    return c.html(<ProxyForm b={b} c={c} p={pageCtx(c)} s={s} />);
  });

  app.post("/book/proxy", async (c) => {
    const p = pageCtx(c);
    const s = await b.session(c);
    if (s instanceof Response) return s;
    const f = await form(c);
    const rrn = rrnOf(f);
    const errors = checkAll(p.t, {
      relationship: () => {
        if (!isRelationship(f.relationship ?? ""))
          throw new AppError("relationship_invalid", 400, "Choose the relationship.", { field: "relationship" });
      },
      name: () => parseName(f.name),
      rrn: () => parseRrn(rrn, b.now()),
    });
    if (Object.keys(errors).length) return c.html(<ProxyForm b={b} c={c} p={p} s={s} values={f} errors={errors} />, 400);
    const named = await answer(
      await b.api(c).proxy.proxy.subject.$post({ json: { name: f.name ?? "", rrn, relationship: f.relationship ?? "" } }),
    );
    if (!named.ok) {
      if (named.body.code === "already_booked") return c.html(<ProxyForm b={b} c={c} p={p} s={s} values={f} booked />, 409);
      // Not eligible: say why, as the API decided it from the subject's date of birth and the server's clock.
      const refused =
        named.body.code === "not_eligible"
          ? {
              form: `${p.t.errors.not_eligible} ${eligibilityText(p.t, await currentEligibility(db, parseRrn(rrn, b.now()).birthDate, b.now()), p.lang) ?? ""}`,
            }
          : fieldErrors(p.t, named.body, "form");
      return c.html(<ProxyForm b={b} c={c} p={p} s={s} values={f} errors={refused} />, named.status === 403 ? 403 : 400);
    }
    return c.redirect("/book/channel", 303);
  });

  return app;
}
