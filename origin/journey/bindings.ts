/**
 * One pass, one person's journey. The edge's pass names its journey (lib/tokens.ts `passId`); the first person
 * to verify their identity through it holds it until the pass's hard end (table `pass_bindings`). The same
 * person verifying again is welcome; anyone else through the same pass is refused with 409 `pass_in_use`, at
 * the start (before a code is sent) and at the verification. Booking for someone else (대리예약) goes through the
 * proxy step of the holder's own session: the same journey, nothing to bind. A pass that names no journey
 * (signed without an admission time) binds nothing.
 */
import { sql } from "drizzle-orm";
import { z } from "zod";
import { AppError } from "../../lib/errors";
import { type PassClaims, passId } from "../../lib/tokens";
import { col, type Db, instant, query, queryOne } from "../db";

function passInUse(): AppError {
  return new AppError(
    "pass_in_use",
    409,
    "This admission is already in use for another person's verification: one admission is one person's journey. To book for a family member, verify yourself and book for them from there.",
  );
}

const journeyOf = (pass: PassClaims | undefined) => (pass && pass.adm > 0 ? passId(pass) : null);

/** Who holds this journey now: a person id, or null when nobody does (yet, or any more). */
export async function journeyHolder(db: Db, p: { passId: string; now: Date }): Promise<number | null> {
  const r = await queryOne(
    db,
    z.object({ person_id: col.int }),
    sql`select person_id from pass_bindings where pass_id = ${p.passId} and expires_at > ${instant(p.now)}`,
  );
  return r?.person_id ?? null;
}

/** Binds the journey to this person (kept, if it is theirs already); false when someone else holds it. */
export async function bindJourney(db: Db, p: { passId: string; personId: number; expiresAt: Date; now: Date }): Promise<boolean> {
  const r = await query(
    db,
    z.object({ person_id: col.int }),
    sql`insert into pass_bindings (pass_id, person_id, expires_at) values (${p.passId}, ${p.personId}, ${instant(p.expiresAt)})
        on conflict (pass_id) do update set person_id = excluded.person_id, expires_at = excluded.expires_at
        where pass_bindings.person_id = excluded.person_id or pass_bindings.expires_at <= ${instant(p.now)}
        returning person_id`,
  );
  return r.length > 0;
}

/**
 * Before a code is sent: refused if the journey is someone else's (`personId`: the person on record for the
 * resident number typed, or null for someone not yet on record).
 */
export async function assertJourneyFree(db: Db, pass: PassClaims | undefined, personId: number | null, now: Date): Promise<void> {
  const id = journeyOf(pass);
  if (!id) return;
  const holder = await journeyHolder(db, { passId: id, now });
  if (holder !== null && holder !== personId) throw passInUse();
}

/** At the verification: the journey becomes this person's, or is refused as someone else's. */
export async function bindJourneyTo(db: Db, pass: PassClaims | undefined, personId: number, now: Date): Promise<void> {
  const id = journeyOf(pass);
  if (!id) return;
  if (!(await bindJourney(db, { passId: id, personId, expiresAt: new Date(Math.max(pass!.end, pass!.exp)), now }))) throw passInUse();
}
