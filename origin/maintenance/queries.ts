/**
 * Deletions for the sweeper: rows past their retention, at most `limit` per statement. Each statement
 * takes its rows with FOR UPDATE SKIP LOCKED, so several origin processes sweeping at once never wait
 * for, or deadlock with, each other or a request using a row.
 */
import { type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { col, type Db, instant, queryOne } from "../db";

async function deleted(db: Db, statement: SQL): Promise<number> {
  const r = await queryOne(db, z.object({ n: col.int }), sql`with gone as (${statement} returning 1) select count(*)::int as n from gone`);
  return r?.n ?? 0;
}

/** Identity challenges that have expired and were created before `createdBefore` (start limits count them till then). */
export function deleteChallenges(db: Db, p: { now: Date; createdBefore: Date; limit: number }): Promise<number> {
  return deleted(
    db,
    sql`delete from identity_challenges where id in (
    select id from identity_challenges where expires_at <= ${instant(p.now)} and created_at <= ${instant(p.createdBefore)}
    limit ${p.limit} for update skip locked)`,
  );
}

/** Sessions that have ended. */
export function deleteSessions(db: Db, p: { now: Date; limit: number }): Promise<number> {
  return deleted(
    db,
    sql`delete from sessions where token_hash in (
    select token_hash from sessions where expires_at <= ${instant(p.now)} limit ${p.limit} for update skip locked)`,
  );
}

/** Lookup attempts from before `before` (older than every miss limit's window). */
export function deleteLookupMisses(db: Db, p: { before: Date; limit: number }): Promise<number> {
  return deleted(
    db,
    sql`delete from lookup_failures where id in (
    select id from lookup_failures where at <= ${instant(p.before)} limit ${p.limit} for update skip locked)`,
  );
}

/** Holds that ran out before `expiredBefore`. */
export function deleteHolds(db: Db, p: { expiredBefore: Date; limit: number }): Promise<number> {
  return deleted(
    db,
    sql`delete from holds where id in (
    select id from holds where expires_at <= ${instant(p.expiredBefore)} limit ${p.limit} for update skip locked)`,
  );
}

/** Answers kept for retries of a request with an Idempotency-Key, stored before `before`. */
export function deleteIdempotencyKeys(db: Db, p: { before: Date; limit: number }): Promise<number> {
  return deleted(
    db,
    sql`delete from idempotency_keys where (person_id, key) in (
    select person_id, key from idempotency_keys where created_at <= ${instant(p.before)} limit ${p.limit} for update skip locked)`,
  );
}

/** Journeys (pass bindings) whose pass can no longer be used. */
export function deleteEndedJourneys(db: Db, p: { now: Date; limit: number }): Promise<number> {
  return deleted(
    db,
    sql`delete from pass_bindings where pass_id in (
    select pass_id from pass_bindings where expires_at <= ${instant(p.now)} limit ${p.limit} for update skip locked)`,
  );
}

/** Codes the development identity provider recorded before `before` (no code outlives its challenge). */
export function deleteDevCodes(db: Db, p: { before: Date; limit: number }): Promise<number> {
  return deleted(
    db,
    sql`delete from dev_sent_codes where phone in (
    select phone from dev_sent_codes where sent_at <= ${instant(p.before)} limit ${p.limit} for update skip locked)`,
  );
}
