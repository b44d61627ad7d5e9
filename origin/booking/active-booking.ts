/**
 * Whether someone already has a booking: an active first dose under any reservation (the partial unique
 * index on active doses allows one). Asked before a place is held, when a proxy names a subject, on the
 * booking pages' "who" step and again inside the confirming transaction. Answers yes or no only: the
 * reservation number is for its holder, who looks it up with their own details.
 */
import { sql } from "drizzle-orm";
import { z } from "zod";
import { AppError } from "../../lib/errors";
import { col, type Db, query } from "../db";

export async function hasActiveBooking(db: Db, subjectId: number): Promise<boolean> {
  const r = await query(
    db,
    z.object({ one: col.int }),
    sql`select 1 as one from reservation_doses where subject_id = ${subjectId} and dose = 1 and status = 'active' limit 1`,
  );
  return r.length > 0;
}

/** The one answer for a person who already has a booking: no number, and where to look it up. */
export function alreadyBooked(): AppError {
  return new AppError(
    "already_booked",
    409,
    "This person already has a reservation. To see, change or cancel it, look it up with the vaccinated person's name, resident registration number and the reservation number from the booking notification.",
    { lookup: "/lookup" },
  );
}
