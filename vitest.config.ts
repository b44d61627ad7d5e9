/**
 * Two test projects:
 *   worker  runs inside workerd (the Workers runtime) through @cloudflare/vitest-plugin, with the real
 *           origin started by test/origin-for-worker.ts so admitted requests really reach it;
 *   origin  runs in Node against the origin app;
 *   system  starts the whole system as `npm start` runs it: Debian's Chromium drives the pages, and a short
 *           load-test run checks the harness's invariants (skipped, loudly, where Chromium or
 *           TEST_DATABASE_URL is missing).
 * Loading this file builds the browser assets first (lib/assets.generated.ts, rewritten only when it changes).
 */

import { readFileSync } from "node:fs";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { buildAssets } from "./scripts/build-assets.ts";
import { TEST_SECRETS } from "./test/secrets.ts";

buildAssets();

// wrangler.toml's lanes, plus one test-only lane spread over 4 counters (shards are tested on it).
const wranglerLanes = JSON.parse(/^LANES = '(.*)'$/m.exec(readFileSync("wrangler.toml", "utf8"))![1]!);
const TEST_LANES = JSON.stringify([...wranglerLanes, { name: "surge", prefixes: ["/surge"], shards: 4, initialRatePerSec: 0 }]);

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: { ...TEST_SECRETS, ORIGIN_URL: inject("originUrl"), LANES: TEST_LANES },
            },
          })),
        ],
        test: {
          name: "worker",
          include: ["test/worker/**/*.test.ts"],
          globalSetup: ["test/origin-for-worker.ts"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "origin",
          include: ["test/origin/**/*.test.ts", "origin/**/*.test.ts", "test/loadtest/**/*.test.ts", "test/scripts/**/*.test.ts"],
          environment: "node",
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "system",
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          // each file starts the whole system; one at a time on a two-core machine
          fileParallelism: false,
          testTimeout: 240_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
