/**
 * The whole system for browser tests, started the way `npm start` starts it (scripts/start.ts: the worker
 * under `wrangler dev`, the origin on Node), on free loopback ports, with its own secrets, its own edge
 * state folder and a throwaway PostgreSQL database (so the test can also look at the data), and Debian's
 * Chromium driven by playwright-core.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import postgres from "postgres";
import { scratchDatabase } from "../../origin/db/scratch";

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];
export const ARTIFACTS = "test/artifacts";

/** Why the browser tests cannot run here, or null when they can. */
export function browserTestsUnavailable(databaseUrl: string | undefined): string | null {
  if (!existsSync(CHROMIUM)) return `Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium); .ci/run installs it`;
  if (!databaseUrl) return "TEST_DATABASE_URL is not set (the browser tests run the origin on a throwaway PostgreSQL database)";
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningSystem {
  url: string;
  originUrl: string;
  operatorToken: string;
  /** the `npm start` process (scripts/start.ts); its origin and edge are its children */
  pid: number;
  /** what it has printed so far */
  output(): string;
  sql: postgres.Sql;
  /** Chromium, when asked for */
  browser: Browser;
  operator(body: Record<string, unknown>): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startSystem(
  serverUrl: string,
  opts: { browser?: boolean; env?: Record<string, string> } = {},
): Promise<RunningSystem> {
  const database = await scratchDatabase(serverUrl);
  // The database stays until stop(): the origin (another process) migrates nothing new and seeds it on start.
  const [port, originPort] = [await freePort(), await freePort()];
  const stateDir = mkdtempSync(join(tmpdir(), "edge-state-"));
  const secret = () => randomBytes(32).toString("base64url");
  const operatorToken = secret();
  const env = {
    ...process.env,
    PORT: String(port),
    ORIGIN_PORT: String(originPort),
    TICKET_SECRET: secret(),
    PASS_SECRET: secret(),
    OPERATOR_TOKEN: operatorToken,
    RRN_HMAC_KEY: secret(),
    RRN_ENC_KEY: secret(),
    SESSION_SECRET: secret(),
    DATABASE_URL: database.url,
    EDGE_STATE_DIR: stateDir,
    APP_ENV: "development",
    WRANGLER_SEND_METRICS: "false",
    ...opts.env,
  };
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the system did not start in 120 s:\n${output}`)), 120_000);
    const check = setInterval(() => {
      if (output.includes(`Open ${url}`)) {
        clearInterval(check);
        clearTimeout(timer);
        resolve();
      }
    }, 200);
    child.once("exit", (code) => {
      clearInterval(check);
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code}):\n${output}`));
    });
  });
  const sql = postgres(database.url, { max: 2, onnotice: () => {} });
  const browser =
    opts.browser === false ? (null as unknown as Browser) : await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  mkdirSync(ARTIFACTS, { recursive: true });

  return {
    url,
    originUrl: `http://127.0.0.1:${originPort}`,
    operatorToken,
    pid: child.pid!,
    output: () => output,
    sql,
    browser,
    async operator(body) {
      const res = await fetch(`${url}/_wr/admin/config`, {
        method: "POST",
        headers: { authorization: `Bearer ${operatorToken}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`operator config failed: ${res.status} ${await res.text()}`);
      return (await res.json()) as Record<string, unknown>;
    },
    async stop() {
      await browser?.close().catch(() => {});
      await sql.end().catch(() => {});
      child.removeAllListeners("exit");
      if (child.exitCode === null && child.pid) {
        const exited = new Promise((r) => child.once("exit", r));
        process.kill(-child.pid, "SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 8000))]);
        if (child.exitCode === null) process.kill(-child.pid, "SIGKILL");
      }
      rmSync(stateDir, { recursive: true, force: true });
      await database.close();
    },
  };
}

/** Screenshots of the current page at 360 px and 1280 px wide, for review (git-ignored). */
export async function screenshots(page: Page, name: string): Promise<void> {
  const before = page.viewportSize() ?? { width: 1280, height: 900 };
  for (const width of [360, 1280]) {
    await page.setViewportSize({ width, height: width === 360 ? 740 : 900 });
    await page.screenshot({ path: join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize(before);
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** axe-core's serious and critical violations on the current page, as readable lines (empty: none). */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  const { violations, passes } = await page.evaluate(async () => {
    type Rule = { id: string; impact: string; help: string; nodes: { target: string[] }[] };
    const axe = (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: Rule[]; passes: Rule[] }> } }).axe;
    const result = await axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    });
    return {
      passes: result.passes.length,
      violations: result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((n) => n.target.join(" ")).slice(0, 3),
      })),
    };
  });
  if (passes === 0) throw new Error(`axe-core checked nothing on ${page.url()}`);
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${page.url()}: ${v.impact} ${v.id} (${v.help}) at ${v.targets.join(", ")}`);
}
