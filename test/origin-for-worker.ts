/**
 * Global setup of the worker tests: starts the real origin app (Node) on a free loopback port and
 * hands its URL to the worker as ORIGIN_URL, so an admitted request is really proxied and really checked.
 */
import { serve, type ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import { createApp } from "../origin/app";
import { loadConfig } from "../origin/config";
import { openDatabase, type Database } from "../origin/db";
import { wranglerVar } from "../scripts/wrangler-vars";
import { ORIGIN_TEST_ENV } from "./secrets";

declare module "vitest" {
  export interface ProvidedContext {
    originUrl: string;
  }
}

let server: ServerType | undefined;
let database: Database | undefined;

export async function setup(project: TestProject) {
  const config = loadConfig({ ...ORIGIN_TEST_ENV, ORIGIN_PORT: "0", LANES: wranglerVar("LANES") });
  database = await openDatabase({});
  const app = createApp({ config, db: database.db });
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info: AddressInfo) => resolve(info.port));
  });
  project.provide("originUrl", `http://127.0.0.1:${port}`);
}

export async function teardown() {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await database?.close();
}
