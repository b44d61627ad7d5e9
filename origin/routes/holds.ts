/**
 * POST /api/holds {slotId}: keeps a place for the verified person (or the subject they book for) for
 * HOLD_SECONDS. Only someone whose booking window is open now may hold; a window may limit the vaccine.
 * Someone who already has a booking gets `409 already_booked` and no place is kept.
 */
import { Hono } from "hono";
import { AppError } from "../../lib/errors";
import { placeHold } from "../booking/holds";
import { currentEligibility } from "../identity/eligibility";
import { parseId } from "../ids";
import { requireSession } from "../middleware/require-session";
import type { Deps, OriginEnv } from "../types";

export function holdRoutes(deps: Deps, clock: () => number) {
  return new Hono<OriginEnv>()
    .use("/holds", requireSession({ db: deps.db, secret: deps.config.sessionSecret, clock }))
    .post("/holds", async (c) => {
      const now = new Date(clock());
      const body = (await c.req.json().catch(() => null)) as { slotId?: unknown } | null;
      // a JSON number that fits slots.id (bigint)
      const slotId = body && typeof body === "object" && typeof body.slotId === "number" ? parseId(body.slotId, "bigint") : null;
      if (slotId === null) {
        throw new AppError("bad_slot", 400, 'Send {"slotId": <id>} with a slot id from /api/clinics/:id/slots.', { field: "slotId" });
      }
      const session = c.get("session");
      const eligibility = await currentEligibility(deps.db, session.subjectBirthDate, now);
      if (!eligibility.eligible) {
        const when = eligibility.reason === "not_open_yet" ? ` Booking opens at ${eligibility.opensAt}.` : "";
        throw new AppError("not_eligible", 403, `Booking is not open for this person now.${when}`, { reason: eligibility.reason });
      }
      const hold = await placeHold(deps.db, {
        personId: session.subjectId ?? session.personId,
        slotId,
        now,
        holdMs: deps.config.holdMs,
        vaccine: eligibility.window.vaccine,
      });
      return c.json(hold, 201);
    });
}
