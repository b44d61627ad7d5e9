import { describe, expect, it } from "vitest";
import {
  keyring,
  passId,
  readPass,
  readPlace,
  signPass,
  signPlace,
  signTicket,
  verifyChallenge,
  verifyPass,
  verifyTicket,
} from "../../lib/tokens";

const SECRET = "ticket-secret-for-tests-0001";
const OTHER = "another-secret-for-tests-0002";
const NOW = 1_750_000_000_000;
const TTL = 3_600_000;
const ticket = { lane: "booking", shard: 0, seq: 42, iat: NOW, s0: 7 };

function flip(token: string, part: number): string {
  const parts = token.split(".");
  const p = parts[part]!;
  const i = Math.floor(p.length / 2);
  parts[part] = p.slice(0, i) + (p[i] === "A" ? "B" : "A") + p.slice(i + 1);
  return parts.join(".");
}

describe("tokens", () => {
  it("round-trips a ticket and a pass, compactly", async () => {
    const ring = await keyring(SECRET);
    const t = await signTicket(ring, ticket);
    expect(t.length).toBeLessThan(120);
    expect(t).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(await verifyTicket(ring, t, NOW + 1000, TTL)).toEqual({ ok: true, claims: ticket });

    const pass = { lane: "booking", shard: 3, seq: 42, adm: NOW - 5000, exp: NOW + 1000, end: NOW + 3_600_000 };
    const p = await signPass(ring, pass);
    expect(p.length).toBeLessThan(140);
    expect(await verifyPass(ring, p, NOW)).toEqual({ ok: true, claims: pass });
    expect(passId(pass)).toBe(`booking:3:42:${NOW - 5000}`);

    // A rejoined ticket carries its new place; a pass signed without journey fields is shard 0, ending at its expiry.
    const rejoined = await signTicket(ring, { ...ticket, r: 9 });
    expect(await verifyTicket(ring, rejoined, NOW, TTL)).toEqual({ ok: true, claims: { ...ticket, r: 9 } });
    const bare = await signPass(ring, { lane: "booking", seq: 42, exp: NOW + 1000 });
    expect(await verifyPass(ring, bare, NOW)).toEqual({
      ok: true,
      claims: { lane: "booking", shard: 0, seq: 42, adm: 0, exp: NOW + 1000, end: NOW + 1000 },
    });
  });

  it("reads a lapsed pass's claims for the edge, while verifyPass refuses it", async () => {
    const ring = await keyring(SECRET);
    const pass = { lane: "booking", shard: 0, seq: 7, adm: NOW - 60_000, exp: NOW - 1, end: NOW + 600_000 };
    const p = await signPass(ring, pass);
    expect(await verifyPass(ring, p, NOW)).toEqual({ ok: false, reason: "expired" });
    expect(await readPass(ring, p)).toEqual({ ok: true, claims: pass });
    expect(await readPass(ring, flip(p, 2))).toMatchObject({ ok: false, reason: "bad_signature" });
    expect(await readPass(ring, await signTicket(ring, ticket))).toEqual({ ok: false, reason: "wrong_type" });
  });

  it("refuses tampered, truncated, forged and garbage tokens without throwing", async () => {
    const ring = await keyring(SECRET);
    const t = await signTicket(ring, ticket);
    const check = (token: string | undefined) => verifyTicket(ring, token, NOW, TTL);
    expect(await check(flip(t, 1))).toMatchObject({ ok: false });
    expect(await check(flip(t, 2))).toMatchObject({ ok: false, reason: "bad_signature" });
    expect(await check(t.slice(0, -5))).toMatchObject({ ok: false });
    expect(await check(t.split(".").slice(0, 2).join("."))).toMatchObject({ ok: false, reason: "malformed" });
    expect(await check(undefined)).toEqual({ ok: false, reason: "missing" });
    for (const junk of ["", "...", "a.b.c", "%%%.$$$.###", "x".repeat(5000), `${t}.extra`, t.replace(/\./g, "")]) {
      expect(await check(junk)).toMatchObject({ ok: false });
    }
    // A payload forged with a different claim but the original signature.
    const [kid, , sig] = t.split(".");
    const forgedPayload = btoa("T|booking|0|1|" + NOW + "|0")
      .replace(/=+$/, "")
      .replace(/\+/g, "-")
      .replace(/\//g, "_");
    expect(await check(`${kid}.${forgedPayload}.${sig}`)).toEqual({ ok: false, reason: "bad_signature" });
  });

  it("refuses a token signed with an unknown key, and a ticket used as a pass", async () => {
    const ring = await keyring(SECRET);
    const other = await keyring(OTHER);
    const t = await signTicket(other, ticket);
    expect(await verifyTicket(ring, t, NOW, TTL)).toEqual({ ok: false, reason: "unknown_key" });
    const sameKeyTicket = await signTicket(ring, ticket);
    expect(await verifyPass(ring, sameKeyTicket, NOW)).toEqual({ ok: false, reason: "wrong_type" });
  });

  it("reads a place record, which is never a ticket, a pass or a challenge, even under the same key", async () => {
    const ring = await keyring(SECRET);
    const record = { lane: "booking", shard: 1, seq: 42 };
    const r = await signPlace(ring, record);
    expect(await readPlace(ring, r)).toEqual({ ok: true, claims: record });
    expect(await verifyTicket(ring, r, NOW, TTL)).toEqual({ ok: false, reason: "wrong_type" });
    expect(await readPass(ring, r)).toEqual({ ok: false, reason: "wrong_type" });
    expect(await verifyPass(ring, r, NOW)).toEqual({ ok: false, reason: "wrong_type" });
    expect(await verifyChallenge(ring, r, NOW, TTL)).toEqual({ ok: false, reason: "wrong_type" });
    expect(await verifyPass(await keyring(OTHER), r, NOW)).toEqual({ ok: false, reason: "unknown_key" });
    // Nor is a ticket or a pass a place record.
    expect(await readPlace(ring, await signTicket(ring, ticket))).toEqual({ ok: false, reason: "wrong_type" });
    expect(await readPlace(ring, await signPass(ring, { lane: "booking", seq: 42, exp: NOW }))).toEqual({
      ok: false,
      reason: "wrong_type",
    });
    expect(await readPlace(ring, flip(r, 2))).toMatchObject({ ok: false });
    expect(await readPlace(ring, undefined)).toEqual({ ok: false, reason: "missing" });
  });

  it("expires tickets after their lifetime and passes at their expiry", async () => {
    const ring = await keyring(SECRET);
    const t = await signTicket(ring, ticket);
    expect(await verifyTicket(ring, t, NOW + TTL - 1, TTL)).toMatchObject({ ok: true });
    expect(await verifyTicket(ring, t, NOW + TTL, TTL)).toEqual({ ok: false, reason: "expired" });
    const p = await signPass(ring, { lane: "booking", seq: 1, exp: NOW });
    expect(await verifyPass(ring, p, NOW)).toEqual({ ok: false, reason: "expired" });
  });

  it("rotates keys: new tokens use the first key, old ones stay valid", async () => {
    const old = await keyring(OTHER);
    const rotated = await keyring(`${SECRET},${OTHER}`);
    const before = await signTicket(old, ticket);
    expect(await verifyTicket(rotated, before, NOW, TTL)).toMatchObject({ ok: true });
    const after = await signTicket(rotated, ticket);
    expect(after.split(".")[0]).toBe((await keyring(SECRET)).signingKid);
    expect(after.split(".")[0]).not.toBe(before.split(".")[0]);
  });

  it("still checks expiry and type for a token it has verified before (the per-isolate cache)", async () => {
    const ring = await keyring(SECRET);
    const t = await signTicket(ring, { ...ticket, seq: 77 });
    expect(await verifyTicket(ring, t, NOW, TTL)).toMatchObject({ ok: true }); // now remembered
    expect(ring.verified.has(t)).toBe(true);
    expect(await verifyTicket(ring, t, NOW + TTL, TTL)).toEqual({ ok: false, reason: "expired" });
    expect(await verifyPass(ring, t, NOW)).toEqual({ ok: false, reason: "wrong_type" });
    expect(ring.verified.has(flip(t, 2))).toBe(false);
    expect(await verifyTicket(ring, flip(t, 2), NOW, TTL)).toEqual({ ok: false, reason: "bad_signature" });
  });

  it("rejects weak secrets when the keyring is built", async () => {
    await expect(keyring("short")).rejects.toThrow(/at least 16/);
    await expect(keyring(" , ")).rejects.toThrow(/empty/);
  });
});
