import { env, SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { keyring, signPass, signTicket } from "../../lib/tokens";
import { cachedSchedule, forget, remember } from "../../worker/edge/snapshot";
import { initialSchedule } from "../../worker/queue/admission";
import { BASE, freshQueue, Jar, operator, visit, visitJson } from "./helpers";

beforeEach(() => freshQueue({ ratePerSec: 0 }));

describe("arrivals", () => {
  it("gives 200 concurrent first visits 200 distinct, gap-free numbers", async () => {
    const seqs = await Promise.all(Array.from({ length: 200 }, async () => (await visitJson(new Jar())).body.seq as number));
    expect(seqs.sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it("sets an HttpOnly, SameSite=Lax ticket cookie and answers JSON clients with their place", async () => {
    const res = await SELF.fetch(`${BASE}/book`, { headers: { accept: "application/json" } });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("wr_ticket="))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ code: "waiting_room", state: "waiting", position: 1, ahead: 0, behind: 0, serving: 0, issued: 1 });
    for (const k of ["etaSeconds", "ratePerSec", "pollAfterMs"]) expect(body).toHaveProperty(k);
  });
});

describe("keeping your place", () => {
  it("keeps the same number on refresh, in a second tab and through /_wr/status", async () => {
    await visitJson(new Jar()); // someone ahead
    const me = new Jar();
    const first = (await visitJson(me)).body.seq;
    await visitJson(new Jar()); // someone behind
    expect((await visitJson(me)).body.seq).toBe(first); // refresh
    const secondTab = new Jar({ wr_ticket: me.get("wr_ticket")! });
    expect((await visitJson(secondTab)).body.seq).toBe(first);
    const status = await (await visit(me, "/_wr/status")).json();
    expect(status).toMatchObject({ state: "waiting", seq: first, position: 2, ahead: 1, behind: 1 });
  });

  it("gives a fresh place, never an error, for a forged, tampered, truncated, expired or wrong-key ticket", async () => {
    const real = new Jar();
    await visitJson(real);
    const good = real.get("wr_ticket")!;
    const stranger = await keyring("a-key-nobody-configured-123");
    const ticketRing = await keyring(env.TICKET_SECRET);
    const expired = await signTicket(ticketRing, { lane: "booking", shard: 0, seq: 1, iat: Date.now() - 2 * 86_400_000, s0: 0 });
    const otherLane = await signTicket(ticketRing, { lane: "lookup", shard: 0, seq: 1, iat: Date.now(), s0: 0 });
    const bad = [
      "forged",
      good.slice(0, -3) + (good.endsWith("AAA") ? "BBB" : "AAA"),
      good.slice(0, 20),
      expired,
      otherLane,
      await signTicket(stranger, { lane: "booking", shard: 0, seq: 1, iat: Date.now(), s0: 0 }),
      "%E0%A4%A",
    ];
    let expected = 2;
    for (const token of bad) {
      const jar = new Jar({ wr_ticket: token });
      const { res, body } = await visitJson(jar);
      expect(res.status).toBe(429);
      expect(body.seq).toBe(expected++);
      expect(jar.get("wr_ticket")).not.toBe(token);
    }
  });
});

describe("admission", () => {
  it("admits at the set rate: the pass reaches the origin, which sees the same number", async () => {
    const me = new Jar();
    const seq = (await visitJson(me)).body.seq;
    await operator("/config", { ratePerSec: 1000 });
    await new Promise((r) => setTimeout(r, 20));
    const { res, body } = await visitJson(me);
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ lane: "booking", seq });
    expect(me.get("wr_pass")).toBeTruthy();
    expect(me.get("wr_ticket")).toBeUndefined(); // used up: the pass is what counts now
    const passCookie = res.headers.getSetCookie().find((c) => c.startsWith("wr_pass="))!;
    // Kept by the browser through the pass's idle time and its grace period after it (readmission).
    expect(passCookie).toMatch(new RegExp(`Max-Age=${Number(env.PASS_TTL_SECONDS) + Number(env.PASS_GRACE_SECONDS)}`));
    expect(passCookie).toMatch(/HttpOnly/);
  });

  it("lets a pass holder finish even after the operator pauses the queue", async () => {
    await operator("/config", { ratePerSec: 1000 });
    const me = new Jar();
    expect((await visitJson(me)).res.status).toBe(200);
    await operator("/config", { paused: true });
    const { res } = await visitJson(me);
    expect(res.status).toBe(200);
    const status = await (await visit(me, "/_wr/status")).json();
    expect(status).toMatchObject({ state: "admitted" });
    const late = await visitJson(new Jar());
    expect(late.body).toMatchObject({ state: "paused", etaSeconds: null });
  });

  it("sets the pass from /_wr/status once the line reaches you", async () => {
    const me = new Jar();
    await visitJson(me);
    await operator("/config", { ratePerSec: 1000 });
    await new Promise((r) => setTimeout(r, 20));
    const res = await visit(me, "/_wr/status");
    expect(await res.json()).toMatchObject({ state: "admitted", position: 0 });
    expect(me.get("wr_pass")).toBeTruthy();
    expect((await visitJson(me)).res.status).toBe(200);
  });

  it("treats a forged, expired or wrong-key pass as no pass", async () => {
    const passRing = await keyring(env.PASS_SECRET);
    const ticketRing = await keyring(env.TICKET_SECRET);
    const expired = await signPass(passRing, { lane: "booking", seq: 1, exp: Date.now() - 1 });
    const wrongKey = await signPass(ticketRing, { lane: "booking", seq: 1, exp: Date.now() + 60_000 });
    const otherLane = await signPass(passRing, { lane: "lookup", seq: 1, exp: Date.now() + 60_000 });
    for (const token of ["forged.pass.token", expired, wrongKey, otherLane]) {
      const jar = new Jar({ wr_pass: token });
      const { res, body } = await visitJson(jar);
      expect(res.status).toBe(429);
      expect(body.code).toBe("waiting_room");
      expect(jar.get("wr_pass")).toBeUndefined(); // the bad cookie is cleared
    }
  });

  it("does not let a client smuggle its own X-WR-Pass header past the edge", async () => {
    const passRing = await keyring(env.PASS_SECRET);
    const forged = await signPass(passRing, { lane: "booking", seq: 99, exp: Date.now() + 60_000 });
    // A valid-looking header is ignored: only the cookie the edge itself issued counts, and the edge
    // overwrites the header with that pass when it forwards.
    const res = await SELF.fetch(`${BASE}/api/pass`, { headers: { accept: "application/json", "x-wr-pass": forged } });
    expect(res.status).toBe(429);
  });
});

describe("status", () => {
  it("gives a visitor without a ticket a place rather than an error", async () => {
    const res = await SELF.fetch(`${BASE}/_wr/status`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toMatchObject({ state: "waiting", seq: 1 });
  });

  it("answers unknown /_wr paths with 404 JSON", async () => {
    const res = await SELF.fetch(`${BASE}/_wr/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: "not_found" });
  });
});

describe("the edge's snapshot", () => {
  it("is refreshed when older than the ticket it must judge, so nobody waits behind later arrivals", async () => {
    await visitJson(new Jar()); // number 1 through this isolate: its snapshot says 1 issued, rate 0
    const stub = env.QUEUE.get(env.QUEUE.idFromName("booking:0"));
    // Behind this isolate's back, as through another isolate: one more arrival, then the door opens wide.
    const { seq } = await stub.issue();
    await stub.configure({ ratePerSec: 100_000 });
    await new Promise((r) => setTimeout(r, 20));
    const ticket = await signTicket(await keyring(env.TICKET_SECRET), { lane: "booking", shard: 0, seq, iat: Date.now(), s0: 0 });
    const res = await SELF.fetch(`${BASE}/_wr/status`, { headers: { cookie: `wr_ticket=${ticket}` } });
    expect(await res.json()).toMatchObject({ seq: 2, state: "admitted" });
  });

  it("does not judge a newer ticket by an old copy while another request refreshes it", async () => {
    const stub = env.QUEUE.get(env.QUEUE.idFromName("booking:0"));
    await stub.issue();
    await stub.issue();
    const now = Date.now();
    forget("booking", 0);
    remember("booking", 0, { ...initialSchedule(0, now - 5000), issued: 1, rev: 1 }, now - 5000);
    const refreshing = cachedSchedule(env, "booking", 0, now, 1000); // stale: starts a refresh
    expect(refreshing).toBeInstanceOf(Promise);
    // An old ticket may be answered from the old copy meanwhile; number 2 needs a read of its own.
    expect(cachedSchedule(env, "booking", 0, now, 1000, 1)).not.toBeInstanceOf(Promise);
    const own = cachedSchedule(env, "booking", 0, now, 1000, 2);
    expect(own).toBeInstanceOf(Promise);
    expect((await own).issued).toBe(2);
    await refreshing;
  });
});
