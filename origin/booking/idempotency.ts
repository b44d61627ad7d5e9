/**
 * Idempotency keys. The key (per booker) is claimed by inserting its row at the start of the booking's
 * transaction and the answer is stored in that row before commit, so the key and the booking commit or
 * vanish together. A concurrent retry blocks on the key's primary key until the first attempt ends, then
 * either finds the stored answer or, if the first attempt rolled back, goes ahead itself.
 */
import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { AppError } from "../../lib/errors";
import { col, type Db, execute, query, queryOne } from "../db";

export interface StoredAnswer {
  status: number;
  response: unknown;
}

/** Printable ASCII, 8–100 characters (a UUID fits). */
export function parseIdempotencyKey(value: string | undefined): string {
  if (!value || !/^[\x21-\x7e]{8,100}$/.test(value)) {
    throw new AppError(
      "idempotency_key_required",
      400,
      "Send an Idempotency-Key header (8–100 printable characters, e.g. a UUID) so a retry cannot book twice.",
    );
  }
  return value;
}

export function requestHash(request: unknown): string {
  return createHash("sha256").update(JSON.stringify(request)).digest("base64url");
}

/** Inside the transaction: null when the key is new (now claimed), else the answer given before. */
export async function claimKey(tx: Db, p: { personId: number; key: string; hash: string }): Promise<StoredAnswer | null> {
  const claimed = await query(
    tx,
    z.object({ key: col.text }),
    sql`insert into idempotency_keys (person_id, key, request_hash, status, response)
        values (${p.personId}, ${p.key}, ${p.hash}, 0, 'null'::jsonb)
        on conflict do nothing returning key`,
  );
  if (claimed.length) return null;
  const before = await queryOne(
    tx,
    z.object({ request_hash: col.text, status: col.int, response: col.json }),
    sql`select request_hash, status, response from idempotency_keys where person_id = ${p.personId} and key = ${p.key}`,
  );
  // The insert found the key there, so its row exists (the key's first request holds it until it ends).
  if (!before) throw new Error("An idempotency key's row vanished inside its transaction.");
  if (before.request_hash !== p.hash) {
    throw new AppError(
      "idempotency_key_reused",
      422,
      "This Idempotency-Key was used for a different request; use a new key for a new request.",
    );
  }
  return { status: before.status, response: before.response };
}

export async function storeAnswer(tx: Db, p: { personId: number; key: string; answer: StoredAnswer }): Promise<void> {
  await execute(
    tx,
    sql`update idempotency_keys set status = ${p.answer.status}, response = ${JSON.stringify(p.answer.response)}::jsonb
                       where person_id = ${p.personId} and key = ${p.key}`,
  );
}
