/**
 * Step 1, identity:
 *   /book          name, resident number (two fields, like the paper form), mobile → a code is sent
 *   /book/verify   the one-time code, with its countdown and "send a new code"
 *   /book/resend   a new code for the same details
 * Every field is checked before anything is sent, so the form names all its problems at once; the API's
 * refusals come back as sentences next to the field they concern.
 */
import { type Context, Hono } from "hono";
import { parseName, parsePhone, parseRrn } from "../../identity/fields";
import { RESEND_AFTER_MS } from "../../routes/identity";
import type { OriginEnv } from "../../types";
import { answer } from "../api";
import { checkAll, form, RrnInputs, rrnOf } from "../forms";
import { Countdown, ErrorSummary, Field, type FieldErrors, FormError, Page, type PageCtx, pageCtx } from "../layout";
import { type Book, fieldErrors, maskPhone } from "./context";

function IdentityForm(props: { c: Context; p: PageCtx; values?: Record<string, string>; errors?: FieldErrors; notice?: string }) {
  const { t } = props.p;
  const v = props.values ?? {};
  const e = props.errors ?? {};
  return (
    <Page c={props.c} p={props.p} title={t.identityTitle} step={1} script="book" hasErrors={Object.keys(e).length > 0}>
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
        <Field
          name="phone"
          label={t.phone}
          type="tel"
          value={v.phone}
          hint={t.phoneHint}
          error={e.phone}
          autocomplete="tel"
          inputmode="tel"
          required
        />
        <FormError error={e.form} />
        <button type="submit" class="big">
          {t.sendCode}
        </button>
      </form>
    </Page>
  );
}

/**
 * The code form. A code that ran out (by the server's clock, or at 0:00 on the page) or was entered wrongly
 * five times can no longer work: the input and the button are disabled and the page says to ask for a new code.
 */
function CodeForm(props: {
  b: Book;
  c: Context;
  p: PageCtx;
  challengeId: string;
  phone: string;
  expiresAt?: string;
  errors?: FieldErrors;
  notice?: string;
  lockedOut?: boolean;
}) {
  const { t } = props.p;
  const { clock, config } = props.b;
  const e = props.errors ?? {};
  // The expiry comes back from this page's own link or form: an instant a day or more away is not one the server gave.
  const expiresMs = Date.parse(props.expiresAt ?? "");
  const expires = Math.abs(expiresMs - clock()) < 86_400_000 ? new Date(expiresMs).toISOString() : null;
  // The code was sent OTP_TTL before it expires; a new one may be asked for RESEND_AFTER_MS after that.
  const resendAt = expires ? new Date(Date.parse(expires) - config.otpTtlMs + RESEND_AFTER_MS).toISOString() : null;
  const timedOut = expires !== null && Date.parse(expires) <= clock();
  const dead = timedOut || !!props.lockedOut;
  return (
    <Page c={props.c} p={props.p} title={t.codeTitle} step={1} script="book" hasErrors={Object.keys(e).length > 0}>
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
}

const verifyUrl = (challengeId: string, phone: string, expiresAt: string, extra = "") =>
  `/book/verify?c=${encodeURIComponent(challengeId)}&m=${encodeURIComponent(phone)}&e=${encodeURIComponent(expiresAt)}${extra}`;

export function identitySteps(b: Book) {
  const app = new Hono<OriginEnv>();

  app.get("/book", (c) => {
    const p = pageCtx(c);
    return c.html(<IdentityForm c={c} p={p} notice={c.req.query("expired") ? p.t.sessionExpired : undefined} />);
  });

  app.post("/book", async (c) => {
    const p = pageCtx(c);
    const f = await form(c);
    const rrn = rrnOf(f);
    const errors = checkAll(p.t, { name: () => parseName(f.name), rrn: () => parseRrn(rrn, b.now()), phone: () => parsePhone(f.phone) });
    if (Object.keys(errors).length) return c.html(<IdentityForm c={c} p={p} values={f} errors={errors} />, 400);
    const started = await answer(await b.api(c).identity.identity.start.$post({ json: { name: f.name ?? "", rrn, phone: f.phone ?? "" } }));
    if (!started.ok) {
      const status = started.status === 429 || started.status === 403 ? started.status : 400;
      return c.html(<IdentityForm c={c} p={p} values={f} errors={fieldErrors(p.t, started.body, "form")} />, status);
    }
    return c.redirect(verifyUrl(started.body.challengeId, maskPhone(f.phone ?? ""), started.body.expiresAt), 303);
  });

  app.get("/book/verify", (c) => {
    const p = pageCtx(c);
    const challengeId = c.req.query("c") ?? "";
    if (!challengeId) return c.redirect("/book", 303);
    return c.html(
      <CodeForm
        b={b}
        c={c}
        p={p}
        challengeId={challengeId}
        phone={c.req.query("m") ?? ""}
        expiresAt={c.req.query("e")}
        notice={c.req.query("resent") ? p.t.resent : undefined}
      />,
    );
  });

  app.post("/book/resend", async (c) => {
    const p = pageCtx(c);
    const f = await form(c);
    const resent = await answer(await b.api(c).identity.identity.resend.$post({ json: { challengeId: f.c ?? "" } }));
    if (!resent.ok) {
      return c.html(
        <CodeForm
          b={b}
          c={c}
          p={p}
          challengeId={f.c ?? ""}
          phone={f.m ?? ""}
          expiresAt={f.e}
          errors={fieldErrors(p.t, resent.body, "code")}
        />,
        resent.status === 429 ? 429 : 400,
      );
    }
    return c.redirect(verifyUrl(resent.body.challengeId, f.m ?? "", resent.body.expiresAt, "&resent=1"), 303);
  });

  app.post("/book/verify", async (c) => {
    const p = pageCtx(c);
    const f = await form(c);
    const verified = await answer(await b.api(c).identity.identity.verify.$post({ json: { challengeId: f.c ?? "", code: f.code ?? "" } }));
    if (!verified.ok) {
      const lockedOut = verified.body.code === "too_many_attempts";
      // A code that ran out: the page shows it ran out, whatever the person's form said about its expiry.
      const expiresAt = verified.body.code === "code_expired" ? b.now().toISOString() : f.e;
      return c.html(
        <CodeForm
          b={b}
          c={c}
          p={p}
          challengeId={f.c ?? ""}
          phone={f.m ?? ""}
          expiresAt={expiresAt}
          errors={fieldErrors(p.t, verified.body, "code")}
          lockedOut={lockedOut}
        />,
        verified.status === 429 || verified.status === 403 ? verified.status : 400,
      );
    }
    return c.redirect("/book/who", 303);
  });

  return app;
}
