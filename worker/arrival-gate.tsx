/**
 * The gate in front of a *new* place in line (refreshes, polls and admitted visitors never pass it):
 *
 *   per-address limits   two Workers Rate Limiting bindings keyed by lane and CF-Connecting-IP: a burst
 *                        (ARRIVALS_BURST, per 10 s) and a slow refill (ARRIVALS_SUSTAINED, per minute).
 *                        Over either, the client gets a clear page that retries by itself, not a place.
 *                        Limits are generous on purpose: mobile carriers put many people behind one address.
 *   proof of work        off unless operators switch it on for a lane under attack (`powBits`, kept in the
 *                        counters' schedule, so every isolate sees it with its snapshot). The client is given
 *                        a signed challenge bound to its lane and address and must find a nonce such that
 *                        SHA-256("<challenge>~<nonce>") starts with that many zero bits; the page's script
 *                        does it and reloads with the answer in cookie `wr_pow`. Checking costs one hash.
 *
 * A refusal is thrown as `ArrivalRefused` and answered by the app's one error handler, as a page for
 * browsers and as JSON (status 429, `code`) for scripts. Nothing is taken from the counter.
 */
import type { Context } from "hono";
import { keyring, signChallenge, verifyChallenge } from "../lib/tokens";
import type { AppEnv } from "./app-env";
import { asset } from "./assets";
import { config } from "./config";
import { expiredCookie, readCookie } from "./cookies";
import { messages, type Lang } from "./i18n";
import { cachedSchedule, freshSchedule } from "./snapshot";
import { PageHead } from "./page-head";

export const POW_COOKIE = "wr_pow";
const CHALLENGE_TTL_MS = 5 * 60_000;
const BURST_PERIOD_SEC = 10;
const SUSTAINED_PERIOD_SEC = 60;

export type Refusal = { kind: "limited"; retryAfterSeconds: number } | { kind: "challenge"; challenge: string; bits: number };

export class ArrivalRefused extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.kind);
  }
}

/** Leading zero bits of a hash. Self-contained: the challenge page's script embeds it (via toString). */
function leadingZeroBits(bytes: Uint8Array): number {
  var n = 0;
  for (var i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0) return n + Math.clz32(bytes[i]!) - 24;
    n += 8;
  }
  return n;
}

const encoder = new TextEncoder();

/**
 * Lets a new arrival through, or throws `ArrivalRefused`. Adds to `cookies` the clearing of a used proof.
 */
export async function arrivalGate(c: Context<AppEnv>, lane: string, now: number, cookies: string[]): Promise<void> {
  const addr = c.req.header("cf-connecting-ip") ?? "";
  const { ARRIVALS_BURST, ARRIVALS_SUSTAINED } = c.env;
  if (addr && ARRIVALS_BURST && ARRIVALS_SUSTAINED) {
    const key = `${lane}:${addr}`;
    const [burst, sustained] = await Promise.all([ARRIVALS_BURST.limit({ key }), ARRIVALS_SUSTAINED.limit({ key })]);
    if (!burst.success) throw new ArrivalRefused({ kind: "limited", retryAfterSeconds: BURST_PERIOD_SEC });
    if (!sustained.success) throw new ArrivalRefused({ kind: "limited", retryAfterSeconds: SUSTAINED_PERIOD_SEC });
  }

  const cfg = config(c.env);
  // Any copy this isolate holds will do (a switch reaches it with the next refresh); without one, read.
  const schedule = freshSchedule(lane, 0, now, Number.POSITIVE_INFINITY) ?? (await cachedSchedule(c.env, lane, 0, now, cfg.snapshotTtlMs));
  const bits = schedule.powBits;
  if (!bits) return;
  const ring = await keyring(cfg.ticketSecret);
  const proof = readCookie(c.req.header("cookie"), POW_COOKIE);
  if (proof) {
    cookies.push(expiredCookie(c.req.url, POW_COOKIE));
    const cut = proof.lastIndexOf("~");
    const token = proof.slice(0, cut);
    const nonce = proof.slice(cut + 1);
    const challenge = await verifyChallenge(ring, token, now, CHALLENGE_TTL_MS);
    if (cut > 0 && /^\d{1,15}$/.test(nonce) && challenge.ok && challenge.claims.lane === lane && challenge.claims.addr === addr && challenge.claims.bits >= bits) {
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(proof)));
      if (leadingZeroBits(digest) >= challenge.claims.bits) return;
    }
  }
  const challenge = await signChallenge(ring, { lane, iat: now, bits, addr: addr.replace(/[^0-9A-Za-z.:_-]/g, "").slice(0, 64) });
  throw new ArrivalRefused({ kind: "challenge", challenge, bits });
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

function Page(props: { lang: Lang; title: string; heading: string; body: string; refresh?: number; challenge?: { token: string; bits: number } }) {
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

/** The answer to a refused arrival: a page that goes on by itself, or JSON for scripts. */
export function refusalResponse(c: Context<AppEnv>, refusal: Refusal, lang: Lang, wantsJson: boolean): Response {
  const t = messages[lang];
  c.header("Cache-Control", "no-store");
  if (refusal.kind === "limited") {
    c.header("Retry-After", String(refusal.retryAfterSeconds));
    const message = t.limitedBody.replace("{n}", String(refusal.retryAfterSeconds));
    if (wantsJson) return c.json({ code: "too_many_new_places", message, retryAfterSeconds: refusal.retryAfterSeconds }, 429);
    return c.html("<!DOCTYPE html>" + String(<Page lang={lang} title={t.limitedTitle} heading={t.limitedHeading} body={message} refresh={refusal.retryAfterSeconds} />), 429);
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
