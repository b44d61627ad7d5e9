/**
 * The notification outbox. A message is written as a row in the same transaction as the booking,
 * cancellation or change it tells about, so it exists if and only if that change committed. The
 * dispatcher (dispatcher.ts) sends rows later; nothing is sent from inside a transaction.
 */
import { sql } from "drizzle-orm";
import { z } from "zod";
import { col, type Db, instant, query, queryOne } from "../db";
import { CHANNELS, type Channel } from "./channels";

export type OutboxKind = "booked" | "cancelled" | "second_dose_changed";

export async function enqueue(
  db: Db,
  m: { reservationId: number; kind: OutboxKind; channel: Channel; recipient: string; body: string; now: Date },
): Promise<string> {
  const row = await queryOne(
    db,
    z.object({ id: col.text }),
    sql`insert into outbox (reservation_id, kind, channel, recipient, body, created_at, next_attempt_at)
        values (${m.reservationId}, ${m.kind}, ${m.channel}, ${m.recipient}, ${m.body}, ${instant(m.now)}, ${instant(m.now)}) returning id`,
  );
  if (!row) throw new Error("The insert of an outbox message answered no row.");
  return row.id;
}

export interface OutboxStats {
  pending: number;
  failing: number;
  sent: number;
  oldestPendingAt: string | null;
}

/** Backlog figures for operators: waiting to be sent, of which failed at least once, and sent. */
export async function outboxStats(db: Db): Promise<OutboxStats> {
  const r = await queryOne(
    db,
    z.object({ pending: col.int, failing: col.int, sent: col.int, oldest: col.instant.nullable() }),
    sql`select count(*) filter (where sent_at is null)::int as pending,
               count(*) filter (where sent_at is null and attempts > 0)::int as failing,
               count(*) filter (where sent_at is not null)::int as sent,
               min(created_at) filter (where sent_at is null) as oldest
        from outbox`,
  );
  return { pending: r?.pending ?? 0, failing: r?.failing ?? 0, sent: r?.sent ?? 0, oldestPendingAt: r?.oldest?.toISOString() ?? null };
}

export interface SinkMessage {
  id: string;
  channel: Channel;
  to: string;
  text: string;
  deliveredAt: string;
}

/**
 * What the development sink received, read from the outbox rows it delivered (sent through a channel
 * without a gateway), so every origin process answers for all of them: newest first, optionally for one
 * phone, at most `limit`.
 */
export async function sinkMessages(db: Db, opts: { channels: Channel[]; to?: string; limit?: number }): Promise<SinkMessage[]> {
  if (opts.channels.length === 0) return [];
  const found = await query(
    db,
    z.object({ id: col.text, channel: z.enum(CHANNELS), recipient: col.text, body: col.text, sent_at: col.instant }),
    sql`select id, channel, recipient, body, sent_at from outbox
        where sent_at is not null and channel in (${sql.join(
          opts.channels.map((ch) => sql`${ch}`),
          sql`, `,
        )})
          ${opts.to ? sql`and recipient = ${opts.to}` : sql``}
        order by sent_at desc, created_at desc limit ${opts.limit ?? 100}`,
  );
  return found.map((m) => ({ id: m.id, channel: m.channel, to: m.recipient, text: m.body, deliveredAt: m.sent_at.toISOString() }));
}
