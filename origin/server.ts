/**
 * The origin's entry: parse the settings, open (and migrate) the database, seed demo data into an empty
 * one, build the app, serve it, stop cleanly on a signal.
 */
import { serve } from "@hono/node-server";
import { createApp } from "./app";
import { ConfigError, loadConfig } from "./config";
import { openDatabase } from "./db";
import { isSeeded, seed } from "./db/seed";

let config;
try {
  config = loadConfig(process.env);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}

const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
console.log(`origin database: ${database.kind === "postgres" ? "PostgreSQL (DATABASE_URL)" : `PGlite in ${config.dataDir}`}`);
if (!(await isSeeded(database.db))) {
  console.log("empty database: loading demo data (regions, ~2,000 clinics, 28 days of slots)...");
  const summary = await seed(database.db, { now: new Date() });
  console.log(`demo data loaded: ${summary.clinics} clinics, ${summary.slots} slots, ${summary.cohortWindows} booking windows`);
}

const app = createApp({ config, db: database.db });
const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
  console.log(`origin listening on http://${info.address}:${info.port} (${config.appEnv})`);
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    server.close(() => database.close().finally(() => process.exit(0)));
    setTimeout(() => process.exit(0), 3000).unref();
  });
}
