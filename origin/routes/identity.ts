/**
 * Identity check (behind the pass check):
 *   POST /api/identity/start   {name, rrn, phone}      -> {challengeId, expiresAt}; a 6-digit code goes to the phone
 *   POST /api/identity/resend  {challengeId}           -> a new {challengeId, expiresAt} for the same details
 *                                                         (30 s after the last code at the earliest)
 *   POST /api/identity/verify  {challengeId, code}     -> session cookie, {person, eligibility}
 *   GET  /api/dev/otp?phone=   the last code sent (development mode only; 404 otherwise)
 * Starts are limited per phone and per client; five wrong codes end a challenge. The server's clock decides.
 */
import { createHash, randomBytes, randomInt, randomUUID, timingSafeEqual } from "node:crypto";
import { Hono } from "hono";
import { setSignedCookie } from "hono/cookie";
import { AppError } from "../../lib/errors";
import { currentEligibility } from "../identity/eligibility";
import { parseName, parsePhone, parseRrn, readJsonObject } from "../identity/fields";
import { DevIdentityProvider, type IdentityProvider } from "../identity/provider";
import { countWrongAttempt, findChallenge, insertChallenge, insertSession, markVerified, recentStarts, upsertPerson, type NewChallenge } from "../identity/queries";
import type { IdentityKeys } from "../identity/secrets";
import { clientKey, tooMany } from "../limits";
import type { Deps, OriginEnv } from "../types";

export const SESSION_COOKIE = "sid";
export const MAX_CODE_ATTEMPTS = 5;
/** A new code for the same details no sooner than this after the last one (texts can take a while). */
export const RESEND_AFTER_MS = 30_000;
const LIMIT_WINDOW_MS = 15 * 60_000;
const STARTS_PER_PHONE = 5;
const STARTS_PER_CLIENT = 20;

export function identityRoutes(deps: Deps, clock: () => number, provider: IdentityProvider, getKeys: () => Promise<IdentityKeys>) {
  const { db, config } = deps;

  /** A new challenge for these details, within the per-phone and per-client limits; the code goes to the phone. */
  async function issueChallenge(
    client: string,
    now: Date,
    who: Pick<NewChallenge, "phone" | "name" | "rrnHash" | "rrnCipher" | "rrnMasked" | "birthDate" | "sex">,
  ): Promise<{ challengeId: string; expiresAt: string }> {
    const recent = await recentStarts(db, { phone: who.phone, clientKey: client, since: new Date(now.getTime() - LIMIT_WINDOW_MS) });
    if (recent.byPhone >= STARTS_PER_PHONE && recent.phoneOldest) throw tooMany({ oldest: recent.phoneOldest, now, windowMs: LIMIT_WINDOW_MS, what: "Too many codes requested for this phone." });
    if (recent.byClient >= STARTS_PER_CLIENT && recent.clientOldest) throw tooMany({ oldest: recent.clientOldest, now, windowMs: LIMIT_WINDOW_MS, what: "Too many codes requested from this connection." });
    const k = await getKeys();
    const id = randomUUID();
    const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
    const expiresAt = new Date(now.getTime() + config.otpTtlMs);
    await insertChallenge(db, {
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
    });
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
      return c.json(
        await issueChallenge(client, now, {
          phone,
          name,
          rrnHash: await k.hashRrn(rrn.digits),
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
      if (!/^[0-9a-f-]{36}$/i.test(id)) throw new AppError("bad_challenge", 400, "challengeId must be the id /api/identity/start returned.");
      const old = await findChallenge(db, id);
      if (!old) throw new AppError("challenge_not_found", 404, "No such verification; please start again.");
      if (old.verifiedAt) throw new AppError("challenge_used", 409, "This verification is already complete.");
      const wait = Math.ceil((old.createdAt.getTime() + RESEND_AFTER_MS - now.getTime()) / 1000);
      if (wait > 0) {
        throw new AppError("resend_too_soon", 429, `A new code can be sent in ${wait} s; the first one may still arrive.`, { retryAfterSeconds: wait });
      }
      return c.json(await issueChallenge(clientKey(c), now, old), 201);
    })
    .post("/identity/verify", async (c) => {
      const now = new Date(clock());
      const body = await readJsonObject(c);
      const id = typeof body.challengeId === "string" ? body.challengeId : "";
      const code = typeof body.code === "string" ? body.code.trim() : "";
      if (!/^[0-9a-f-]{36}$/i.test(id)) throw new AppError("bad_challenge", 400, "challengeId must be the id /api/identity/start returned.");
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

      const personId = await upsertPerson(db, challenge);
      const token = randomBytes(32).toString("base64url");
      await insertSession(db, {
        tokenHash: createHash("sha256").update(token).digest("base64url"),
        personId,
        expiresAt: new Date(now.getTime() + config.sessionTtlMs),
      });
      await setSignedCookie(c, SESSION_COOKIE, token, config.sessionSecret, {
        httpOnly: true,
        sameSite: "Lax",
        path: "/",
        secure: c.req.header("x-forwarded-proto") === "https",
        maxAge: Math.floor(config.sessionTtlMs / 1000),
      });
      const eligibility = await currentEligibility(db, challenge.birthDate, now);
      return c.json({
        person: { name: challenge.name, birthDate: challenge.birthDate, sex: challenge.sex, rrn: challenge.rrnMasked },
        eligibility,
      });
    });

  if (config.appEnv === "development" && provider instanceof DevIdentityProvider) {
    app.get("/dev/otp", (c) => {
      const phone = parsePhone(c.req.query("phone"));
      const code = provider.lastCode(phone);
      if (!code) throw new AppError("no_code", 404, "No code has been sent to this phone.");
      return c.json({ phone, code });
    });
  }
  return app;
}
