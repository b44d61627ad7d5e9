/**
 * Global setup of the worker tests: starts the real origin app (Node) on a free loopback port and
 * hands its URL to the worker as ORIGIN_URL, so an admitted request is really proxied and really checked.
 * Beside it, an origin in trouble (`troubledOriginUrl`) for the edge's tests of one: `/status/<code>…` is
 * answered with that status, a JSON error and Retry-After, as the origin answers when its database is away;
 * any other request is read and never answered.
 */

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import type { TestProject } from "vitest/node";
import { createApp } from "../origin/app";
import { loadConfig } from "../origin/config";
import { type Database, openDatabase } from "../origin/db";
import { seed } from "../origin/db/seed";
import { wranglerVar } from "../scripts/wrangler-vars";
import { ORIGIN_TEST_ENV } from "./secrets";

declare module "vitest" {
  export interface ProvidedContext {
    originUrl: string;
    troubledOriginUrl: string;
  }
}

let server: ServerType | undefined;
let database: Database | undefined;
let troubled: Server | undefined;

export async function setup(project: TestProject) {
  const config = loadConfig({ ...ORIGIN_TEST_ENV, ORIGIN_PORT: "0", LANES: wranglerVar("LANES") });
  database = await openDatabase({});
  // A small demo (clinics, a week of slots, a window open now for every adult): whole journeys can be booked.
  await seed(database.db, { now: new Date(), clinics: 0, days: 7 });
  const app = createApp({ config, db: database.db });
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info: AddressInfo) => resolve(info.port));
  });
  project.provide("originUrl", `http://127.0.0.1:${port}`);
  troubled = createServer((req, res) => {
    const status = /^\/status\/(\d{3})/.exec(req.url ?? "");
    if (!status) return; // stalls
    res.writeHead(Number(status[1]), { "content-type": "application/json", "retry-after": "7" });
    res.end(JSON.stringify({ code: "database_unavailable", message: "origin's own answer" }));
  });
  await new Promise<void>((resolve) => troubled!.listen(0, "127.0.0.1", resolve));
  project.provide("troubledOriginUrl", `http://127.0.0.1:${(troubled.address() as AddressInfo).port}`);
}

export async function teardown() {
  troubled?.closeAllConnections();
  await new Promise<void>((resolve) => (troubled ? troubled.close(() => resolve()) : resolve()));
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await database?.close();
}
