/**
 * Pieces several booking steps show: whose booking this is and how long the person may still go on
 * (with the timeout dialog), and the plain answer for someone who already has a booking.
 */
import type { Context } from "hono";
import { sessionMaxMs } from "../../middleware/require-session";
import type { SessionInfo } from "../../types";
import { Countdown, Page, type PageCtx } from "../layout";
import { type Book, relationshipLabel, type SessionPeople } from "./context";

/** Someone who already has a booking: said plainly, without its number, with the way to look it up. */
export function AlreadyBooked(props: { p: PageCtx; self: boolean; id?: string }) {
  const { t } = props.p;
  return (
    <div class="warn" role="status" id={props.id}>
      <p style="margin-top:0">
        <strong>{props.self ? t.alreadyBookedSelf : t.alreadyBookedSubject}</strong>
      </p>
      <p>{t.alreadyBookedHow}</p>
      <p style="margin-bottom:0">
        <a class="button secondary" href="/lookup">
          {t.lookupLink}
        </a>
      </p>
    </div>
  );
}

/** A hold or booking refused because the person being booked already has a booking. */
export function alreadyBookedPage(c: Context, p: PageCtx, s: SessionInfo) {
  return c.html(
    <Page c={c} p={p} title={p.t.errorTitle}>
      <AlreadyBooked p={p} self={!s.subjectId} />
      <p>
        <a class="button secondary" href="/">
          {p.t.home}
        </a>
      </p>
    </Page>,
    409,
  );
}

/**
 * Two minutes before the verification (or the admission) ends, a dialog says so and, while the rules allow,
 * offers to continue: the session then runs SESSION_TTL from now again (see require-session.ts). With
 * JavaScript the dialog extends in place and closes, so nothing typed is lost; without it the timer on
 * the page and the message after the end say what happened. At 0:00 the page is asked for again, and the
 * server answers with the identity form saying the verification ended.
 */
function TimeoutWarning(props: { b: Book; p: PageCtx; s: SessionInfo; endsAt: string; passFirst: boolean }) {
  const { t } = props.p;
  const hardEnd = props.s.verifiedAt.getTime() + sessionMaxMs(props.b.config.sessionTtlMs);
  const extendable = !props.passFirst && props.s.expiresAt.getTime() < hardEnd - 1000;
  const label = props.passFirst ? t.journeyLeft : t.sessionLeft;
  return (
    <dialog
      class="timeout"
      id="timeout"
      aria-labelledby="timeout-title"
      aria-describedby="timeout-lead"
      data-extendable={extendable ? "1" : undefined}
    >
      <h2 id="timeout-title">{props.passFirst ? t.journeyLeft : t.timeoutTitle}</h2>
      <p id="timeout-lead">{props.passFirst ? t.timeoutJourney : extendable ? t.timeoutLead : t.timeoutLast}</p>
      <p>
        {label}: <Countdown untilIso={props.endsAt} nowMs={props.b.clock()} label={label} />
      </p>
      <form method="post" action="/book/extend" id="timeout-form">
        {extendable ? (
          <button type="submit" class="big" id="timeout-continue">
            {t.timeoutContinue}
          </button>
        ) : null}
        <button type="button" class="secondary" id="timeout-close">
          {t.timeoutClose}
        </button>
      </form>
    </dialog>
  );
}

/**
 * On every step after identity: whose booking this is, and how long the person may still go on: the
 * verification's end, or the admission pass's end if that comes first (the real limit, whichever it is).
 */
export async function ForWhom(props: { b: Book; p: PageCtx; s: SessionInfo; known?: SessionPeople }) {
  const { t, journeyEndsAt } = props.p;
  const passFirst = journeyEndsAt !== null && journeyEndsAt < props.s.expiresAt.getTime();
  const label = passFirst ? t.journeyLeft : t.sessionLeft;
  const endsAt = new Date(passFirst ? journeyEndsAt : props.s.expiresAt.getTime()).toISOString();
  const timer = (
    <>
      <p class="hint" id="session-left">
        {label}: <Countdown untilIso={endsAt} nowMs={props.b.clock()} label={label} id="session-timer" /> ·{" "}
        {passFirst ? t.journeyLeftHint : t.sessionLeftHint}
      </p>
      <TimeoutWarning b={props.b} p={props.p} s={props.s} endsAt={endsAt} passFirst={passFirst} />
    </>
  );
  if (!props.s.subjectId) return timer;
  const { subject, relationship } = props.known ?? (await props.b.people(props.s));
  return (
    <>
      <p class="notice">{t.bookingFor(subject?.name ?? "", relationshipLabel(props.p, relationship))}</p>
      {timer}
    </>
  );
}
