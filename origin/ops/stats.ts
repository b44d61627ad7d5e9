/**
 * The figures /ops shows and `GET /ops/stats` answers, gathered at one instant: bookings per minute,
 * overbooked places (must be 0), reservations, fill by 시/도 and date, the outbox's backlog, identity
 * checks and rejections by code, and this process's requests in flight and their peak.
 */
import { seoulDate } from "../clinics/dates";
import type { Db } from "../db";
import { outboxStats } from "../notify/outbox";
import type { Gauge } from "./gauge";
import { bookingsPerMinute, fillByRegionAndDate, identityCounts, overbookedSlots, reservationCounts } from "./queries";

export async function opsStats(db: Db, gauge: Gauge, now: Date) {
  const [perMinute, overbooked, reservations, fill, outbox, identity] = await Promise.all([
    bookingsPerMinute(db, { now, minutes: 30 }),
    overbookedSlots(db),
    reservationCounts(db),
    fillByRegionAndDate(db, { from: seoulDate(now), days: 7 }),
    outboxStats(db),
    identityCounts(db, { now, windowMs: 15 * 60_000 }),
  ]);
  return {
    at: now.toISOString(),
    bookingsPerMinute: perMinute,
    overbookedSlots: overbooked,
    reservations,
    fill,
    outbox,
    identity: { ...identity, rejectionsByCode: Object.fromEntries(gauge.identityRejections) },
    requests: { inFlight: gauge.inFlight, peakConcurrent: gauge.peak },
  };
}

export type OpsStats = Awaited<ReturnType<typeof opsStats>>;
