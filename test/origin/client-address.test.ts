/** The edge-signed client address (lib/client-address.ts): what verifies, and everything that does not. */
import { describe, expect, it } from "vitest";
import { CLIENT_TOKEN_TTL_MS, isClientAddress, signClientAddress, verifyClientAddress } from "../../lib/client-address";
import { keyring, signPass, verifyPass } from "../../lib/tokens";
import { TEST_SECRETS } from "../secrets";

const NOW = Date.UTC(2026, 10, 23, 1);
const ring = () => keyring(TEST_SECRETS.PASS_SECRET);

describe("signed client address", () => {
  it.each(["203.0.113.9", "2001:db8::1", "::ffff:198.51.100.4"])("carries %s from the edge to the origin", async (addr) => {
    const token = await signClientAddress(await ring(), { addr, iat: NOW });
    expect(await verifyClientAddress(await ring(), token, NOW + 1000)).toEqual({ ok: true, claims: { addr, iat: NOW } });
  });

  it("is believed for a short time only, and not from far ahead of the origin's clock", async () => {
    const token = await signClientAddress(await ring(), { addr: "203.0.113.9", iat: NOW });
    expect((await verifyClientAddress(await ring(), token, NOW + CLIENT_TOKEN_TTL_MS - 1)).ok).toBe(true);
    expect(await verifyClientAddress(await ring(), token, NOW + CLIENT_TOKEN_TTL_MS)).toEqual({ ok: false, reason: "expired" });
    expect((await verifyClientAddress(await ring(), token, NOW - CLIENT_TOKEN_TTL_MS + 1)).ok).toBe(true); // clocks a little apart
    expect(await verifyClientAddress(await ring(), token, NOW - CLIENT_TOKEN_TTL_MS - 1)).toEqual({ ok: false, reason: "expired" });
  });

  it("refuses a missing, tampered or foreign header, and one signed with an unknown secret", async () => {
    const token = await signClientAddress(await ring(), { addr: "203.0.113.9", iat: NOW });
    const [kid, payload, sig] = token.split(".") as [string, string, string];
    const other = await signClientAddress(await keyring("another-secret-0123456789abcdef"), { addr: "203.0.113.9", iat: NOW });
    const swapped = Buffer.from(Buffer.from(payload, "base64url").toString().replace("203.0.113.9", "203.0.113.8")).toString("base64url");
    expect((await verifyClientAddress(await ring(), undefined, NOW)).ok).toBe(false);
    expect(await verifyClientAddress(await ring(), `${kid}.${swapped}.${sig}`, NOW)).toEqual({ ok: false, reason: "bad_signature" });
    expect(await verifyClientAddress(await ring(), other, NOW)).toEqual({ ok: false, reason: "unknown_key" });
    expect(await verifyClientAddress(await ring(), "203.0.113.9", NOW)).toEqual({ ok: false, reason: "malformed" });
  });

  it("is never taken for a pass, nor a pass for it", async () => {
    const pass = await signPass(await ring(), { lane: "booking", seq: 1, exp: NOW + 60_000 });
    expect(await verifyClientAddress(await ring(), pass, NOW)).toEqual({ ok: false, reason: "wrong_type" });
    const token = await signClientAddress(await ring(), { addr: "203.0.113.9", iat: NOW });
    expect((await verifyPass(await ring(), token, NOW)).ok).toBe(false);
  });

  it("vouches only for an IP address", async () => {
    for (const bad of [undefined, "", "unknown", "203.0.113.9, 10.0.0.1", "203.0.113.9|1", "a".repeat(46)])
      expect(isClientAddress(bad)).toBe(false);
    await expect(signClientAddress(await ring(), { addr: "unverified", iat: NOW })).rejects.toThrow();
  });
});
