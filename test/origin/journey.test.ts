/**
 * A pass is one person's journey at the origin: bound to the first identity verified through it (a second
 * person gets `409 pass_in_use`, a proxy booking is the same journey), ended with `X-WR-Command: revoke` when
 * the journey is done, and the booking pages count down the real limit (the earlier of the verification's
 * end and the pass's end).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyring, type PassInput, signPass } from "../../lib/tokens";
import { bindJourney, journeyHolder } from "../../origin/journey/bindings";
import { deleteEndedJourneys } from "../../origin/maintenance/queries";
import { TEST_SECRETS } from "../secrets";
import { type Bench, bookingBench, makeRrn } from "./booking";
import { clientHeaders } from "./clients";
import { verifiedPerson } from "./sessions";

let b: Bench;
beforeAll(async () => {
  b = await bookingBench();
}, 120_000);
afterAll(() => b?.database.close());

let seq = 1000;
/** A pass as the edge mints it: its own journey (ticket number, admission time), 20 minutes idle, 60 at most. */
async function journeyPass(over: Partial<PassInput> = {}): Promise<string> {
  const adm = b.clock.now - 60_000;
  return signPass(await keyring(TEST_SECRETS.PASS_SECRET), {
    lane: "booking",
    shard: 0,
    seq: seq++,
    adm,
    exp: adm + 20 * 60_000,
    end: adm + 60 * 60_000,
    ...over,
  });
}

let phoneNo = 0;
/** Starts (and, if the code is sent, completes) an identity check through `pass`. */
async function verify(pass: string, who: { rrn: string; phone: string; name?: string }) {
  const headers = { "x-wr-pass": pass, ...(await clientHeaders(b)) };
  const start = await b.call("POST", "/api/identity/start", {
    headers,
    body: { name: who.name ?? "홍길동", rrn: who.rrn, phone: who.phone },
  });
  if (start.status !== 201) return { start, verify: null };
  const otp = await b.call("GET", `/api/dev/otp?phone=${who.phone}`, { headers });
  const verify = await b.call("POST", "/api/identity/verify", {
    headers,
    body: { challengeId: start.body.challengeId, code: otp.body.code },
  });
  return { start, verify };
}
const someone = () => ({ rrn: makeRrn("1965-03-15"), phone: `0105555${String(++phoneNo).padStart(4, "0")}` });

describe("one pass, one person", () => {
  it("refuses a second person's identity through the same pass with 409 pass_in_use, before any code is sent", async () => {
    const pass = await journeyPass();
    const a = someone();
    const first = await verify(pass, a);
    expect(first.start.status).toBe(201);
    expect(first.verify!.status).toBe(200);

    const other = someone();
    const second = await verify(pass, other);
    expect(second.start.status).toBe(409);
    expect(second.start.body).toMatchObject({ code: "pass_in_use" });
    expect((await b.call("GET", `/api/dev/otp?phone=${other.phone}`)).status).toBe(404); // no code went out

    // The same person again through the same pass (a session that ran out, a second tab) is welcome.
    const again = await verify(pass, a);
    expect(again.verify!.status).toBe(200);
    // Another admission is another journey.
    expect((await verify(await journeyPass(), other)).verify!.status).toBe(200);
  });

  it("refuses a second person at the verification too, when both started before either finished", async () => {
    const pass = await journeyPass();
    const a = someone();
    const c = someone();
    const headers = { "x-wr-pass": pass, ...(await clientHeaders(b)) };
    const startA = await b.call("POST", "/api/identity/start", { headers, body: { name: "홍길동", rrn: a.rrn, phone: a.phone } });
    const startC = await b.call("POST", "/api/identity/start", { headers, body: { name: "홍길동", rrn: c.rrn, phone: c.phone } });
    expect([startA.status, startC.status]).toEqual([201, 201]);
    const code = async (phone: string) => (await b.call("GET", `/api/dev/otp?phone=${phone}`)).body.code;
    const verifyA = await b.call("POST", "/api/identity/verify", {
      headers,
      body: { challengeId: startA.body.challengeId, code: await code(a.phone) },
    });
    expect(verifyA.status).toBe(200);
    const verifyC = await b.call("POST", "/api/identity/verify", {
      headers,
      body: { challengeId: startC.body.challengeId, code: await code(c.phone) },
    });
    expect(verifyC.status).toBe(409);
    expect(verifyC.body).toMatchObject({ code: "pass_in_use" });
    expect(verifyC.headers.get("set-cookie") ?? "").not.toMatch(/sid=/);
  });

  it("lets the pass's holder book for someone else: the same journey", async () => {
    const pass = await journeyPass();
    const me = await verify(pass, someone());
    const cookie = me.verify!.headers.get("set-cookie")!.split(";")[0]!;
    const proxy = await b.call("POST", "/api/proxy/subject", {
      cookie,
      headers: { "x-wr-pass": pass },
      body: { name: "김순자", rrn: makeRrn("1950-06-01"), relationship: "parent" },
    });
    expect(proxy.status).toBeLessThan(300);
  });

  it("keeps a binding only until its pass's end", async () => {
    const db = b.database.db;
    const a = await verifiedPerson(db, { now: b.clock.now });
    const c = await verifiedPerson(db, { now: b.clock.now });
    const now = new Date(b.clock.now);
    const passId = `booking:0:${seq++}:${b.clock.now}`;
    const until = new Date(b.clock.now + 60_000);
    expect(await bindJourney(db, { passId, personId: a.personId, expiresAt: until, now })).toBe(true);
    expect(await bindJourney(db, { passId, personId: c.personId, expiresAt: until, now })).toBe(false);
    expect(await journeyHolder(db, { passId, now })).toBe(a.personId);
    const later = new Date(b.clock.now + 120_000);
    expect(await journeyHolder(db, { passId, now: later })).toBeNull();
    expect(await deleteEndedJourneys(db, { now: later, limit: 1000 })).toBeGreaterThanOrEqual(1);
    expect(await bindJourney(db, { passId, personId: c.personId, expiresAt: new Date(later.getTime() + 60_000), now: later })).toBe(true);
  });
});

describe("the journey ends at the origin's word", () => {
  it("says revoke when a booking is confirmed (and on its replay), and not before", async () => {
    const me = await b.person();
    const slot = await b.slotOf("moderna", "2026-11-24", "15:00");
    const hold = await b.call("POST", "/api/holds", { cookie: me.cookie, body: { slotId: slot.id } });
    expect(hold.status).toBe(201);
    expect(hold.headers.get("x-wr-command")).toBeNull();
    const key = crypto.randomUUID();
    const confirm = () =>
      b.call("POST", "/api/reservations", {
        cookie: me.cookie,
        headers: { "idempotency-key": key },
        body: { holdId: hold.body.holdId, notifyChannel: "sms" },
      });
    const booked = await confirm();
    expect(booked.status).toBe(201);
    expect(booked.headers.get("x-wr-command")).toBe("revoke");
    expect((await confirm()).headers.get("x-wr-command")).toBe("revoke");
    const refused = await b.call("POST", "/api/reservations", {
      cookie: me.cookie,
      headers: { "idempotency-key": crypto.randomUUID() },
      body: { holdId: crypto.randomUUID(), notifyChannel: "sms" },
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.headers.get("x-wr-command")).toBeNull();

    // The page that shows the booking ends it too (the confirm form's own answer is a redirect to it).
    const done = await b.app.request(`/book/done?r=${booked.body.reservationNumber}`, {
      headers: { "x-wr-pass": b.pass, cookie: me.cookie },
    });
    expect(done.status).toBe(200);
    expect(done.headers.get("x-wr-command")).toBe("revoke");
  });

  it("says revoke when a cancellation or a change is made, not on a lookup", async () => {
    const me = await b.person();
    const slot = await b.slotOf("moderna", "2026-11-24", "16:00");
    const booked = await b.book(me.cookie, slot.id);
    expect(booked.status).toBe(201);
    const details = { name: me.name, rrn: me.rrn, reservationNumber: booked.body.reservationNumber };
    const headers = await clientHeaders(b);
    const found = await b.call("POST", "/api/reservations/lookup", { headers, body: details });
    expect(found.status).toBe(200);
    expect(found.headers.get("x-wr-command")).toBeNull();
    const cancelled = await b.call("POST", "/api/reservations/cancel", { headers, body: details });
    expect(cancelled.status).toBe(200);
    expect(cancelled.headers.get("x-wr-command")).toBe("revoke");
  });
});

describe("the booking pages count down the real limit", () => {
  it("counts down the verification, or the pass's end when that comes first", async () => {
    const me = await verifiedPerson(b.database.db, { now: b.clock.now, sessionMs: 30 * 60_000 });
    const page = async (pass: string) => {
      const res = await b.app.request("/book/channel", { headers: { "x-wr-pass": pass, cookie: me.cookie } });
      expect(res.status).toBe(200);
      const html = await res.text();
      const left = Number(/id="session-left">[^<]*<span class="countdown"[^>]*data-left="(\d+)"/.exec(html)?.[1]);
      return { html, left };
    };
    // A pass that lasts longer than the verification: the verification's 30 minutes.
    const long = await page(await journeyPass({ adm: b.clock.now, exp: b.clock.now + 20 * 60_000, end: b.clock.now + 60 * 60_000 }));
    expect(long.left).toBe(30 * 60);
    expect(long.html).toContain("본인인증 남은 시간");
    // Admitted 50 minutes ago: the pass ends in 10 minutes, before the verification does.
    const short = await page(
      await journeyPass({ adm: b.clock.now - 50 * 60_000, exp: b.clock.now + 10 * 60_000, end: b.clock.now + 10 * 60_000 }),
    );
    expect(short.left).toBe(10 * 60);
    expect(short.html).toContain("예약 가능 남은 시간");
  });
});
