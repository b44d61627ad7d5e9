/**
 * The origin's entry: parse the settings, open (and migrate) the database, seed demo data into an empty
 * one, build the app, serve it, stop cleanly on a signal.
 */
import { serve } from "@hono/node-server";
import { createApp } from "./app";
import { ConfigError, loadConfig } from "./config";
import { openDatabase } from "./db";
import { isSeeded, seed } from "./db/seed";
import { channelAdapters, DevSink } from "./notify/channels";
import { createDispatcher } from "./notify/dispatcher";

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

const devSink = new DevSink();
const app = createApp({ config, db: database.db, devSink });
// Notifications written by bookings go out from here, through each channel's gateway (or the dev sink).
const dispatcher = createDispatcher({
  db: database.db,
  adapters: channelAdapters(config.notify, devSink),
  onError: (err) => console.error("notification dispatcher:", err instanceof Error ? err.message : err),
});
dispatcher.start(config.outboxPollMs);
const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
  console.log(`origin listening on http://${info.address}:${info.port} (${config.appEnv})`);
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    server.close(() => dispatcher.stop().then(() => database.close()).finally(() => process.exit(0)));
    setTimeout(() => process.exit(0), 3000).unref();
  });
}
