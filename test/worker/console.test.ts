import { env, SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { BASE, freshQueue, Jar, operator, postForm, signedIn, visitJson } from "./helpers";

beforeEach(() => freshQueue({ ratePerSec: 10 }));

describe("operator console", () => {
  it("asks for the token, refuses a wrong one, and keeps the session in a strict HttpOnly cookie", async () => {
    const page = await SELF.fetch(`${BASE}/_wr/admin`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("운영자 로그인");
    const wrong = await postForm(new Jar(), "/_wr/admin/login", { token: "not-the-token-at-all-xx" });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain("토큰이 맞지 않습니다");
    const res = await SELF.fetch(`${BASE}/_wr/admin/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: env.OPERATOR_TOKEN }).toString(),
      redirect: "manual",
    });
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/wr_operator=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\/_wr\/admin/);
    expect(cookie).not.toContain(env.OPERATOR_TOKEN);
  });

  it("shows the live numbers and a chart, in Korean and English, and its session reads the stats API", async () => {
    const jar = await signedIn();
    for (let i = 0; i < 3; i++) await visitJson(new Jar());
    const ko = await (await SELF.fetch(`${BASE}/_wr/admin`, { headers: { cookie: jar.header() } })).text();
    expect(ko).toContain("대기열 운영 콘솔");
    expect(ko).toContain('id="chart"');
    expect(ko).toMatch(/<script src="\/_wr\/assets\/uplot\.[a-z0-9]+\.js"/);
    const en = await (await SELF.fetch(`${BASE}/_wr/admin?lang=en`, { headers: { cookie: jar.header() } })).text();
    expect(en).toContain("Waiting-room console");
    const stats = await SELF.fetch(`${BASE}/_wr/admin/stats`, { headers: { cookie: jar.header() } });
    expect(stats.status).toBe(200);
    expect(await stats.json()).toMatchObject({ issued: 3, ratePerSec: 10 });
    const lib = await SELF.fetch(`${BASE}${ko.match(/<script src="([^"]+uplot[^"]+)"/)![1]}`);
    expect(lib.status).toBe(200);
    expect(await lib.text()).toContain("uPlot");
  });

  it("applies a small change at once, and asks before a big one (a pause, or a rate change of more than half)", async () => {
    const jar = await signedIn();
    expect((await postForm(jar, "/_wr/admin/console", { ratePerSec: "12" })).status).toBe(303);
    expect(await (await operator("/stats")).json()).toMatchObject({ ratePerSec: 12, paused: false });

    const big = await postForm(jar, "/_wr/admin/console", { ratePerSec: "300" });
    expect(big.status).toBe(200);
    expect(await big.text()).toContain("초당 입장을 12명에서 300명으로 바꿉니다");
    expect(await (await operator("/stats")).json()).toMatchObject({ ratePerSec: 12 });
    expect((await postForm(jar, "/_wr/admin/console", { ratePerSec: "300", confirmed: "1" })).status).toBe(303);
    expect(await (await operator("/stats")).json()).toMatchObject({ ratePerSec: 300 });

    expect(await (await postForm(jar, "/_wr/admin/console", { paused: "true" })).text()).toContain("입장을 멈추면");
    await postForm(jar, "/_wr/admin/console", { paused: "true", confirmed: "1" });
    expect(await (await operator("/stats")).json()).toMatchObject({ paused: true });
    expect((await postForm(jar, "/_wr/admin/console", { paused: "false" })).status).toBe(303);
    expect(await (await operator("/stats")).json()).toMatchObject({ paused: false });
  });

  it("refuses a bad rate with a message and changes nothing; without a session nothing changes", async () => {
    const jar = await signedIn();
    const bad = await postForm(jar, "/_wr/admin/console", { ratePerSec: "-5" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("0 이상");
    const none = await postForm(new Jar(), "/_wr/admin/console", { ratePerSec: "11" });
    expect(none.status).toBe(401);
    expect(await (await operator("/stats")).json()).toMatchObject({ ratePerSec: 10 });
  });

  it("schedules an opening in Korea time, opens now, and switches the bot defence", async () => {
    const jar = await signedIn();
    const inAnHour = new Date(Date.now() + 3600_000 + 9 * 3600_000).toISOString().slice(0, 16); // KST wall clock
    const scheduled = await postForm(jar, "/_wr/admin/console", { opensAt: inAnHour });
    expect(scheduled.status).toBe(303);
    const stats = (await (await operator("/stats")).json()) as { opensAt: string };
    expect(Date.parse(stats.opensAt)).toBe(Date.parse(`${inAnHour}:00+09:00`));
    // The page it returns to confirms the opening, in Korea time, and words the pre-queue as such.
    const page = await (await SELF.fetch(`${BASE}${scheduled.headers.get("location")}`, { headers: { cookie: jar.header() } })).text();
    expect(page).toMatch(new RegExp(`role="status">개장 시각을 ${inAnHour.replace("T", " ")}:00 \\(한국 시간\\)으로 예약했습니다`));
    expect(page).toContain(`${inAnHour.replace("T", " ")}:00 (한국 시간)`);
    expect(page).toContain(`개장 전 대기 0명, 개장 ${inAnHour.slice(11, 16)} (한국 시간)`);
    expect(page).toContain("개장 후 계산");
    expect(page).toMatch(/id="s-state">개장 전 대기 0명/);
    expect(page).not.toContain("KST");

    const bad = await postForm(jar, "/_wr/admin/console", { opensAt: "2021-07-19T20:00" }); // the past
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("개장 시각이 이미 지났습니다");
    const nonsense = await postForm(jar, "/_wr/admin/console", { opensAt: "tomorrow" });
    expect(nonsense.status).toBe(400);
    const text = await nonsense.text();
    expect(text).toContain("개장 시각을 날짜와 시각으로 입력해 주세요");
    expect(text).not.toMatch(/opensAt|Expected|Invalid/);

    expect((await postForm(jar, "/_wr/admin/console", { opensAt: "now" })).status).toBe(303);
    expect(((await (await operator("/stats")).json()) as { preQueued: number }).preQueued).toBe(0); // drawn

    expect((await postForm(jar, "/_wr/admin/console", { proofOfWorkBits: "16" })).status).toBe(303);
    expect(await (await operator("/stats")).json()).toMatchObject({ proofOfWorkBits: 16 });
    expect(await (await SELF.fetch(`${BASE}/_wr/admin`, { headers: { cookie: jar.header() } })).text()).toMatch(
      /<option value="16" selected/,
    );
    const badPow = await postForm(jar, "/_wr/admin/console", { proofOfWorkBits: "99" });
    expect(badPow.status).toBe(400);
    expect(await badPow.text()).toContain("방어 수준은 0(끔)부터 24비트까지");
    expect(await (await operator("/stats")).json()).toMatchObject({ proofOfWorkBits: 16 });
    expect((await postForm(jar, "/_wr/admin/console", { proofOfWorkBits: "0" })).status).toBe(303);
    expect(await (await operator("/stats")).json()).toMatchObject({ proofOfWorkBits: 0 });
  });
});
