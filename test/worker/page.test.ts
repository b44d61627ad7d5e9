import { SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { BASE, freshQueue, Jar, visit } from "./helpers";

beforeEach(() => freshQueue({ ratePerSec: 0 }));

async function page(path = "/", headers: Record<string, string> = {}, jar = new Jar()) {
  const res = await visit(jar, path, headers);
  return { res, html: await res.text(), jar };
}

describe("waiting page", () => {
  it("is Korean by default and shows my number, people ahead and behind, the wait and progress", async () => {
    await page(); // one ahead of me
    const { res, html } = await page();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(html).toContain('<html lang="ko">');
    expect(html).toContain("접속 대기 중입니다");
    expect(html).toContain("나의 대기번호");
    expect(html).toMatch(/id="wr-seq">2</);
    expect(html).toMatch(/id="wr-ahead">1명</);
    expect(html).toMatch(/id="wr-behind">0명</);
    // The line's service is named, and the progress bar says its figure in words, to screen readers too.
    expect(html).toContain("대기열: 코로나19 예방접종 사전예약");
    expect(html).toMatch(/role="progressbar"[^>]*aria-valuenow="0"[^>]*aria-valuetext="0% · 앞에 1명 · [^"]+"/);
    expect(html).toMatch(/id="wr-pfig" class="pfig">앞에 1명 · [^<]+ · 0%</);
    expect(html).toContain('aria-live="polite"');
    expect(html).toContain("새로고침");
  });

  it("switches to English with ?lang=en or Accept-Language: en, and back", async () => {
    const q = await page("/?lang=en");
    expect(q.html).toContain('<html lang="en">');
    expect(q.html).toContain("You are in line");
    expect(q.html).toContain("keeps your place");
    const h = await page("/", { "accept-language": "en-US,en;q=0.9" });
    expect(h.html).toContain("You are in line");
    const back = await page("/?lang=ko", {}, q.jar);
    expect(back.html).toContain("접속 대기 중입니다");
  });

  it("works without JavaScript: a noscript refresh at the poll interval", async () => {
    const { html } = await page();
    expect(html).toMatch(/<noscript><meta http-equiv="refresh" content="\d+"\/?><\/noscript>/);
  });

  it("polls /_wr/status from its script, and serves style and script as immutable assets", async () => {
    const { html } = await page();
    const script = html.match(/<script src="([^"]+)"/)![1]!;
    const style = html.match(/<link rel="stylesheet" href="([^"]+)"/)![1]!;
    const js = await SELF.fetch(`${BASE}${script}`);
    expect(js.headers.get("content-type")).toMatch(/javascript/);
    expect(js.headers.get("cache-control")).toMatch(/immutable/);
    const code = await js.text();
    expect(code).toContain('"/_wr/status?lane="');
    expect(code).toContain("location.reload()");
    const css = await SELF.fetch(`${BASE}${style}`);
    expect(css.headers.get("content-type")).toMatch(/text\/css/);
    expect(await css.text()).toContain("font:18px");
    expect((await SELF.fetch(`${BASE}/_wr/assets/nope.js`)).status).toBe(404);
    expect(html.length).toBeLessThan(2500);
  });

  it("keeps my number across refreshes of the page", async () => {
    const jar = new Jar();
    const a = await page("/", {}, jar);
    await page(); // someone else arrives
    const b = await page("/", {}, jar);
    const seqOf = (html: string) => html.match(/id="wr-seq">([\d,]+)</)![1];
    expect(seqOf(b.html)).toBe(seqOf(a.html));
    expect(b.html).toMatch(/id="wr-behind">1명</);
  });

  it("never serves a 500 for a hostile cookie header", async () => {
    const res = await SELF.fetch(`${BASE}/`, { headers: { cookie: "wr_ticket=%%%; wr_pass=%E0%A4%A; wr_lang=xx; x=" } });
    expect(res.status).toBe(200);
  });
});

describe("waiting page template", () => {
  it("escapes the path it links back to, and shows the paused note only while paused", async () => {
    const { html } = await page('/book/"><script>x</script>');
    expect(html).not.toContain("<script>x</script>");
    expect(html).toContain("?lang=en");
    expect(html).not.toContain("\u0001");
    expect(html).toMatch(/<p id="wr-paused" class="paused" role="status" hidden/);
    await freshQueue({ ratePerSec: 0, paused: true });
    const paused = await page("/");
    expect(paused.html).toMatch(/<p id="wr-paused" class="paused" role="status">/);
    expect(paused.html).toMatch(/id="wr-eta">일시 중지 중</);
  });
});
