/**
 * A scheduled opening end to end at the edge: the countdown before it, the pre-queue drawn at it, the
 * commitment and the revealed seed, and every place recomputed from the published steps by code written
 * here, apart from the worker's (WebCrypto's HMAC, not the worker's library).
 */
import { SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { BASE, freshQueue, Jar, linked, operator, visit, visitJson } from "./helpers";

beforeEach(() => freshQueue({ ratePerSec: 0.5 }));

const enc = new TextEncoder();
const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
const bytes = (h: string) => new Uint8Array(h.match(/../g)!.map((b) => parseInt(b, 16)));

/** The place of ticket `number` as /_wr/fairness describes it, step by step. */
async function recompute(seedHex: string, lane: string, shard: number, preFrom: number, preTo: number, number: number): Promise<number> {
  const n = preTo - preFrom;
  let x = number - preFrom - 1;
  if (n === 1) return preFrom + 1;
  const key = await crypto.subtle.importKey("raw", bytes(seedHex), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const h = Math.max(1, Math.ceil(Math.ceil(Math.log2(n)) / 2));
  const mask = 2 ** h - 1;
  do {
    let L = x >> h;
    let R = x & mask;
    for (let r = 0; r < 4; r++) {
      const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(`${lane}:${shard}:${r}:${R}`)));
      const f = new DataView(mac.buffer).getUint32(0) & mask;
      [L, R] = [R, L ^ f];
    }
    x = (L << h) | R;
  } while (x >= n);
  return preFrom + 1 + x;
}

async function fairness(jar?: Jar) {
  const res = await SELF.fetch(`${BASE}/_wr/fairness?format=json`, { headers: jar ? { cookie: jar.header() } : {} });
  expect(res.status).toBe(200);
  return (await res.json()) as { shards: any[]; yourTicket: any; how: string[] };
}

describe("a scheduled opening", () => {
  it("counts down, draws the pre-queue at the opening, and lets anyone recompute every place", async () => {
    const early = new Jar();
    await visitJson(early); // number 1, before any opening is scheduled (served first come, first served)
    const opensAt = Date.now() + 2500;
    const scheduled = await operator("/config", { opensAt: new Date(opensAt).toISOString() });
    expect(scheduled.status).toBe(200);
    expect(await scheduled.json()).toMatchObject({ opensAt: new Date(opensAt).toISOString(), preQueued: 0 });

    const before = await fairness();
    expect(before.shards[0]).toMatchObject({ state: "scheduled", seed: null, preFrom: 1, preTo: null });
    expect(before.shards[0].commitment).toMatch(/^[0-9a-f]{64}$/);
    expect(before.how.join(" ")).toMatch(/HMAC-SHA256/);

    // 40 people come before the opening: a countdown, no number yet, and the pre-queue growing.
    const jars = Array.from({ length: 40 }, () => new Jar());
    for (const [i, jar] of jars.entries()) {
      const { res, body } = await visitJson(jar);
      expect(res.status).toBe(429);
      expect(body).toMatchObject({ state: "before_open", seq: 0, position: 0, preQueued: i + 1 });
      expect(body.opensInSeconds).toBeGreaterThanOrEqual(1);
      expect(body.opensInSeconds).toBeLessThanOrEqual(3);
    }
    const page = await visit(jars[0]!, "/");
    const html = await page.text();
    expect(html).toContain("예약 시작 전입니다");
    expect(html).toContain('id="wr-countdown"');
    expect(html).toContain("/_wr/fairness?lane=booking");
    expect(await (await visit(jars[0]!, "/?lang=en")).text()).toContain("Booking has not opened yet");
    const mine = await fairness(jars[7]);
    expect(mine.yourTicket).toMatchObject({ shard: 0, number: 9, inPreQueue: true, place: null });

    await new Promise((r) => setTimeout(r, Math.max(0, opensAt - Date.now()) + 50));
    const late = new Jar();
    const lateBody = (await visitJson(late)).body;
    expect(lateBody).toMatchObject({ state: "waiting", seq: 42 }); // after all 40 of the pre-queue

    const after = await fairness();
    const shard = after.shards[0];
    expect(shard).toMatchObject({ state: "drawn", preFrom: 1, preTo: 41, preQueued: 40, commitment: before.shards[0].commitment });
    expect(hex(await crypto.subtle.digest("SHA-256", bytes(shard.seed)))).toBe(shard.commitment);

    const places: number[] = [];
    for (const [i, jar] of jars.entries()) {
      const status = (await visitJson(jar, "/_wr/status")).body;
      const expected = await recompute(shard.seed, "booking", 0, 1, 41, i + 2);
      expect(status.seq).toBe(expected);
      places.push(status.seq);
    }
    expect([...places].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 2)); // 2..41, once each
    expect(places).not.toEqual([...places].sort((a, b) => a - b)); // drawn, not by arrival
    const audit = await (await SELF.fetch(`${BASE}/_wr/fairness?lane=booking`)).text();
    expect(await linked(audit, "style")).toContain("font:18px/1.6 system-ui,-apple-system,Segoe UI"); // the style as written, not HTML-escaped
    const yours = await fairness(jars[7]);
    expect(yours.yourTicket).toMatchObject({ number: 9, inPreQueue: true, place: places[7] });
    // Number 1 came before the opening was scheduled: held until the opening, then first.
    expect((await visitJson(early, "/_wr/status")).body).toMatchObject({ seq: 1, position: 1, ahead: 0 });
  });

  it("refuses a new opening while the last pre-queue waits, and refuses bad times with a message", async () => {
    expect((await operator("/config", { opensAt: "now" })).status).toBe(200);
    await visitJson(new Jar()); // after "now": an ordinary arrival
    expect((await operator("/config", { opensAt: new Date(Date.now() + 60_000).toISOString() })).status).toBe(200);
    for (let i = 0; i < 3; i++) await visitJson(new Jar());
    expect((await operator("/config", { opensAt: "now" })).status).toBe(200); // moved to now: drawn
    const again = await operator("/config", { opensAt: new Date(Date.now() + 60_000).toISOString() });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: "opening_in_progress" });
    for (const [opensAt, message] of [
      ["tomorrow 8pm", /ISO 8601/],
      ["2021-07-19T20:00:00", /ISO 8601/],
      [new Date(Date.now() - 3600_000).toISOString(), /in the past/],
      [new Date(Date.now() + 90 * 86400_000).toISOString(), /30 days/],
      [12345, /ISO 8601/],
    ] as const) {
      const res = await operator("/config", { opensAt });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toMatch(message);
    }
  });
});
