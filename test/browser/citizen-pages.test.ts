/**
 * The citizen pages' newer behaviour in a real browser (Chromium, with axe-core), against the system
 * started the way `npm start` starts it, with a short identity session (SESSION_TTL_SECONDS=125, so the
 * two-minute warning comes a few seconds after verifying): standards mode and larger text, every error of
 * a form at once, a whole resident number pasted into the first box, the timeout warning and "continue",
 * the page after the session ended, and the code form at 0:00. Screenshots at 360 and 1280 px go to
 * test/artifacts/ (citizen-*.png).
 */
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkDigit } from "../../origin/identity/rrn";
import { accessibilityProblems, browserTestsUnavailable, type RunningSystem, screenshots, startSystem } from "./system";

const DATABASE = process.env.TEST_DATABASE_URL;
const unavailable = browserTestsUnavailable(DATABASE);
if (unavailable) {
  console.warn(`\n${"!".repeat(78)}\n!! BROWSER TESTS SKIPPED: ${unavailable}\n${"!".repeat(78)}\n`);
}

const SESSION_TTL_SECONDS = 125;

let sys: RunningSystem;
const problems: string[] = [];
const contexts: BrowserContext[] = [];

/** A valid resident number for a 1900s birth date, as its two halves. */
function rrn(birthDate: string, serial: string): [string, string] {
  const [y, m, d] = birthDate.split("-") as [string, string, string];
  const first12 = `${y.slice(2)}${m}${d}1${serial}`;
  return [first12.slice(0, 6), `${first12.slice(6)}${checkDigit(first12)}`];
}

async function review(page: Page, name: string) {
  problems.push(...(await accessibilityProblems(page)));
  await screenshots(page, `citizen-${name}`);
}

/** A new visitor, admitted (the line is open), on the home page. */
async function visitor(): Promise<Page> {
  const ctx = await sys.browser.newContext({ locale: "ko-KR", viewport: { width: 1280, height: 900 } });
  contexts.push(ctx);
  await ctx.grantPermissions(["clipboard-read", "clipboard-write"], { origin: sys.url });
  const page = await ctx.newPage();
  await page.goto(`${sys.url}/`);
  await page.getByRole("link", { name: "사전예약 바로가기" }).waitFor({ timeout: 30_000 });
  return page;
}

const compatMode = (page: Page) => page.evaluate(() => document.compatMode);

/** Through the identity form and the code, to "who is this booking for". */
async function verify(page: Page, who: { name: string; serial: string; phone: string }) {
  await page.goto(`${sys.url}/book`);
  const [front, back] = rrn("1965-01-01", who.serial);
  await page.getByLabel("이름", { exact: true }).fill(who.name);
  await page.locator("#rrn1").fill(front);
  await page.locator("#rrn2").fill(back);
  await page.getByLabel("휴대전화 번호").fill(who.phone);
  await page.getByRole("button", { name: "인증번호 받기" }).click();
  await page.getByRole("heading", { name: "인증번호 입력" }).waitFor();
  const otp = await page.request.get(`${sys.url}/api/dev/otp?phone=${who.phone.replace(/\D/g, "")}`);
  const { code } = (await otp.json()) as { code: string };
  await page.getByLabel("인증번호 6자리").fill(code);
  await page.getByRole("button", { name: "확인" }).click();
  await page.getByRole("heading", { name: "누구의 예약인가요?" }).waitFor();
}

describe.skipIf(!!unavailable)("the citizen pages in Chromium", () => {
  beforeAll(async () => {
    sys = await startSystem(DATABASE!, { env: { SESSION_TTL_SECONDS: String(SESSION_TTL_SECONDS) } });
  }, 240_000);

  afterAll(async () => {
    for (const ctx of contexts) await ctx.close().catch(() => {});
    await sys?.stop();
  }, 60_000);

  it("is in standards mode, and larger text enlarges the home page's table too", async () => {
    const page = await visitor();
    expect(await compatMode(page)).toBe("CSS1Compat");
    const sizes = () =>
      page.evaluate(() => ({
        body: getComputedStyle(document.body).fontSize,
        cell: getComputedStyle(document.querySelector("td")!).fontSize,
      }));
    expect(await sizes()).toEqual({ body: "18px", cell: "18px" });
    await page.getByRole("link", { name: "글자 크게" }).click();
    await page.getByRole("link", { name: "글자 보통" }).waitFor();
    expect(await sizes()).toEqual({ body: "22px", cell: "22px" });
    await review(page, "01-home-large");
    await page.getByRole("link", { name: "글자 보통" }).click();
    await page.getByRole("link", { name: "글자 크게" }).waitFor();
  });

  it("shows every error of the identity form at once, in a summary that takes focus, and keeps what was typed", async () => {
    const page = await visitor();
    await page.goto(`${sys.url}/book`);
    expect(await compatMode(page)).toBe("CSS1Compat");
    await page.locator("#rrn1").fill("650230");
    await page.locator("#rrn2").fill("1234567");
    await page.getByLabel("휴대전화 번호").fill("12345");
    await page.getByRole("button", { name: "인증번호 받기" }).click();
    const summary = page.locator("#error-summary");
    await summary.waitFor();
    expect(await page.title()).toMatch(/^오류: 본인인증/);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("error-summary");
    expect(await summary.getByRole("link").allTextContents()).toEqual([
      expect.stringContaining("이름을 정확히 입력해 주세요"),
      expect.stringContaining("생년월일이 올바르지 않습니다"),
      expect.stringContaining("휴대전화 번호를 확인해 주세요"),
    ]);
    expect(await page.locator("#rrn2").inputValue()).toBe("1234567");
    expect(await page.locator("#phone").inputValue()).toBe("12345");
    await review(page, "02-identity-errors");
    // Each line of the summary leads to its field.
    await summary.getByRole("link", { name: /휴대전화 번호/ }).click();
    expect(await page.evaluate(() => location.hash)).toBe("#phone");
  });

  it("fills both resident-number boxes from a whole number pasted into the first, and keeps the '-' beside them at 360 px", async () => {
    const page = await visitor();
    await page.goto(`${sys.url}/book`);
    for (const pasted of ["670821-1112233", "6708211112233"]) {
      await page.locator("#rrn1").fill("");
      await page.locator("#rrn2").fill("");
      await page.evaluate((text) => navigator.clipboard.writeText(text), pasted);
      await page.locator("#rrn1").focus();
      await page.keyboard.press("Control+V");
      expect(await page.locator("#rrn1").inputValue()).toBe("670821");
      expect(await page.locator("#rrn2").inputValue()).toBe("1112233");
      expect(await page.evaluate(() => document.activeElement?.id)).toBe("rrn2");
    }
    await page.setViewportSize({ width: 360, height: 740 });
    type Box = { x: number; y: number; width: number; height: number };
    const [first, dash, second] = (await Promise.all(["#rrn1", ".rrn > span", "#rrn2"].map((sel) => page.locator(sel).boundingBox()))) as [
      Box,
      Box,
      Box,
    ];
    expect(dash.x - (first.x + first.width)).toBeLessThan(16);
    expect(second.x - (dash.x + dash.width)).toBeLessThan(16);
    expect(Math.abs(dash.y + dash.height / 2 - (first.y + first.height / 2))).toBeLessThan(first.height);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await screenshots(page, "citizen-03-rrn-pasted");
  });

  it("disables the code input and button at 0:00 and says to ask for a new code", async () => {
    const page = await visitor();
    await page.goto(`${sys.url}/book`);
    const [front, back] = rrn("1965-01-01", "00201");
    await page.getByLabel("이름", { exact: true }).fill("정하나");
    await page.locator("#rrn1").fill(front);
    await page.locator("#rrn2").fill(back);
    await page.getByLabel("휴대전화 번호").fill("010-4545-0201");
    await page.getByRole("button", { name: "인증번호 받기" }).click();
    await page.getByRole("heading", { name: "인증번호 입력" }).waitFor();
    expect(await page.locator("#code").isDisabled()).toBe(false);
    // The page's countdown comes to its end (the server's own 0:00 is tested without a browser).
    await page.evaluate(() => document.querySelector("[data-disable]")!.setAttribute("data-left", "1"));
    await page.getByText("인증번호 입력 시간이 지났습니다").waitFor({ timeout: 5000 });
    expect(await page.locator("#code").isDisabled()).toBe(true);
    expect(await page.getByRole("button", { name: "확인" }).isDisabled()).toBe(true);
    await review(page, "04-code-timed-out");
  });

  it("warns two minutes before the verification ends, continues on request, and says so after it ended", async () => {
    const page = await visitor();
    await verify(page, { name: "오세훈", serial: "00101", phone: "010-4545-0101" });
    await page.evaluate(() => ((window as unknown as { notReloaded?: boolean }).notReloaded = true));
    const dialog = page.getByRole("dialog", { name: "곧 본인인증 시간이 끝납니다" });
    await dialog.waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => document.activeElement?.closest("dialog")?.id)).toBe("timeout");
    await review(page, "05-timeout-warning");

    const before = await sys.sql<{ expires_at: Date }[]>`select expires_at from sessions order by created_at desc limit 1`;
    await page.waitForTimeout(2000);
    const secondsLeft = async () => {
      const [m, s] = (await page.locator("#session-timer").textContent())!.split(":").map(Number) as [number, number];
      return m * 60 + s;
    };
    const leftBefore = await secondsLeft();
    expect(leftBefore).toBeLessThanOrEqual(120);
    await dialog.getByRole("button", { name: "계속하기" }).click();
    await dialog.waitFor({ state: "hidden" });
    const after = await sys.sql<{ expires_at: Date }[]>`select expires_at from sessions order by created_at desc limit 1`;
    expect(after[0]!.expires_at.getTime()).toBeGreaterThan(before[0]!.expires_at.getTime() + 1000);
    // The page's timer moved on with it, without a reload (nothing typed is lost).
    await expect.poll(secondsLeft, { timeout: 3000 }).toBeGreaterThan(leftBefore + 2);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);

    // The session ends (on the server: here made to end now); at 0:00 the page asks again and says why.
    await sys.sql`update sessions set expires_at = now() - interval '1 second' where expires_at = ${after[0]!.expires_at}`;
    await page.evaluate(() => document.getElementById("session-timer")!.setAttribute("data-left", "1"));
    await page.waitForURL(/\/book\?expired=1$/, { timeout: 10_000 });
    await page.getByText("본인인증 시간이 지났습니다. 다시 인증해 주세요.").waitFor();
    await review(page, "06-session-ended");
  });

  it("finds no serious or critical accessibility problems on these pages", () => {
    expect(problems).toEqual([]);
  });
});
