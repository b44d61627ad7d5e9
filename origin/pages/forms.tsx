/**
 * Pieces the citizen forms share: reading a posted form, checking all of its fields at once, and the
 * resident-number fields.
 */
import type { Context } from "hono";
import { AppError } from "../../lib/errors";
import { errorText, type Messages } from "./i18n";
import type { FieldErrors } from "./layout";

/** A posted form's text fields, trimmed (files and repeated fields are ignored). */
export async function form(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody().catch(() => ({}));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === "string") out[k] = v.trim();
  return out;
}

/**
 * Every field's check run, and every failure kept (field → sentence), so a form shows all its errors at
 * once. A check throws the AppError the API would answer with; the error's own `field` wins over the key.
 */
export function checkAll(t: Messages, checks: Record<string, () => unknown>): FieldErrors {
  const errors: FieldErrors = {};
  for (const [field, check] of Object.entries(checks)) {
    try {
      check();
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      const named = typeof err.details?.field === "string" ? err.details.field : field;
      errors[named] ??= errorText(t, err.code, err.message);
    }
  }
  return errors;
}

/** The resident number from the two fields; a whole number typed or pasted into the first one counts too. */
export function rrnOf(f: Record<string, string>): string {
  const whole = (f.rrn1 ?? "").replace(/[\s-]/g, "");
  if (/^\d{13}$/.test(whole) && !f.rrn2) return `${whole.slice(0, 6)}-${whole.slice(6)}`;
  return `${f.rrn1 ?? ""}-${f.rrn2 ?? ""}`;
}

/**
 * The resident number in two fields, as on the paper form: the first six digits (date of birth) in clear,
 * the last seven masked. Its hint and error are tied to the group; the first field is the error's target.
 * A whole number pasted into either box fills both (client/rrn-paste.ts, in the page's script).
 */
export function RrnInputs(props: { t: Messages; front?: string; back?: string; error?: string }) {
  const { t } = props;
  const id = "rrn";
  return (
    <fieldset aria-describedby={`${id}-hint${props.error ? ` ${id}-error` : ""}`}>
      <legend>{t.rrn}</legend>
      <p class="hint" id={`${id}-hint`}>
        {t.rrnHint}
      </p>
      {props.error ? (
        <p class="field-error" id={`${id}-error`}>
          {props.error}
        </p>
      ) : null}
      <div class="rrn">
        <label for={`${id}1`} style="margin:0">
          <span class="hint" style="display:block;font-weight:700">
            {t.rrnFront}
          </span>
          <input
            id={`${id}1`}
            name={`${id}1`}
            type="text"
            inputmode="numeric"
            autocomplete="off"
            maxlength={6}
            pattern="[0-9]{6}"
            required
            value={props.front ?? ""}
            aria-invalid={props.error ? "true" : undefined}
          />
        </label>
        <span aria-hidden="true">-</span>
        <label for={`${id}2`} style="margin:0">
          <span class="hint" style="display:block;font-weight:700">
            {t.rrnBack}
          </span>
          <input
            id={`${id}2`}
            name={`${id}2`}
            type="password"
            inputmode="numeric"
            autocomplete="off"
            maxlength={7}
            pattern="[0-9]{7}"
            required
            value={props.back ?? ""}
            aria-invalid={props.error ? "true" : undefined}
          />
        </label>
      </div>
    </fieldset>
  );
}
