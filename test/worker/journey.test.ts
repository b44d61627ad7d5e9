/**
 * A whole journey through the edge to the real origin (test/origin-for-worker.ts): admitted, verified, booked;
 * the origin's `X-WR-Command: revoke` on the booking ends the pass at the edge. And a copy of someone's pass
 * does not carry a second person: the origin refuses their identity with `409 pass_in_use`.
 */
import { SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { BASE, freshQueue, Jar, passOf, payload, stats } from "./helpers";

beforeEach(() => freshQueue({ ratePerSec: 100_000 }));

/** A JSON call through the edge, as a browser's script makes it, carrying and updating the jar. */
async function call(jar: Jar, addr: string, method: "GET" | "POST", path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await SELF.fetch(`${BASE}${path}`, {
    method,
    headers: { accept: "application/json", "content-type": "application/json", "cf-connecting-ip": addr, cookie: jar.header(), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: "manual",
  });
  jar.take(res);
  return { res, body: (await res.json()) as Record<string, any> };
}

/** Admitted through the line (the rate is high: at once). */
async function admitted(addr: string): Promise<Jar> {
  const jar = new Jar();
  await new Promise((r) => setTimeout(r, 5));
  const first = await call(jar, addr, "GET", "/api/pass");
  expect(first.res.status).toBe(200);
  expect(jar.get("wr_pass")).toBeDefined();
  return jar;
}

async function verify(jar: Jar, addr: string, who: { name: string; rrn: string; phone: string }) {
  const start = await call(jar, addr, "POST", "/api/identity/start", who);
  if (start.res.status !== 201) return start;
  const otp = await call(jar, addr, "GET", `/api/dev/otp?phone=${who.phone.replace(/-/g, "")}`);
  return call(jar, addr, "POST", "/api/identity/verify", { challengeId: start.body.challengeId, code: otp.body.code });
}

describe("a journey through the edge", () => {
  it("books, and the origin's word ends the pass: the header never reaches the browser, the pass stops counting", async () => {
    const addr = "198.51.100.70";
    const jar = await admitted(addr);
    const pass = passOf(jar.get("wr_pass")!);
    expect(await stats()).toMatchObject({ activePasses: 1 });
    const verified = await verify(jar, addr, { name: "홍길동", rrn: "650315-1000013", phone: "010-3333-0001" });
    expect(verified.res.status).toBe(200);

    // Find a free place in the demo data, hold it and book it.
    const regions = (await call(jar, addr, "GET", "/api/regions")).body.regions as { code: string }[];
    let slotId: number | undefined;
    for (let d = 1; d <= 7 && slotId === undefined; d++) {
      const date = new Date(Date.now() + 9 * 3600_000 + d * 86_400_000).toISOString().slice(0, 10);
      for (const region of regions.slice(0, 3)) {
        const found = await call(jar, addr, "GET", `/api/clinics?date=${date}&region=${region.code}`);
        const clinic = (found.body.clinics as { id: number; freeSlots: number }[] | undefined)?.find((c) => c.freeSlots > 0);
        if (!clinic) continue;
        const slots = await call(jar, addr, "GET", `/api/clinics/${clinic.id}/slots?date=${date}`);
        slotId = (slots.body.slots as { id: number; free: number }[]).find((s) => s.free > 0)?.id;
        if (slotId !== undefined) break;
      }
    }
    expect(slotId).toBeDefined();
    const hold = await call(jar, addr, "POST", "/api/holds", { slotId });
    expect(hold.res.status).toBe(201);
    expect(jar.get("wr_pass")).toBeDefined();
    const booked = await call(
      jar,
      addr,
      "POST",
      "/api/reservations",
      { holdId: hold.body.holdId, notifyChannel: "kakao" },
      { "idempotency-key": crypto.randomUUID() },
    );
    expect(booked.res.status).toBe(201);
    expect(booked.body.reservationNumber).toBeTruthy();
    expect(booked.res.headers.get("x-wr-command")).toBeNull(); // acted on at the edge, removed
    expect(jar.get("wr_pass")).toBeUndefined(); // the browser's pass is cleared
    expect(payload(jar.get("wr_place")!)).toEqual(["R", "booking", String(pass.shard), String(pass.seq)]); // the place record stays
    expect(await stats()).toMatchObject({ activePasses: 0 });

    // The journey is over: the next request is a new visit to the line (let straight in here), a new journey.
    const after = await call(jar, addr, "GET", "/api/pass");
    expect(after.res.status).toBe(200);
    expect(passOf(jar.get("wr_pass")!).seq).not.toBe(pass.seq);
  });

  it("refuses a second person's identity through a copy of someone's pass (409 pass_in_use)", async () => {
    const mine = await admitted("198.51.100.71");
    expect((await verify(mine, "198.51.100.71", { name: "김영희", rrn: "720820-1000013", phone: "010-3333-0002" })).res.status).toBe(200);
    const copy = new Jar({ wr_pass: mine.get("wr_pass")! });
    const theirs = await call(copy, "203.0.113.71", "POST", "/api/identity/start", {
      name: "이철수",
      rrn: "801111-1000014",
      phone: "010-3333-0003",
    });
    expect(theirs.res.status).toBe(409);
    expect(theirs.body).toMatchObject({ code: "pass_in_use" });
    // Their own admission is their own journey.
    const own = await admitted("203.0.113.72");
    expect((await verify(own, "203.0.113.72", { name: "이철수", rrn: "801111-1000014", phone: "010-3333-0003" })).res.status).toBe(200);
  });
});
