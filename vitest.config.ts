/**
 * Two test projects:
 *   worker  runs inside workerd (the Workers runtime) through @cloudflare/vitest-plugin, with the real
 *           origin started by test/origin-for-worker.ts so admitted requests really reach it;
 *   origin  runs in Node against the origin app;
 *   browser drives Debian's Chromium through the whole system as `npm start` runs it (skipped, loudly,
 *           where Chromium or TEST_DATABASE_URL is missing).
 */
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { TEST_SECRETS } from "./test/secrets.ts";

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: { ...TEST_SECRETS, ORIGIN_URL: inject("originUrl") },
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
          include: ["test/origin/**/*.test.ts", "origin/**/*.test.ts", "test/loadtest/**/*.test.ts"],
          environment: "node",
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          testTimeout: 240_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
