/**
 * Proxy booking (대리예약): a verified person books for someone else, e.g. a parent.
 *   POST   /api/proxy/subject {name, rrn, relationship}  -> the session acts for the subject from now on
 *   DELETE /api/proxy/subject                            -> back to booking for oneself
 * The subject's resident number is checked like anyone's and stored only as HMAC and ciphertext; the
 * subject must be eligible now, and their window must allow proxies (2021's ages 18–49 did not).
 * A proxy never changes a person on record: a subject already known under that resident number must be
 * named as on record (else `403 subject_mismatch`), and one who already has a booking is refused at once
 * (`409 already_booked`, without its number).
 */
import { Hono } from "hono";
import { AppError } from "../../lib/errors";
import { alreadyBooked, hasActiveBooking } from "../booking/active-booking";
import { isRelationship, RELATIONSHIPS } from "../booking/relationships";
import { currentEligibility } from "../identity/eligibility";
import { parseName, parseRrn, readJsonObject, sameName } from "../identity/fields";
import { findOrAddProxySubject, personById, setSessionSubject } from "../identity/queries";
import type { IdentityKeys } from "../identity/secrets";
import { requireSession } from "../middleware/require-session";
import type { Deps, OriginEnv } from "../types";

export function proxyRoutes(deps: Deps, clock: () => number, getKeys: () => Promise<IdentityKeys>) {
  const { db, config } = deps;

  return new Hono<OriginEnv>()
    .use("/proxy/subject", requireSession({ db, secret: config.sessionSecret, clock }))
    .post("/proxy/subject", async (c) => {
      const now = new Date(clock());
      const body = await readJsonObject(c);
      const name = parseName(body.name);
      const rrn = parseRrn(body.rrn, now);
      const relationship = body.relationship;
      if (!isRelationship(relationship)) {
        throw new AppError("relationship_invalid", 400, `relationship must be one of: ${RELATIONSHIPS.join(", ")}.`, {
          field: "relationship",
        });
      }
      const session = c.get("session");
      const k = await getKeys();
      const rrnHash = await k.hashRrn(rrn.digits);
      const proxy = await personById(db, session.personId);
      if (!proxy) throw new AppError("no_session", 401, "Please verify your identity again.");
      if (proxy.rrnHash === rrnHash) throw new AppError("proxy_self", 400, "To book for yourself, no proxy is needed.", { field: "rrn" });

      const eligibility = await currentEligibility(db, rrn.birthDate, now);
      if (!eligibility.eligible) {
        throw new AppError("not_eligible", 403, "Booking is not open for this person now.", { reason: eligibility.reason, eligibility });
      }
      if (!eligibility.window.allowProxy) {
        throw new AppError("proxy_not_allowed", 403, "In this booking window people must book for themselves.", { eligibility });
      }
      const subject = await findOrAddProxySubject(db, {
        rrnHash,
        rrnCipher: await k.encryptRrn(rrn.digits),
        rrnMasked: rrn.masked,
        name,
        birthDate: rrn.birthDate,
        sex: rrn.sex,
        proxyPhone: proxy.phone,
      });
      if (!sameName(subject.name, name)) {
        throw new AppError(
          "subject_mismatch",
          403,
          "The name does not match the person with this resident registration number; enter their name as on their resident registration card.",
          {
            field: "name",
          },
        );
      }
      if (await hasActiveBooking(db, subject.id)) throw alreadyBooked();
      await setSessionSubject(db, { tokenHash: session.tokenHash, subjectId: subject.id, relationship });
      return c.json({
        subject: { name: subject.name, birthDate: rrn.birthDate, sex: rrn.sex, rrn: rrn.masked },
        relationship,
        eligibility,
      });
    })
    .delete("/proxy/subject", async (c) => {
      await setSessionSubject(db, { tokenHash: c.get("session").tokenHash, subjectId: null, relationship: null });
      return c.json({ subject: null });
    });
}
