/**
 * Databases for origin tests: a real PostgreSQL when TEST_DATABASE_URL is set (CI sets it), where each
 * call creates a throwaway database and drops it on close; else PGlite in memory.
 */
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { openDatabase, type Database, type OpenOptions } from "../../origin/db";

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;

export async function postgresDatabase(url: string, opts: Omit<OpenOptions, "url" | "dataDir"> = {}): Promise<Database> {
  const name = `t_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  const database = await openDatabase({ ...opts, url: u.toString() });
  return {
    ...database,
    async close() {
      await database.close();
      const a = postgres(url, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists "${name}" with (force)`);
      await a.end();
    },
  };
}

/** The database a test should use: PostgreSQL when configured, else PGlite in memory. */
export function testDatabase(opts: Omit<OpenOptions, "url" | "dataDir"> = {}): Promise<Database> {
  return TEST_DATABASE_URL ? postgresDatabase(TEST_DATABASE_URL, opts) : openDatabase(opts);
}
