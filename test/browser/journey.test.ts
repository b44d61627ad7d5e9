/**
 * The citizen's journey in a real browser (Debian's Chromium through playwright-core), against the worker
 * and the origin started the way `npm start` starts them. Every page of the journey is checked with
 * axe-core (no serious or critical violations) and photographed at 360 and 1280 px under test/artifacts/.
 */
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isOpenDay } from "../../origin/clinics/calendar";
import { checkDigit } from "../../origin/identity/rrn";
import { accessibilityProblems, browserTestsUnavailable, type RunningSystem, screenshots, startSystem } from "./system";

const DATABASE = process.env.TEST_DATABASE_URL;
const unavailable = browserTestsUnavailable(DATABASE);
if (unavailable) {
  console.warn(`\n${"!".repeat(78)}\n!! BROWSER TESTS SKIPPED: ${unavailable}\n${"!".repeat(78)}\n`);
}

/** A valid resident number for a birth date (G: 1/2 born 1900s, 3/4 born 2000s). */
function rrn(birthDate: string, female = false, serial = "00001"): [string, string] {
  const [y, m, d] = birthDate.split("-") as [string, string, string];
  const g = (Number(y) >= 2000 ? 3 : 1) + (female ? 1 : 0);
  const first12 = `${y.slice(2)}${m}${d}${g}${serial}`;
  return [first12.slice(0, 6), `${first12.slice(6)}${checkDigit(first12)}`];
}

/** The next open day after today in Seoul, as YYYY-MM-DD (demo clinics work on weekdays that are not holidays). */
function nextWeekday(): string {
  let t = Date.now() + 9 * 3600_000 + 86_400_000;
  while (!isOpenDay(new Date(t).toISOString().slice(0, 10))) t += 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

let sys: RunningSystem;
const problems: string[] = [];

/** Checks accessibility and takes both screenshots of the page as it is now. */
async function review(page: Page, name: string) {
  problems.push(...(await accessibilityProblems(page)));
  await screenshots(page, name);
}

async function newVisitor(): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await sys.browser.newContext({ locale: "ko-KR", viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  return { ctx, page };
}

/** From the home page through the one-time code, as a person with these details. */
async function verifyIdentity(page: Page, who: { name: string; birthDate: string; female?: boolean; phone: string }, shoot?: string) {
  await page.goto(`${sys.url}/book`);
  const [front, back] = rrn(who.birthDate, who.female);
  await page.getByLabel("이름", { exact: true }).fill(who.name);
  await page.locator("#rrn1").fill(front);
  await page.locator("#rrn2").fill(back);
  await page.getByLabel("휴대전화 번호").fill(who.phone);
  await page.getByRole("button", { name: "인증번호 받기" }).click();
  await page.getByRole("heading", { name: "인증번호 입력" }).waitFor();
  if (shoot) await review(page, shoot);
  const otp = await page.request.get(`${sys.url}/api/dev/otp?phone=${who.phone.replace(/\D/g, "")}`);
  expect(otp.status()).toBe(200);
  const { code } = (await otp.json()) as { code: string };
  await page.getByLabel("인증번호 6자리").fill(code);
  await page.getByRole("button", { name: "확인" }).click();
  await page.getByRole("heading", { name: "누구의 예약인가요?" }).waitFor();
}

/** Channel, then search on the next weekday in Seoul (all of 서울특별시), then the first clinic's times page. */
async function searchAndOpenClinic(page: Page, channel: string, shoot?: string) {
  await page.getByLabel(channel).check();
  await page.getByRole("button", { name: "다음" }).click();
  await page.getByRole("heading", { name: "의료기관 찾기" }).waitFor();
  await page.getByLabel("1차 접종 날짜").selectOption(nextWeekday());
  await page.getByLabel("시/도").selectOption("11");
  await page.getByRole("button", { name: "의료기관 찾기" }).click();
  await page.getByRole("heading", { name: /예약 가능한 의료기관 \d+곳/ }).waitFor();
  if (shoot) await review(page, shoot);
  await page.locator(".clinic h3 a").first().click();
  await page.getByRole("heading", { name: "접종 시간 선택" }).waitFor();
}

describe.skipIf(!!unavailable)("the citizen journey in Chromium", () => {
  beforeAll(async () => {
    sys = await startSystem(DATABASE!);
  }, 240_000);

  afterAll(async () => {
    await sys?.stop();
  }, 60_000);

  it("waits in line (refresh keeps the place), is admitted, verifies, books, and sees the number and both doses", async () => {
    await sys.operator({ paused: true, ratePerSec: 2 });
    const { ctx, page } = await newVisitor();

    await page.goto(`${sys.url}/`);
    await expect(page.getByRole("heading", { name: "접속 대기 중입니다" }).isVisible()).resolves.toBe(true);
    const seq = await page.locator("#wr-seq").textContent();
    await page.reload();
    expect(await page.locator("#wr-seq").textContent()).toBe(seq);
    await review(page, "01-waiting");

    // The operator lets people in; the waiting page notices by itself and opens the site.
    await sys.operator({ paused: false, ratePerSec: 5 });
    await page.getByRole("link", { name: "사전예약 바로가기" }).waitFor({ timeout: 30_000 });
    await review(page, "02-home");
    await expect(page.getByRole("link", { name: "예약 조회/취소" }).first().isVisible()).resolves.toBe(true);
    await expect(page.locator("table").first().textContent()).resolves.toContain("데모: 모든 성인");

    // A wrong birth date is named, tied to its field, and nothing else is lost.
    await page.getByRole("link", { name: "사전예약 바로가기" }).click();
    await page.getByLabel("이름", { exact: true }).fill("홍길동");
    await page.locator("#rrn1").fill("650230");
    await page.locator("#rrn2").fill("1000000");
    await page.getByLabel("휴대전화 번호").fill("010-1111-2222");
    await page.getByRole("button", { name: "인증번호 받기" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toContain("생년월일이 올바르지 않습니다");
    await expect(page.locator("#rrn1").getAttribute("aria-invalid")).resolves.toBe("true");
    await expect(page.getByLabel("이름", { exact: true }).inputValue()).resolves.toBe("홍길동");
    await review(page, "03-identity-error");

    await verifyIdentity(page, { name: "홍길동", birthDate: "1965-01-01", phone: "010-1111-2222" }, "03b-code");
    await review(page, "04-who");
    await page.getByRole("button", { name: "본인 예약하기" }).click();
    await page.getByRole("heading", { name: "알림 받을 곳" }).waitFor();
    await review(page, "05-channel");
    await searchAndOpenClinic(page, "카카오톡", "06-clinics");

    // Changing the date keeps the chosen region.
    await page.goBack();
    await page.getByLabel("1차 접종 날짜").selectOption({ index: 5 });
    await page.getByRole("button", { name: "의료기관 찾기" }).click();
    await page
      .getByRole("heading", { name: /예약 가능한 의료기관|예약 가능한 의료기관이 없습니다/ })
      .first()
      .waitFor();
    await expect(page.getByLabel("시/도").inputValue()).resolves.toBe("11");
    await page.getByLabel("1차 접종 날짜").selectOption(nextWeekday());
    await page.getByRole("button", { name: "의료기관 찾기" }).click();
    await page.locator(".clinic h3 a").first().click();
    await page.getByRole("heading", { name: "접종 시간 선택" }).waitFor();
    await review(page, "07-times");

    await page.locator("input[name=slotId]:not([disabled])").first().check();
    await page.getByRole("button", { name: "이 시간으로 선택" }).click();
    await page.getByRole("heading", { name: "예약 내용 확인" }).waitFor();
    await expect(page.locator("#hold-timer [role=timer]").textContent()).resolves.toMatch(/^[0-5]:\d\d$/);
    await expect(page.locator("#session-left [role=timer]").textContent()).resolves.toMatch(/^\d+:\d\d$/);
    await expect(page.locator("dl.facts").textContent()).resolves.toContain("2차 접종");
    await review(page, "08-confirm");

    await page.getByRole("button", { name: "예약하기" }).click();
    await page.getByRole("heading", { name: "예약이 완료되었습니다" }).waitFor();
    const number = (await page.locator("#reservation-number").textContent())!.trim();
    expect(number).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{5}$/);
    expect(await page.locator("#first-dose").textContent()).toMatch(/\d{4}년 \d+월 \d+일 .+ \d\d:\d\d \(예약됨\)/);
    expect(await page.locator("#second-dose").textContent()).toMatch(/\d{4}년 \d+월 \d+일 .+ \d\d:\d\d \(예약됨\)/);
    await review(page, "09-done");

    const [row] = await sys.sql<{ doses: number }[]>`
      select count(*)::int as doses from reservation_doses d join reservations r on r.id = d.reservation_id
      where r.number = ${number.replace(/-/g, "")}`;
    expect(row!.doses).toBe(2);

    // The notification reaches the development sink with the reservation number.
    let text = "";
    for (let i = 0; i < 40 && !text.includes(number); i++) {
      const res = await page.request.get(`${sys.url}/api/dev/messages?phone=01011112222`);
      text = JSON.stringify(await res.json());
      if (!text.includes(number)) await page.waitForTimeout(250);
    }
    expect(text).toContain(number);

    // Lookup finds it; the second dose moves inside its window; a cancel (confirmed) releases both places.
    await page.getByRole("link", { name: "예약 조회/취소" }).first().click();
    await page.getByLabel("이름", { exact: true }).fill("홍길동");
    const [front, back] = rrn("1965-01-01");
    await page.locator("#rrn1").fill(front);
    await page.locator("#rrn2").fill(back);
    await page.getByLabel("예약번호").fill(number.toLowerCase().replace(/-/g, ""));
    await review(page, "10-lookup");
    await page.getByRole("button", { name: "조회하기" }).click();
    await page.getByRole("heading", { name: "2차 접종 날짜 변경" }).waitFor();
    await review(page, "11-reservation");

    const min = (await page.getByLabel("새 2차 접종 날짜").getAttribute("min"))!;
    let target = new Date(`${min}T00:00:00Z`);
    target = new Date(target.getTime() + 86_400_000);
    while (!isOpenDay(target.toISOString().slice(0, 10))) target = new Date(target.getTime() + 86_400_000);
    await page.getByLabel("새 2차 접종 날짜").fill(target.toISOString().slice(0, 10));
    await page.getByRole("button", { name: "2차 날짜 바꾸기" }).click();
    await page.getByText("2차 접종 날짜를 바꾸었습니다.").waitFor();
    const [y, m, d] = target.toISOString().slice(0, 10).split("-").map(Number);
    expect(await page.locator("#second-dose").textContent()).toContain(`${y}년 ${m}월 ${d}일`);

    const before = await sys.sql<{ taken: number }[]>`
      select s.taken from reservation_doses d join slots s on s.id = d.slot_id join reservations r on r.id = d.reservation_id
      where r.number = ${number.replace(/-/g, "")} order by d.dose`;
    await page.getByRole("link", { name: "예약 취소하기" }).click();
    await page.getByRole("heading", { name: "정말 취소하시겠습니까?" }).waitFor();
    await review(page, "12-cancel-confirm");
    await page.getByRole("button", { name: "예, 취소합니다" }).click();
    await page.getByText("예약을 취소했습니다.").waitFor();
    expect(await page.locator("#first-dose").textContent()).toContain("취소됨");
    await review(page, "13-cancelled");
    const after = await sys.sql<{ taken: number }[]>`
      select s.taken from reservation_doses d join slots s on s.id = d.slot_id join reservations r on r.id = d.reservation_id
      where r.number = ${number.replace(/-/g, "")} order by d.dose`;
    expect(after.map((r) => r.taken)).toEqual(before.map((r) => r.taken - 1));

    // English is one click away on every page.
    await page.getByRole("link", { name: "English" }).click();
    await page.getByRole("heading", { name: "Check or cancel a booking" }).waitFor();
    await review(page, "14-english");
    await ctx.close();
  });

  it("lets a verified person book for a parent (대리예약), recorded with the relationship", async () => {
    const { ctx, page } = await newVisitor();
    await page.goto(`${sys.url}/`);
    await page.getByRole("link", { name: "사전예약 바로가기" }).waitFor({ timeout: 30_000 });
    await verifyIdentity(page, { name: "김민수", birthDate: "1990-05-05", phone: "010-3333-4444" });
    await page.getByRole("link", { name: "다른 사람(부모님 등) 예약하기" }).click();
    await page.getByRole("heading", { name: "다른 사람(부모님 등) 예약하기" }).waitFor();
    await review(page, "15-proxy");
    await page.getByLabel("접종받을 분과의 관계").selectOption("parent");
    await page.getByLabel("접종받을 분 이름").fill("김순자");
    const [front, back] = rrn("1950-03-03", true);
    await page.locator("#rrn1").fill(front);
    await page.locator("#rrn2").fill(back);
    await page.getByRole("button", { name: "다음" }).click();
    await page.getByRole("heading", { name: "알림 받을 곳" }).waitFor();
    await expect(page.locator(".notice").first().textContent()).resolves.toContain("김순자님(부모)");
    await searchAndOpenClinic(page, "문자 메시지(국민비서)");
    await page.locator("input[name=slotId]:not([disabled])").first().check();
    await page.getByRole("button", { name: "이 시간으로 선택" }).click();
    await page.getByRole("button", { name: "예약하기" }).click();
    await page.getByRole("heading", { name: "예약이 완료되었습니다" }).waitFor();
    await expect(page.locator("dl.facts").textContent()).resolves.toContain("관계: 부모");
    const number = (await page.locator("#reservation-number").textContent())!.replace(/-/g, "").trim();
    const [r] = await sys.sql<{ relationship: string; subject: string; proxy: string }[]>`
      select r.relationship, s.name as subject, p.name as proxy from reservations r
      join people s on s.id = r.subject_id join people p on p.id = r.booked_by where r.number = ${number}`;
    expect(r).toEqual({ relationship: "parent", subject: "김순자", proxy: "김민수" });
    await ctx.close();
  });

  it("tells the second person racing for the last place, clearly, and offers the other times", async () => {
    const a = await newVisitor();
    const b = await newVisitor();
    for (const [v, who] of [
      [a, { name: "이영희", birthDate: "1970-07-07", female: true, phone: "010-5555-6666" }],
      [b, { name: "박철수", birthDate: "1971-08-08", phone: "010-7777-8888" }],
    ] as const) {
      await v.page.goto(`${sys.url}/`);
      await v.page.getByRole("link", { name: "사전예약 바로가기" }).waitFor({ timeout: 30_000 });
      await verifyIdentity(v.page, who);
      await v.page.getByRole("button", { name: "본인 예약하기" }).click();
      await v.page.getByRole("heading", { name: "알림 받을 곳" }).waitFor();
    }
    await searchAndOpenClinic(a.page, "네이버 앱");
    const slotInput = a.page.locator("input[name=slotId]:not([disabled])").first();
    const slotId = Number(await slotInput.getAttribute("value"));
    // One place left at that time.
    await sys.sql`update slots set capacity = taken + 1 where id = ${slotId}`;
    await a.page.reload();
    await b.page.goto(a.page.url());
    await expect(b.page.locator(`label[for=slot-${slotId}]`).textContent()).resolves.toContain("1자리 남음");

    await a.page.locator(`#slot-${slotId}`).check();
    await a.page.getByRole("button", { name: "이 시간으로 선택" }).click();
    await a.page.getByRole("heading", { name: "예약 내용 확인" }).waitFor();

    await b.page.locator(`#slot-${slotId}`).check();
    await b.page.getByRole("button", { name: "이 시간으로 선택" }).click();
    await expect(b.page.getByRole("alert").first().textContent()).resolves.toContain("방금 다른 분이 그 자리를 예약했습니다");
    await expect(b.page.locator(`label[for=slot-${slotId}]`).textContent()).resolves.toContain("마감");
    await review(b.page, "16-slot-taken");
    await a.ctx.close();
    await b.ctx.close();
  });

  it("lets operators sign in to both consoles, steer the line, and see the numbers move", async () => {
    const { ctx, page } = await newVisitor();
    page.on("dialog", (d) => void d.accept());
    await page.goto(`${sys.url}/_wr/admin`);
    await page.getByLabel("운영자 토큰").fill(sys.operatorToken);
    await page.getByRole("button", { name: "로그인" }).click();
    await page.getByRole("heading", { name: "대기열 운영 콘솔" }).waitFor();
    await page.waitForFunction(() => document.getElementById("s-waiting")?.textContent !== "–");
    const issuedBefore = Number((await page.locator("#s-issued").textContent())!.replace(/,/g, ""));
    await review(page, "17-edge-console");

    // A small change applies at once; a big one asks first (the dialog is accepted here).
    await page.getByLabel("초당 입장 인원 설정").fill("6");
    await page.getByRole("button", { name: "적용", exact: true }).click();
    await page.waitForFunction(() => document.getElementById("s-rate")?.textContent === "6");
    let asked = "";
    page.once("dialog", (d) => (asked = d.message()));
    await page.getByLabel("초당 입장 인원 설정").fill("60");
    await page.getByRole("button", { name: "적용", exact: true }).click();
    await page.waitForFunction(() => document.getElementById("s-rate")?.textContent === "60");
    expect(asked).toContain("6명에서 60명으로");

    // New arrivals show up in the live numbers within a few seconds.
    for (let i = 0; i < 3; i++) await fetch(`${sys.url}/_wr/status`);
    await page.waitForFunction((n) => Number(document.getElementById("s-issued")?.textContent?.replace(/,/g, "")) >= n + 3, issuedBefore, {
      timeout: 10_000,
    });
    await expect(page.locator("#chart canvas").count()).resolves.toBeGreaterThan(0);

    // The origin's operator page: overbooked places, the bookings chart, and an audited capacity change.
    await page.goto(`${sys.originUrl}/ops`);
    await page.getByLabel("운영자 토큰").fill(sys.operatorToken);
    await page.getByRole("button", { name: "로그인" }).click();
    await page.getByRole("heading", { name: "운영 현황 (예약 서버)" }).waitFor();
    await expect(page.locator("#overbooked").textContent()).resolves.toBe("0");
    await review(page, "18-origin-ops");
    const [slot] = await sys.sql<{ clinic_id: number; date: string }[]>`
      select clinic_id, to_char(starts_at at time zone 'Asia/Seoul', 'YYYY-MM-DD') as date from slots
      where starts_at > now() + interval '1 day' and taken = 0 order by id limit 1`;
    await page.getByLabel("의료기관 번호").fill(String(slot!.clinic_id));
    await page.getByLabel("날짜", { exact: true }).fill(slot!.date);
    await page.getByLabel("시간대별 인원").fill("3");
    await page.getByLabel("사유").fill("간호사 결원");
    await page.getByRole("button", { name: "적용", exact: true }).click();
    await page.getByText("수용 인원을 바꾸었습니다.").waitFor();
    await expect(page.locator("body").textContent()).resolves.toContain("console: 간호사 결원");
    await ctx.close();
  });

  it("counts down to a scheduled opening and lets people in by itself; solves the bot check by itself", async () => {
    const lookupConfig = (body: Record<string, unknown>) =>
      fetch(`${sys.url}/_wr/admin/config?lane=lookup`, {
        method: "POST",
        headers: { authorization: `Bearer ${sys.operatorToken}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    expect((await lookupConfig({ opensAt: new Date(Date.now() + 5000).toISOString() })).status).toBe(200);
    const { ctx, page } = await newVisitor();
    await page.goto(`${sys.url}/lookup`);
    await page.getByRole("heading", { name: "예약 시작 전입니다" }).waitFor();
    expect(await page.locator("#wr-countdown").textContent()).toMatch(/^0:0[1-5]$/);
    await review(page, "19-countdown");
    // At the opening the page finds its drawn place and, the lookup lane being fast, opens the lookup page.
    await page.getByLabel("예약번호").waitFor({ timeout: 20_000 });
    expect(page.url()).toBe(`${sys.url}/lookup`);
    await ctx.close();

    // Under attack operators switch on the bot check: a newcomer's page solves it and takes its place.
    await sys.operator({ proofOfWorkBits: 12 });
    const visitor = await newVisitor();
    await visitor.page.goto(`${sys.url}/book`);
    await visitor.page.waitForFunction(() => !document.getElementById("wr-pow"), undefined, { timeout: 30_000 });
    const cookies = (await visitor.ctx.cookies()).map((c) => c.name);
    expect(cookies.some((n) => n === "wr_ticket" || n === "wr_pass")).toBe(true);
    expect(cookies).not.toContain("wr_pow"); // used once, then cleared
    await sys.operator({ proofOfWorkBits: 0 });
    await visitor.ctx.close();
  });

  it("finds no serious or critical accessibility problems on any page of the journey", () => {
    expect(problems).toEqual([]);
  });
});
