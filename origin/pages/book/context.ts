/**
 * What every booking step shares: the app's parts (database, settings, clock, in-process API, reference
 * data), the session a step needs (or the redirect to /book that says it ran out), the people it names,
 * and the small translations of API answers into the words the pages show.
 */
import type { Context } from "hono";
import { isRelationship, RELATIONSHIP_LABELS } from "../../booking/relationships";
import type { ReferenceData } from "../../clinics/reference";
import type { OriginConfig } from "../../config";
import type { Db } from "../../db";
import type { Eligibility } from "../../identity/eligibility";
import { type SessionPerson, sessionPeople } from "../../identity/queries";
import { findSession } from "../../middleware/require-session";
import type { SessionInfo } from "../../types";
import type { Api, ApiError } from "../api";
import { errorText, formatInstant, type Lang, type Messages } from "../i18n";
import type { FieldErrors, PageCtx } from "../layout";

/** The notification channel the person chose at /book/channel, until the booking. */
export const CHANNEL_COOKIE = "notify_channel";

/** The verified person, the subject they book for (대리예약) if any, and how they are related. */
export interface SessionPeople {
  me: SessionPerson;
  subject: SessionPerson | null;
  relationship: string | null;
}

export interface Book {
  db: Db;
  config: OriginConfig;
  /** the server's clock (ms) */
  clock: () => number;
  api: Api;
  reference: ReferenceData;
  now(): Date;
  /** The session, or a redirect to /book that says it ran out. */
  session(c: Context): Promise<SessionInfo | Response>;
  people(s: SessionInfo): Promise<SessionPeople>;
}

export function bookContext(p: { db: Db; config: OriginConfig; clock: () => number; api: Api; reference: ReferenceData }): Book {
  const { db, config, clock } = p;
  const now = () => new Date(clock());
  return {
    ...p,
    now,
    async session(c) {
      const s = await findSession(c, { db, secret: config.sessionSecret, now: now() });
      if (s === "none") return c.redirect("/book", 303);
      if (s === "expired") return c.redirect("/book?expired=1", 303);
      return s;
    },
    async people(s) {
      const list = await sessionPeople(db, s.tokenHash);
      const me = list.find((person) => person.id === s.personId);
      // The session row names its person; a session deleted meanwhile has no people and is ended.
      if (!me) throw new Error("session without its person");
      const subject = s.subjectId ? (list.find((person) => person.id === s.subjectId) ?? null) : null;
      return { me, subject, relationship: me.relationship };
    },
  };
}

/** Field errors from an API error: the field it names (resident-number fields share one), else the form. */
export function fieldErrors(t: Messages, error: ApiError, fallbackField: string): FieldErrors {
  const field = error.field ?? fallbackField;
  let text = errorText(t, error.code, error.message);
  if (error.code === "wrong_code" && error.attemptsLeft !== undefined) text += ` ${t.attemptsLeft(error.attemptsLeft)}`;
  return { [field]: text };
}

/** Why someone may not book now, in words; null when they may. */
export function eligibilityText(t: Messages, e: Eligibility, lang: Lang): string | null {
  if (e.eligible) return null;
  if (e.reason === "not_open_yet") return t.notEligible.not_open_yet(formatInstant(e.opensAt, lang));
  return t.notEligible[e.reason];
}

export function relationshipLabel(p: PageCtx, rel: string | null): string {
  return rel && isRelationship(rel) ? RELATIONSHIP_LABELS[rel][p.lang] : "";
}

export function maskPhone(phone: string): string {
  const d = phone.replace(/\D/g, "");
  return d.length >= 10 ? `${d.slice(0, 3)}-****-${d.slice(-4)}` : "***";
}
