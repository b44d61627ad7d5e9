/**
 * Reservations: a subject's course of doses under one reservation number.
 *
 * Confirming turns a hold into the first dose and books the second in the same transaction, at the same
 * clinic and time of day after the vaccine's interval (or the next day the clinic works inside the allowed
 * window); if no day has room the whole booking rolls back with `no_second_dose`. The notification is
 * written to the outbox in that transaction too. Capacity is only ever taken with the slot row locked
 * (schedule.ts), and the partial unique index on active doses makes a second booking of a dose impossible.
 *
 * Changes to a booked reservation (cancel, second-dose move) take their locks in one order: the reservation
 * row, then its doses, then the slots they touch in id order; and they decide on the reservation as it
 * stands once locked. So two changes to one reservation have one outcome, as if made one after the other.
 */
import { sql } from "drizzle-orm";
import { z } from "zod";
import { AppError } from "../../lib/errors";
import { addDays, seoulDate, seoulTime } from "../clinics/dates";
import { col, type Db, execute, instant, query, queryOne, transaction } from "../db";
import { CHANNELS, type Channel } from "../notify/channels";
import { bookedText, cancelledText, type MessageFacts, secondDoseChangedText } from "../notify/messages";
import { enqueue } from "../notify/outbox";
import { alreadyBooked, hasActiveBooking } from "./active-booking";
import { claimKey, storeAnswer } from "./idempotency";
import { formatReservationNumber, newReservationNumber } from "./numbers";
import { isSlotTime, lockSlots, openDays, releasePlace, seoulInstant, slotAt, takePlace, takePlaceAt } from "./schedule";

const status = z.enum(["active", "cancelled"]);

const clinicView = z.object({ id: z.number(), name: z.string(), address: z.string(), phone: z.string() });
export type ClinicView = z.infer<typeof clinicView>;

const doseView = z.object({ clinic: clinicView, startsAt: z.string(), status });
export type DoseView = z.infer<typeof doseView>;

/**
 * A reservation as the API answers it and the pages show it. A schema, because the answer to a booking is
 * also stored as JSON for its idempotency key and read back from there on a retry.
 */
const reservationView = z.object({
  reservationNumber: z.string(),
  status,
  vaccine: z.object({ code: z.string(), name: z.string(), nameKo: z.string() }),
  subject: z.object({ name: z.string(), rrn: z.string() }),
  /** set when a proxy booked it (대리예약) */
  relationship: z.string().nullable(),
  notifyChannel: z.enum(CHANNELS),
  first: doseView,
  second: doseView.nullable(),
  /** Seoul dates the second dose may be moved within */
  secondDoseWindow: z.object({ from: z.string(), to: z.string() }).nullable(),
});
export type ReservationView = z.infer<typeof reservationView>;

const ReservationRow = z.object({
  id: col.int,
  number: col.text,
  subject_id: col.int,
  booked_by: col.int,
  relationship: col.text.nullable(),
  notify_channel: z.enum(CHANNELS),
  cancelled_at: col.instant.nullable(),
  vaccine_code: col.text,
  vaccine_name: col.text,
  vaccine_ko: col.text,
  min_days: col.int.nullable(),
  max_days: col.int.nullable(),
  subject_name: col.text,
  rrn_masked: col.text,
  rrn_hash: col.text,
  dose_id: col.int,
  dose: z.union([z.literal(1), z.literal(2)]),
  slot_id: col.int,
  dose_status: status,
  starts_at: col.instant,
  clinic_id: col.int,
  clinic_name: col.text,
  address: col.text,
  phone: col.text,
});

interface Dose {
  id: number;
  dose: 1 | 2;
  slotId: number;
  status: "active" | "cancelled";
  startsAt: Date;
  clinic: ClinicView;
}

interface Loaded {
  id: number;
  number: string;
  subjectId: number;
  subjectName: string;
  rrnHash: string;
  bookedBy: number;
  view: ReservationView;
  minDays: number | null;
  maxDays: number | null;
  /** the first dose, then the second if the vaccine has one */
  doses: [Dose, ...Dose[]];
}

/** A reservation by id or canonical number, with what views, checks and messages need. */
export async function loadReservation(db: Db, by: { id: number } | { number: string }): Promise<Loaded | null> {
  const where = "id" in by ? sql`r.id = ${by.id}` : sql`r.number = ${by.number}`;
  const list = await query(
    db,
    ReservationRow,
    sql`select r.id, r.number, r.subject_id, r.booked_by, r.relationship, r.notify_channel, r.cancelled_at,
               v.code as vaccine_code, v.name as vaccine_name, v.name_ko as vaccine_ko,
               v.second_dose_min_days as min_days, v.second_dose_max_days as max_days,
               p.name as subject_name, p.rrn_masked, p.rrn_hash,
               d.id as dose_id, d.dose, d.slot_id, d.status as dose_status, s.starts_at,
               c.id as clinic_id, c.name as clinic_name, c.address, c.phone
        from reservations r
        join vaccines v on v.code = r.vaccine_code
        join people p on p.id = r.subject_id
        join reservation_doses d on d.reservation_id = r.id
        join slots s on s.id = d.slot_id
        join clinics c on c.id = s.clinic_id
        where ${where}
        order by d.dose`,
  );
  const [head] = list;
  if (!head) return null;
  const doses = list.map((r) => ({
    id: r.dose_id,
    dose: r.dose,
    slotId: r.slot_id,
    status: r.dose_status,
    startsAt: r.starts_at,
    clinic: { id: r.clinic_id, name: r.clinic_name, address: r.address, phone: r.phone },
  }));
  const view = (d: (typeof doses)[number]): DoseView => ({ clinic: d.clinic, startsAt: d.startsAt.toISOString(), status: d.status });
  const [first, second] = doses;
  if (!first) return null;
  const firstDate = seoulDate(first.startsAt);
  return {
    id: head.id,
    number: head.number,
    subjectId: head.subject_id,
    subjectName: head.subject_name,
    rrnHash: head.rrn_hash,
    bookedBy: head.booked_by,
    minDays: head.min_days,
    maxDays: head.max_days,
    doses: [first, ...doses.slice(1)],
    view: {
      reservationNumber: formatReservationNumber(head.number),
      status: head.cancelled_at ? "cancelled" : "active",
      vaccine: { code: head.vaccine_code, name: head.vaccine_name, nameKo: head.vaccine_ko },
      subject: { name: head.subject_name, rrn: head.rrn_masked },
      relationship: head.relationship,
      notifyChannel: head.notify_channel,
      first: view(first),
      second: second ? view(second) : null,
      secondDoseWindow:
        head.min_days !== null && head.max_days !== null
          ? { from: addDays(firstDate, head.min_days), to: addDays(firstDate, head.max_days) }
          : null,
    },
  };
}

/** A reservation this transaction has just written or locked: there, or the transaction is broken. */
async function reservationById(tx: Db, id: number): Promise<Loaded> {
  const r = await loadReservation(tx, { id });
  if (!r) throw new Error(`Reservation ${id} vanished inside its transaction.`);
  return r;
}

function facts(r: Loaded, relationship: string | null, vaccineKo: string): MessageFacts {
  return {
    number: r.number,
    subjectName: r.subjectName,
    relationship,
    vaccineKo,
    clinic: r.doses[0].clinic,
    first: r.doses[0].startsAt,
    second: r.doses[1]?.startsAt ?? null,
  };
}

async function phoneOf(db: Db, personId: number): Promise<string> {
  const p = await queryOne(db, z.object({ phone: col.text }), sql`select phone from people where id = ${personId}`);
  if (!p) throw new Error(`No person ${personId} to notify.`);
  return p.phone;
}

/**
 * The second dose at `clinicId`: `days` after the first at the same time of day, else the next working
 * day with room up to `maxDays`. Returns the slot taken, or null.
 */
async function placeSecondDose(
  tx: Db,
  p: { clinicId: number; first: Date; days: number; maxDays: number; now: Date },
): Promise<number | null> {
  const firstDate = seoulDate(p.first);
  const time = seoulTime(p.first);
  const days = await openDays(tx, { clinicId: p.clinicId, from: addDays(firstDate, p.days), to: addDays(firstDate, p.maxDays) });
  for (const day of days) {
    const slotId = await takePlaceAt(tx, { clinicId: p.clinicId, startsAt: seoulInstant(day, time), now: p.now });
    if (slotId !== null) return slotId;
  }
  return null;
}

export interface ConfirmRequest {
  holdId: string;
  /** whoever is being vaccinated: the hold must be theirs */
  subjectId: number;
  /** the verified person booking (the subject, or their proxy) */
  bookedBy: number;
  relationship: string | null;
  notifyChannel: Channel;
  idempotencyKey: string;
  requestHash: string;
  /** whether the subject's booking window is open now; an active hold is honoured even if it just closed */
  eligibleNow: boolean;
  now: Date;
}

export interface ConfirmResult {
  status: number;
  response: ReservationView;
  replayed: boolean;
}

const unique = (err: unknown, constraint: string): boolean => {
  const e = err as { code?: string; constraint_name?: string; constraint?: string; cause?: unknown };
  if (e?.code === "23505" && (e.constraint_name ?? e.constraint) === constraint) return true;
  return e?.cause ? unique(e.cause, constraint) : false;
};

export async function confirmReservation(db: Db, r: ConfirmRequest): Promise<ConfirmResult> {
  try {
    return await transaction(db, async (tx) => {
      const before = await claimKey(tx, { personId: r.bookedBy, key: r.idempotencyKey, hash: r.requestHash });
      if (before) return { status: before.status, response: reservationView.parse(before.response), replayed: true };

      const hold = await queryOne(
        tx,
        z.object({
          person_id: col.int,
          expires_at: col.instant,
          slot_id: col.int,
          starts_at: col.instant,
          clinic_id: col.int,
          vaccine_code: col.text,
          doses: col.int,
          second_days: col.int.nullable(),
          max_days: col.int.nullable(),
        }),
        sql`select h.person_id, h.expires_at, s.id as slot_id, s.starts_at, s.clinic_id, s.vaccine_code,
                   v.doses, v.second_dose_days as second_days, v.second_dose_max_days as max_days
            from holds h join slots s on s.id = h.slot_id join vaccines v on v.code = s.vaccine_code
            where h.id = ${r.holdId}
            for update of s`,
      );
      if (!hold || hold.person_id !== r.subjectId) {
        throw new AppError("hold_not_found", 404, "That hold is not yours or was replaced by a newer one; please choose a time again.");
      }
      const firstAt = hold.starts_at;
      if (firstAt <= r.now) throw new AppError("slot_past", 409, "That time has already passed; please choose a later one.");
      const holdExpired = hold.expires_at <= r.now;
      if (holdExpired && !r.eligibleNow)
        throw new AppError("not_eligible", 403, "Your hold ran out and booking is not open for this person now.");

      if (await hasActiveBooking(tx, r.subjectId)) throw alreadyBooked();

      const firstSlot = await takePlace(tx, { slotId: hold.slot_id, now: r.now, exceptHold: r.holdId });
      if (firstSlot === null) {
        throw new AppError("slot_full", 409, "Your hold ran out and someone else took the place; please choose another time.", {
          holdExpired,
          clinicId: hold.clinic_id,
        });
      }
      await execute(tx, sql`delete from holds where id = ${r.holdId}`);

      let secondSlot: number | null = null;
      if (hold.doses > 1) {
        const days = hold.second_days;
        const maxDays = hold.max_days;
        if (days === null || maxDays === null) throw new Error(`Vaccine ${hold.vaccine_code} has two doses but no second-dose interval.`);
        secondSlot = await placeSecondDose(tx, { clinicId: hold.clinic_id, first: firstAt, days, maxDays, now: r.now });
        if (secondSlot === null) {
          const firstDate = seoulDate(firstAt);
          throw new AppError(
            "no_second_dose",
            409,
            `This clinic has no room for the second dose between ${addDays(firstDate, days)} and ${addDays(firstDate, maxDays)}; please choose another clinic or first-dose date.`,
            { clinicId: hold.clinic_id },
          );
        }
      }

      const number = newReservationNumber();
      const res = await queryOne(
        tx,
        z.object({ id: col.int }),
        sql`insert into reservations (number, subject_id, booked_by, relationship, vaccine_code, notify_channel, created_at)
            values (${number}, ${r.subjectId}, ${r.bookedBy}, ${r.relationship}, ${hold.vaccine_code}, ${r.notifyChannel}, ${instant(r.now)})
            returning id`,
      );
      if (!res) throw new Error("The insert of a reservation answered no row.");
      const reservationId = res.id;
      await execute(
        tx,
        sql`insert into reservation_doses (reservation_id, subject_id, dose, slot_id)
                           values (${reservationId}, ${r.subjectId}, 1, ${firstSlot})
                           ${secondSlot !== null ? sql`, (${reservationId}, ${r.subjectId}, 2, ${secondSlot})` : sql``}`,
      );

      const loaded = await reservationById(tx, reservationId);
      await enqueue(tx, {
        reservationId,
        kind: "booked",
        channel: r.notifyChannel,
        recipient: await phoneOf(tx, r.bookedBy),
        body: bookedText(facts(loaded, r.relationship, loaded.view.vaccine.nameKo)),
        now: r.now,
      });
      const answer = { status: 201, response: loaded.view };
      await storeAnswer(tx, { personId: r.bookedBy, key: r.idempotencyKey, answer });
      return { ...answer, replayed: false };
    });
  } catch (err) {
    if (unique(err, "doses_subject_dose_active_uq")) throw alreadyBooked();
    throw err;
  }
}

/** The reservation if name, resident-number hash and number all match; else null, whatever was wrong. */
export async function findReservation(db: Db, p: { number: string; name: string; rrnHash: string }): Promise<Loaded | null> {
  const r = await loadReservation(db, { number: p.number });
  return r && r.subjectName === p.name && r.rrnHash === p.rrnHash ? r : null;
}

/**
 * Locks a reservation for a change (the row, then its doses by id; slots are the caller's, through
 * `lockSlots`) and reads it as it stands now: a change that waited reads what the other one committed.
 */
async function lockForChange(tx: Db, reservationId: number): Promise<Loaded> {
  await execute(tx, sql`select id from reservations where id = ${reservationId} for update`);
  await execute(tx, sql`select id from reservation_doses where reservation_id = ${reservationId} order by id for update`);
  return reservationById(tx, reservationId);
}

/**
 * Cancels every dose not yet given (a dose whose time has passed stays on record) and gives the places
 * back; idempotent: cancelling a cancelled reservation answers its state again.
 */
export async function cancelReservation(db: Db, p: { reservationId: number; now: Date }): Promise<ReservationView> {
  return transaction(db, async (tx) => {
    const r = await lockForChange(tx, p.reservationId);
    const future = r.doses.filter((d) => d.status === "active" && d.startsAt > p.now);
    if (!future.length) {
      if (r.view.status === "cancelled") return r.view;
      throw new AppError("nothing_to_cancel", 409, "Every dose of this reservation is in the past; there is nothing left to cancel.");
    }
    await lockSlots(
      tx,
      future.map((d) => d.slotId),
    );
    for (const d of future) {
      await releasePlace(tx, d.slotId);
      await execute(tx, sql`update reservation_doses set status = 'cancelled' where id = ${d.id}`);
    }
    await execute(tx, sql`update reservations set cancelled_at = ${instant(p.now)} where id = ${r.id}`);
    const after = await reservationById(tx, r.id);
    await enqueue(tx, {
      reservationId: r.id,
      kind: "cancelled",
      channel: r.view.notifyChannel,
      recipient: await phoneOf(tx, r.bookedBy),
      body: cancelledText(facts(r, r.view.relationship, r.view.vaccine.nameKo)),
      now: p.now,
    });
    return after.view;
  });
}

/**
 * Moves the second dose to `date` (and `time`, default: the first dose's time of day) inside the vaccine's
 * window, at the same clinic. The new place is taken first; the old one is released only then, in the same
 * transaction, so a failed move leaves the booking exactly as it was.
 */
export async function moveSecondDose(
  db: Db,
  p: { reservationId: number; date: string; time?: string; now: Date },
): Promise<ReservationView> {
  return transaction(db, async (tx) => {
    const r = await lockForChange(tx, p.reservationId);
    const [first, second] = r.doses;
    if (r.view.status === "cancelled" || !second || second.status !== "active") {
      throw new AppError("no_second_dose_booked", 409, "This reservation has no second dose to move.");
    }
    const window = r.view.secondDoseWindow;
    if (!window) throw new AppError("no_second_dose_booked", 409, "This reservation has no second dose to move.");
    if (p.date < window.from || p.date > window.to) {
      throw new AppError("date_outside_window", 400, `The second dose must be between ${window.from} and ${window.to}.`, {
        field: "date",
        window,
      });
    }
    const time = p.time ?? seoulTime(first.startsAt);
    if (!isSlotTime(time))
      throw new AppError("bad_time", 400, "time must be a half-hour between 09:00 and 17:30, e.g. 10:30.", { field: "time" });
    const startsAt = seoulInstant(p.date, time);
    if (startsAt <= p.now) throw new AppError("date_past", 400, "That time has passed; choose a later one.", { field: "date" });
    if (+startsAt === +second.startsAt) return r.view;
    const clinicId = second.clinic.id;
    if (!(await openDays(tx, { clinicId, from: p.date, to: p.date })).length) {
      throw new AppError("clinic_closed", 409, `The clinic does not vaccinate on ${p.date}; choose another day.`, { field: "date" });
    }
    const target = await slotAt(tx, { clinicId, startsAt });
    if (target !== null) await lockSlots(tx, [second.slotId, target]);
    const slotId = target === null ? null : await takePlace(tx, { slotId: target, now: p.now });
    if (slotId === null) throw new AppError("slot_full", 409, "That time is full; choose another time or day.", { field: "date" });
    await releasePlace(tx, second.slotId);
    await execute(tx, sql`update reservation_doses set slot_id = ${slotId} where id = ${second.id}`);
    const after = await reservationById(tx, r.id);
    await enqueue(tx, {
      reservationId: r.id,
      kind: "second_dose_changed",
      channel: r.view.notifyChannel,
      recipient: await phoneOf(tx, r.bookedBy),
      body: secondDoseChangedText({ ...facts(after, r.view.relationship, r.view.vaccine.nameKo), previous: second.startsAt }),
      now: p.now,
    });
    return after.view;
  });
}
