/**
 * A pass is one person's journey: its ticket admits once, it carries one person's pace, it renews while its
 * holder is active (never past its end), a pass that lapsed a short while ago readmits its holder at once,
 * and it ends when the origin says the journey is done. Admitted requests really reach the origin.
 */
import { env, SELF } from "cloudflare:test";
import { Hono } from "hono";
import { beforeEach, describe, expect, it } from "vitest";
import { keyring, type PassClaims, signPass, signTicket } from "../../lib/tokens";
import type { AppEnv } from "../../worker/app-env";
import { withCookies } from "../../worker/edge/cookies";
import { fromOrigin } from "../../worker/edge/passes";
import { BASE, counterOf, freshQueue, Jar, operator, passOf, stats, visit, visitJson } from "./helpers";

beforeEach(() => freshQueue({ ratePerSec: 0 }));

const IDLE = Number(env.PASS_TTL_SECONDS) * 1000;
const GRACE = Number(env.PASS_GRACE_SECONDS) * 1000;
const MAX = Number(env.PASS_MAX_SECONDS) * 1000;
const json = (addr: string) => ({ accept: "application/json", "cf-connecting-ip": addr });

/** Someone admitted through the line: a jar holding a real pass (and the ticket it was minted from). */
async function admitted(addr = "198.51.100.1"): Promise<{ jar: Jar; ticket: string }> {
  const jar = new Jar();
  await visit(jar, "/api/pass", json(addr));
  const ticket = jar.get("wr_ticket")!;
  await operator("/config", { ratePerSec: 100_000 });
  await new Promise((r) => setTimeout(r, 5));
  const res = await visit(jar, "/api/pass", json(addr));
  expect(res.status).toBe(200);
  await operator("/config", { ratePerSec: 0 });
  return { jar, ticket };
}

async function passFor(claims: PassClaims): Promise<string> {
  return signPass(await keyring(env.PASS_SECRET), claims);
}

describe("a ticket admits once", () => {
  it("answers a replay of an admitted ticket from elsewhere with ticket_used and no place, even with the lane paused", async () => {
    const { jar, ticket } = await admitted("198.51.100.7");
    expect(jar.get("wr_ticket")).toBeUndefined(); // the browser dropped it
    await operator("/config", { paused: true });
    const before = (await stats()).issued;

    const replays = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const thief = new Jar({ wr_ticket: ticket });
        const res = await visit(thief, "/api/pass", json(`203.0.113.${i + 1}`));
        return { res, body: (await res.json()) as Record<string, any>, thief };
      }),
    );
    for (const { res, body, thief } of replays) {
      expect(res.status).toBe(409);
      expect(body).toMatchObject({ code: "ticket_used" });
      expect(body.message).toContain("한 번만 입장");
      expect(thief.get("wr_pass")).toBeUndefined();
      expect(thief.get("wr_ticket")).toBeUndefined(); // cleared: it is of no use
    }
    expect((await stats()).issued).toBe(before); // no place taken

    // A browser gets a page saying what happened; the waiting page's script asks /_wr/status, which says so too.
    const page = await visit(new Jar({ wr_ticket: ticket }), "/book", { "cf-connecting-ip": "203.0.113.99" });
    expect(page.status).toBe(409);
    expect(await page.text()).toContain("이 대기표로는 이미 입장하셨습니다");
    const status = await visit(new Jar({ wr_ticket: ticket }), "/_wr/status", { "cf-connecting-ip": "203.0.113.99" });
    expect(status.status).toBe(409);
    expect(await status.json()).toMatchObject({ code: "ticket_used" });
  });

  it("gives the holder whose answer was lost the very same pass again, from the same address, for a short while", async () => {
    const addr = "198.51.100.8";
    const jar = new Jar();
    await visit(jar, "/api/pass", json(addr));
    const ticket = jar.get("wr_ticket")!;
    await operator("/config", { ratePerSec: 100_000 });
    await new Promise((r) => setTimeout(r, 5));
    // Two tabs (or a retry after a dropped connection) present the ticket at once.
    const [a, b] = await Promise.all([
      visit(new Jar({ wr_ticket: ticket }), "/api/pass", json(addr)),
      visit(new Jar({ wr_ticket: ticket }), "/api/pass", json(addr)),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const pa = a.headers
      .getSetCookie()
      .find((c) => c.startsWith("wr_pass="))!
      .split(";")[0];
    const pb = b.headers
      .getSetCookie()
      .find((c) => c.startsWith("wr_pass="))!
      .split(";")[0];
    expect(pa).toBe(pb); // one journey, not two
    expect((await stats()).activePasses).toBe(1);
  });
});

describe("one person's pace", () => {
  it("lets a pass make about 20 requests per 10 s, then answers 429 with Retry-After, for every copy of the pass", async () => {
    const { jar } = await admitted("198.51.100.9");
    // The limit counts in fixed 10 s windows: a window may turn during the run, so ask until refused.
    let ok = 1; // the admission itself reached the origin
    let refused: Response | undefined;
    while (!refused && ok <= 45) {
      const res = await visit(jar, "/api/pass", json("198.51.100.9"));
      if (res.status === 429) refused = res;
      else {
        expect(res.status).toBe(200);
        ok++;
      }
    }
    expect(ok).toBeGreaterThanOrEqual(20);
    expect(ok).toBeLessThanOrEqual(40);
    expect(refused!.headers.get("retry-after")).toBe("10");
    expect(await refused!.json()).toMatchObject({ code: "too_many_requests", retryAfterSeconds: 10 });

    // A copy of the pass elsewhere shares the allowance; a browser gets a page that tries again by itself.
    const copy = new Jar({ wr_pass: jar.get("wr_pass")! });
    const page = await visit(copy, "/book", { "cf-connecting-ip": "203.0.113.50" });
    expect(page.status).toBe(429);
    const html = await page.text();
    expect(html).toContain("요청이 너무 빠르게 들어왔습니다");
    expect(html).toContain('http-equiv="refresh" content="10"');

    // Another person's pass is not affected.
    const other = await admitted("198.51.100.10");
    expect((await visit(other.jar, "/api/pass", json("198.51.100.10"))).status).toBe(200);
  });
});

describe("a pass lasts the journey", () => {
  it("renews on a request once less than half its idle time is left, as the same journey, never past its end", async () => {
    const now = Date.now();
    const base = { lane: "booking", shard: 0, seq: 5, adm: now - 60_000, end: now - 60_000 + MAX };
    const plenty = await passFor({ ...base, exp: now + IDLE / 2 + 60_000 });
    const jar = new Jar({ wr_pass: plenty });
    expect((await visit(jar, "/api/pass", json("198.51.100.11"))).status).toBe(200);
    expect(jar.get("wr_pass")).toBe(plenty); // more than half left: untouched

    const low = await passFor({ ...base, exp: now + IDLE / 2 - 60_000 });
    jar.set("wr_pass", low);
    const res = await visit(jar, "/api/pass", json("198.51.100.11"));
    expect(res.status).toBe(200);
    const renewed = passOf(jar.get("wr_pass")!);
    expect(renewed).toMatchObject({ lane: "booking", shard: 0, seq: 5, adm: base.adm, end: base.end });
    expect(renewed.exp).toBeGreaterThanOrEqual(now + IDLE);
    expect(renewed.exp).toBeLessThan(Date.now() + IDLE + 1);
    // The origin was handed the renewed pass.
    expect(Date.parse(((await res.json()) as { expiresAt: string }).expiresAt)).toBe(renewed.exp);

    // Near its end a pass renews up to the end, not beyond.
    const ending = await passFor({ ...base, adm: now - MAX + 120_000, end: now + 120_000, exp: now + 60_000 });
    const late = new Jar({ wr_pass: ending });
    expect((await visit(late, "/api/pass", json("198.51.100.11"))).status).toBe(200);
    expect(passOf(late.get("wr_pass")!).exp).toBe(now + 120_000);
  });

  it("readmits at once someone whose pass lapsed within the grace period, and counts them active again", async () => {
    const now = Date.now();
    const lapsed = await passFor({
      lane: "booking",
      shard: 0,
      seq: 9,
      adm: now - 25 * 60_000,
      exp: now - 5 * 60_000,
      end: now - 25 * 60_000 + MAX,
    });
    const jar = new Jar({ wr_pass: lapsed });
    const res = await visit(jar, "/api/pass", json("198.51.100.12"));
    expect(res.status).toBe(200); // straight to the origin: not a new place at the back of the line
    expect(passOf(jar.get("wr_pass")!)).toMatchObject({ seq: 9, adm: now - 25 * 60_000 });
    expect(passOf(jar.get("wr_pass")!).exp).toBeGreaterThanOrEqual(now + IDLE);
    expect(jar.get("wr_ticket")).toBeUndefined();
    expect(await stats()).toMatchObject({ issued: 0, activePasses: 1 });

    // Past the grace period, or past its end, a pass is over: the holder joins the line.
    for (const over of [
      await passFor({ lane: "booking", shard: 0, seq: 10, adm: now - 50 * 60_000, exp: now - GRACE - 1000, end: now + 600_000 }),
      await passFor({ lane: "booking", shard: 0, seq: 11, adm: now - MAX, exp: now - 1000, end: now - 500 }),
    ]) {
      const gone = new Jar({ wr_pass: over });
      const answer = await visit(gone, "/api/pass", json("198.51.100.13"));
      expect(answer.status).toBe(429);
      expect(((await answer.json()) as { code: string }).code).toBe("waiting_room");
      expect(gone.get("wr_pass")).toBeUndefined();
    }
  });

  it("ends when the origin says the journey is done: the header never reaches the browser, the pass is neither renewed nor readmitted", async () => {
    const { jar } = await admitted("198.51.100.14");
    const token = jar.get("wr_pass")!;
    const claims = passOf(token);
    expect((await stats()).activePasses).toBe(1);

    // The origin's answer on its way out (passes.ts `fromOrigin`, as the edge's catch-all route calls it).
    const app = new Hono<AppEnv>().get("/done", async (c) => {
      const out = await fromOrigin(
        c,
        new Response("booked", { headers: { "x-wr-command": "revoke", "x-kept": "yes" } }),
        { token, claims },
        "wr_pass",
        ["wr_pass=renewed; Path=/", "other=1; Path=/"],
      );
      return withCookies(out.res, out.cookies);
    });
    const res = await app.request(`${BASE}/done`, {}, env);
    expect(await res.text()).toBe("booked");
    expect(res.headers.get("x-wr-command")).toBeNull();
    expect(res.headers.get("x-kept")).toBe("yes");
    const set = res.headers.getSetCookie();
    expect(set).toContain("other=1; Path=/");
    expect(set.filter((c) => c.startsWith("wr_pass="))).toEqual([expect.stringMatching(/^wr_pass=;.*Max-Age=0/)]);
    expect((await stats()).activePasses).toBe(0);

    // A copy of that pass cannot renew or be readmitted: its holder joins the line.
    const now = Date.now();
    for (const copy of [await passFor({ ...claims, exp: now + 60_000 }), await passFor({ ...claims, exp: now - 60_000 })]) {
      const holder = new Jar({ wr_pass: copy });
      const answer = await visit(holder, "/api/pass", json("203.0.113.60"));
      expect(answer.status).toBe(429);
      expect(holder.get("wr_pass")).toBeUndefined();
    }
    expect(await counterOf().extend(claims.seq, claims.exp, now + IDLE)).toMatchObject({ outcome: "ended" });
  });
});

describe("cookies of one name", () => {
  it("counts any valid one: a planted bad pass or ticket beside a good one locks nobody out", async () => {
    const { jar } = await admitted("198.51.100.15");
    const pass = jar.get("wr_pass")!;
    const res = await SELF.fetch(`${BASE}/api/pass`, { headers: { ...json("198.51.100.15"), cookie: `wr_pass=garbage; wr_pass=${pass}` } });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie().filter((c) => c.startsWith("wr_pass="))).toEqual([]); // nothing cleared

    const waiting = new Jar();
    const first = await visitJson(waiting);
    const ticket = waiting.get("wr_ticket")!;
    const forged = await signTicket(await keyring("a-key-nobody-configured-123"), {
      lane: "booking",
      shard: 0,
      seq: 1,
      iat: Date.now(),
      s0: 0,
    });
    const again = await SELF.fetch(`${BASE}/api/pass`, {
      headers: { accept: "application/json", cookie: `wr_ticket=${forged}; wr_ticket=${ticket}` },
    });
    expect(((await again.json()) as { seq: number }).seq).toBe(first.body.seq);
    expect((await stats()).issued).toBe(first.body.issued);
  });
});
