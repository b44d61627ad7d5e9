import { afterAll, describe, expect, it } from "vitest";
import { keyring, signPass, signTicket } from "../../lib/tokens";
import { createApp } from "../../origin/app";
import { loadConfig } from "../../origin/config";
import { openDatabase } from "../../origin/db";
import { wranglerVar } from "../../scripts/wrangler-vars";
import { ORIGIN_TEST_ENV, PRODUCTION_ENV, TEST_SECRETS } from "../secrets";

const NOW = 1_750_000_000_000;
const config = loadConfig(ORIGIN_TEST_ENV);
const database = await openDatabase({});
afterAll(() => database.close());
const app = createApp({ config, db: database.db, clock: () => NOW });
const ring = () => keyring(TEST_SECRETS.PASS_SECRET);

async function get(path: string, pass?: string) {
  const res = await app.request(path, { headers: pass ? { "x-wr-pass": pass } : {} });
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> | null, res };
}

describe("origin pass check", () => {
  it("lets a valid pass through and sees its claims", async () => {
    const pass = await signPass(await ring(), { lane: "booking", seq: 12, exp: NOW + 60_000 });
    const { status, body } = await get("/api/pass", pass);
    expect(status).toBe(200);
    expect(body).toEqual({ lane: "booking", seq: 12, expiresAt: new Date(NOW + 60_000).toISOString() });
  });

  it("answers 403 no_pass without one", async () => {
    const { status, body } = await get("/api/pass");
    expect(status).toBe(403);
    expect(body).toMatchObject({ code: "no_pass" });
    expect(body!.message).toMatch(/waiting room/);
  });

  it("answers 403 bad_pass for forged, tampered, expired, wrong-key, ticket-as-pass and other-lane passes", async () => {
    const valid = await signPass(await ring(), { lane: "booking", seq: 1, exp: NOW + 60_000 });
    const bad = [
      "forged",
      "a.b.c",
      valid.slice(0, -2),
      valid.replace(/\.[^.]+$/, ".AAAA"),
      await signPass(await ring(), { lane: "booking", seq: 1, exp: NOW }),
      await signPass(await keyring("someone-elses-secret-xyz"), { lane: "booking", seq: 1, exp: NOW + 60_000 }),
      await signTicket(await ring(), { lane: "booking", shard: 0, seq: 1, iat: NOW, s0: 0 }),
      await signPass(await ring(), { lane: "lookup", seq: 1, exp: NOW + 60_000 }),
    ];
    for (const pass of bad) {
      const { status, body } = await get("/api/pass", pass);
      expect(status, pass).toBe(403);
      expect(body).toMatchObject({ code: "bad_pass" });
    }
  });

  it("protects unknown paths too, and answers 404 JSON once admitted", async () => {
    expect((await get("/anything")).status).toBe(403);
    const pass = await signPass(await ring(), { lane: "booking", seq: 1, exp: NOW + 60_000 });
    const { status, body } = await get("/anything", pass);
    expect(status).toBe(404);
    expect(body).toMatchObject({ code: "not_found" });
  });

  it("serves the home page to an admitted visitor, in Korean with English a click away", async () => {
    const pass = await signPass(await ring(), { lane: "booking", seq: 5, exp: NOW + 60_000 });
    const res = await app.request("/", { headers: { "x-wr-pass": pass } });
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain("사전예약 바로가기");
    expect(html).toContain('href="/?lang=en"');
  });

  it("accepts a pass only on its own lane's paths (wrangler.toml's lane table)", async () => {
    const laned = createApp({ config: loadConfig({ ...ORIGIN_TEST_ENV, LANES: wranglerVar("LANES") }), db: database.db, clock: () => NOW });
    const lookupPass = await signPass(await ring(), { lane: "lookup", seq: 1, exp: NOW + 60_000 });
    const bookingPass = await signPass(await ring(), { lane: "booking", seq: 1, exp: NOW + 60_000 });
    const at = async (path: string, pass: string) =>
      (await laned.request(path, { headers: { "x-wr-pass": pass, accept: "application/json" } })).status;
    expect(await at("/lookup", lookupPass)).toBe(200);
    expect(await at("/api/pass", lookupPass)).toBe(403);
    expect(await at("/book", lookupPass)).toBe(403);
    expect(await at("/api/pass", bookingPass)).toBe(200);
    expect(await at("/lookup", bookingPass)).toBe(403);
    expect(() => loadConfig({ ...ORIGIN_TEST_ENV, LANES: '[{"name":"x"}]' })).toThrow(/LANES/);
  });

  it("keeps health open", async () => {
    const { status, body } = await get("/health");
    expect(status).toBe(200);
    expect(body).toMatchObject({ ok: true });
  });
});

describe("origin config", () => {
  it("fails fast and names the setting", () => {
    expect(() => loadConfig({})).toThrow(/PASS_SECRET: is required/);
    expect(() => loadConfig({ ...ORIGIN_TEST_ENV, PASS_SECRET: "short" })).toThrow(/PASS_SECRET: must be at least 16/);
    expect(() => loadConfig({ ...ORIGIN_TEST_ENV, ORIGIN_PORT: "http" })).toThrow(/ORIGIN_PORT/);
    expect(() => loadConfig({ ...ORIGIN_TEST_ENV, RRN_ENC_KEY: undefined })).toThrow(/RRN_ENC_KEY: is required/);
    expect(() => loadConfig({ ...ORIGIN_TEST_ENV, NOTIFY_SMS_URL: "sms-gateway" })).toThrow(/NOTIFY_SMS_URL: must be an http/);
  });

  it("needs every notification gateway in production, and none in development", () => {
    expect(() => loadConfig({ ...PRODUCTION_ENV, NOTIFY_NAVER_URL: undefined })).toThrow(/NOTIFY_NAVER_URL: is required in production/);
    expect(loadConfig(PRODUCTION_ENV).notify.endpoints).toEqual({
      kakao: "http://127.0.0.1:9/kakao",
      naver: "http://127.0.0.1:9/naver",
      sms: "http://127.0.0.1:9/sms",
    });
    expect(loadConfig(ORIGIN_TEST_ENV).notify.endpoints).toEqual({ kakao: undefined, naver: undefined, sms: undefined });
  });

  it("has sensible defaults", () => {
    expect(loadConfig({ ...ORIGIN_TEST_ENV, APP_ENV: undefined })).toMatchObject({
      host: "127.0.0.1",
      port: 8788,
      appEnv: "development",
      lane: "booking",
      otpTtlMs: 180_000,
    });
  });
});
