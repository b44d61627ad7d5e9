/**
 * The count of active passes comes back to zero once the origin has ended every journey, however the passes
 * were minted (on arrival at a dry line, on admission, again for a holder whose answer was lost) and whatever
 * the operator changed in between (the rate, a scheduled opening).
 */
import { env, SELF } from "cloudflare:test";
import { Hono } from "hono";
import { beforeEach, describe, expect, it } from "vitest";
import type { AppEnv } from "../../worker/app-env";
import { fromOrigin } from "../../worker/edge/passes";
import { BASE, freshQueue, Jar, operator, passOf, stats } from "./helpers";

beforeEach(() => freshQueue({ ratePerSec: 100_000 }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The origin ends this jar's journey (its `X-WR-Command: revoke`, through the edge's own handling). */
async function finish(jar: Jar) {
  const token = jar.get("wr_pass")!;
  const app = new Hono<AppEnv>().get(
    "/done",
    async (c) =>
      (
        await fromOrigin(
          c,
          new Response("booked", { headers: { "x-wr-command": "revoke" } }),
          { token, claims: passOf(token) },
          "wr_pass",
          [],
        )
      ).res,
  );
  expect((await app.request(`${BASE}/done`, {}, env)).status).toBe(200);
}

/** One person's poll of /_wr/status from their own address, as the waiting page makes it. */
async function poll(jar: Jar, addr: string): Promise<string> {
  const res = await SELF.fetch(`${BASE}/_wr/status`, { headers: { cookie: jar.header(), "cf-connecting-ip": addr } });
  jar.take(res);
  expect(res.status).toBe(200);
  return ((await res.json()) as { state: string }).state;
}

/** Polls everyone until all are admitted (each admission mints one pass). */
async function untilAdmitted(people: [Jar, string][]) {
  for (let round = 0; round < 50 && people.some(([jar]) => !jar.get("wr_pass")); round++) {
    for (const [jar, addr] of people) if (!jar.get("wr_pass")) await poll(jar, addr);
    await sleep(100);
  }
  expect(people.every(([jar]) => jar.get("wr_pass"))).toBe(true);
}

const people = (from: number, n: number): [Jar, string][] => Array.from({ length: n }, (_, i) => [new Jar(), `198.51.100.${from + i}`]);

describe("active passes after everyone's journey ended", () => {
  it("come back to zero across a rate change and a scheduled opening, for passes minted on arrival, on admission and again", async () => {
    // A dry line: admitted on arrival (the counter mints the pass with the number).
    const arrivals = people(1, 3);
    for (const [jar, addr] of arrivals) expect(await poll(jar, addr)).toBe("admitted");
    expect((await stats()).activePasses).toBe(3);

    // A line that waits, then moves at a rate changed midway: admitted at their turn.
    await operator("/config", { ratePerSec: 0 });
    const waiting = people(11, 3);
    for (const [jar, addr] of waiting) expect(await poll(jar, addr)).toBe("waiting");
    const lostAnswer = waiting[0]![0].get("wr_ticket")!;
    await operator("/config", { ratePerSec: 20 });
    await finish(arrivals[0]![0]);
    await operator("/config", { ratePerSec: 60 });
    await untilAdmitted(waiting);
    // The first of them asks again with the ticket (the answer was lost): the same pass, not a second one.
    const again = new Jar({ wr_ticket: lostAnswer });
    expect(await poll(again, waiting[0]![1])).toBe("admitted");
    expect(again.get("wr_pass")).toBe(waiting[0]![0].get("wr_pass"));
    expect((await stats()).activePasses).toBe(5);

    // A scheduled opening: a pre-queue, drawn and admitted at the opening.
    const opening = await operator("/config", { opensAt: new Date(Date.now() + 1000).toISOString() });
    expect(opening.status).toBe(200);
    for (const [jar] of [...arrivals.slice(1), ...waiting]) await finish(jar);
    expect((await stats()).activePasses).toBe(0);
    const preQueue = people(21, 3);
    for (const [jar, addr] of preQueue) expect(await poll(jar, addr)).toBe("before_open");
    await sleep(1000);
    await untilAdmitted(preQueue);
    expect((await stats()).activePasses).toBe(3);
    for (const [jar] of preQueue) await finish(jar);
    expect((await stats()).activePasses).toBe(0);
  });
});
