/**
 * Databases for origin tests: a real PostgreSQL when TEST_DATABASE_URL is set (CI sets it), in a
 * throwaway database per call; else PGlite in memory.
 */
import { type Database, type OpenOptions, openDatabase } from "../../origin/db";
import { scratchDatabase } from "../../origin/db/scratch";

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;

/** The database a test should use: PostgreSQL when configured, else PGlite in memory. */
export function testDatabase(opts: Omit<OpenOptions, "url" | "dataDir"> = {}): Promise<Database> {
  return TEST_DATABASE_URL ? scratchDatabase(TEST_DATABASE_URL, opts) : openDatabase(opts);
}
