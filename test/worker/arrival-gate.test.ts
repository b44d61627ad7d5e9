/**
 * The gate in front of a new place: per-address limits (Workers Rate Limiting bindings, as wrangler.toml
 * declares them) and the operators' proof-of-work switch. Each test uses its own addresses.
 */
import { SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { addressKey } from "../../worker/edge/arrival-gate";
import { BASE, counterOf, freshQueue, Jar, linked, operator, visit } from "./helpers";

beforeEach(() => freshQueue({ ratePerSec: 0 }));

let next = 1;
const newAddress = () => `203.0.113.${next++}`;

async function arrive(addr: string, jar = new Jar(), path = "/", headers: Record<string, string> = {}) {
  const res = await visit(jar, path, { "cf-connecting-ip": addr, ...headers });
  return { res, jar };
}

async function issued(lane = "booking") {
  return ((await (await operator(`/stats?lane=${lane}`)).json()) as { issued: number }).issued;
}

describe("per-address limits on new places", () => {
  it("gives a burst of 20 places to one address, then a clear page that retries, and no place", async () => {
    const addr = newAddress();
    const holders: Jar[] = [];
    // The limit counts in fixed 10 s windows: a window may turn during the burst, so keep asking until refused.
    let refused: { res: Response; jar: Jar } | undefined;
    let before = 0;
    while (!refused && holders.length <= 40) {
      before = await issued();
      const attempt = await arrive(addr);
      if (attempt.res.status === 429) refused = attempt;
      else {
        expect(attempt.res.status).toBe(200);
        expect(attempt.jar.get("wr_ticket")).toBeDefined();
        holders.push(attempt.jar);
      }
    }
    expect(holders.length).toBeGreaterThanOrEqual(20);
    expect(holders.length).toBeLessThanOrEqual(40); // 20 per window, at most two windows
    const { res, jar } = refused!;
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("10");
    const html = await res.text();
    expect(html).toContain("같은 곳에서 새 대기번호 요청이 너무 많습니다");
    expect(html).toContain('http-equiv="refresh" content="10"');
    expect(await linked(html, "style")).toContain("font:18px/1.6 system-ui,-apple-system,Segoe UI,Apple SD Gothic Neo"); // the style as written, not HTML-escaped
    expect(jar.get("wr_ticket")).toBeUndefined();
    expect(await issued()).toBe(before); // nothing taken from the counter
    const json = await SELF.fetch(`${BASE}/api/pass`, { headers: { "cf-connecting-ip": addr, accept: "application/json" } });
    expect(json.status).toBe(429);
    expect(await json.json()).toMatchObject({ code: "too_many_new_places", retryAfterSeconds: 10 });
    const en = await arrive(addr, new Jar(), "/?lang=en");
    expect(await en.res.text()).toContain("Too many new places asked from here");

    // Those who already have a place keep it: a refresh is not a new place.
    const refresh = await visit(holders[3]!, "/", { "cf-connecting-ip": addr });
    expect(refresh.status).toBe(200);
    expect(await refresh.text()).toContain("나의 대기번호");
    // Another address, and another lane, are not affected.
    expect((await arrive(newAddress())).res.status).toBe(200);
    expect((await arrive(addr, new Jar(), "/lookup")).res.status).not.toBe(429);
  });
});

describe("addresses as the network gives them out", () => {
  it("counts an IPv6 client by its /64: 200 addresses of one network share one allowance", async () => {
    const net = `2001:db8:${next++}:7`;
    let places = 0;
    let refused: Response | undefined;
    for (let i = 1; i <= 200 && !refused; i++) {
      const { res } = await arrive(`${net}:${i.toString(16)}::${(i * 7).toString(16)}`);
      if (res.status === 429) refused = res;
      else places++;
    }
    expect(places).toBeGreaterThanOrEqual(20);
    expect(places).toBeLessThanOrEqual(40); // 20 per 10 s window, at most two windows
    expect(await refused!.text()).toContain("같은 곳에서 새 대기번호 요청이 너무 많습니다");
    // The next /64 is someone else.
    expect((await arrive(`2001:db8:${next++}:7::1`)).res.status).toBe(200);
  });

  it("keys addresses: IPv4 as is, IPv6 by its /64 however it is written, IPv4-mapped as IPv4", () => {
    expect(addressKey("203.0.113.9")).toBe("203.0.113.9");
    expect(addressKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd")).toBe("2001:0db8:0001:0002::");
    expect(addressKey("2001:DB8:1:2::1")).toBe("2001:0db8:0001:0002::");
    expect(addressKey("2001:db8:1:3::1")).toBe("2001:0db8:0001:0003::");
    expect(addressKey("::ffff:198.51.100.4")).toBe("198.51.100.4");
    expect(addressKey("fe80::1%eth0")).toBe("fe80:0000:0000:0000::");
    expect(addressKey("not an address")).toBe("not an address");
  });
});

describe("proof of work, switched on by operators", () => {
  async function zeros(challenge: string, n: number): Promise<number> {
    const d = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${challenge}~${n}`)));
    let z = 0;
    for (const b of d) {
      if (b !== 0) return z + Math.clz32(b) - 24;
      z += 8;
    }
    return z;
  }
  /** The first nonce that solves the challenge (or, with `solves` false, the first that does not). */
  async function solve(challenge: string, bits: number, solves = true): Promise<number> {
    for (let n = 0; ; n++) if ((await zeros(challenge, n)) >= bits === solves) return n;
  }

  it("asks a new arrival to solve a challenge bound to its address, and gives the place for a solution", async () => {
    expect((await operator("/config", { proofOfWorkBits: 8 })).status).toBe(200);
    expect(await (await operator("/stats")).json()).toMatchObject({ proofOfWorkBits: 8 });
    const addr = newAddress();
    const page = await arrive(addr);
    expect(page.res.status).toBe(429);
    const html = await page.res.text();
    expect(html).toContain("접속을 확인하고 있습니다");
    expect(html).toMatch(/data-bits="8"/);
    expect(page.jar.get("wr_ticket")).toBeUndefined();

    const asked = await SELF.fetch(`${BASE}/api/pass`, { headers: { "cf-connecting-ip": addr, accept: "application/json" } });
    const { code, challenge, bits } = (await asked.json()) as { code: string; challenge: string; bits: number };
    expect(code).toBe("proof_of_work_required");
    const before = await issued();

    // A wrong answer, or a right answer from another address, earns a new challenge, not a place.
    const wrong = await arrive(addr, new Jar({ wr_pow: `${challenge}~${await solve(challenge, bits, false)}` }));
    expect(wrong.res.status).toBe(429);
    expect(wrong.jar.get("wr_ticket")).toBeUndefined();
    const nonce = await solve(challenge, bits);
    const elsewhere = await arrive(newAddress(), new Jar({ wr_pow: `${challenge}~${nonce}` }));
    expect(elsewhere.res.status).toBe(429);
    expect(await issued()).toBe(before);

    const solved = await arrive(addr, new Jar({ wr_pow: `${challenge}~${nonce}` }));
    expect(solved.res.status).toBe(200);
    expect(solved.jar.get("wr_ticket")).toBeDefined();
    expect(solved.jar.get("wr_pow")).toBeUndefined(); // used up
    expect(await issued()).toBe(before + 1);
    // Refreshing keeps the place without another proof.
    expect((await visit(solved.jar, "/", { "cf-connecting-ip": addr })).status).toBe(200);
    // The same solution again earns nothing more: spent at the lane's counter, whichever isolate sees it.
    for (let i = 0; i < 3; i++) {
      const replay = await arrive(addr, new Jar({ wr_pow: `${challenge}~${nonce}` }));
      expect(replay.res.status).toBe(429);
      expect(replay.jar.get("wr_ticket")).toBeUndefined();
    }
    expect(await issued()).toBe(before + 1);
    expect(await counterOf().spendProof(challenge.slice(challenge.lastIndexOf(".") + 1), Date.now() + 60_000)).toBe(false);

    expect((await operator("/config", { proofOfWorkBits: 0 })).status).toBe(200);
    expect((await arrive(newAddress())).res.status).toBe(200);
  });

  it("refuses an implausible difficulty with a message", async () => {
    for (const bits of [30, -1, 2.5, "8"]) {
      const res = await operator("/config", { proofOfWorkBits: bits });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toMatch(/proofOfWorkBits/);
    }
  });
});
