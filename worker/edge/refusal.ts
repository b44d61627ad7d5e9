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
import type { AppEnv } from "../app-env";
import { renderRefusalPage } from "../pages/refusal-page";
import { type Lang, messages } from "../pages/words";
import { expiredCookie } from "./cookies";
import { POW_COOKIE } from "./proof-of-work";

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

/** The answer to a refusal: a page (that goes on by itself where it can), or JSON for scripts. */
export function refusalResponse(c: Context<AppEnv>, refusal: Refusal, lang: Lang, wantsJson: boolean): Response {
  const t = messages[lang];
  c.header("Cache-Control", "no-store");
  if (refusal.kind === "limited") {
    c.header("Retry-After", String(refusal.retryAfterSeconds));
    const message = t.limitedBody.replace("{n}", String(refusal.retryAfterSeconds));
    if (wantsJson) return c.json({ code: "too_many_new_places", message, retryAfterSeconds: refusal.retryAfterSeconds }, 429);
    return c.html(
      renderRefusalPage({ lang, title: t.limitedTitle, heading: t.limitedHeading, body: message, refresh: refusal.retryAfterSeconds }),
      429,
    );
  }
  if (refusal.kind === "pass_limited") {
    c.header("Retry-After", String(refusal.retryAfterSeconds));
    const message = t.passLimitedBody.replace("{n}", String(refusal.retryAfterSeconds));
    if (wantsJson) return c.json({ code: "too_many_requests", message, retryAfterSeconds: refusal.retryAfterSeconds }, 429);
    return c.html(
      renderRefusalPage({
        lang,
        title: t.passLimitedTitle,
        heading: t.passLimitedHeading,
        body: message,
        refresh: refusal.retryAfterSeconds,
      }),
      429,
    );
  }
  if (refusal.kind === "ticket_used") {
    c.header("Set-Cookie", expiredCookie(c.req.url, refusal.ticketCookie), { append: true });
    if (wantsJson) return c.json({ code: "ticket_used", message: t.ticketUsedBody }, 409);
    return c.html(
      renderRefusalPage({ lang, title: t.ticketUsedTitle, heading: t.ticketUsedHeading, body: t.ticketUsedBody, retry: c.req.path }),
      409,
    );
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
    renderRefusalPage({
      lang,
      title: t.challengeTitle,
      heading: t.challengeHeading,
      body: t.challengeBody,
      challenge: { token: refusal.challenge, bits: refusal.bits },
    }),
    429,
  );
}
