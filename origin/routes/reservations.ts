/**
 * Reservations (behind the pass check):
 *   POST /api/reservations {holdId, notifyChannel}   + Idempotency-Key  -> 201 the reservation (both doses)
 *   POST /api/reservations/lookup      {name, rrn, reservationNumber}            -> the reservation
 *   POST /api/reservations/cancel      {name, rrn, reservationNumber}            -> the reservation, cancelled
 *   POST /api/reservations/second-dose {name, rrn, reservationNumber, date, time?} -> the reservation, moved
 *   GET  /api/dev/messages?phone=      notifications the development sink received (development only)
 * Booking needs a verified session; lookup, cancel and change need the three details instead, work after
 * the booking window has closed, answer one `not_found` whatever detail was wrong, and are limited per
 * client (failed attempts).
 */
import { sql } from "drizzle-orm";
import { Hono } from "hono";
import { AppError } from "../../lib/errors";
import { parseIdempotencyKey, requestHash } from "../booking/idempotency";
import { parseReservationNumber } from "../booking/numbers";
import { cancelReservation, confirmReservation, findReservation, moveSecondDose } from "../booking/reservations";
import { addDays } from "../clinics/dates";
import { instant, rows } from "../db";
import { currentEligibility } from "../identity/eligibility";
import { parseName, parseRrn, readJsonObject } from "../identity/fields";
import type { IdentityKeys } from "../identity/secrets";
import { clientKey, tooMany } from "../limits";
import { requireSession } from "../middleware/require-session";
import { CHANNELS, type Channel, type DevSink } from "../notify/channels";
import type { Deps, OriginEnv } from "../types";

export const LOOKUP_WINDOW_MS = 15 * 60_000;
export const LOOKUP_FAILURES_PER_CLIENT = 10;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function parseChannel(value: unknown): Channel {
  if (typeof value !== "string" || !(CHANNELS as readonly string[]).includes(value)) {
    throw new AppError("bad_channel", 400, `notifyChannel must be one of: ${CHANNELS.join(", ")}.`, { field: "notifyChannel" });
  }
  return value as Channel;
}

export function reservationRoutes(deps: Deps, clock: () => number, getKeys: () => Promise<IdentityKeys>, sink: DevSink) {
  const { db, config } = deps;

  /** Checks the three details; counts a miss against the client, refuses once too many missed. */
  async function verifiedReservation(c: Parameters<typeof clientKey>[0], body: Record<string, unknown>, now: Date) {
    const name = parseName(body.name);
    const rrn = parseRrn(body.rrn, now);
    const number = parseReservationNumber(typeof body.reservationNumber === "string" ? body.reservationNumber : "");
    if (!number) {
      throw new AppError("reservation_number_invalid", 400, "That is not a reservation number: check it again (13 letters and digits, e.g. 7KQM-3XPA-9RTDH).", {
        field: "reservationNumber",
      });
    }
    const client = clientKey(c);
    const since = new Date(now.getTime() - LOOKUP_WINDOW_MS);
    const [recent] = await rows<{ n: number; oldest: string | Date | null }>(
      db,
      sql`select count(*)::int as n, min(at) as oldest from lookup_failures where client_key = ${client} and at > ${instant(since)}`,
    );
    if (recent!.n >= LOOKUP_FAILURES_PER_CLIENT) {
      throw tooMany({ oldest: new Date(recent!.oldest!), now, windowMs: LOOKUP_WINDOW_MS, what: "Too many reservation lookups did not match." });
    }
    const found = await findReservation(db, { number, name, rrnHash: await (await getKeys()).hashRrn(rrn.digits) });
    if (!found) {
      await rows(db, sql`insert into lookup_failures (client_key, at) values (${client}, ${instant(now)})`);
      throw new AppError("not_found", 404, "No reservation matches these details. Check the name, resident registration number and reservation number.");
    }
    return found;
  }

  const app = new Hono<OriginEnv>()
    .use("/reservations", requireSession({ db, secret: config.sessionSecret, clock }))
    .post("/reservations", async (c) => {
      const now = new Date(clock());
      const key = parseIdempotencyKey(c.req.header("idempotency-key"));
      const body = await readJsonObject(c);
      if (typeof body.holdId !== "string" || !UUID.test(body.holdId)) {
        throw new AppError("bad_hold", 400, "Send the holdId that POST /api/holds answered.", { field: "holdId" });
      }
      const notifyChannel = parseChannel(body.notifyChannel);
      const session = c.get("session");
      const subjectId = session.subjectId ?? session.personId;
      const [rel] = session.subjectId
        ? await rows<{ relationship: string | null }>(db, sql`select relationship from sessions where token_hash = ${session.tokenHash}`)
        : [];
      const eligibility = await currentEligibility(db, session.subjectBirthDate, now);
      const result = await confirmReservation(db, {
        holdId: body.holdId.toLowerCase(),
        subjectId,
        bookedBy: session.personId,
        relationship: rel?.relationship ?? null,
        notifyChannel,
        idempotencyKey: key,
        requestHash: requestHash({ holdId: body.holdId.toLowerCase(), notifyChannel, subjectId }),
        eligibleNow: eligibility.eligible,
        now,
      });
      if (result.replayed) c.header("Idempotent-Replayed", "true");
      return c.json(result.response as object, result.status as 201);
    })
    .post("/reservations/lookup", async (c) => {
      const now = new Date(clock());
      const found = await verifiedReservation(c, await readJsonObject(c), now);
      return c.json(found.view);
    })
    .post("/reservations/cancel", async (c) => {
      const now = new Date(clock());
      const found = await verifiedReservation(c, await readJsonObject(c), now);
      return c.json(await cancelReservation(db, { reservationId: found.id, now }));
    })
    .post("/reservations/second-dose", async (c) => {
      const now = new Date(clock());
      const body = await readJsonObject(c);
      const date = typeof body.date === "string" && /^\d{4}-\d{2}-\d{2}$/.test(body.date) && addDays(body.date, 0) === body.date ? body.date : null;
      if (!date) throw new AppError("bad_date", 400, "date must be a calendar date written YYYY-MM-DD.", { field: "date" });
      if (body.time !== undefined && typeof body.time !== "string") throw new AppError("bad_time", 400, "time must be written HH:MM.", { field: "time" });
      const found = await verifiedReservation(c, body, now);
      return c.json(await moveSecondDose(db, { reservationId: found.id, date, time: body.time as string | undefined, now }));
    });

  if (config.appEnv === "development") {
    app.get("/dev/messages", (c) => c.json({ messages: sink.list(c.req.query("phone")?.replace(/\D/g, "")) }));
  }
  return app;
}
