/**
 * Operators' requests only from the operator's own page: the console and the operator API refuse requests a
 * browser sends from another origin (another site, or another port of the same host), and the JSON API takes
 * only `application/json`.
 */
import { env, SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { BASE, freshQueue, Jar, stats } from "./helpers";

beforeEach(() => freshQueue({ ratePerSec: 10 }));

const bearer = { authorization: `Bearer ${env.OPERATOR_TOKEN}` };

async function signedIn(): Promise<Jar> {
  const res = await SELF.fetch(`${BASE}/_wr/admin/login`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE, "sec-fetch-site": "same-origin" },
    body: new URLSearchParams({ token: env.OPERATOR_TOKEN }).toString(),
    redirect: "manual",
  });
  expect(res.status).toBe(303);
  return new Jar().take(res);
}

describe("operator requests from elsewhere", () => {
  it("refuses a form another origin on the same host posts to the console, and changes nothing", async () => {
    const jar = await signedIn();
    const form = (headers: Record<string, string>) =>
      SELF.fetch(`${BASE}/_wr/admin/console`, {
        method: "POST",
        headers: { cookie: jar.header(), "content-type": "application/x-www-form-urlencoded", ...headers },
        body: new URLSearchParams({ ratePerSec: "12" }).toString(),
        redirect: "manual",
      });
    for (const headers of <Record<string, string>[]>[
      { origin: "http://wr.test:8080", "sec-fetch-site": "same-site" }, // another port: SameSite cookies still go
      { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
      { origin: "http://wr.test:8080" }, // an older browser: Origin only
      { "sec-fetch-site": "same-site", "sec-fetch-mode": "navigate" }, // a form's navigation is still a change
      { origin: "null" },
    ]) {
      const res = await form(headers);
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ code: "cross_origin" });
    }
    expect(await stats()).toMatchObject({ ratePerSec: 10 });
    // The console's own page may.
    expect((await form({ origin: BASE, "sec-fetch-site": "same-origin" })).status).toBe(303);
    expect(await stats()).toMatchObject({ ratePerSec: 12 });
    // Following a link to the console from elsewhere only reads: it opens.
    const link = await SELF.fetch(`${BASE}/_wr/admin`, {
      headers: { cookie: jar.header(), "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" },
    });
    expect(link.status).toBe(200);
    // A script elsewhere cannot read the numbers with the operator's cookie.
    const read = await SELF.fetch(`${BASE}/_wr/admin/stats`, {
      headers: { cookie: jar.header(), "sec-fetch-site": "same-site", "sec-fetch-mode": "cors" },
    });
    expect(read.status).toBe(403);
  });

  it("refuses the JSON API from another origin, and anything but application/json with 415", async () => {
    const post = (body: string, headers: Record<string, string>) =>
      SELF.fetch(`${BASE}/_wr/admin/config`, { method: "POST", headers: { ...bearer, ...headers }, body });
    const cross = await post('{"paused":true}', {
      "content-type": "application/json",
      origin: "http://wr.test:9000",
      "sec-fetch-site": "same-site",
    });
    expect(cross.status).toBe(403);
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""]) {
      const res = await post('{"paused":true}', type ? { "content-type": type } : {});
      expect(res.status).toBe(415);
      expect(await res.json()).toMatchObject({ code: "unsupported_media_type" });
    }
    expect(await stats()).toMatchObject({ paused: false });
    const ok = await post('{"paused":true}', { "content-type": "application/json; charset=utf-8" });
    expect(ok.status).toBe(200);
    expect(await stats()).toMatchObject({ paused: true });
  });
});
