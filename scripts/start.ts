/**
 * `npm start`: the whole system on this machine.
 *   edge    `wrangler dev` (workerd, the production runtime) on 127.0.0.1:$PORT (8787)
 *   origin  the Hono app on Node on 127.0.0.1:$ORIGIN_PORT (8788)
 *
 * Secrets (the edge's TICKET_SECRET, PASS_SECRET, OPERATOR_TOKEN; the origin's PASS_SECRET, RRN_HMAC_KEY,
 * RRN_ENC_KEY, SESSION_SECRET) come from the environment when set, else from
 * .dev.vars, where any that are missing are generated once (the file is git-ignored). Both processes get
 * the same values; the edge reads them from a private runtime file under .wrangler/. Ctrl-C stops both.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { z } from "zod";
import { wranglerVar } from "./wrangler-vars";

/** The edge's secrets (TICKET_SECRET, PASS_SECRET, OPERATOR_TOKEN) and the origin's (PASS_SECRET and the identity keys). */
const EDGE_SECRETS = ["TICKET_SECRET", "PASS_SECRET", "OPERATOR_TOKEN"] as const;
const SECRET_NAMES = [...EDGE_SECRETS, "RRN_HMAC_KEY", "RRN_ENC_KEY", "SESSION_SECRET"] as const;
type SecretName = (typeof SECRET_NAMES)[number];

const settings = z
  .object({
    PORT: z.coerce.number().int().min(1).max(65535).default(8787),
    ORIGIN_PORT: z.coerce.number().int().min(1).max(65535).default(8788),
    TICKET_SECRET: z.string().min(16).optional(),
    PASS_SECRET: z.string().min(16).optional(),
    OPERATOR_TOKEN: z.string().min(16).optional(),
    RRN_HMAC_KEY: z.string().min(32).optional(),
    RRN_ENC_KEY: z.string().min(32).optional(),
    SESSION_SECRET: z.string().min(32).optional(),
    /** where the edge keeps its Durable Object state (wrangler dev --persist-to); tests use a fresh folder */
    EDGE_STATE_DIR: z.string().min(1).optional(),
    /** the edge's abandonment grace period (wrangler.toml's default otherwise); short ones are for rehearsals */
    ABANDON_GRACE_SECONDS: z.coerce.number().int().min(0).max(86_400).optional(),
  })
  .safeParse(process.env);
if (!settings.success) {
  console.error("npm start: fix these settings:\n" + settings.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n"));
  process.exit(1);
}
const { PORT, ORIGIN_PORT } = settings.data;

const DEV_VARS = ".dev.vars";
const RUNTIME_ENV = `.wrangler/start-${PORT}.env`;

function readDevVars(): Map<string, string> {
  const vars = new Map<string, string>();
  if (!existsSync(DEV_VARS)) return vars;
  for (const line of readFileSync(DEV_VARS, "utf8").split("\n")) {
    const m = line.match(/^\s*([A-Z0-9_]+)\s*=\s*"?(.*?)"?\s*$/);
    if (m) vars.set(m[1]!, m[2]!);
  }
  return vars;
}

function resolveSecrets(): Record<SecretName, string> {
  const devVars = readDevVars();
  const generated: SecretName[] = [];
  const out = {} as Record<SecretName, string>;
  for (const name of SECRET_NAMES) {
    const value = settings.data![name] ?? devVars.get(name);
    if (value) {
      out[name] = value;
    } else {
      out[name] = randomBytes(32).toString("base64url");
      devVars.set(name, out[name]);
      generated.push(name);
    }
  }
  if (generated.length > 0) {
    const body = [...devVars].map(([k, v]) => `${k}="${v}"`).join("\n") + "\n";
    writeFileSync(DEV_VARS, `# Local secrets for npm start (generated; never commit this file)\n${body}`, { mode: 0o600 });
    console.log(`Generated ${generated.join(", ")} into ${DEV_VARS}`);
  }
  return out;
}

const secrets = resolveSecrets();
mkdirSync(".wrangler", { recursive: true });
writeFileSync(RUNTIME_ENV, EDGE_SECRETS.map((n) => `${n}="${secrets[n]}"`).join("\n") + "\n", { mode: 0o600 });
chmodSync(RUNTIME_ENV, 0o600);

const children: ChildProcess[] = [];
let stopping = false;

function launch(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  // Each child leads its own process group, so stopping it also stops what it started (workerd).
  const child = spawn(command, args, { env, stdio: "inherit", detached: true });
  child.on("exit", (code, signal) => {
    if (!stopping) {
      console.error(`\n${name} stopped unexpectedly (${signal ?? `exit code ${code}`}); stopping the rest.`);
      stop(code || 1);
    }
  });
  children.push(child);
  return child;
}

function stop(code = 0): void {
  if (stopping) return;
  stopping = true;
  rmSync(RUNTIME_ENV, { force: true });
  for (const child of children) {
    if (child.exitCode === null && child.pid) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        /* already gone */
      }
    }
  }
  const deadline = setTimeout(() => {
    for (const child of children) if (child.exitCode === null && child.pid) try { process.kill(-child.pid, "SIGKILL"); } catch { /* gone */ }
    process.exit(code);
  }, 5000);
  Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once("exit", r))))).then(() => {
    clearTimeout(deadline);
    process.exit(code);
  });
}

process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

const originUrl = `http://127.0.0.1:${ORIGIN_PORT}`;
launch("origin", process.execPath, ["--import", "tsx", "origin/server.ts"], {
  ...process.env,
  ORIGIN_HOST: "127.0.0.1",
  ORIGIN_PORT: String(ORIGIN_PORT),
  PASS_SECRET: secrets.PASS_SECRET,
  // the same lane table as the edge, so the origin accepts a pass only on its own lane's paths
  LANES: wranglerVar("LANES"),
  OPERATOR_TOKEN: secrets.OPERATOR_TOKEN,
  RRN_HMAC_KEY: secrets.RRN_HMAC_KEY,
  RRN_ENC_KEY: secrets.RRN_ENC_KEY,
  SESSION_SECRET: secrets.SESSION_SECRET,
});
launch(
  "edge (wrangler dev)",
  process.execPath,
  [
    "node_modules/wrangler/bin/wrangler.js",
    "dev",
    "--ip", "127.0.0.1",
    "--port", String(PORT),
    "--var", `ORIGIN_URL:${originUrl}`,
    "--env-file", RUNTIME_ENV,
    "--show-interactive-dev-session=false",
    "--log-level", "warn",
    ...(settings.data.EDGE_STATE_DIR ? ["--persist-to", settings.data.EDGE_STATE_DIR] : []),
    ...(settings.data.ABANDON_GRACE_SECONDS !== undefined ? ["--var", `ABANDON_GRACE_SECONDS:${settings.data.ABANDON_GRACE_SECONDS}`] : []),
  ],
  { ...process.env, WRANGLER_SEND_METRICS: "false" },
);

async function waitFor(url: string, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && !stopping) {
    try {
      const res = await fetch(url);
      if (res.ok) return true;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

const edgeUrl = `http://127.0.0.1:${PORT}`;
const [originUp, edgeUp] = await Promise.all([waitFor(`${originUrl}/health`, 60_000), waitFor(`${edgeUrl}/_wr/ping`, 90_000)]);
if (!originUp || !edgeUp) {
  if (!stopping) {
    console.error(`\nThe ${!originUp ? "origin" : "edge"} did not come up; see the messages above.`);
    stop(1);
  }
} else {
  console.log(`
  Open ${edgeUrl}

  Operator token: ${secrets.OPERATOR_TOKEN}
    curl -H "Authorization: Bearer ${secrets.OPERATOR_TOKEN}" ${edgeUrl}/_wr/admin/stats
  Origin (direct, needs a pass): ${originUrl}
  Press Ctrl-C to stop.
`);
}
