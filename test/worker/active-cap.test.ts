/**
 * Active passes are counted per lane (minted, not ended, not expired) and can be capped: at the cap the
 * cursor holds and nobody new is admitted until a pass ends (one out, one in). The operator API and the
 * console show the count.
 */
import { env, SELF } from "cloudflare:test";
import { Hono } from "hono";
import { beforeEach, describe, expect, it } from "vitest";
import type { AppEnv } from "../../worker/app-env";
import { fromOrigin } from "../../worker/edge/passes";
import { BASE, freshQueue, Jar, operator, passOf, stats, visit } from "./helpers";

beforeEach(() => freshQueue({ ratePerSec: 0 }));

const json = { accept: "application/json" };

/** The origin ends this jar's journey (as its `X-WR-Command: revoke` does, through the edge's own handling). */
async function finish(jar: Jar) {
  const token = jar.get("wr_pass")!;
  const app = new Hono<AppEnv>().get(
    "/done",
    async (c) =>
      (
        await fromOrigin(
          c,
          new Response("done", { headers: { "x-wr-command": "revoke" } }),
          { token, claims: passOf(token) },
          "wr_pass",
          [],
        )
      ).res,
  );
  expect((await app.request(`${BASE}/done`, {}, env)).status).toBe(200);
}

describe("active passes and the cap", () => {
  it("counts live passes, holds the line at maxActive, and lets one in for each one out", async () => {
    const set = await operator("/config", { maxActive: 2 });
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({ maxActive: 2, activePasses: 0, atCap: false });

    const people = [new Jar(), new Jar(), new Jar(), new Jar()];
    for (const jar of people) expect((await visit(jar, "/api/pass", json)).status).toBe(429);
    await operator("/config", { ratePerSec: 100_000 });
    await new Promise((r) => setTimeout(r, 5));

    const states = [];
    for (const jar of people) states.push((await (await visit(jar, "/_wr/status")).json()) as { state: string; position: number });
    expect(states.map((s) => s.state)).toEqual(["admitted", "admitted", "waiting", "waiting"]);
    expect(states[2]).toMatchObject({ position: 1, ahead: 0 }); // at the front, waiting for someone to finish
    expect(await stats()).toMatchObject({ activePasses: 2, maxActive: 2, atCap: true });
    // The line holds: a newcomer is not let in either, and the third still waits.
    expect((await visit(new Jar(), "/api/pass", json)).status).toBe(429);
    expect((await visit(people[2]!, "/api/pass", json)).status).toBe(429);

    // One finishes: one more comes in, then the line holds again.
    await finish(people[0]!);
    expect((await stats()).activePasses).toBe(1);
    expect((await visit(people[2]!, "/api/pass", json)).status).toBe(200);
    expect((await visit(people[3]!, "/api/pass", json)).status).toBe(429);
    expect(await stats()).toMatchObject({ activePasses: 2, atCap: true });
    // Those inside are never sent back.
    expect((await visit(people[1]!, "/api/pass", json)).status).toBe(200);

    // No cap: everyone waiting comes in at the set rate again.
    expect(await (await operator("/config", { maxActive: null })).json()).toMatchObject({ maxActive: null, atCap: false });
    await new Promise((r) => setTimeout(r, 5));
    expect((await visit(people[3]!, "/api/pass", json)).status).toBe(200);
    expect((await stats()).activePasses).toBe(3);
  });

  it("splits a lane's cap over its shards so the parts add up, and refuses a bad cap", async () => {
    const res = await operator("/config?lane=surge", { maxActive: 10 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { maxActive: number; perShard: { maxActive: number }[] };
    expect(body.maxActive).toBe(10);
    expect(body.perShard.map((s) => s.maxActive)).toEqual([3, 3, 2, 2]);
    for (const bad of [-1, 2.5, "10", 1e9]) {
      const refused = await operator("/config", { maxActive: bad });
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { message: string }).message).toMatch(/maxActive/);
    }
    await operator("/config?lane=surge", { maxActive: null });
  });

  it("shows active passes and the cap in the console, which can set the cap", async () => {
    const login = await SELF.fetch(`${BASE}/_wr/admin/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: env.OPERATOR_TOKEN }).toString(),
      redirect: "manual",
    });
    const jar = new Jar().take(login);
    const post = (form: Record<string, string>) =>
      SELF.fetch(`${BASE}/_wr/admin/console`, {
        method: "POST",
        headers: { cookie: jar.header(), "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(form).toString(),
        redirect: "manual",
      });
    expect((await post({ maxActive: "500" })).status).toBe(303);
    expect(await stats()).toMatchObject({ maxActive: 500 });
    const page = await (await SELF.fetch(`${BASE}/_wr/admin`, { headers: { cookie: jar.header() } })).text();
    expect(page).toContain("입장 중 (활성 입장권)");
    expect(page).toMatch(/id="s-active">0</);
    expect(page).toMatch(/id="s-max">500</);
    expect(page).toMatch(/name="maxActive"[^>]*value="500"/);
    const bad = await post({ maxActive: "-3" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("동시 입장 상한은");
    expect((await post({ maxActive: "" })).status).toBe(303);
    expect(await stats()).toMatchObject({ maxActive: null });
  });
});
