/**
 * Proxy booking (대리예약): a verified person books for someone else, e.g. a parent.
 *   POST   /api/proxy/subject {name, rrn, relationship}  -> the session acts for the subject from now on
 *   DELETE /api/proxy/subject                            -> back to booking for oneself
 * The subject's resident number is checked like anyone's and stored only as HMAC and ciphertext; the
 * subject must be eligible now, and their window must allow proxies (2021's ages 18–49 did not).
 */
import { sql } from "drizzle-orm";
import { Hono } from "hono";
import { AppError } from "../../lib/errors";
import { isRelationship, RELATIONSHIPS } from "../booking/relationships";
import { rows } from "../db";
import { currentEligibility } from "../identity/eligibility";
import { parseName, parseRrn, readJsonObject } from "../identity/fields";
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
        throw new AppError("relationship_invalid", 400, `relationship must be one of: ${RELATIONSHIPS.join(", ")}.`, { field: "relationship" });
      }
      const session = c.get("session");
      const k = await getKeys();
      const rrnHash = await k.hashRrn(rrn.digits);
      const [proxy] = await rows<{ rrn_hash: string; phone: string }>(db, sql`select rrn_hash, phone from people where id = ${session.personId}`);
      if (proxy!.rrn_hash === rrnHash) throw new AppError("proxy_self", 400, "To book for yourself, no proxy is needed.", { field: "rrn" });

      const eligibility = await currentEligibility(db, rrn.birthDate, now);
      if (!eligibility.eligible) {
        throw new AppError("not_eligible", 403, "Booking is not open for this person now.", { reason: eligibility.reason, eligibility });
      }
      if (!eligibility.window.allowProxy) {
        throw new AppError("proxy_not_allowed", 403, "In this booking window people must book for themselves.", { eligibility });
      }
      // The subject is found again by the hash; a subject who has their own record keeps their own phone.
      const [subject] = await rows<{ id: number }>(
        db,
        sql`insert into people (rrn_hash, rrn_cipher, rrn_masked, name, birth_date, sex, phone)
            values (${rrnHash}, ${await k.encryptRrn(rrn.digits)}, ${rrn.masked}, ${name}, ${rrn.birthDate}, ${rrn.sex}, ${proxy!.phone})
            on conflict (rrn_hash) do update set name = excluded.name
            returning id`,
      );
      await rows(db, sql`update sessions set subject_id = ${subject!.id}, relationship = ${relationship}
                           where token_hash = ${session.tokenHash}`);
      return c.json({ subject: { name, birthDate: rrn.birthDate, sex: rrn.sex, rrn: rrn.masked }, relationship, eligibility });
    })
    .delete("/proxy/subject", async (c) => {
      await rows(db, sql`update sessions set subject_id = null, relationship = null where token_hash = ${c.get("session").tokenHash}`);
      return c.json({ subject: null });
    });
}
