/**
 * Reservations (behind the pass check):
 *   POST /api/reservations {holdId, notifyChannel}   + Idempotency-Key  -> 201 the reservation (both doses)
 *   POST /api/reservations/lookup      {name, rrn, reservationNumber}            -> the reservation
 *   POST /api/reservations/cancel      {name, rrn, reservationNumber}            -> the reservation, cancelled
 *   POST /api/reservations/second-dose {name, rrn, reservationNumber, date, time?} -> the reservation, moved
 *   GET  /api/dev/messages?phone=      notifications the development sink received, from every origin process (development only)
 * Booking needs a verified session; lookup, cancel and change need the three details instead, work after
 * the booking window has closed, answer one `not_found` whatever detail was wrong, and are limited in
 * misses per client, per reservation number and per resident number (origin/limits.ts `LOOKUP_MISSES`).
 */
import { Hono } from "hono";
import { AppError } from "../../lib/errors";
import { parseIdempotencyKey, requestHash } from "../booking/idempotency";
import { countAttempts, forgetAttempt, recordAttempt } from "../booking/lookup-misses";
import { parseReservationNumber } from "../booking/numbers";
import { cancelReservation, confirmReservation, findReservation, moveSecondDose } from "../booking/reservations";
import { parseCalendarDate } from "../clinics/dates";
import { currentEligibility } from "../identity/eligibility";
import { parseName, parseRrn, readJsonObject } from "../identity/fields";
import { sessionRelationship } from "../identity/queries";
import type { IdentityKeys } from "../identity/secrets";
import { isUuid } from "../ids";
import { endJourney } from "../journey/end";
import { clientKey, type Limit, LOOKUP_MISSES, tooMany } from "../limits";
import { requireSession } from "../middleware/require-session";
import { CHANNELS, type Channel, isChannel, sinkChannels } from "../notify/channels";
import { sinkMessages } from "../notify/outbox";
import type { Deps, OriginEnv } from "../types";

function parseChannel(value: unknown): Channel {
  if (!isChannel(value))
    throw new AppError("bad_channel", 400, `notifyChannel must be one of: ${CHANNELS.join(", ")}.`, { field: "notifyChannel" });
  return value;
}

export function reservationRoutes(deps: Deps, clock: () => number, getKeys: () => Promise<IdentityKeys>) {
  const { db, config } = deps;

  /**
   * Checks the three details. Every attempt counts against the client, the reservation number and the
   * resident number until it matches; once one of them has too many, the attempt is refused unanswered.
   */
  async function verifiedReservation(c: Parameters<typeof clientKey>[0], body: Record<string, unknown>, now: Date) {
    const name = parseName(body.name);
    const rrn = parseRrn(body.rrn, now);
    const number = parseReservationNumber(typeof body.reservationNumber === "string" ? body.reservationNumber : "");
    if (!number) {
      throw new AppError(
        "reservation_number_invalid",
        400,
        "That is not a reservation number: check it again (13 letters and digits, e.g. 7KQM-3XPA-9RTDH).",
        {
          field: "reservationNumber",
        },
      );
    }
    const keys = { clientKey: clientKey(c), number, rrnHash: await (await getKeys()).hashRrn(rrn.digits) };
    const attempt = await recordAttempt(db, { ...keys, at: now });
    const since = (limit: Limit) => new Date(now.getTime() - limit.windowMs);
    const counts = await countAttempts(db, {
      ...keys,
      clientSince: since(LOOKUP_MISSES.perClient),
      numberSince: since(LOOKUP_MISSES.perNumber),
      rrnSince: since(LOOKUP_MISSES.perResident),
    });
    // Each limit that this attempt would exceed, and when it frees up again; the latest one decides.
    const refusals = [
      {
        limit: LOOKUP_MISSES.perClient,
        n: counts.byClient,
        oldest: counts.clientOldest,
        what: "Too many reservation lookups from this connection did not match.",
      },
      {
        limit: LOOKUP_MISSES.perNumber,
        n: counts.byNumber,
        oldest: counts.numberOldest,
        what: "Too many lookups of this reservation number did not match.",
      },
      {
        limit: LOOKUP_MISSES.perResident,
        n: counts.byRrn,
        oldest: counts.rrnOldest,
        what: "Too many lookups with this resident registration number did not match.",
      },
    ]
      .filter((r) => r.n > r.limit.max && r.oldest)
      .map((r) => tooMany({ oldest: r.oldest!, now, windowMs: r.limit.windowMs, what: r.what }))
      .sort((a, b) => Number(b.details!.retryAfterSeconds) - Number(a.details!.retryAfterSeconds));
    if (refusals.length) {
      await forgetAttempt(db, attempt);
      throw refusals[0]!;
    }
    const found = await findReservation(db, { number, name, rrnHash: keys.rrnHash });
    if (!found) {
      throw new AppError(
        "not_found",
        404,
        "No reservation matches these details. Check the name, resident registration number and reservation number.",
      );
    }
    await forgetAttempt(db, attempt);
    return found;
  }

  const app = new Hono<OriginEnv>()
    .use("/reservations", requireSession({ db, secret: config.sessionSecret, clock }))
    .post("/reservations", async (c) => {
      const now = new Date(clock());
      const key = parseIdempotencyKey(c.req.header("idempotency-key"));
      const body = await readJsonObject(c);
      if (!isUuid(body.holdId)) {
        throw new AppError("bad_hold", 400, "Send the holdId that POST /api/holds answered.", { field: "holdId" });
      }
      const notifyChannel = parseChannel(body.notifyChannel);
      const session = c.get("session");
      const subjectId = session.subjectId ?? session.personId;
      const relationship = session.subjectId ? await sessionRelationship(db, session.tokenHash) : null;
      const eligibility = await currentEligibility(db, session.subjectBirthDate, now);
      const result = await confirmReservation(db, {
        holdId: body.holdId.toLowerCase(),
        subjectId,
        bookedBy: session.personId,
        relationship,
        notifyChannel,
        idempotencyKey: key,
        requestHash: requestHash({ holdId: body.holdId.toLowerCase(), notifyChannel, subjectId }),
        eligibleNow: eligibility.eligible,
        now,
      });
      if (result.replayed) c.header("Idempotent-Replayed", "true");
      if (result.status === 201) endJourney(c); // booked: the journey is done
      return c.json(result.response, 201);
    })
    .post("/reservations/lookup", async (c) => {
      const now = new Date(clock());
      const found = await verifiedReservation(c, await readJsonObject(c), now);
      return c.json(found.view);
    })
    .post("/reservations/cancel", async (c) => {
      const now = new Date(clock());
      const found = await verifiedReservation(c, await readJsonObject(c), now);
      const cancelled = await cancelReservation(db, { reservationId: found.id, now });
      endJourney(c);
      return c.json(cancelled);
    })
    .post("/reservations/second-dose", async (c) => {
      const now = new Date(clock());
      const body = await readJsonObject(c);
      const date = parseCalendarDate(body.date);
      if (body.time !== undefined && typeof body.time !== "string")
        throw new AppError("bad_time", 400, "time must be written HH:MM.", { field: "time" });
      const found = await verifiedReservation(c, body, now);
      const moved = await moveSecondDose(db, { reservationId: found.id, date, time: body.time as string | undefined, now });
      endJourney(c);
      return c.json(moved);
    });

  if (config.appEnv === "development") {
    app.get("/dev/messages", async (c) =>
      c.json({
        messages: await sinkMessages(db, {
          channels: sinkChannels(config.notify),
          to: c.req.query("phone")?.replace(/\D/g, "") || undefined,
        }),
      }),
    );
  }
  return app;
}
