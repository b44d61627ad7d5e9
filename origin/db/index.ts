/**
 * The origin's one database module. With a URL it talks to PostgreSQL through postgres.js; without one
 * it runs PGlite (PostgreSQL compiled to WASM) in a local folder, or in memory when no folder is given.
 * Either way the committed drizzle-kit migrations run first, so the schema is always current. A lost
 * PostgreSQL connection is reconnected by the pool within a second (postgres.js carries a patch,
 * patches/postgres+3.4.9.patch, so losing one mid-write rejects its queries instead of crashing the
 * process); the requests it cut off are answered 503 (errors.ts).
 *
 * Statements are SQL in query modules, each a `(db, params)` function; their rows come back through
 * `query`, checked against a row type declared next to the statement, and `transaction` runs a function
 * in one transaction on the same typed handle.
 */

import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { type SQL, sql } from "drizzle-orm";
import { type PgDatabase, PgDialect, type PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { z } from "zod";
import * as schema from "../../drizzle/schema";
import { isTransactionConflict } from "./errors";

/** What queries take: the same drizzle API over either driver. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  db: Db;
  kind: "postgres" | "pglite";
  close(): Promise<void>;
}

const dialect = new PgDialect();

const MIGRATIONS = fileURLToPath(new URL("../../drizzle/migrations", import.meta.url));

export interface OpenOptions {
  url?: string;
  dataDir?: string;
  poolSize?: number;
  /** run the migrations first (default); a cluster worker skips them, the primary has run them */
  migrate?: boolean;
  /** sees every statement drizzle sends (tests count queries with it) */
  onQuery?: (query: string) => void;
}

/**
 * How long a pooled connection waits before reconnecting, given the pool's connection errors in a row:
 * 50 ms doubling to 1 s, with jitter. postgres.js's own default grows to 20 s, which would keep the pool
 * out of service that long after a failover or a pooler restart (every connection reset at once).
 */
function reconnectDelaySeconds(retries: number): number {
  return Math.min(0.05 * 2 ** retries, 1) * (0.5 + Math.random() / 2);
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  const logger = opts.onQuery ? { logQuery: (query: string) => opts.onQuery!(query) } : undefined;
  if (opts.url) {
    const client = postgres(opts.url, {
      max: opts.poolSize ?? 10,
      onnotice: () => {},
      backoff: reconnectDelaySeconds,
      // a server that does not answer is reported (and answered 503) within seconds, not after 30 s
      connect_timeout: 5,
    });
    const db = drizzlePostgres(client, { schema, logger });
    if (opts.migrate !== false) await migratePostgres(db, { migrationsFolder: MIGRATIONS });
    return { db, kind: "postgres", close: () => client.end({ timeout: 5 }) };
  }
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  const client = opts.dataDir ? new PGlite(opts.dataDir) : new PGlite();
  const db = drizzlePglite(client, { schema, logger });
  if (opts.migrate !== false) await migratePglite(db, { migrationsFolder: MIGRATIONS });
  return { db, kind: "pglite", close: () => client.close() };
}

/**
 * Runs a raw statement and answers the driver's rows. It runs as a prepared statement (drizzle's session
 * API with a statement name), so on PostgreSQL a hot query (clinic search, the booking transaction's steps)
 * is planned once per connection instead of on every call (planning takes about 0.6 ms of a 1.6 ms search);
 * drizzle's own `execute` turns preparing off. postgres.js answers a row array, PGlite `{rows}`.
 */
async function driverRows(db: Db, statement: SQL): Promise<unknown[]> {
  const result: unknown = await db._.session.prepareQuery(dialect.sqlToQuery(statement), undefined, "raw", false).execute();
  if (Array.isArray(result)) return result;
  if (result && typeof result === "object" && "rows" in result && Array.isArray(result.rows)) return result.rows;
  throw new Error("The database driver answered something other than rows.");
}

/**
 * The rows of a raw statement, each checked against `row` (a zod object of the `col` column types below):
 * the row type the code uses is the one the statement is checked against, and a statement answering other
 * columns or types fails loudly instead of passing a wrong value on.
 */
export async function query<Row extends z.ZodTypeAny>(db: Db, row: Row, statement: SQL): Promise<z.output<Row>[]> {
  const list = await driverRows(db, statement);
  return list.map((r) => row.parse(r));
}

/** The one row of a statement that answers at most one, checked as `query` checks rows; null for none. */
export async function queryOne<Row extends z.ZodTypeAny>(db: Db, row: Row, statement: SQL): Promise<z.output<Row> | null> {
  const [first] = await query(db, row, statement);
  return first ?? null;
}

/** A statement whose rows nobody reads (an insert, an update, a lock). */
export async function execute(db: Db, statement: SQL): Promise<void> {
  await driverRows(db, statement);
}

/**
 * A statement's rows as the driver answers them, unchecked: for tests and scripts that look into the
 * database. The application reads rows through `query`.
 */
export async function rows<T>(db: Db, statement: SQL): Promise<T[]> {
  return (await driverRows(db, statement)) as T[];
}

/** A whole number however the driver answers it (postgres.js answers int8 and numeric as text). */
function wholeNumber(v: unknown): unknown {
  if (typeof v === "bigint") return Number(v);
  return typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v;
}

/** Column types of raw statements' rows, as both drivers answer them. */
export const col = {
  /** integer, bigint (safe integers only) and counts */
  int: z.preprocess(wholeNumber, z.number().int().safe()),
  text: z.string(),
  bool: z.boolean(),
  /** timestamptz: drizzle leaves it as the server's text on both drivers */
  instant: z.preprocess((v) => (typeof v === "string" ? new Date(v) : v), z.date()),
  /** jsonb: postgres.js parses it, PGlite may leave it as text */
  json: z.preprocess((v) => (typeof v === "string" ? JSON.parse(v) : v), z.unknown()),
};

/**
 * An instant as a SQL parameter. Raw `sql` templates must not bind a Date: drizzle's postgres.js driver
 * turns off postgres.js's own date handling (PGlite would accept it), so bind ISO text cast to timestamptz.
 */
export function instant(t: Date): SQL {
  return sql`${t.toISOString()}::timestamptz`;
}

/** Attempts of a transaction the server rolled back to break a deadlock or a serialization conflict. */
const TRANSACTION_ATTEMPTS = 3;

/**
 * Runs `work` in one transaction on a typed handle, and runs it again (up to three attempts in all) when
 * the server rolled it back to break a deadlock or a serialization conflict: nothing of the failed
 * attempt was committed, so the retry is safe. Any other error, an AppError included, ends it at once.
 */
export async function transaction<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction((txn) => work(txn));
    } catch (err) {
      if (attempt >= TRANSACTION_ATTEMPTS || !isTransactionConflict(err)) throw err;
    }
  }
}
