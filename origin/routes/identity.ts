/**
 * Identity check (behind the pass check):
 *   POST /api/identity/start   {name, rrn, phone}      -> {challengeId, expiresAt}; a 6-digit code goes to the phone
 *   POST /api/identity/resend  {challengeId}           -> a new {challengeId, expiresAt} for the same details
 *                                                         (30 s after the last code at the earliest)
 *   POST /api/identity/verify  {challengeId, code}     -> session cookie, {person, eligibility, alreadyBooked}
 *   GET  /api/dev/otp?phone=   the last code sent (development mode only; 404 otherwise)
 * Starts are limited per phone and per client; five wrong codes end a challenge. The server's clock decides.
 * An admission pass is one person's journey (journey/bindings.ts): a second person verifying through the
 * same pass gets `409 pass_in_use`.
 *
 * A code is sent only when the identity provider answers that the phone's registered owner is the person
 * typed (see identity/provider.ts), and the name matches the person on record for that resident number;
 * otherwise `403 identity_mismatch`, before any code goes out. Every start counts against the limits,
 * refused or not. Verifying asks the provider once more and never renames a person or changes their phone.
 */
import { createHash, randomBytes, randomInt, randomUUID, timingSafeEqual } from "node:crypto";
import { Hono } from "hono";
import { setSignedCookie } from "hono/cookie";
import { AppError } from "../../lib/errors";
import { hasActiveBooking } from "../booking/active-booking";
import { currentEligibility } from "../identity/eligibility";
import { parseName, parsePhone, parseRrn, readJsonObject, sameName } from "../identity/fields";
import { DevIdentityProvider, type IdentityClaim, type IdentityProvider } from "../identity/provider";
import {
  claimStart,
  countWrongAttempt,
  findChallenge,
  insertSession,
  markVerified,
  type NewChallenge,
  personByRrnHash,
  upsertPerson,
} from "../identity/queries";
import type { IdentityKeys } from "../identity/secrets";
import { isUuid } from "../ids";
import { assertJourneyFree, bindJourneyTo } from "../journey/bindings";
import { clientKey, tooMany } from "../limits";
import { SESSION_COOKIE, sessionCookieMaxAge } from "../middleware/require-session";
import type { Deps, OriginEnv } from "../types";

export const MAX_CODE_ATTEMPTS = 5;
/** A new code for the same details no sooner than this after the last one (texts can take a while). */
export const RESEND_AFTER_MS = 30_000;
const LIMIT_WINDOW_MS = 15 * 60_000;
export const STARTS_PER_PHONE = 5;
export const STARTS_PER_CLIENT = 20;

type Who = Pick<NewChallenge, "phone" | "name" | "rrnHash" | "rrnCipher" | "rrnMasked" | "birthDate" | "sex">;

/** The same answer for every way the details fail to belong together: nothing says which part was wrong. */
export function identityMismatch(): AppError {
  return new AppError(
    "identity_mismatch",
    403,
    "The name, resident registration number and mobile number do not belong to the same person: verify with a phone registered in your own name.",
  );
}

/** What the provider is asked about: the masked number's first seven digits are the birth date and G. */
const claimOf = (who: Who): IdentityClaim => ({
  name: who.name,
  phone: who.phone,
  rrnHash: who.rrnHash,
  front7: who.rrnMasked.replace("-", "").slice(0, 7),
});

export function identityRoutes(deps: Deps, clock: () => number, provider: IdentityProvider, getKeys: () => Promise<IdentityKeys>) {
  const { db, config } = deps;

  /** A person on record under this resident number keeps their name: someone else's is refused. */
  async function assertNameOnRecord(who: Pick<Who, "rrnHash" | "name">): Promise<void> {
    const known = await personByRrnHash(db, who.rrnHash);
    if (known && !known.addedByProxy && !sameName(known.name, who.name)) throw identityMismatch();
  }

  /**
   * A new challenge for these details, within the per-phone and per-client limits; the code goes to the
   * phone only if the name is the one on record and the provider answers that the phone is the person's.
   */
  async function issueChallenge(client: string, now: Date, who: Who): Promise<{ challengeId: string; expiresAt: string }> {
    const k = await getKeys();
    const id = randomUUID();
    const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
    const expiresAt = new Date(now.getTime() + config.otpTtlMs);
    const claim = await claimStart(db, {
      challenge: {
        id,
        phone: who.phone,
        clientKey: client,
        name: who.name,
        rrnHash: who.rrnHash,
        rrnCipher: who.rrnCipher,
        rrnMasked: who.rrnMasked,
        birthDate: who.birthDate,
        sex: who.sex,
        codeHash: await k.hashCode(id, code),
        expiresAt,
        createdAt: now,
      },
      since: new Date(now.getTime() - LIMIT_WINDOW_MS),
      perPhone: STARTS_PER_PHONE,
      perClient: STARTS_PER_CLIENT,
    });
    if (!claim.ok) {
      const what =
        claim.limited === "phone" ? "Too many codes requested for this phone." : "Too many codes requested from this connection.";
      throw tooMany({ oldest: claim.oldest, now, windowMs: LIMIT_WINDOW_MS, what });
    }
    await assertNameOnRecord(who);
    if ((await provider.check(claimOf(who))) !== "match") throw identityMismatch();
    await provider.sendCode(who.phone, code);
    return { challengeId: id, expiresAt: expiresAt.toISOString() };
  }

  const app = new Hono<OriginEnv>()
    .post("/identity/start", async (c) => {
      const now = new Date(clock());
      const body = await readJsonObject(c);
      const name = parseName(body.name);
      const rrn = parseRrn(body.rrn, now);
      const phone = parsePhone(body.phone);
      const client = clientKey(c);

      const k = await getKeys();
      const rrnHash = await k.hashRrn(rrn.digits);
      // One pass, one person's journey: refused before any code goes out if it is someone else's.
      await assertJourneyFree(db, c.get("pass"), (await personByRrnHash(db, rrnHash))?.id ?? null, now);
      return c.json(
        await issueChallenge(client, now, {
          phone,
          name,
          rrnHash,
          rrnCipher: await k.encryptRrn(rrn.digits),
          rrnMasked: rrn.masked,
          birthDate: rrn.birthDate,
          sex: rrn.sex,
        }),
        201,
      );
    })
    // A new code for the same details (the person's first code did not arrive or ran out), under the same limits.
    .post("/identity/resend", async (c) => {
      const now = new Date(clock());
      const body = await readJsonObject(c);
      const id = typeof body.challengeId === "string" ? body.challengeId : "";
      if (!isUuid(id)) throw new AppError("bad_challenge", 400, "challengeId must be the id /api/identity/start returned.");
      const old = await findChallenge(db, id);
      if (!old) throw new AppError("challenge_not_found", 404, "No such verification; please start again.");
      if (old.verifiedAt) throw new AppError("challenge_used", 409, "This verification is already complete.");
      const wait = Math.ceil((old.createdAt.getTime() + RESEND_AFTER_MS - now.getTime()) / 1000);
      if (wait > 0) {
        throw new AppError("resend_too_soon", 429, `A new code can be sent in ${wait} s; the first one may still arrive.`, {
          retryAfterSeconds: wait,
        });
      }
      return c.json(await issueChallenge(clientKey(c), now, old), 201);
    })
    .post("/identity/verify", async (c) => {
      const now = new Date(clock());
      const body = await readJsonObject(c);
      const id = typeof body.challengeId === "string" ? body.challengeId : "";
      const code = typeof body.code === "string" ? body.code.trim() : "";
      if (!isUuid(id)) throw new AppError("bad_challenge", 400, "challengeId must be the id /api/identity/start returned.");
      if (!/^\d{6}$/.test(code)) throw new AppError("code_format", 400, "The code has 6 digits.", { field: "code" });

      const challenge = await findChallenge(db, id);
      if (!challenge) throw new AppError("challenge_not_found", 404, "No such verification; please request a new code.");
      if (challenge.verifiedAt) throw new AppError("challenge_used", 409, "This code was already used; please request a new one.");
      if (challenge.attempts >= MAX_CODE_ATTEMPTS) {
        throw new AppError("too_many_attempts", 429, "Too many wrong codes: please request a new code.");
      }
      if (challenge.expiresAt <= now) throw new AppError("code_expired", 410, "The code has expired; please request a new one.");

      const k = await getKeys();
      const expected = Buffer.from(challenge.codeHash);
      const given = Buffer.from(await k.hashCode(id, code));
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
        const used = await countWrongAttempt(db, id, MAX_CODE_ATTEMPTS);
        const left = used === null ? 0 : MAX_CODE_ATTEMPTS - used;
        if (left <= 0) throw new AppError("too_many_attempts", 429, "Too many wrong codes: please request a new code.");
        throw new AppError("wrong_code", 400, `The code does not match. ${left} ${left === 1 ? "try" : "tries"} left.`, {
          field: "code",
          attemptsLeft: left,
        });
      }
      if (!(await markVerified(db, id, now, MAX_CODE_ATTEMPTS))) {
        throw new AppError("challenge_used", 409, "This code was already used; please request a new one.");
      }

      // The registry may have changed since the start (another phone verified this number first).
      await assertNameOnRecord(challenge);
      if ((await provider.confirm(claimOf(challenge))) !== "match") throw identityMismatch();
      const person = await upsertPerson(db, challenge);
      if (!sameName(person.name, challenge.name)) throw identityMismatch();
      const personId = person.id;
      await bindJourneyTo(db, c.get("pass"), personId, now);
      const token = randomBytes(32).toString("base64url");
      await insertSession(db, {
        tokenHash: createHash("sha256").update(token).digest("base64url"),
        personId,
        expiresAt: new Date(now.getTime() + config.sessionTtlMs),
        createdAt: now,
      });
      await setSignedCookie(c, SESSION_COOKIE, token, config.sessionSecret, {
        httpOnly: true,
        sameSite: "Lax",
        path: "/",
        secure: c.req.header("x-forwarded-proto") === "https",
        maxAge: sessionCookieMaxAge(config.sessionTtlMs),
      });
      const eligibility = await currentEligibility(db, challenge.birthDate, now);
      return c.json({
        person: { name: person.name, birthDate: challenge.birthDate, sex: challenge.sex, rrn: challenge.rrnMasked },
        eligibility,
        alreadyBooked: await hasActiveBooking(db, personId),
      });
    });

  if (config.appEnv === "development" && provider instanceof DevIdentityProvider) {
    app.get("/dev/otp", async (c) => {
      const phone = parsePhone(c.req.query("phone"));
      const code = await provider.lastCode(phone);
      if (!code) throw new AppError("no_code", 404, "No code has been sent to this phone.");
      return c.json({ phone, code });
    });
  }
  return app;
}
