/**
 * An admitted person whose origin is away: the edge answers at once with 503 origin_unavailable and
 * Retry-After (a page that tries again by itself, or JSON), never a hang or a bare 502, and keeps their
 * admission; the origin's own 5xx answers pass through. The app runs here with ORIGIN_URL pointed at a
 * port nothing listens on, or at an origin that never answers (test/origin-for-worker.ts).
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { createWorkerApp } from "../../worker/index";
import { BASE, freshQueue, Jar, visit } from "./helpers";

const NOTHING_LISTENS = "http://127.0.0.1:9";
const app = createWorkerApp();

/** A request to the edge whose origin is at `originUrl`, carrying and updating the jar. */
async function via(
  originUrl: string,
  jar: Jar,
  path: string,
  init: RequestInit & { headers?: Record<string, string> } = {},
  more: Record<string, string> = {},
) {
  const ctx = createExecutionContext();
  const request = new Request(`${BASE}${path}`, { ...init, headers: { cookie: jar.header(), ...init.headers }, redirect: "manual" });
  const res = await app.fetch(request, { ...env, ORIGIN_URL: originUrl, ...more }, ctx);
  await waitOnExecutionContext(ctx);
  jar.take(res);
  return res;
}

const JSON_ACCEPT = { accept: "application/json" };
const PAGE_ACCEPT = { accept: "text/html,application/xhtml+xml,*/*;q=0.8" };

beforeEach(() => freshQueue({ ratePerSec: 1000 }));

describe("while the origin is down", () => {
  it("answers an admitted script at once with 503 origin_unavailable and Retry-After, and keeps the admission", async () => {
    const jar = new Jar();
    const started = Date.now();
    const res = await via(NOTHING_LISTENS, jar, "/api/pass", { headers: JSON_ACCEPT });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ code: "origin_unavailable", retryAfterSeconds: 5 });
    expect(body.message).toContain("잠시 후 다시 시도해 주세요");
    // The pass minted on this very request still reached the browser ...
    expect(jar.get("wr_pass")).toBeTruthy();
    // ... so when the origin is back, the retry goes straight through, not back into the line.
    const retry = await visit(jar, "/api/pass", JSON_ACCEPT);
    expect(retry.status).toBe(200);
    expect(await retry.json()).toMatchObject({ lane: "booking" });
  });

  it("answers in English when asked", async () => {
    const res = await via(NOTHING_LISTENS, new Jar(), "/api/pass", { headers: { ...JSON_ACCEPT, "accept-language": "en-US,en;q=0.9" } });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { message: string }).message).toContain("Please try again in a moment");
  });

  it("shows a browser a Korean page that tries the same address again after Retry-After", async () => {
    const res = await via(NOTHING_LISTENS, new Jar(), "/book?step=who", { headers: PAGE_ACCEPT });
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(res.headers.get("retry-after")).toBe("5");
    const html = await res.text();
    expect(html).toContain('<html lang="ko">');
    expect(html).toContain("예약 시스템이 잠시 응답하지 않습니다");
    expect(html).toContain("잠시 후 다시 시도해 주세요");
    expect(html).toContain("5초 뒤에 이 화면이 스스로 다시 시도합니다");
    expect(html).toContain('<meta http-equiv="refresh" content="5;url=/book?step=who"');
    expect(html).toContain('href="/book?step=who&amp;lang=en"');
    expect(html).not.toContain("확인하지 못했습니다"); // nothing was sent
  });

  it("shows the page in the language the person was reading at the origin, or the one asked for", async () => {
    const fromCookie = await (await via(NOTHING_LISTENS, new Jar({ lang: "en" }), "/book", { headers: PAGE_ACCEPT })).text();
    expect(fromCookie).toContain('<html lang="en">');
    expect(fromCookie).toContain("The booking service is not answering right now");
    expect(fromCookie).toContain("This page tries again by itself in 5 seconds");
    const asked = await (await via(NOTHING_LISTENS, new Jar({ lang: "en" }), "/book?lang=ko", { headers: PAGE_ACCEPT })).text();
    expect(asked).toContain('<html lang="ko">');
  });

  it("after a form was sent, says it may not have arrived and goes back to the form's page, never another site", async () => {
    const form = { method: "POST", body: "slot=1", headers: { ...PAGE_ACCEPT, "content-type": "application/x-www-form-urlencoded" } };
    const res = await via(NOTHING_LISTENS, new Jar(), "/book/confirm", {
      ...form,
      headers: { ...form.headers, referer: `${BASE}/book/confirm?hold=9` },
    });
    expect(res.status).toBe(503);
    const html = await res.text();
    expect(html).toContain("보내신 내용이 처리되었는지 확인하지 못했습니다");
    expect(html).toContain('content="5;url=/book/confirm?hold=9"');
    const foreign = await via(NOTHING_LISTENS, new Jar(), "/book/confirm", {
      ...form,
      headers: { ...form.headers, referer: "https://evil.example/x" },
    });
    expect(await foreign.text()).toContain('content="5;url=/"');
  });

  it("answers a stalled origin after ORIGIN_TIMEOUT_SECONDS instead of hanging", async () => {
    const started = Date.now();
    const res = await via(inject("troubledOriginUrl"), new Jar(), "/api/pass", { headers: JSON_ACCEPT }, { ORIGIN_TIMEOUT_SECONDS: "1" });
    const took = Date.now() - started;
    expect(res.status).toBe(503);
    expect(((await res.json()) as { code: string }).code).toBe("origin_unavailable");
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(5000);
  });

  it("passes the origin's own 502, 503 and 504 through untouched", async () => {
    for (const status of [502, 503, 504]) {
      const res = await via(inject("troubledOriginUrl"), new Jar(), `/status/${status}`, { headers: JSON_ACCEPT });
      expect(res.status).toBe(status);
      expect(res.headers.get("retry-after")).toBe("7");
      expect(await res.json()).toEqual({ code: "database_unavailable", message: "origin's own answer" });
    }
  });
});
