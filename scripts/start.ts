/**
 * `npm start`: the whole system on this machine.
 *   edge    `wrangler dev` (workerd, the production runtime) on 127.0.0.1:$PORT (8787)
 *   origin  the Hono app on Node on 127.0.0.1:$ORIGIN_PORT (8788)
 *
 * Secrets (the edge's TICKET_SECRET, PASS_SECRET, OPERATOR_TOKEN; the origin's PASS_SECRET, RRN_HMAC_KEY,
 * RRN_ENC_KEY, SESSION_SECRET) come from the environment when set, else from
 * .dev.vars, where any that are missing are generated once (the file is git-ignored). Both processes get
 * the same values; the edge reads them from a private runtime file under .wrangler/.
 *
 * Both run supervised (scripts/supervisor.ts): a process that dies is started again after a short, growing
 * pause, and one that stops answering its health check is restarted, each said on the terminal. Only
 * Ctrl-C (or SIGTERM) stops both.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { z } from "zod";
import { buildAssets } from "./build-assets";
import { httpProbe, Supervisor } from "./supervisor";
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

// Both processes serve the browser assets from lib/assets.generated.ts: build it before either starts.
try {
  buildAssets();
} catch (err) {
  console.error(`npm start: the browser assets do not build: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

const secrets = resolveSecrets();
mkdirSync(".wrangler", { recursive: true });
writeFileSync(RUNTIME_ENV, EDGE_SECRETS.map((n) => `${n}="${secrets[n]}"`).join("\n") + "\n", { mode: 0o600 });
chmodSync(RUNTIME_ENV, 0o600);

function spawnGroup(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  // Each child leads its own process group, so stopping it also stops what it started (workerd).
  const child = spawn(command, args, { env, stdio: "inherit", detached: true });
  child.on("error", (err) => console.error(`[npm start] ${name} could not be started: ${err.message}`));
  return child;
}

const say = (line: string) => console.error(`[npm start] ${line}`);
const supervisors: Supervisor[] = [];
let stopping = false;
let announced = false;

function stop(code = 0): void {
  if (stopping) return;
  stopping = true;
  rmSync(RUNTIME_ENV, { force: true });
  const deadline = setTimeout(() => process.exit(code), 8000);
  Promise.all(supervisors.map((s) => s.stop())).then(() => {
    clearTimeout(deadline);
    process.exit(code);
  });
}

process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

/** How long a health check waits for an answer, and for a starting process's first answer. */
const PROBE_TIMEOUT_MS = 10_000;
const STARTING_PROBE_MS = 30_000;

const originUrl = `http://127.0.0.1:${ORIGIN_PORT}`;
const edgeUrl = `http://127.0.0.1:${PORT}`;

/**
 * `probeTimeoutMs` bounds each health check; three misses in a row mean the process is not answering. The
 * bounds are generous on purpose: a busy machine is slow, not dead, and restarting a process that is only
 * busy drops everyone it was serving. Under a crowd far beyond the origin's capacity on two cores, the edge
 * (`wrangler dev`) answers `/_wr/ping` in up to about 6 s. While it starts, a check waits up to
 * STARTING_PROBE_MS for the first answer.
 */
function supervise(name: string, healthUrl: string, probeTimeoutMs: number, startupTimeoutMs: number, start: () => ChildProcess): void {
  const supervisor = new Supervisor({
    name,
    start,
    probe: httpProbe(healthUrl, probeTimeoutMs, STARTING_PROBE_MS),
    policy: { startupTimeoutMs },
    log: say,
    onReady: announce,
    onGiveUp: () => {
      if (stopping) return;
      console.error(`\nThe ${name} did not come up; see the messages above.`);
      stop(1);
    },
  });
  supervisors.push(supervisor);
  supervisor.start();
}

function announce(): void {
  if (announced || !supervisors.every((s) => s.everReady)) return;
  announced = true;
  console.log(`
  Open ${edgeUrl}

  Operator token: ${secrets.OPERATOR_TOKEN}
    curl -H "Authorization: Bearer ${secrets.OPERATOR_TOKEN}" ${edgeUrl}/_wr/admin/stats
  Origin (direct, needs a pass): ${originUrl}
  A process that stops or stops answering is started again (said here). Press Ctrl-C to stop.
`);
}

// The origin's first start on an empty database loads the demo data, which takes a while.
supervise("origin", `${originUrl}/health`, PROBE_TIMEOUT_MS, 300_000, () =>
  spawnGroup("origin", process.execPath, ["--import", "tsx", "origin/server.ts"], {
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
  }),
);
supervise("edge (wrangler dev)", `${edgeUrl}/_wr/ping`, PROBE_TIMEOUT_MS, 120_000, () =>
  spawnGroup(
    "edge (wrangler dev)",
    process.execPath,
    [
      "node_modules/wrangler/bin/wrangler.js",
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(PORT),
      "--var",
      `ORIGIN_URL:${originUrl}`,
      "--env-file",
      RUNTIME_ENV,
      "--show-interactive-dev-session=false",
      "--log-level",
      "warn",
      ...(settings.data.EDGE_STATE_DIR ? ["--persist-to", settings.data.EDGE_STATE_DIR] : []),
      ...(settings.data.ABANDON_GRACE_SECONDS !== undefined
        ? ["--var", `ABANDON_GRACE_SECONDS:${settings.data.ABANDON_GRACE_SECONDS}`]
        : []),
    ],
    // The edge reads nothing from `request.cf`: wrangler's placeholder serves, and nothing is fetched from
    // workers.cloudflare.com (offline, that fetch printed a stack trace at every start).
    { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
  ),
);
