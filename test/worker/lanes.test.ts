import { env, SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { laneFor, parseLanes } from "../../lib/lanes";
import { forget } from "../../worker/edge/snapshot";
import { BASE, freshQueue, Jar, visit } from "./helpers";

const LANES = parseLanes(env.LANES!);

async function lookupLane(change: { ratePerSec?: number; paused?: boolean }) {
  forget("lookup", 0);
  const res = await SELF.fetch(`${BASE}/_wr/admin/config?lane=lookup`, {
    method: "POST",
    headers: { authorization: `Bearer ${env.OPERATOR_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(change),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

beforeEach(async () => {
  await freshQueue({ paused: true }); // opening night: booking is held
  await lookupLane({ ratePerSec: 200, paused: false });
});

describe("lanes", () => {
  it("routes paths by the longest matching prefix of wrangler.toml's table", () => {
    expect(laneFor(LANES, "/lookup").name).toBe("lookup");
    expect(laneFor(LANES, "/lookup/cancel").name).toBe("lookup");
    expect(laneFor(LANES, "/api/reservations/lookup").name).toBe("lookup");
    expect(laneFor(LANES, "/lookupx").name).toBe("booking");
    expect(laneFor(LANES, "/api/reservations").name).toBe("booking");
    expect(laneFor(LANES, "/book").name).toBe("booking");
    expect(() => parseLanes('[{"name":"A b","prefixes":["x"]}]')).toThrow(/lane name.*prefix starts with \//s);
  });

  it("lets people check or cancel a booking while the booking lane is paused", async () => {
    const jar = new Jar();
    const booking = await visit(jar, "/book");
    expect(await booking.text()).toContain("운영자가 입장을 잠시 멈췄습니다");
    expect(jar.get("wr_ticket")).toBeDefined();

    const lookup = await visit(jar, "/lookup");
    // Admitted in the lookup lane at once, and the request reached the origin's lookup page.
    expect(lookup.status).toBe(200);
    expect(await lookup.text()).toContain("예약 조회/취소");
    expect(jar.get("wr_pass_lookup")).toBeDefined();
    expect(jar.get("wr_pass")).toBeUndefined();

    // The lookup pass does not open booking: that is still the booking lane's line.
    const again = await visit(jar, "/book");
    expect(await again.text()).toContain("운영자가 입장을 잠시 멈췄습니다");
  });

  it("keeps a separate counter, rate and status per lane", async () => {
    await visit(new Jar(), "/book");
    await visit(new Jar(), "/book");
    await visit(new Jar(), "/lookup");
    const stats = async (lane: string) =>
      (await (
        await SELF.fetch(`${BASE}/_wr/admin/stats?lane=${lane}`, { headers: { authorization: `Bearer ${env.OPERATOR_TOKEN}` } })
      ).json()) as Record<string, unknown>;
    expect(await stats("booking")).toMatchObject({ lane: "booking", issued: 2, paused: true });
    expect(await stats("lookup")).toMatchObject({ lane: "lookup", issued: 1, ratePerSec: 200, paused: false });
    const unknown = await SELF.fetch(`${BASE}/_wr/admin/stats?lane=nope`, { headers: { authorization: `Bearer ${env.OPERATOR_TOKEN}` } });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ code: "unknown_lane" });

    const jar = new Jar();
    await visit(jar, "/book");
    const status = await SELF.fetch(`${BASE}/_wr/status?lane=booking`, { headers: { cookie: jar.header() } });
    expect(await status.json()).toMatchObject({ state: "paused", seq: 3 });
    const page = await (await visit(new Jar(), "/book")).text();
    expect(page).toContain('data-lane="booking"');
  });
});
