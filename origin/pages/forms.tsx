/** Pieces the citizen forms share: reading a posted form, and the resident-number fields. */
import type { Context } from "hono";
import type { Messages } from "./i18n";

/** A posted form's text fields, trimmed (files and repeated fields are ignored). */
export async function form(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody().catch(() => ({}));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === "string") out[k] = v.trim();
  return out;
}

/**
 * The resident number in two fields, as on the paper form: the first six digits (date of birth) in clear,
 * the last seven masked. Its hint and error are tied to the group; the first field is the error's target.
 */
export function RrnInputs(props: { t: Messages; front?: string; error?: string }) {
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
          <span class="hint" style="display:block;font-weight:700">{t.rrnFront}</span>
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
          <span class="hint" style="display:block;font-weight:700">{t.rrnBack}</span>
          <input
            id={`${id}2`}
            name={`${id}2`}
            type="password"
            inputmode="numeric"
            autocomplete="off"
            maxlength={7}
            pattern="[0-9]{7}"
            required
            aria-invalid={props.error ? "true" : undefined}
          />
        </label>
      </div>
    </fieldset>
  );
}
