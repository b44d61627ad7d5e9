import { SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { BASE, freshQueue, Jar, operator, visitJson } from "./helpers";

beforeEach(() => freshQueue());

describe("operator API", () => {
  it("refuses requests without the right bearer token, with 401 JSON", async () => {
    const none = await SELF.fetch(`${BASE}/_wr/admin/stats`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ code: "unauthorized" });
    const wrong = await operator("/stats", undefined, "not-the-operator-token-at-all");
    expect(wrong.status).toBe(401);
    const malformed = await SELF.fetch(`${BASE}/_wr/admin/stats`, { headers: { authorization: "Basic abc" } });
    expect(malformed.status).toBe(401);
    const change = await SELF.fetch(`${BASE}/_wr/admin/config`, { method: "POST", body: '{"paused":true}' });
    expect(change.status).toBe(401);
    expect(await (await operator("/stats")).json()).toMatchObject({ paused: false });
  });

  it("reports issued, serving, waiting, rate and pause", async () => {
    await operator("/config", { ratePerSec: 0 });
    for (let i = 0; i < 3; i++) await visitJson(new Jar());
    const res = await operator("/stats");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ issued: 3, serving: 0, waiting: 3, ratePerSec: 0, paused: false });
  });

  it("changes the rate and pauses, and the line follows at once", async () => {
    const res = await operator("/config", { ratePerSec: 250, paused: true });
    expect(await res.json()).toMatchObject({ ratePerSec: 250, paused: true });
    expect((await visitJson(new Jar())).body).toMatchObject({ state: "paused", ratePerSec: 250 });
    await operator("/config", { paused: false });
    expect(await (await operator("/stats")).json()).toMatchObject({ ratePerSec: 250, paused: false });
  });

  it.each([
    [{ ratePerSec: -1 }, /negative/],
    [{ ratePerSec: "fast" }, /number/],
    [{ ratePerSec: 1e9 }, /plausible/],
    [{ ratePerSec: null }, /number/],
    [{ paused: "yes" }, /true or false/],
    [{}, /ratePerSec, paused, opensAt, proofOfWorkBits, maxActive and\/or autopilot/],
    [{ rate: 5 }, /rate/],
    ["not json", /JSON/],
    ["[1,2]", /./],
  ])("rejects %j with 400 and a message", async (body, message) => {
    const before = (await (await operator("/stats")).json()) as { ratePerSec: number; paused: boolean };
    const res = await operator("/config", body);
    expect(res.status).toBe(400);
    const json = (await res.json()) as { code: string; message: string };
    expect(json.code).toMatch(/invalid_config|bad_json/);
    expect(json.message).toMatch(message);
    expect(await (await operator("/stats")).json()).toMatchObject({ ratePerSec: before.ratePerSec, paused: before.paused });
  });
});
