/**
 * Clinic search API (behind the pass check):
 *   GET /api/regions                               시/도 with their 시/군/구
 *   GET /api/clinics?date=&region=[&vaccine=]      clinics with free places that day, the earliest free time
 *                                                  first, then the most free places; `closed` says why no
 *                                                  clinic works on that day (weekend, holiday), else null
 *   GET /api/clinics/:id/slots?date=               that clinic's times and what is left of each
 */
import { Hono } from "hono";
import { validator } from "hono/validator";
import { AppError } from "../../lib/errors";
import { closedReason } from "../clinics/calendar";
import { parseBookingDate } from "../clinics/dates";
import { clinicSlots, searchClinics } from "../clinics/queries";
import type { ReferenceData } from "../clinics/reference";
import { INT4_MAX, parseId } from "../ids";
import type { Deps, OriginEnv } from "../types";

export function clinicRoutes(deps: Deps, clock: () => number, reference: ReferenceData) {
  const horizon = deps.config.bookingHorizonDays;

  return (
    new Hono<OriginEnv>()
      .get("/regions", async (c) => c.json({ regions: (await reference()).regions }))
      .get("/clinics", async (c) => {
        const now = new Date(clock());
        const date = parseBookingDate(c.req.query("date"), now, horizon);
        const ref = await reference();
        const region = c.req.query("region");
        if (!region) throw new AppError("region_required", 400, "Choose a region: region=<code> from /api/regions.");
        const regionCodes = ref.districtsOf.get(region);
        if (!regionCodes?.length) throw new AppError("unknown_region", 400, "No such region; use a code from /api/regions.");
        const vaccine = c.req.query("vaccine") || undefined;
        if (vaccine && !ref.vaccines.has(vaccine)) {
          throw new AppError("unknown_vaccine", 400, `No such vaccine; use one of: ${[...ref.vaccines.keys()].join(", ")}.`);
        }
        const clinics = await searchClinics(deps.db, { regionCodes, date, vaccine, now });
        return c.json({ date, region, vaccine: vaccine ?? null, closed: closedReason(date), clinics });
      })
      // The query is read below; declaring it lets the pages' typed client (pages/api.ts) send it.
      .get(
        "/clinics/:id/slots",
        validator("query", (query) => query),
        async (c) => {
          const now = new Date(clock());
          const id = parseId(c.req.param("id"), "integer");
          if (id === null)
            throw new AppError("bad_clinic", 400, `A clinic id is a whole number from 1 to ${INT4_MAX}, as /api/clinics lists them.`);
          const date = parseBookingDate(c.req.query("date"), now, horizon);
          const found = await clinicSlots(deps.db, { clinicId: id, date, now });
          if (!found) throw new AppError("clinic_not_found", 404, "No such clinic.");
          return c.json({ date, ...found });
        },
      )
  );
}
