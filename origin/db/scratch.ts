/**
 * A throwaway database on a PostgreSQL server: created fresh (and migrated) from a server URL, dropped on
 * close. Tests and benchmarks use it so they never touch the database the URL names.
 */
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { type Database, type OpenOptions, openDatabase } from "./index";

export async function scratchDatabase(
  serverUrl: string,
  opts: Omit<OpenOptions, "url" | "dataDir"> = {},
): Promise<Database & { url: string }> {
  const name = `scratch_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  const database = await openDatabase({ ...opts, url: u.toString() });
  return {
    ...database,
    url: u.toString(),
    async close() {
      await database.close();
      const a = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists "${name}" with (force)`);
      await a.end();
    },
  };
}
