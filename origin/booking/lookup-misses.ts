/**
 * Lookup attempts against the miss limits (origin/limits.ts `LOOKUP_MISSES`), stored in `lookup_failures`
 * by client, reservation number and resident-number hash.
 *
 * An attempt is written before it is answered and counted with everything before it; a lookup that
 * matches takes its row back, a miss leaves it. So requests sent all at once are counted as they arrive,
 * not after they were answered: a burst of guesses gets no more answers than guesses sent one by one
 * (several sent at the very same moment may all be refused, never all be answered).
 */
import { sql } from "drizzle-orm";
import { z } from "zod";
import { col, type Db, execute, instant, queryOne } from "../db";

export interface LookupKeys {
  clientKey: string;
  /** canonical reservation number */
  number: string;
  rrnHash: string;
}

/** How many attempts are counted against each key, and the oldest of them. */
export interface LookupCounts {
  byClient: number;
  clientOldest: Date | null;
  byNumber: number;
  numberOldest: Date | null;
  byRrn: number;
  rrnOldest: Date | null;
}

/** Records an attempt (a miss until `forgetAttempt` says it matched); returns its id. */
export async function recordAttempt(db: Db, p: LookupKeys & { at: Date }): Promise<number> {
  const r = await queryOne(
    db,
    z.object({ id: col.int }),
    sql`insert into lookup_failures (client_key, reservation_number, rrn_hash, at)
        values (${p.clientKey}, ${p.number}, ${p.rrnHash}, ${instant(p.at)}) returning id`,
  );
  if (!r) throw new Error("The insert of a lookup attempt answered no row.");
  return r.id;
}

/** Attempts per key since each key's own window start (`since`), the caller's own attempt included. */
export async function countAttempts(
  db: Db,
  p: LookupKeys & { clientSince: Date; numberSince: Date; rrnSince: Date },
): Promise<LookupCounts> {
  const byClient = sql`client_key = ${p.clientKey} and at > ${instant(p.clientSince)}`;
  const byNumber = sql`reservation_number = ${p.number} and at > ${instant(p.numberSince)}`;
  const byRrn = sql`rrn_hash = ${p.rrnHash} and at > ${instant(p.rrnSince)}`;
  const r = await queryOne(
    db,
    z.object({
      by_client: col.int,
      client_oldest: col.instant.nullable(),
      by_number: col.int,
      number_oldest: col.instant.nullable(),
      by_rrn: col.int,
      rrn_oldest: col.instant.nullable(),
    }),
    sql`select count(*) filter (where ${byClient})::int as by_client, min(at) filter (where ${byClient}) as client_oldest,
               count(*) filter (where ${byNumber})::int as by_number, min(at) filter (where ${byNumber}) as number_oldest,
               count(*) filter (where ${byRrn})::int as by_rrn, min(at) filter (where ${byRrn}) as rrn_oldest
        from lookup_failures
        where (${byClient}) or (${byNumber}) or (${byRrn})`,
  );
  return {
    byClient: r?.by_client ?? 0,
    clientOldest: r?.client_oldest ?? null,
    byNumber: r?.by_number ?? 0,
    numberOldest: r?.number_oldest ?? null,
    byRrn: r?.by_rrn ?? 0,
    rrnOldest: r?.rrn_oldest ?? null,
  };
}

/** Takes an attempt back: it matched, or it was refused without an answer. */
export async function forgetAttempt(db: Db, id: number): Promise<void> {
  await execute(db, sql`delete from lookup_failures where id = ${id}`);
}
