/**
 * A lane spread over K = 4 counters (the test-only lane `surge`, see vitest.config.ts): arrivals spread
 * evenly, a ticket names its shard, the position is counted across all shards, each shard admits rate/K,
 * and the lane is admitted close to arrival order.
 */
import { env, SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { forget } from "../../worker/edge/snapshot";
import { BASE, freshQueue, Jar, visitJson } from "./helpers";

const K = 4;

async function surgeOperator(path: string, body?: unknown) {
  const res = await SELF.fetch(`${BASE}/_wr/admin${path}${path.includes("?") ? "&" : "?"}lane=surge`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${env.OPERATOR_TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, any>;
}

function claims(jar: Jar): { shard: number; seq: number } {
  const payload = jar.get("wr_ticket_surge")!.split(".")[1]!;
  const fields = atob(payload.replace(/-/g, "+").replace(/_/g, "/")).split("|");
  return { shard: Number(fields[2]), seq: Number(fields[3]) };
}

beforeEach(async () => {
  await freshQueue();
  for (let j = 0; j < K; j++) forget("surge", j);
});

describe("a lane of 4 shards", () => {
  it("spreads arrivals evenly, counts positions across shards, and admits near arrival order at rate/K each", async () => {
    const jars = Array.from({ length: 40 }, () => new Jar());
    const positions: number[] = [];
    for (const jar of jars) {
      const { res, body } = await visitJson(jar, "/surge");
      expect(res.status).toBe(429);
      positions.push(body.position);
    }
    const tickets = jars.map(claims);
    for (let j = 0; j < K; j++) {
      const mine = tickets.filter((t) => t.shard === j).map((t) => t.seq);
      expect(mine).toEqual(Array.from({ length: 10 }, (_, i) => i + 1)); // 10 each, gap-free, in order
    }
    // Paused at rate 0: where each stands across the lane, within one round of the shards.
    positions.forEach((p, i) => {
      expect(Math.abs(p - (i + 1))).toBeLessThanOrEqual(K);
    });
    const later = await Promise.all(jars.map(async (jar) => (await visitJson(jar, "/_wr/status?lane=surge")).body));
    later.forEach((s, i) => {
      expect(Math.abs(s.position - (i + 1))).toBeLessThanOrEqual(K);
    });
    expect(later[39]).toMatchObject({ issued: 40, behind: 0 });

    const stats = await surgeOperator("/stats");
    expect(stats).toMatchObject({ shards: 4, issued: 40, serving: 0, waiting: 40 });

    const set = await surgeOperator("/config", { ratePerSec: 20 });
    expect(set.ratePerSec).toBe(20);
    const shard2 = await env.QUEUE.get(env.QUEUE.idFromName("surge:2")).snapshot();
    expect(shard2.schedule.ratePerSec).toBe(5); // each shard admits rate/K

    // About a second later about 20 are in: those who came first, give or take one round of the shards.
    await new Promise((r) => setTimeout(r, 1000));
    const now = await Promise.all(jars.map(async (jar) => (await visitJson(jar, "/_wr/status?lane=surge")).body.state));
    const admitted = now.map((s, i) => (s === "admitted" ? i : -1)).filter((i) => i >= 0);
    expect(admitted.length).toBeGreaterThanOrEqual(12);
    expect(admitted.length).toBeLessThanOrEqual(32);
    const n = admitted.length;
    for (const i of admitted) expect(i).toBeLessThan(n + K);
    now.forEach((s, i) => {
      if (s !== "admitted") expect(i).toBeGreaterThanOrEqual(n - K);
    });
  });

  it("keeps K = 1 lanes as they were: one counter, plain numbers", async () => {
    const jar = new Jar();
    const { body } = await visitJson(jar);
    expect(body.seq).toBe(1);
    expect(
      await (await SELF.fetch(`${BASE}/_wr/admin/stats`, { headers: { authorization: `Bearer ${env.OPERATOR_TOKEN}` } })).json(),
    ).toMatchObject({ shards: 1, issued: 1 });
  });
});
