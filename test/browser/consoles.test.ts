/**
 * The edge's waiting and fairness pages and both operator consoles in a real browser (Debian's Chromium
 * through playwright-core), against the system started the way `npm start` starts it: standards mode,
 * nothing wider than a 360 px phone, axe-core finding nothing serious, and screenshots at 360 and 1280 px
 * under test/artifacts/ for review.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessibilityProblems, browserTestsUnavailable, type RunningSystem, screenshots, startSystem } from "./system";

const DATABASE = process.env.TEST_DATABASE_URL;
const unavailable = browserTestsUnavailable(DATABASE);

let sys: RunningSystem;
const problems: string[] = [];

/** Standards mode, no sideways scrolling at 360 px, axe, and both screenshots of the page as it is now. */
async function review(page: Page, name: string) {
  expect(await page.evaluate(() => document.compatMode), name).toBe("CSS1Compat");
  const before = page.viewportSize()!;
  await page.setViewportSize({ width: 360, height: 740 });
  await page.waitForTimeout(300);
  expect(await page.evaluate(() => document.documentElement.scrollWidth), `${name} at 360 px`).toBeLessThanOrEqual(360);
  await page.setViewportSize(before);
  problems.push(...(await accessibilityProblems(page)));
  await screenshots(page, name);
}

async function arrive(n: number) {
  for (let i = 0; i < n; i++) await fetch(`${sys.url}/`, { headers: { accept: "application/json" } });
}

describe.skipIf(unavailable !== null)("pages and consoles in Chromium", () => {
  beforeAll(async () => {
    sys = await startSystem(DATABASE!);
  }, 180_000);
  afterAll(async () => {
    await sys?.stop();
  });

  it("the waiting page names its service, says its progress, and stops saying 'in line' once admitted", async () => {
    await sys.operator({ ratePerSec: 0 });
    await arrive(12);
    const ctx = await sys.browser.newContext({ locale: "ko-KR", viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(`${sys.url}/`);
    await page.getByText("대기열: 코로나19 예방접종 사전예약").waitFor();
    const bar = page.getByRole("progressbar", { name: "대기 진행률" });
    expect(await bar.getAttribute("aria-valuetext")).toMatch(/^0% · 앞에 12명 · /);
    await expect.poll(() => page.locator("#wr-pfig").textContent()).toMatch(/^앞에 12명 · /);
    await review(page, "edge-waiting");
    await sys.operator({ ratePerSec: 100 });
    await page.getByRole("link", { name: "사전예약 바로가기" }).waitFor({ timeout: 30_000 });
    await ctx.close();
  }, 120_000);

  it("the fairness page shows, after admission, the person's drawn place in Korean words and Korea time", async () => {
    const opensAt = Date.now() + 15_000;
    await sys.operator({ ratePerSec: 100, opensAt: new Date(opensAt).toISOString() });
    const ctx = await sys.browser.newContext({ locale: "ko-KR", viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    await arrive(3);
    await page.goto(`${sys.url}/`);
    await page.getByRole("heading", { name: "예약 시작 전입니다" }).waitFor();
    await arrive(3);
    await review(page, "edge-prequeue");
    // At the opening the page shows its drawn place, and lets its holder in soon after.
    await page.getByRole("link", { name: "사전예약 바로가기" }).waitFor({ timeout: 30_000 });
    await page.goto(`${sys.url}/_wr/fairness?lane=booking`);
    await expect.poll(() => page.locator("#my-ticket").textContent()).toMatch(/추첨된 순서 \d+번 · 입장하셨습니다\./);
    expect(await page.getByText("추첨 완료").count()).toBeGreaterThan(0);
    expect(await page.content()).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d \(한국 시간\)/);
    await review(page, "edge-fairness");
    await ctx.close();
  }, 120_000);

  it("the edge console keeps its chart across a reload, in Korea time, and confirms a scheduled opening", async () => {
    const ctx = await sys.browser.newContext({ locale: "en-US", timezoneId: "America/New_York", viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(`${sys.url}/_wr/admin`);
    await page.getByLabel("운영자 토큰").fill(sys.operatorToken);
    await page.getByRole("button", { name: "로그인" }).click();
    await page.getByRole("heading", { name: "대기열 운영 콘솔" }).waitFor();
    await page.waitForTimeout(3000);
    const reloadedAt = Date.now();
    const history = page.waitForResponse((r) => r.url().includes("/_wr/admin/history"));
    await page.reload();
    // The chart begins with the counters' samples from before the reload ...
    const { samples } = (await (await history).json()) as { samples: { t: number }[] };
    expect(samples.length).toBeGreaterThan(0);
    expect(samples[0]!.t).toBeLessThan(reloadedAt);
    await page.waitForTimeout(1000);
    // ... and its first point, read under the cursor, is in Seoul's time, though this browser is in New York.
    const box = (await page.locator("#chart .u-over").boundingBox())!;
    await page.mouse.move(box.x + 1, box.y + box.height / 2);
    const reading = (await page.locator(".u-legend .u-series").first().locator(".u-value").textContent()) ?? "";
    const seoul = new Date(samples[0]!.t + 9 * 3600_000);
    const h = seoul.getUTCHours();
    const expected = `${seoul.toISOString().slice(0, 10)} ${h % 12 || 12}:${String(seoul.getUTCMinutes()).padStart(2, "0")}${h < 12 ? "am" : "pm"}`;
    expect(reading).toBe(expected);
    const inAnHour = new Date(Date.now() + 3600_000 + 9 * 3600_000).toISOString().slice(0, 16);
    await page.getByLabel("개장 시각 예약 (한국 시간)").fill(inAnHour);
    await page.getByRole("button", { name: "개장 예약" }).click();
    await page.getByRole("status").filter({ hasText: "예약했습니다" }).waitFor();
    await expect.poll(() => page.locator("#s-state").textContent()).toMatch(/^개장 전 대기 \d+명, 개장 \d\d:\d\d \(한국 시간\)$/);
    await review(page, "edge-console");
    await ctx.close();
  }, 120_000);

  it("/ops is an operator's page in Korean, with its own header, fitting a phone", async () => {
    const ctx = await sys.browser.newContext({ locale: "ko-KR", viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(`${sys.originUrl}/ops`);
    await page.getByLabel("운영자 토큰").fill(sys.operatorToken);
    await page.getByRole("button", { name: "로그인" }).click();
    await page.getByRole("heading", { name: "운영 현황 (예약 서버)" }).waitFor();
    expect(await page.getByRole("link", { name: "예약 조회/취소" }).count()).toBe(0);
    await review(page, "origin-ops");
    await page.getByLabel("의료기관 번호").fill("abc");
    await page.getByLabel("날짜", { exact: true }).fill(new Date(Date.now() + 9 * 3600_000 + 86_400_000).toISOString().slice(0, 10));
    await page.getByLabel("시간대별 인원").fill("nan");
    await page.getByLabel("사유").fill("x");
    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: "적용" }).click();
    await page.getByRole("alert").waitFor();
    expect(await page.getByRole("alert").textContent()).not.toMatch(/Expected|received|must/);
    await review(page, "origin-ops-refused");
    await ctx.close();
  }, 120_000);

  it("axe finds nothing serious on any of them", () => {
    expect(problems).toEqual([]);
  });
});
