/**
 * `npm run db:seed [-- --reset]`: loads the demo data into the configured database (DATABASE_URL, else
 * PGlite in DATA_DIR). An already seeded database is left alone unless --reset wipes it first.
 */
import { sql } from "drizzle-orm";
import { loadDatabaseConfig } from "../origin/config";
import { openDatabase } from "../origin/db";
import { isSeeded, seed } from "../origin/db/seed";

const reset = process.argv.includes("--reset");
const config = loadDatabaseConfig(process.env);
const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
try {
  if (reset) {
    await database.db.execute(
      sql`truncate holds, sessions, identity_challenges, people, slots, clinics, cohort_windows, vaccines, regions restart identity cascade`,
    );
  } else if (await isSeeded(database.db)) {
    console.log("The database already has demo data; run `npm run db:seed -- --reset` to wipe and reload it.");
    process.exit(0);
  }
  const started = Date.now();
  const summary = await seed(database.db, { now: new Date() });
  console.log(`seeded ${database.kind} in ${((Date.now() - started) / 1000).toFixed(1)} s:`, summary);
} finally {
  await database.close();
}
