/**
 * The origin's entry: parse the settings, open (and migrate) the database, seed demo data into an empty
 * one, build the app, serve it, stop cleanly on a signal.
 *
 * On PostgreSQL (DATABASE_URL) the origin runs as ORIGIN_PROCESSES processes under node:cluster
 * (cluster.ts): the primary migrates and seeds once, then starts the workers, which serve on the one
 * port. PGlite keeps its files to one process, so on PGlite the origin is one process. A serving process
 * logs an error that nothing caught and keeps serving: one broken connection must not end every other
 * request in flight.
 */
import cluster from "node:cluster";
import { serve } from "@hono/node-server";
import { createApp } from "./app";
import { runWorkers } from "./cluster";
import { ConfigError, loadConfig, type OriginConfig } from "./config";
import type { Db } from "./db";
import { openDatabase } from "./db";
import { describeError } from "./db/errors";
import { isSeeded, seed } from "./db/seed";
import { relaySlowdown } from "./dev/slowdown";
import { startSweeper } from "./maintenance/sweeper";
import { channelAdapters, DevSink } from "./notify/channels";
import { createDispatcher } from "./notify/dispatcher";

let config: OriginConfig;
try {
  config = loadConfig(process.env);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}

/** Logs what nothing caught (one line, resident numbers blanked) and carries on. */
function keepServing(who: string): void {
  process.on("uncaughtException", (err) => console.error(`${who}: uncaught error (still serving):`, describeError(err)));
  process.on("unhandledRejection", (reason) => console.error(`${who}: unhandled rejection (still serving):`, describeError(reason)));
}

function onStopSignal(stop: () => Promise<unknown>): void {
  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      void stop().finally(() => process.exit(0));
      setTimeout(() => process.exit(0), 5000).unref();
    });
  }
}

async function seedIfEmpty(db: Db): Promise<void> {
  if (await isSeeded(db)) return;
  console.log("empty database: loading demo data (regions, ~2,000 clinics, 28 days of slots)...");
  const summary = await seed(db, { now: new Date() });
  console.log(`demo data loaded: ${summary.clinics} clinics, ${summary.slots} slots, ${summary.cohortWindows} booking windows`);
}

/** One serving process: the app, the notification dispatcher and the sweeper over one database pool. */
async function serveOrigin(): Promise<void> {
  const worker = cluster.isWorker ? cluster.worker : undefined;
  // A worker's primary has migrated and seeded already.
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, migrate: !worker });
  if (!worker) {
    console.log(`origin database: ${database.kind === "postgres" ? "PostgreSQL (DATABASE_URL)" : `PGlite in ${config.dataDir}`}`);
    await seedIfEmpty(database.db);
  }

  const app = createApp({ config, db: database.db });
  // Notifications written by bookings go out from here, through each channel's gateway (or the dev
  // sink); dispatchers in several processes never take the same row (dispatcher.ts).
  const dispatcher = createDispatcher({
    db: database.db,
    adapters: channelAdapters(config.notify, new DevSink()),
    onError: (err) => console.error("notification dispatcher:", describeError(err)),
  });
  dispatcher.start(config.outboxPollMs);
  const sweeper = startSweeper({
    db: database.db,
    sessionTtlMs: config.sessionTtlMs,
    onError: (err) => console.error("sweeper:", describeError(err)),
  });
  const who = worker ? `origin worker ${worker.id} (pid ${process.pid})` : "origin";
  const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
    console.log(`${who} listening on http://${info.address}:${info.port} (${config.appEnv})`);
  });
  keepServing(who);
  onStopSignal(() =>
    new Promise<void>((resolve) => server.close(() => resolve()))
      .then(() => Promise.all([dispatcher.stop(), sweeper.stop()]))
      .then(() => database.close()),
  );
}

if (cluster.isPrimary && config.databaseUrl && config.originProcesses > 1) {
  const database = await openDatabase({ url: config.databaseUrl });
  console.log("origin database: PostgreSQL (DATABASE_URL)");
  await seedIfEmpty(database.db);
  await database.close();
  console.log(`origin: ${config.originProcesses} processes (ORIGIN_PROCESSES) serving port ${config.port}; one that dies is replaced`);
  // A slowdown set through one worker's development controls reaches every worker.
  if (config.appEnv === "development") relaySlowdown();
  const workers = runWorkers({ count: config.originProcesses });
  keepServing("origin primary");
  onStopSignal(() => workers.stop());
} else {
  await serveOrigin();
}
