/**
 * The origin's one database module. With a URL it talks to PostgreSQL through postgres.js; without one
 * it runs PGlite (PostgreSQL compiled to WASM) in a local folder, or in memory when no folder is given.
 * Either way the committed drizzle-kit migrations run first, so the schema is always current. A lost
 * PostgreSQL connection is reconnected by the pool within a second (postgres.js carries a patch,
 * patches/postgres+3.4.9.patch, so losing one mid-write rejects its queries instead of crashing the
 * process); the requests it cut off are answered 503 (errors.ts).
 */
import { PGlite } from "@electric-sql/pglite";
import { sql, type SQL } from "drizzle-orm";
import { PgDialect, type PgDatabase, type PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import * as schema from "../../drizzle/schema";
import { isTransactionConflict } from "./errors";

/** What queries take: the same drizzle API over either driver. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  db: Db;
  kind: "postgres" | "pglite";
  close(): Promise<void>;
}

/**
 * Raw statements on PostgreSQL run as named prepared statements, so a hot query (clinic search, the
 * booking transaction's steps) is planned once per connection instead of on every call (planning was
 * 0.6 ms of a 1.6 ms search). drizzle's own `execute` always turns preparing off, so `rows()` renders the
 * statement and hands it to the postgres.js client behind the database or transaction it is given.
 */
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
 * 50 ms doubling to 1 s, with jitter. postgres.js's own default grows to 20 s, so after a failover or
 * a pooler restart (every connection reset at once) the pool stayed out of service for that long.
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
    return { db: db as unknown as Db, kind: "postgres", close: () => client.end({ timeout: 5 }) };
  }
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  const client = opts.dataDir ? new PGlite(opts.dataDir) : new PGlite();
  const db = drizzlePglite(client, { schema, logger });
  if (opts.migrate !== false) await migratePglite(db, { migrationsFolder: MIGRATIONS });
  return { db: db as unknown as Db, kind: "pglite", close: () => client.close() };
}

interface DriverSession {
  client?: { unsafe?: postgres.Sql["unsafe"] };
  logger?: { logQuery(query: string, params: unknown[]): void };
}

/** Rows of a raw SQL statement, whichever driver ran it (postgres.js answers an array, PGlite `{rows}`). */
export async function rows<T>(db: Db, query: SQL): Promise<T[]> {
  // drizzle keeps its driver client (postgres.js: the pool, or a transaction's connection) on `session`.
  const session = (db as unknown as { session?: DriverSession }).session;
  if (typeof session?.client?.unsafe === "function") {
    const { sql: text, params } = dialect.sqlToQuery(query);
    session.logger?.logQuery(text, params);
    return (await session.client.unsafe(text, params as never[], { prepare: true })) as unknown as T[];
  }
  const result = (await db.execute(query)) as unknown as T[] | { rows: T[] };
  return Array.isArray(result) ? result : result.rows;
}

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
      return await db.transaction((txn) => work(txn as unknown as Db));
    } catch (err) {
      if (attempt >= TRANSACTION_ATTEMPTS || !isTransactionConflict(err)) throw err;
    }
  }
}
