/**
 * The citizen pages as served: standards mode on every page, every error of a form at once, the session's
 * timeout warning and its extension within the rules, and the steps that can no longer work disabled
 * (the code page after 0:00 or five wrong codes, the confirm page after the hold ran out).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SESSION_MAX_MS } from "../../origin/middleware/require-session";
import { type Bench, bookingBench, makeRrn } from "./booking";
import { pageBrowser } from "./page-browser";

let bench: Bench;

beforeAll(async () => {
  bench = await bookingBench();
}, 120_000);
afterAll(async () => {
  await bench?.database.close();
});

const split = (rrn: string) => {
  const [rrn1, rrn2] = rrn.split("-");
  return { rrn1: rrn1!, rrn2: rrn2! };
};

/** The page's <title>. */
const titleOf = (html: string) => /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? "";
/** The opening tag of the element with this id. */
const tagOf = (html: string, id: string) => new RegExp(`<[a-z]+[^>]*\\bid="${id}"[^>]*>`).exec(html)?.[0] ?? "";
/** The text of the asset a page links (the first match of `link`), as the origin serves it. */
const linked = async (html: string, link: RegExp) => {
  const href = link.exec(html)?.[1];
  expect(href).toMatch(/^\/_wr\/assets\//);
  const res = await bench.app.request(href!);
  expect(res.status).toBe(200);
  return res.text();
};

describe("standards mode", () => {
  it("serves every page route of the origin, and its error pages, with the doctype first", async () => {
    const p = await bench.person();
    const go = pageBrowser(bench, p.cookie);
    await go("/book/channel", { channel: "sms" });
    const slot = await bench.slotOf("pfizer", "2026-11-24", "11:00");
    const held = await go(`/book/clinic/${slot.clinicId}?date=2026-11-24`, { slotId: String(slot.id) });
    const holdId = new URL(held.location!, "http://x").searchParams.get("hold")!;
    const done = await go("/book/confirm", { hold: holdId, key: "6b0e6d6a-5b1f-4d3c-9a7e-2c4b8d9e1f01" });
    const number = new URL(done.location!, "http://x").searchParams.get("r")!;
    expect((await go("/lookup", { name: p.name, ...split(p.rrn), reservationNumber: number })).location).toBe("/lookup/reservation");

    // Every GET route the app has, outside the JSON API and the health checks, with real parameters.
    const queries: Record<string, string> = {
      "/book/verify": "?c=8f0e6d6a-5b1f-4d3c-9a7e-2c4b8d9e1f00&m=010-****-0000",
      "/book/search": "?date=2026-11-24&sido=11&find=1",
      "/book/confirm": `?hold=${holdId}`,
      "/book/done": `?r=${number}`,
    };
    const paths = [
      ...new Set(
        bench.app.routes
          .filter(
            (r) =>
              r.method === "GET" &&
              !r.path.startsWith("/api") &&
              !r.path.startsWith("/health") &&
              !r.path.includes("*") &&
              !r.path.includes("/assets/"),
          )
          .map((r) => r.path.replace(/:id\{[^}]*\}/, String(slot.clinicId)).replace(/:[a-z]+(\{[^}]*\})?/gi, "1")),
      ),
    ].map((path) => path + (queries[path] ?? (path.startsWith("/book/clinic/") ? "?date=2026-11-24" : "")));
    expect(paths.length).toBeGreaterThanOrEqual(12);
    const pages: [string, { status: number; html: string }][] = [];
    for (const path of paths) {
      let res = await go(path);
      // A redirect is followed once: the page it leads to is what the person sees.
      if (res.status >= 300 && res.status < 400 && res.location) res = await go(res.location);
      pages.push([path, res]);
    }
    // Error pages: no such page, no pass, an empty form, an ended session, the same page in English.
    pages.push(["/no-such-page", await go("/no-such-page")]);
    const noPass = await bench.app.request("/book", { headers: { accept: "text/html" } });
    pages.push(["/book without a pass", { status: noPass.status, html: await noPass.text() }]);
    pages.push(["POST /book (empty)", await go("/book", { name: "" })]);
    pages.push(["/book?expired=1", await go("/book?expired=1&lang=en")]);

    const lacking = pages.filter(([, res]) => !res.html.startsWith("<!DOCTYPE html>")).map(([path, res]) => `${path} (${res.status})`);
    expect(lacking).toEqual([]);
    expect(pages.every(([, res]) => res.status < 500)).toBe(true);
  });

  it("sizes tables in rem, so larger text enlarges them too", async () => {
    const html = (await pageBrowser(bench)("/?text=large")).html;
    expect(html).toContain('<html lang="ko" class="large"');
    // The page's one stylesheet, as the browser fetches it.
    const css = await linked(html, /<link rel="stylesheet" href="([^"]+)"/);
    expect(css).toMatch(/table\{[^}]*font-size:1rem/);
    // No text size in px anywhere but the root's (which "larger text" changes).
    expect(css.match(/font-size:\d+px/g)).toEqual(["font-size:18px", "font-size:22px"]);
    // `hidden` wins over any display rule (the copy button stays hidden without JavaScript).
    expect(css).toContain("[hidden]{display:none!important}");
  });
});

describe("every error of a form at once", () => {
  it("identity: all three in a linked summary that takes focus, the title prefixed, every value kept", async () => {
    const go = pageBrowser(bench);
    const res = await go("/book", { name: "", rrn1: "650230", rrn2: "1234567", phone: "12345" });
    expect(res.status).toBe(400);
    expect(titleOf(res.html)).toBe("오류: 본인인증 | 코로나19 예방접종 사전예약");
    expect(tagOf(res.html, "error-summary")).toMatch(/role="alert"/);
    expect(tagOf(res.html, "error-summary")).toMatch(/tabindex="-1"/);
    const summary = /<div class="summary"[^>]*id="error-summary">(.*?)<\/div>/.exec(res.html)![1]!;
    expect(summary).toContain('<a href="#name">이름을 정확히 입력해 주세요');
    expect(summary).toContain('<a href="#rrn1">생년월일이 올바르지 않습니다');
    expect(summary).toContain('<a href="#phone">휴대전화 번호를 확인해 주세요');
    expect(res.html).toContain("data-focus-errors");
    expect(await linked(res.html, /<script src="([^"]+)"/)).toContain('getElementById("error-summary");if(s)s.focus()');
    expect(tagOf(res.html, "rrn1")).toContain('value="650230"');
    expect(tagOf(res.html, "rrn2")).toContain('value="1234567"');
    expect(tagOf(res.html, "phone")).toContain('value="12345"');
    // A page that holds a resident number is never kept by a browser or a proxy.
    expect(res.headers.get("cache-control")).toBe("no-store");
    // In English too.
    expect(titleOf((await go("/book?lang=en", { name: "" })).html)).toMatch(/^Error: /);
  });

  it("identity: a whole number typed into the first box is taken as both halves", async () => {
    const rrn = makeRrn("1966-02-02");
    const res = await pageBrowser(bench)("/book", { name: "김영희", rrn1: rrn.replace("-", ""), rrn2: "", phone: "010-5555-6161" });
    expect(res.status).toBe(303);
    expect(res.location).toMatch(/^\/book\/verify\?c=/);
  });

  it("proxy and lookup: all their errors at once too", async () => {
    const p = await bench.person();
    const proxy = await pageBrowser(bench, p.cookie)("/book/proxy", { relationship: "", name: "", rrn1: "", rrn2: "" });
    expect(proxy.status).toBe(400);
    expect(titleOf(proxy.html)).toMatch(/^오류: /);
    for (const id of ["relationship", "name", "rrn1"]) expect(proxy.html).toContain(`<li><a href="#${id}">`);
    const lookup = await pageBrowser(bench)("/lookup", { name: "홍길동", rrn1: "650101", rrn2: "100", reservationNumber: "abc" });
    expect(lookup.status).toBe(400);
    expect(titleOf(lookup.html)).toMatch(/^오류: /);
    expect(lookup.html).not.toContain('<li><a href="#name">');
    for (const id of ["rrn1", "reservationNumber"]) expect(lookup.html).toContain(`<li><a href="#${id}">`);
    expect(tagOf(lookup.html, "rrn2")).toContain('value="100"');
  });
});

describe("the session's timeout", () => {
  it("keeps the cookie past the session's end, so the page after the end says it ended", async () => {
    const go = pageBrowser(bench);
    const rrn = makeRrn("1964-04-04");
    const started = await go("/book", { name: "박철수", ...split(rrn), phone: "010-7777-1212" });
    const c = new URL(started.location!, "http://x").searchParams.get("c")!;
    const code = (await bench.call("GET", "/api/dev/otp?phone=01077771212")).body.code as string;
    const verified = await go("/book/verify", { c, m: "010-****-1212", code });
    expect(verified.location).toBe("/book/who");
    const sid = verified.setCookies.find((x) => x.startsWith("sid="))!;
    const maxAge = Number(/Max-Age=(\d+)/i.exec(sid)![1]);
    expect(maxAge * 1000).toBeGreaterThan(SESSION_MAX_MS);
    bench.clock.now += bench.config.sessionTtlMs + 1000;
    try {
      const after = await go("/book/channel");
      expect(after.location).toBe("/book?expired=1");
      expect((await go(after.location!)).html).toContain("본인인증 시간이 지났습니다. 다시 인증해 주세요.");
    } finally {
      bench.clock.now -= bench.config.sessionTtlMs + 1000;
    }
  });

  it("warns with a dialog and extends to SESSION_TTL from now, never past the maximum from verification", async () => {
    const ttl = bench.config.sessionTtlMs;
    const p = await bench.person();
    const go = pageBrowser(bench, p.cookie);
    const json = { accept: "application/json" };
    const first = (await go("/book/who")).html;
    expect(tagOf(first, "timeout")).toMatch(
      /<dialog class="timeout" id="timeout" aria-labelledby="timeout-title" aria-describedby="timeout-lead"/,
    );
    expect(first).toContain('id="timeout-continue"');
    const start = bench.clock.now;
    try {
      bench.clock.now = start + 20 * 60_000;
      const once = await go("/book/extend", {}, json);
      expect(once.status).toBe(200);
      expect(JSON.parse(once.html)).toMatchObject({ secondsLeft: ttl / 1000, extendable: true });

      // Near the maximum: extended only up to it, and the dialog no longer offers to continue.
      bench.clock.now = start + SESSION_MAX_MS - 15 * 60_000;
      const capped = JSON.parse((await go("/book/extend", {}, json)).html);
      expect(capped).toMatchObject({ secondsLeft: 900, extendable: false, expiresAt: new Date(start + SESSION_MAX_MS).toISOString() });
      const page = (await go("/book/channel")).html;
      expect(page).not.toContain('id="timeout-continue"');
      expect(page).toContain("본인인증 시간은 더 늘릴 수 없습니다");
      // Asked again, it stays at the maximum.
      bench.clock.now = start + SESSION_MAX_MS - 5 * 60_000;
      expect(JSON.parse((await go("/book/extend", {}, json)).html)).toMatchObject({ secondsLeft: 300 });

      // Without JavaScript the form post goes back to the page it came from.
      const back = await go("/book/extend", {}, { referer: "http://localhost/book/channel" });
      expect(back.location).toBe("/book/channel");

      // Once ended it stays ended.
      bench.clock.now = start + SESSION_MAX_MS + 1000;
      const late = await go("/book/extend", {});
      expect(late.location).toBe("/book?expired=1");
    } finally {
      bench.clock.now = start;
    }
  });
});

describe("steps that can no longer work", () => {
  async function codePage(phone: string) {
    const go = pageBrowser(bench);
    const started = await go("/book", { name: "이순자", ...split(makeRrn("1963-03-03")), phone });
    const url = new URL(started.location!, "http://x");
    return { go, c: url.searchParams.get("c")!, e: url.searchParams.get("e")!, m: url.searchParams.get("m")!, url: started.location! };
  }

  it("disables the code input and button after five wrong codes, and says to ask for a new one", async () => {
    const { go, c, e, m } = await codePage("010-3434-0001");
    const right = (await bench.call("GET", "/api/dev/otp?phone=01034340001")).body.code as string;
    const wrong = right === "000000" ? "111111" : "000000";
    let last = await go("/book/verify", { c, m, e, code: wrong });
    expect(tagOf(last.html, "code")).not.toContain("disabled");
    for (let i = 0; i < 4; i++) last = await go("/book/verify", { c, m, e, code: wrong });
    expect(last.status).toBe(429);
    expect(tagOf(last.html, "code")).toContain("disabled");
    expect(tagOf(last.html, "verify")).toContain("disabled");
    expect(tagOf(last.html, "code-dead")).not.toContain("hidden");
    expect(last.html).toContain("인증번호를 5번 틀려 이 인증번호는 더 쓸 수 없습니다");
    expect(tagOf(last.html, "resend")).not.toMatch(/\bdisabled\b/);
  });

  it("disables the code input at 0:00: on the page (by its countdown) and on a late submit", async () => {
    const { go, c, e, m, url } = await codePage("010-3434-0002");
    const page = (await go(url)).html;
    expect(page).toMatch(/data-expired="code-dead" data-disable="code verify"/);
    expect(tagOf(page, "code-dead")).toContain("hidden");
    bench.clock.now += bench.config.otpTtlMs + 1000;
    try {
      const code = (await bench.call("GET", "/api/dev/otp?phone=01034340002")).body.code as string;
      const late = await go("/book/verify", { c, m, e, code });
      expect(late.status).toBe(400);
      expect(tagOf(late.html, "code")).toContain("disabled");
      expect(late.html).toContain("인증번호 입력 시간이 지났습니다.");
      const reopened = (await go(url)).html;
      expect(tagOf(reopened, "verify")).toContain("disabled");
    } finally {
      bench.clock.now -= bench.config.otpTtlMs + 1000;
    }
  });

  it("on the confirm page, disables 예약하기 when the hold runs out and offers to choose again", async () => {
    const p = await bench.person();
    const go = pageBrowser(bench, p.cookie);
    await go("/book/channel", { channel: "kakao" });
    const slot = await bench.slotOf("pfizer", "2026-11-24", "14:00");
    const held = await go(`/book/clinic/${slot.clinicId}?date=2026-11-24`, { slotId: String(slot.id) });
    const html = (await go(held.location!)).html;
    expect(html).toMatch(/data-expired="hold-expired" data-disable="book-it"/);
    expect(tagOf(html, "book-it")).toMatch(/<button type="submit" class="big" id="book-it">/);
    const released = /<div class="summary" id="hold-expired" role="alert" hidden="">(.*?)<\/div>/.exec(html)![1]!;
    expect(released).toContain("이 시간으로는 예약할 수 없습니다");
    expect(released).toContain(`href="/book/clinic/${slot.clinicId}?date=2026-11-24"`);
  });
});
