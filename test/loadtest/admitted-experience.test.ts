/**
 * What the rehearsal says about admitted people's experience: the steady p95 of their requests, the
 * bookings per second over the span they were booking, people who gave up after a click timed out (the
 * harness's click timeout aborts the request), the report's verdicts on them, and the origin slowdown plan.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTimedOut, networkCode, timedOutReason } from "../../loadtest/citizen";
import { htmlReport } from "../../loadtest/html";
import { CLICK_TIMEOUT, Client, IDLE_CONNECTION_MS } from "../../loadtest/http";
import { abandonAfterOption, parseAutopilot } from "../../loadtest/options";
import { parseSlowdownPlan } from "../../loadtest/origin-control";
import { bookingRate, percentileFrom } from "../../loadtest/stats";
import { reportOf } from "./report-fixture";

describe("admitted people's latency once the run is steady", () => {
  it("takes the p95 of the requests answered from the given moment on", () => {
    // The first 20 s: slow start-up; after it, 100 requests of 1..100 ms.
    const early = Array.from({ length: 50 }, (_, i) => ({ at: i * 100, ms: 9000 }));
    const steady = Array.from({ length: 100 }, (_, i) => ({ at: 20_000 + i * 10, ms: i + 1 }));
    expect(percentileFrom([...early, ...steady], 20_000, 95)).toBe(95);
    expect(percentileFrom([...early, ...steady], 0, 95)).toBe(9000);
    expect(percentileFrom(early, 20_000, 95)).toBe(0);
  });
});

describe("bookings per second", () => {
  it("counts from the first admission to the last booking, so late first bookings do not shorten the span", () => {
    // 100 people admitted from 0 s; bookings spread over 10..20 s (an overloaded origin booking nobody at first).
    const late = Array.from({ length: 100 }, (_, i) => ({ admittedAt: i * 10, bookedAt: 10_000 + i * 100 }));
    expect(bookingRate(late)).toEqual({ perSec: 100 / 19.9, booked: 100, from: 0, to: 19_900 });
    // The same 100 bookings spread evenly from 1 s on: about the same rate.
    const even = Array.from({ length: 100 }, (_, i) => ({ admittedAt: i * 10, bookedAt: 1000 + i * 190 }));
    expect(bookingRate(even).perSec).toBeCloseTo(100 / 19.81, 5);
    // People who did not book count in neither; nobody booked: no rate.
    expect(bookingRate([{ admittedAt: 0 }, { admittedAt: 5 }, {}])).toEqual({ perSec: null, booked: 0, from: null, to: null });
    expect(bookingRate([{ admittedAt: 1000, bookedAt: 1200 }]).perSec).toBe(1);
  });
});

describe("the click timeout", () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === "/slow") return; // never answers
      res.setHeader("content-type", "application/json");
      res.end('{"ok":true}');
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it("aborts a request with no answer by then, and answers click_timeout after that long", async () => {
    const client = new Client(base, 2);
    const slow = await client.call("GET", "/slow", { timeoutMs: 300 });
    expect(slow.status).toBe(0);
    expect(slow.body).toEqual({ code: CLICK_TIMEOUT });
    expect(slow.ms).toBeGreaterThanOrEqual(290);
    expect(slow.ms).toBeLessThan(2000);
    // The pool goes on serving after an abandoned request.
    expect(await client.call("GET", "/fast", { timeoutMs: 300 })).toMatchObject({ status: 200, body: { ok: true } });
    await client.close();
  });

  it("names the people who gave up after a timeout by their reason", () => {
    expect(timedOutReason("/api/identity/start")).toBe("click_timeout:/api/identity/start");
    expect(isTimedOut(timedOutReason("/api/holds"))).toBe(true);
    expect(isTimedOut("hold:slot_full")).toBe(false);
  });
});

describe("the harness's connections", () => {
  it("closes an idle connection itself before a server that hangs up on idle ones (as workerd does at 5 s) can reset a request on it", async () => {
    let connections = 0;
    const server = createServer((_req, res) => res.end("{}"));
    server.keepAliveTimeout = 5000;
    server.on("connection", () => connections++);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const client = new Client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 1);
    try {
      expect((await client.call("GET", "/")).status).toBe(200);
      expect((await client.call("GET", "/")).status).toBe(200);
      expect(connections).toBe(1); // busy: one connection serves one request after another
      await new Promise((r) => setTimeout(r, IDLE_CONNECTION_MS + 1800));
      expect((await client.call("GET", "/")).status).toBe(200);
      expect(connections).toBe(2); // idle past the harness's limit, well inside the server's: a new connection
    } finally {
      await client.close();
      server.closeAllConnections();
      server.close();
    }
  });

  it("names a request that got no answer by its socket's error code", () => {
    expect(networkCode(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }))).toBe("network (ECONNRESET)");
    expect(networkCode(new TypeError("fetch failed", { cause: { code: "UND_ERR_SOCKET" } }))).toBe("network (UND_ERR_SOCKET)");
    expect(networkCode(new Error("something else"))).toBe("network");
  });
});

describe("the origin slowdown plan", () => {
  it("reads seconds, extra time and, optionally, lines, in time order", () => {
    expect(parseSlowdownPlan("")).toEqual([]);
    expect(parseSlowdownPlan("30:2000")).toEqual([{ atSec: 30, identityCheckExtraMs: 2000, identityCheckLines: null }]);
    expect(parseSlowdownPlan("90:0, 30:50:2")).toEqual([
      { atSec: 30, identityCheckExtraMs: 50, identityCheckLines: 2 },
      { atSec: 90, identityCheckExtraMs: 0, identityCheckLines: null },
    ]);
    for (const bad of ["30", "30:x", "-1:100", "30:100:0", "30:1.5", "30:60001", "30:100:2:3", "30:100,", "30:", ":100", "30: :1"]) {
      expect(parseSlowdownPlan(bad), bad).toHaveProperty("problem");
    }
  });
});

describe("the other colon-separated options", () => {
  it("read an empty field as a mistake, never as zero, and keep rates within what the edge accepts", () => {
    expect(parseAutopilot("5:300", 1500)).toEqual({ targetP95Ms: 1500, minRate: 5, maxRate: 300 });
    expect(parseAutopilot("off", 1500)).toBeNull();
    for (const bad of [":300", "5:", "300:5", "5:300:1", "5:200000", "x:1"])
      expect(parseAutopilot(bad, 1500), bad).toHaveProperty("problem");
    expect(abandonAfterOption.safeParse("5:60")).toEqual({ success: true, data: [5, 60] });
    for (const bad of [":60", "5:", "60:5", "5"]) expect(abandonAfterOption.safeParse(bad).success, bad).toBe(false);
  });
});

describe("the HTML report's verdicts on admitted people", () => {
  const report = reportOf;
  const verdict = (html: string, label: string) => new RegExp(`<td>${label}[^<]*</td><td class="(ok|bad|na)">`).exec(html)?.[1];

  it("is green when the steady p95 is under the target and nobody timed out, red otherwise", () => {
    const fine = htmlReport(report({}));
    expect(verdict(fine, "Admitted people&#39;s requests: p95 after the first 20 s")).toBe("ok");
    expect(verdict(fine, "Admitted people who gave up after a click got no answer in 30 s")).toBe("ok");
    expect(fine).toContain("2.50 (0.5–4.5 s)");
    const slow = htmlReport(report({ originP95SteadyMs: 8300 }));
    expect(verdict(slow, "Admitted people&#39;s requests: p95 after the first 20 s")).toBe("bad");
    const timedOut = htmlReport(report({ timedOutAfterAdmit: 1, droppedAfterAdmit: 1 }));
    expect(verdict(timedOut, "Admitted people who gave up after a click got no answer in 30 s")).toBe("bad");
    const slowed = htmlReport(
      report({ originSlowdown: [{ atSec: 30, identityCheckExtraMs: 2000, identityCheckLines: null, applied: true }] }),
    );
    expect(slowed).toContain("from 30 s: +2,000 ms");
    expect(slowed).toContain("identity check slowdown");
  });
});
