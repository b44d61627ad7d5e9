/** Step 3, /book/channel: where the confirmation goes (KakaoTalk, Naver app or SMS), kept in a cookie until the booking. */
import { Hono } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { CHANNELS, isChannel } from "../../notify/channels";
import type { OriginEnv } from "../../types";
import { form } from "../forms";
import { ErrorSummary, Page, pageCtx } from "../layout";
import { type Book, CHANNEL_COOKIE } from "./context";
import { ForWhom } from "./parts";

export function channelStep(b: Book) {
  const app = new Hono<OriginEnv>();

  app.get("/book/channel", async (c) => {
    const p = pageCtx(c);
    const s = await b.session(c);
    if (s instanceof Response) return s;
    const current = getCookie(c, CHANNEL_COOKIE);
    const error = c.req.query("error") ? p.t.errors.bad_channel : undefined;
    const { t } = p;
    return c.html(
      <Page c={c} p={p} title={t.channelTitle} step={3} script="book" hasErrors={!!error}>
        <ForWhom b={b} p={p} s={s} />
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
    if (!isChannel(f.channel)) return c.redirect("/book/channel?error=1", 303);
    setCookie(c, CHANNEL_COOKIE, f.channel, { path: "/", httpOnly: true, sameSite: "Lax", maxAge: 3600 });
    return c.redirect("/book/search", 303);
  });

  return app;
}
