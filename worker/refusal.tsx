/**
 * What the edge answers when it will not let a request through, from the app's one error handler: a page
 * for browsers (that goes on by itself where it can) and JSON with a `code` for scripts.
 *
 *   limited        a new place asked too often from one address (arrival-gate.ts): 429, Retry-After
 *   challenge      a new place needs a proof of work first (arrival-gate.ts): 429, the page solves it
 *   pass_limited   more requests on one pass than one person makes (passes.ts): 429, Retry-After
 *   ticket_used    a ticket whose pass was minted already: 409, and the ticket cookie is cleared
 */
import type { Context } from "hono";
import type { AppEnv } from "./app-env";
import { asset } from "./assets";
import { expiredCookie } from "./cookies";
import { messages, type Lang } from "./i18n";
import { PageHead } from "./page-head";

export const POW_COOKIE = "wr_pow";

export type Refusal =
  | { kind: "limited"; retryAfterSeconds: number }
  | { kind: "challenge"; challenge: string; bits: number }
  | { kind: "pass_limited"; retryAfterSeconds: number }
  | { kind: "ticket_used"; ticketCookie: string };

export class Refused extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.kind);
  }
}

/** Leading zero bits of a hash. Self-contained: the challenge page's script embeds it (via toString). */
export function leadingZeroBits(bytes: Uint8Array): number {
  var n = 0;
  for (var i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0) return n + Math.clz32(bytes[i]!) - 24;
    n += 8;
  }
  return n;
}

const SOLVER = `(function(){
var root=document.getElementById("wr-pow"),token=root.getAttribute("data-challenge"),bits=+root.getAttribute("data-bits");
var status=document.getElementById("wr-pow-status"),bar=document.getElementById("wr-pow-progress");
var subtle=window.crypto&&window.crypto.subtle;
if(!subtle||!window.TextEncoder||!window.Promise){document.getElementById("wr-pow-unsupported").hidden=false;return;}
var enc=new TextEncoder(),expected=Math.pow(2,bits),n=0,zeros=${leadingZeroBits.toString()};
function step(){var batch=[];for(var i=0;i<64;i++)batch.push(subtle.digest("SHA-256",enc.encode(token+"~"+(n+i))));
Promise.all(batch).then(function(ds){for(var i=0;i<ds.length;i++){if(zeros(new Uint8Array(ds[i]))>=bits){
document.cookie="${POW_COOKIE}="+token+"~"+(n+i)+"; path=/; max-age=300; SameSite=Lax";location.reload();return;}}
n+=ds.length;if(bar)bar.value=Math.min(0.99,1-Math.exp(-n/expected));setTimeout(step,0);});}
step();
})();`;
const SOLVER_PATH = asset("pow", "js", SOLVER);

function Page(props: { lang: Lang; title: string; heading: string; body: string; refresh?: number; challenge?: { token: string; bits: number }; retry?: string }) {
  const t = messages[props.lang];
  return (
    <html lang={props.lang}>
      <PageHead title={props.title}>
        {props.refresh ? <meta http-equiv="refresh" content={String(props.refresh)} /> : null}
        <style dangerouslySetInnerHTML={{ __html: `body{margin:0;font:18px/1.6 system-ui,"Apple SD Gothic Neo","Malgun Gothic","Noto Sans KR",sans-serif;color:#111;background:#f4f6f8;word-break:keep-all}main{max-width:40rem;margin:0 auto;padding:1.5rem 1rem}.card{background:#fff;border:2px solid #1f3a5f;border-radius:12px;padding:1.5rem}h1{font-size:1.5rem;color:#1f3a5f;margin-top:0}progress{width:100%;height:1.4rem}` }} />
      </PageHead>
      <body>
        <main>
          <div class="card" id={props.challenge ? "wr-pow" : undefined} data-challenge={props.challenge?.token} data-bits={props.challenge ? String(props.challenge.bits) : undefined}>
            <h1>{props.heading}</h1>
            <p role="status">{props.body}</p>
            {props.retry ? (
              <p>
                <a href={props.retry}>{t.tryAgain}</a>
              </p>
            ) : null}
            {props.challenge ? (
              <>
                <progress id="wr-pow-progress" max="1" value="0" aria-label={props.heading} />
                <p id="wr-pow-status" />
                <p id="wr-pow-unsupported" role="alert" hidden>
                  {t.challengeUnsupported}
                </p>
                <noscript>
                  <p>{t.challengeNoScript}</p>
                </noscript>
              </>
            ) : null}
          </div>
        </main>
        {props.challenge ? <script src={SOLVER_PATH} defer /> : null}
      </body>
    </html>
  );
}

/** The answer to a refusal: a page (that goes on by itself where it can), or JSON for scripts. */
export function refusalResponse(c: Context<AppEnv>, refusal: Refusal, lang: Lang, wantsJson: boolean): Response {
  const t = messages[lang];
  c.header("Cache-Control", "no-store");
  if (refusal.kind === "limited") {
    c.header("Retry-After", String(refusal.retryAfterSeconds));
    const message = t.limitedBody.replace("{n}", String(refusal.retryAfterSeconds));
    if (wantsJson) return c.json({ code: "too_many_new_places", message, retryAfterSeconds: refusal.retryAfterSeconds }, 429);
    return c.html("<!DOCTYPE html>" + String(<Page lang={lang} title={t.limitedTitle} heading={t.limitedHeading} body={message} refresh={refusal.retryAfterSeconds} />), 429);
  }
  if (refusal.kind === "pass_limited") {
    c.header("Retry-After", String(refusal.retryAfterSeconds));
    const message = t.passLimitedBody.replace("{n}", String(refusal.retryAfterSeconds));
    if (wantsJson) return c.json({ code: "too_many_requests", message, retryAfterSeconds: refusal.retryAfterSeconds }, 429);
    return c.html("<!DOCTYPE html>" + String(<Page lang={lang} title={t.passLimitedTitle} heading={t.passLimitedHeading} body={message} refresh={refusal.retryAfterSeconds} />), 429);
  }
  if (refusal.kind === "ticket_used") {
    c.header("Set-Cookie", expiredCookie(c.req.url, refusal.ticketCookie), { append: true });
    if (wantsJson) return c.json({ code: "ticket_used", message: t.ticketUsedBody }, 409);
    return c.html("<!DOCTYPE html>" + String(<Page lang={lang} title={t.ticketUsedTitle} heading={t.ticketUsedHeading} body={t.ticketUsedBody} retry={c.req.path} />), 409);
  }
  if (wantsJson) {
    return c.json(
      {
        code: "proof_of_work_required",
        message: t.challengeBody,
        challenge: refusal.challenge,
        bits: refusal.bits,
        how: `Find a nonce n (decimal) such that SHA-256("${refusal.challenge}~" + n) starts with ${refusal.bits} zero bits, then ask again with the cookie ${POW_COOKIE}=<challenge>~<n>.`,
      },
      429,
    );
  }
  return c.html(
    "<!DOCTYPE html>" + String(<Page lang={lang} title={t.challengeTitle} heading={t.challengeHeading} body={t.challengeBody} challenge={{ token: refusal.challenge, bits: refusal.bits }} />),
    429,
  );
}
