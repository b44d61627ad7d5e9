/**
 * The development-only slowdown of the identity check (origin/dev/): set and read with the operator token
 * and no pass, applied to every carrier check of the development provider, and absent in production or
 * with another identity provider. The simulated carrier's lines give it a capacity: past it, checks queue.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../origin/app";
import { loadConfig } from "../../origin/config";
import { hasDevControls } from "../../origin/dev/routes";
import { CarrierBrake, carrierBrake, NO_SLOWDOWN } from "../../origin/dev/slowdown";
import type { IdentityProvider } from "../../origin/identity/provider";
import { ORIGIN_TEST_ENV, PRODUCTION_ENV, TEST_SECRETS } from "../secrets";
import { type Bench, bookingBench, makeRrn } from "./booking";
import { clientHeaders } from "./clients";

let b: Bench;
beforeAll(async () => {
  b = await bookingBench();
}, 120_000);
afterAll(() => b?.database.close());
afterEach(() => carrierBrake.apply(NO_SLOWDOWN));

const OPERATOR = { authorization: `Bearer ${TEST_SECRETS.OPERATOR_TOKEN}` };

async function control(
  app: { request: (path: string, init: RequestInit) => Response | Promise<Response> },
  method: "GET" | "POST",
  body?: unknown,
  headers: Record<string, string> = OPERATOR,
) {
  const res = await app.request("/api/dev/slowdown", {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

let phone = 0;
/** Starts an identity check as a new person and says how long the origin took. */
async function timedStart(): Promise<{ status: number; ms: number }> {
  phone++;
  const started = performance.now();
  const res = await b.call("POST", "/api/identity/start", {
    body: { name: "김민수", rrn: makeRrn("1966-06-06"), phone: `010-7777-${String(phone).padStart(4, "0")}` },
    headers: await clientHeaders(b),
  });
  return { status: res.status, ms: performance.now() - started };
}

describe("the identity-check slowdown", () => {
  it("takes the operator token and no pass; anyone else is refused", async () => {
    expect(await control(b.app, "GET", undefined, {})).toMatchObject({ status: 401, body: { code: "unauthorized" } });
    expect(await control(b.app, "POST", { identityCheckExtraMs: 5000 }, { authorization: "Bearer not-the-token-at-all" })).toMatchObject({
      status: 401,
    });
    // An admission pass is no operator token.
    expect(await control(b.app, "POST", { identityCheckExtraMs: 5000 }, { "x-wr-pass": b.pass })).toMatchObject({ status: 401 });
    expect(carrierBrake.current).toEqual(NO_SLOWDOWN);
    expect(await control(b.app, "GET")).toEqual({
      status: 200,
      body: { identityCheckExtraMs: 0, identityCheckLines: null, busy: 0, waiting: 0 },
    });
  });

  it("refuses settings it cannot apply, saying what to send", async () => {
    for (const bad of [
      {},
      { identityCheckExtraMs: -1 },
      { identityCheckExtraMs: 1.5 },
      { identityCheckExtraMs: 60_001 },
      { identityCheckExtraMs: 10, identityCheckLines: 0 },
      { identityCheckExtraMs: 10, other: 1 },
    ]) {
      expect(await control(b.app, "POST", bad)).toMatchObject({
        status: 400,
        body: { code: "invalid_slowdown", message: expect.stringContaining("identityCheckExtraMs") },
      });
    }
    expect(await control(b.app, "POST", "{")).toMatchObject({ status: 400, body: { code: "bad_json" } });
    expect(carrierBrake.current).toEqual(NO_SLOWDOWN);
  });

  it("makes every identity check take the extra time, until it is set back to 0", async () => {
    const before = await timedStart();
    expect(before.status).toBe(201);
    expect(await control(b.app, "POST", { identityCheckExtraMs: 400 })).toEqual({
      status: 200,
      body: { identityCheckExtraMs: 400, identityCheckLines: null, busy: 0, waiting: 0 },
    });
    const slowed = await timedStart();
    expect(slowed.status).toBe(201);
    expect(slowed.ms).toBeGreaterThanOrEqual(400);
    // Without lines, checks side by side each take the extra time, no more.
    const together = await Promise.all([timedStart(), timedStart(), timedStart()]);
    for (const t of together) expect(t.ms).toBeGreaterThanOrEqual(400);
    expect(await control(b.app, "POST", { identityCheckExtraMs: 0 })).toMatchObject({ status: 200, body: { identityCheckExtraMs: 0 } });
    expect((await timedStart()).ms).toBeLessThan(slowed.ms);
  });

  it("with lines, answers that many checks at once and queues the rest: a capacity, not only a delay", async () => {
    expect(await control(b.app, "POST", { identityCheckExtraMs: 300, identityCheckLines: 1 })).toMatchObject({
      status: 200,
      body: { identityCheckLines: 1 },
    });
    const runs = [timedStart(), timedStart(), timedStart()];
    await new Promise((r) => setTimeout(r, 100));
    expect((await control(b.app, "GET")).body).toMatchObject({ busy: 1, waiting: 2 });
    const ms = (await Promise.all(runs)).map((r) => r.ms).sort((x, y) => x - y);
    expect(ms[0]).toBeGreaterThanOrEqual(300);
    expect(ms[1]).toBeGreaterThanOrEqual(600);
    expect(ms[2]).toBeGreaterThanOrEqual(900);
  });
});

describe("the carrier brake", () => {
  it("lets waiting checks go at once when the lines are lifted", async () => {
    const brake = new CarrierBrake();
    brake.apply({ identityCheckExtraMs: 200, identityCheckLines: 1 });
    const started = performance.now();
    const done = [brake.hold(), brake.hold(), brake.hold()].map((p) => p.then(() => performance.now() - started));
    await new Promise((r) => setTimeout(r, 50));
    expect(brake.load).toEqual({ busy: 1, waiting: 2 });
    brake.apply({ identityCheckExtraMs: 200, identityCheckLines: null });
    expect(brake.load).toEqual({ busy: 3, waiting: 0 });
    const ms = await Promise.all(done);
    expect(Math.max(...ms)).toBeLessThan(400);
    expect(brake.load).toEqual({ busy: 0, waiting: 0 });
  });
});

describe("where the control exists", () => {
  it("only in development, with the development identity provider", async () => {
    const other: IdentityProvider = { check: async () => "match", confirm: async () => "match", sendCode: async () => {} };
    expect(hasDevControls({ config: loadConfig(ORIGIN_TEST_ENV), db: b.database.db })).toBe(true);
    expect(hasDevControls({ config: loadConfig(ORIGIN_TEST_ENV), db: b.database.db, identityProvider: other })).toBe(false);
    expect(hasDevControls({ config: loadConfig(PRODUCTION_ENV), db: b.database.db, identityProvider: other })).toBe(false);
    // In production the path is no route: like any other path, it needs an admission pass first.
    const production = createApp({ config: loadConfig(PRODUCTION_ENV), db: b.database.db, identityProvider: other });
    expect(await control(production, "POST", { identityCheckExtraMs: 1000 })).toMatchObject({ status: 403, body: { code: "no_pass" } });
    expect(carrierBrake.current).toEqual(NO_SLOWDOWN);
  });
});
