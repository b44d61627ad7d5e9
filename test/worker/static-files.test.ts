/** What browsers ask for on their own is answered by the edge and never takes a place in line. */
import { SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { BASE, freshQueue, stats } from "./helpers";

beforeEach(() => freshQueue({ ratePerSec: 0 }));

describe("files the edge serves itself", () => {
  it("answers /favicon.ico, /robots.txt and touch icons without a ticket", async () => {
    const icon = await SELF.fetch(`${BASE}/favicon.ico`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get("content-type")).toBe("image/x-icon");
    const bytes = new Uint8Array(await icon.arrayBuffer());
    expect([...bytes.slice(0, 6)]).toEqual([0, 0, 1, 0, 1, 0]); // an ICO with one image
    expect(bytes.length).toBe(6 + 16 + 40 + 16 * 16 * 4 + 16 * 4);
    const robots = await SELF.fetch(`${BASE}/robots.txt`);
    expect(robots.status).toBe(200);
    expect(await robots.text()).toMatch(/Disallow: \//);
    expect((await SELF.fetch(`${BASE}/apple-touch-icon.png`)).status).toBe(404);
    for (const res of [icon, robots]) expect(res.headers.getSetCookie()).toEqual([]);
    expect((await stats()).issued).toBe(0);
  });
});
