/**
 * The origin's data. Resident numbers never appear in clear: people and identity challenges keep a keyed
 * hash (HMAC with a server secret, for matching) and AES-GCM ciphertext (for recovery) instead.
 *
 * Free capacity of a slot = capacity − taken − active holds (holds whose expiry is still ahead). Taking
 * capacity is one conditional UPDATE of `taken`; a hold expires by itself because only unexpired rows count.
 */
import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigint,
  bigserial,
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

const at = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/** 시/도 (level 1, parent null) and 시/군/구 (level 2, parent = its 시/도). */
export const regions = pgTable(
  "regions",
  {
    code: text("code").primaryKey(),
    name: text("name").notNull(),
    nameEn: text("name_en").notNull(),
    level: smallint("level").notNull(),
    parentCode: text("parent_code").references((): AnyPgColumn => regions.code),
  },
  (t) => [index("regions_parent_idx").on(t.parentCode), check("regions_level_ck", sql`${t.level} in (1, 2)`)],
);

/** Vaccines and their second-dose rule, as data operators can change. */
export const vaccines = pgTable("vaccines", {
  code: text("code").primaryKey(),
  name: text("name").notNull(),
  nameKo: text("name_ko").notNull(),
  doses: smallint("doses").notNull(),
  /** days after the first dose the second is booked at (null for single-dose vaccines) */
  secondDoseDays: smallint("second_dose_days"),
  secondDoseMinDays: smallint("second_dose_min_days"),
  secondDoseMaxDays: smallint("second_dose_max_days"),
});

export const clinics = pgTable(
  "clinics",
  {
    id: serial("id").primaryKey(),
    name: text("name").notNull(),
    address: text("address").notNull(),
    phone: text("phone").notNull(),
    /** a 시/군/구 */
    regionCode: text("region_code")
      .notNull()
      .references(() => regions.code),
    vaccineCode: text("vaccine_code")
      .notNull()
      .references(() => vaccines.code),
    /** people per half-hour slot when a slot row is opened for a day beyond the seeded ones (second doses) */
    slotCapacity: integer("slot_capacity").notNull().default(6),
  },
  (t) => [index("clinics_region_idx").on(t.regionCode, t.vaccineCode)],
);

export const slots = pgTable(
  "slots",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    clinicId: integer("clinic_id")
      .notNull()
      .references(() => clinics.id),
    startsAt: at("starts_at").notNull(),
    vaccineCode: text("vaccine_code")
      .notNull()
      .references(() => vaccines.code),
    capacity: integer("capacity").notNull(),
    taken: integer("taken").notNull().default(0),
  },
  (t) => [
    uniqueIndex("slots_clinic_time_uq").on(t.clinicId, t.startsAt),
    // The slots with a place left, by time: the count of places left (booking/places.ts) reads only these.
    index("slots_open_idx").on(t.startsAt).where(sql`${t.taken} < ${t.capacity}`),
    check("slots_taken_ck", sql`${t.taken} >= 0 and ${t.taken} <= ${t.capacity}`),
  ],
);

/** A clinic's own closure days, besides weekends and public holidays (booking/schedule.ts); no slot is opened on them. */
export const clinicClosures = pgTable(
  "clinic_closures",
  {
    clinicId: integer("clinic_id")
      .notNull()
      .references(() => clinics.id),
    date: date("date", { mode: "string" }).notNull(),
    reason: text("reason").notNull().default(""),
  },
  (t) => [primaryKey({ columns: [t.clinicId, t.date] })],
);

export const people = pgTable("people", {
  id: serial("id").primaryKey(),
  /** HMAC-SHA256(RRN_HMAC_KEY, digits): how a person is found again; never reversible */
  rrnHash: text("rrn_hash").notNull().unique(),
  /** AES-GCM(RRN_ENC_KEY, digits), base64url iv|ciphertext: for the rare case it must be recovered */
  rrnCipher: text("rrn_cipher").notNull(),
  /** what may be shown back: birth date and G only, e.g. 650101-1****** */
  rrnMasked: text("rrn_masked").notNull().default(""),
  name: text("name").notNull(),
  birthDate: date("birth_date", { mode: "string" }).notNull(),
  sex: text("sex").notNull(),
  phone: text("phone").notNull(),
  /**
   * true while the record is only what a proxy typed (name unconfirmed, the proxy's phone standing in):
   * the person's own first verification replaces both; after that neither ever changes
   */
  addedByProxy: boolean("added_by_proxy").notNull().default(false),
  createdAt: at("created_at").notNull().defaultNow(),
});

/** A slot kept for one person for a few minutes; counts against capacity only until it expires. */
export const holds = pgTable(
  "holds",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    slotId: bigint("slot_id", { mode: "number" })
      .notNull()
      .references(() => slots.id),
    personId: integer("person_id")
      .notNull()
      .references(() => people.id),
    expiresAt: at("expires_at").notNull(),
    createdAt: at("created_at").notNull().defaultNow(),
  },
  (t) => [index("holds_slot_active_idx").on(t.slotId, t.expiresAt), index("holds_person_idx").on(t.personId)],
);

/** A one-time code sent to a phone; what the person typed is kept only as hashes until it is verified. */
export const identityChallenges = pgTable(
  "identity_challenges",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    phone: text("phone").notNull(),
    clientKey: text("client_key").notNull(),
    name: text("name").notNull(),
    rrnHash: text("rrn_hash").notNull(),
    rrnCipher: text("rrn_cipher").notNull(),
    rrnMasked: text("rrn_masked").notNull().default(""),
    birthDate: date("birth_date", { mode: "string" }).notNull(),
    sex: text("sex").notNull(),
    codeHash: text("code_hash").notNull(),
    attempts: smallint("attempts").notNull().default(0),
    expiresAt: at("expires_at").notNull(),
    verifiedAt: at("verified_at"),
    createdAt: at("created_at").notNull().defaultNow(),
  },
  (t) => [index("challenges_phone_idx").on(t.phone, t.createdAt), index("challenges_client_idx").on(t.clientKey, t.createdAt)],
);

/**
 * The development identity provider's stand-in for a carrier's subscriber registry: a phone belongs to the
 * first name and resident number verified with it, and a resident number to its first phone. Only the
 * resident number's keyed hash is kept. Empty wherever a real provider answers.
 */
export const devCarrierLines = pgTable("dev_carrier_lines", {
  phone: text("phone").primaryKey(),
  rrnHash: text("rrn_hash").notNull().unique(),
  name: text("name").notNull(),
  createdAt: at("created_at").notNull().defaultNow(),
});

/** The development provider's outbox of one-time codes (the last per phone), read by `GET /api/dev/otp`. */
export const devSentCodes = pgTable("dev_sent_codes", {
  phone: text("phone").primaryKey(),
  code: text("code").notNull(),
  sentAt: at("sent_at").notNull().defaultNow(),
});

export const sessions = pgTable(
  "sessions",
  {
    /** SHA-256 of the session token; the token itself lives only in the person's cookie */
    tokenHash: text("token_hash").primaryKey(),
    personId: integer("person_id")
      .notNull()
      .references(() => people.id),
    /** set while acting for someone else (대리예약) */
    subjectId: integer("subject_id").references(() => people.id),
    relationship: text("relationship"),
    expiresAt: at("expires_at").notNull(),
    createdAt: at("created_at").notNull().defaultNow(),
  },
  (t) => [index("sessions_person_idx").on(t.personId)],
);

/**
 * Whose journey an admission pass is (lib/tokens.ts `passId`: lane, counter, ticket number, admission time):
 * the first person to verify their identity through the pass, until the pass's hard end. Booking for someone
 * else is that same journey; a second person verifying through the same pass is refused (`pass_in_use`).
 */
export const passBindings = pgTable(
  "pass_bindings",
  {
    passId: text("pass_id").primaryKey(),
    personId: integer("person_id")
      .notNull()
      .references(() => people.id),
    expiresAt: at("expires_at").notNull(),
    createdAt: at("created_at").notNull().defaultNow(),
  },
  (t) => [index("pass_bindings_expires_idx").on(t.expiresAt)],
);

/** Who may book when: a birth-date range, optionally the '10부제' last-digit rule, a vaccine, open/close times. */
export const cohortWindows = pgTable(
  "cohort_windows",
  {
    id: serial("id").primaryKey(),
    name: text("name").notNull(),
    nameKo: text("name_ko").notNull(),
    birthFrom: date("birth_from", { mode: "string" }).notNull(),
    birthTo: date("birth_to", { mode: "string" }).notNull(),
    /** when set, only people whose day of birth ends in this digit ('10부제') */
    birthDayDigit: smallint("birth_day_digit"),
    opensAt: at("opens_at").notNull(),
    closesAt: at("closes_at").notNull(),
    vaccineCode: text("vaccine_code").references(() => vaccines.code),
    allowProxy: boolean("allow_proxy").notNull().default(true),
  },
  (t) => [
    index("cohort_windows_open_idx").on(t.opensAt, t.closesAt),
    check("cohort_windows_digit_ck", sql`${t.birthDayDigit} is null or ${t.birthDayDigit} between 0 and 9`),
    check("cohort_windows_order_ck", sql`${t.opensAt} < ${t.closesAt} and ${t.birthFrom} <= ${t.birthTo}`),
  ],
);

/**
 * A booking: one reservation number for the subject's course of doses. `bookedBy` is who booked it (the
 * subject, or a proxy with `relationship`); notifications go to the booker.
 */
export const reservations = pgTable("reservations", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  /** canonical reservation number (13 characters, no separators) */
  number: text("number").notNull().unique(),
  subjectId: integer("subject_id")
    .notNull()
    .references(() => people.id),
  bookedBy: integer("booked_by")
    .notNull()
    .references(() => people.id),
  relationship: text("relationship"),
  vaccineCode: text("vaccine_code")
    .notNull()
    .references(() => vaccines.code),
  notifyChannel: text("notify_channel").notNull(),
  createdAt: at("created_at").notNull().defaultNow(),
  cancelledAt: at("cancelled_at"),
});

/**
 * One dose of a reservation, holding one place (`taken`) of its slot while active. The partial unique
 * index makes a second active booking of the same dose for the same person impossible.
 */
export const reservationDoses = pgTable(
  "reservation_doses",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    reservationId: bigint("reservation_id", { mode: "number" })
      .notNull()
      .references(() => reservations.id),
    subjectId: integer("subject_id")
      .notNull()
      .references(() => people.id),
    dose: smallint("dose").notNull(),
    slotId: bigint("slot_id", { mode: "number" })
      .notNull()
      .references(() => slots.id),
    status: text("status").notNull().default("active"),
  },
  (t) => [
    uniqueIndex("doses_subject_dose_active_uq").on(t.subjectId, t.dose).where(sql`${t.status} = 'active'`),
    index("doses_reservation_idx").on(t.reservationId),
    check("doses_dose_ck", sql`${t.dose} in (1, 2)`),
    check("doses_status_ck", sql`${t.status} in ('active', 'cancelled')`),
  ],
);

/**
 * The answer to a request with an `Idempotency-Key`, stored in the same transaction as its effect, so a
 * retry (e.g. after a dropped connection) gets the original answer and never books twice.
 */
export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    personId: integer("person_id")
      .notNull()
      .references(() => people.id),
    key: text("key").notNull(),
    /** SHA-256 of what was asked: the same key with a different request is refused */
    requestHash: text("request_hash").notNull(),
    status: smallint("status").notNull(),
    response: jsonb("response").notNull(),
    createdAt: at("created_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.personId, t.key] }), index("idempotency_keys_created_idx").on(t.createdAt)],
);

/**
 * Notifications to send, written in the same transaction as the booking, cancellation or change they
 * tell about; the dispatcher sends them at least once (the id lets receivers drop duplicates).
 */
export const outbox = pgTable(
  "outbox",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    reservationId: bigint("reservation_id", { mode: "number" }).references(() => reservations.id),
    kind: text("kind").notNull(),
    channel: text("channel").notNull(),
    recipient: text("recipient").notNull(),
    body: text("body").notNull(),
    createdAt: at("created_at").notNull().defaultNow(),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: at("next_attempt_at").notNull().defaultNow(),
    /** a dispatcher that took the row owns it until then; after a crash another takes it over */
    leaseUntil: at("lease_until"),
    sentAt: at("sent_at"),
    lastError: text("last_error"),
  },
  (t) => [index("outbox_due_idx").on(t.nextAttemptAt).where(sql`${t.sentAt} is null`)],
);

/**
 * Reservation lookups that matched nothing (and lookups still in flight, which count until they match), by
 * client, reservation number and resident number, for the miss limits (origin/limits.ts). Rows older than
 * the longest limit window count for nothing and are swept.
 */
export const lookupFailures = pgTable(
  "lookup_failures",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    clientKey: text("client_key").notNull(),
    /** the canonical reservation number asked for (null when the row names none) */
    reservationNumber: text("reservation_number"),
    /** keyed hash of the resident number given (never the number itself) */
    rrnHash: text("rrn_hash"),
    at: at("at").notNull(),
  },
  (t) => [
    index("lookup_failures_client_idx").on(t.clientKey, t.at),
    index("lookup_failures_number_idx").on(t.reservationNumber, t.at),
    index("lookup_failures_rrn_idx").on(t.rrnHash, t.at),
  ],
);

/** Every change an operator made to a clinic's capacity for a date: who, when, from what to what, and why. */
export const capacityChanges = pgTable(
  "capacity_changes",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    clinicId: integer("clinic_id")
      .notNull()
      .references(() => clinics.id),
    /** the Seoul calendar day whose slots changed */
    date: date("date", { mode: "string" }).notNull(),
    /** capacities before the change (lowest and highest of that day's slots) */
    previousMin: integer("previous_min").notNull(),
    previousMax: integer("previous_max").notNull(),
    capacity: integer("capacity").notNull(),
    slots: integer("slots").notNull(),
    operator: text("operator").notNull(),
    reason: text("reason").notNull(),
    changedAt: at("changed_at").notNull().defaultNow(),
  },
  (t) => [index("capacity_changes_clinic_idx").on(t.clinicId, t.date)],
);
