/**
 * The citizen pages as plain HTML forms (no JavaScript), through the origin app on a real database:
 * what a person sees at each error the issue names, and that bad input loses nothing.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rows } from "../../origin/db";
import { forgetCohortWindows } from "../../origin/identity/eligibility";
import { type Bench, bookingBench, makeRrn, placesOf, START } from "./booking";
import { pageBrowser } from "./page-browser";

let bench: Bench;

beforeAll(async () => {
  bench = await bookingBench();
}, 120_000);
afterAll(async () => {
  await bench?.database.close();
});

/** A browser without JavaScript (page-browser.ts) on this file's bench. */
const browser = (cookie = "") => pageBrowser(bench, cookie);

const split = (rrn: string) => {
  const [rrn1, rrn2] = rrn.split("-");
  return { rrn1: rrn1!, rrn2: rrn2! };
};

describe("home page", () => {
  it("shows the booking windows in plain words, the booking button and the lookup link, in Korean and English", async () => {
    const go = browser();
    const ko = await go("/");
    expect(ko.status).toBe(200);
    expect(ko.html).toContain('<html lang="ko"');
    expect(ko.html).toContain("사전예약 바로가기");
    expect(ko.html).toContain('href="/lookup"');
    expect(ko.html).toContain("데모: 모든 성인");
    expect(ko.html).toContain("1962년 1월 1일 (월) ~ 1966년 12월 31일 (토) 출생자");
    const en = await go("/?lang=en");
    expect(en.html).toContain('<html lang="en"');
    expect(en.html).toContain("Book now");
    // The choice is remembered on the next page.
    expect((await go("/book")).html).toContain("Verify your identity");
  });

  it("answers a page without a pass with a page that says to go through the waiting room", async () => {
    const res = await bench.app.request("/book", { headers: { accept: "text/html" } });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("대기열을 거쳐 다시 들어와 주세요");
  });
});

describe("identity form", () => {
  it("names each rejection next to its field, keeps what was typed, and sends no code", async () => {
    const go = browser();
    const cases: [Record<string, string>, string, string][] = [
      [{ name: "홍길동", rrn1: "650230", rrn2: "1000000", phone: "010-1234-5678" }, "생년월일이 올바르지 않습니다", "rrn"],
      [{ name: "홍길동", rrn1: "850803", rrn2: "1056740", phone: "010-1234-5678" }, "주민등록번호가 올바르지 않습니다", "rrn"],
      [{ name: "홍길동", rrn1: "650101", rrn2: "1000076", phone: "12345" }, "휴대전화 번호를 확인해 주세요", "phone"],
      [{ name: "", rrn1: "650101", rrn2: "1000076", phone: "010-1234-5678" }, "이름을 정확히 입력해 주세요", "name"],
    ];
    for (const [form, message, field] of cases) {
      const res = await go("/book", form);
      expect(res.status).toBe(400);
      expect(res.html).toContain(message);
      expect(res.html).toMatch(new RegExp(`id="${field}-error"`));
      expect(res.html).toContain('role="alert"');
      if (form.name) expect(res.html).toContain(`value="${form.name}"`);
      expect(res.html).toContain(`value="${form.rrn2}"`); // every typed value is kept, the masked half too
    }
    const [{ n }] = (await rows<{ n: number }>(bench.database.db, sql`select count(*)::int as n from identity_challenges`)) as [
      { n: number },
    ];
    expect(n).toBe(0);
  });

  it("verifies with the code, refuses a wrong one with the tries left, and sends a new code on request", async () => {
    const go = browser();
    const rrn = makeRrn("1966-06-06");
    const started = await go("/book", { name: "최민지", ...split(rrn), phone: "010-2222-3333" });
    expect(started.status).toBe(303);
    const verifyUrl = started.location!;
    expect(verifyUrl).toMatch(/^\/book\/verify\?c=/);
    const page = await go(verifyUrl);
    expect(page.html).toContain("010-****-3333");
    expect(page.html).toContain('role="timer"');
    const c = new URL(verifyUrl, "http://x").searchParams.get("c")!;
    const wrong = await go("/book/verify", { c, m: "010-****-3333", code: "000000" === (await code()) ? "111111" : "000000" });
    expect(wrong.html).toContain("인증번호가 맞지 않습니다. (남은 입력 기회 4번)");
    expect(page.html).toMatch(/data-left="30"[^>]*data-enable="resend"/);
    const tooSoon = await go("/book/resend", { c, m: "010-****-3333" });
    expect(tooSoon.status).toBe(429);
    expect(tooSoon.html).toContain("인증번호는 30초가 지나야 다시 받을 수 있습니다");
    bench.clock.now += 31_000;
    const resent = await go("/book/resend", { c, m: "010-****-3333" });
    bench.clock.now -= 31_000;
    expect(resent.location).toMatch(/resent=1/);
    const c2 = new URL(resent.location!, "http://x").searchParams.get("c")!;
    expect(c2).not.toBe(c);
    expect((await go(resent.location!)).html).toContain("인증번호를 다시 보냈습니다");
    const ok = await go("/book/verify", { c: c2, m: "010-****-3333", code: await code() });
    expect(ok.location).toBe("/book/who");
    const who = (await go("/book/who")).html;
    expect(who).toContain("최민지님(660606-1******) 본인인증이 완료되었습니다");
    // No timeout without warning: the verification's remaining time is counted down on every later step.
    expect(who).toMatch(/id="session-left">본인인증 남은 시간: <span class="countdown" id="session-timer" data-left="1800"/);

    async function code(): Promise<string> {
      const res = await bench.call("GET", "/api/dev/otp?phone=01022223333");
      return res.body.code;
    }
  });
});

describe("errors along the way", () => {
  it("sends a person whose session ran out back to identity, saying so", async () => {
    const p = await bench.person();
    const go = browser(p.cookie);
    expect((await go("/book/channel")).status).toBe(200);
    bench.clock.now += 31 * 60_000;
    try {
      const res = await go("/book/search");
      expect(res.status).toBe(303);
      expect(res.location).toBe("/book?expired=1");
      expect((await go(res.location!)).html).toContain("본인인증 시간이 지났습니다. 다시 인증해 주세요.");
      expect((await browser()("/book/search")).location).toBe("/book");
    } finally {
      bench.clock.now -= 31 * 60_000;
    }
  });

  it("says when booking opens for someone whose window has not opened yet", async () => {
    await bench.database.db.execute(sql`insert into cohort_windows (name, name_ko, birth_from, birth_to, opens_at, closes_at, allow_proxy)
      values ('Ages 16-17', '16~17세', '2009-01-01', '2010-12-31', ${new Date(START + 2 * 86_400_000).toISOString()}, ${new Date(START + 5 * 86_400_000).toISOString()}, true)`);
    forgetCohortWindows(bench.database.db);
    const p = await bench.person({ birthDate: "2009-06-01" });
    const html = (await browser(p.cookie)("/book/who")).html;
    expect(html).toContain(
      "지금은 본인 예약 기간이 아닙니다. 아직 예약 기간이 아닙니다. 2026년 11월 25일 (수) 10:00부터 예약할 수 있습니다.",
    );
    expect(html).toMatch(/<button[^>]*value="self"[^>]*disabled/);
  });

  it("offers the same clinic's other times when the hold ran out, and books once however often the form is sent", async () => {
    const p = await bench.person();
    const go = browser(p.cookie);
    await go("/book/channel", { channel: "sms" });
    const slot = await bench.slotOf("pfizer", "2026-11-24", "10:00");
    const held = await go(`/book/clinic/${slot.clinicId}?date=2026-11-24`, { slotId: String(slot.id) });
    expect(held.status).toBe(303);
    const confirmUrl = held.location!;
    const confirm = await go(confirmUrl);
    expect(confirm.html).toContain('data-left="300"');
    expect(confirm.html).toContain("2차 접종");

    bench.clock.now += 301_000;
    try {
      const gone = await go(confirmUrl);
      expect(gone.status).toBe(409);
      expect(gone.html).toContain("맡아 둔 시간이 지나 자리가 풀렸습니다");
      expect(gone.html).toContain("접종 시간 선택");
      expect(gone.html).toContain(`name="slotId" value="${slot.id}"`);
    } finally {
      bench.clock.now -= 301_000;
    }

    const again = await go(`/book/clinic/${slot.clinicId}?date=2026-11-24`, { slotId: String(slot.id) });
    const holdId = new URL(again.location!, "http://x").searchParams.get("hold")!;
    const key = "3f0e6d6a-5b1f-4d3c-9a7e-2c4b8d9e1f00";
    const first = await go("/book/confirm", { hold: holdId, key });
    const second = await go("/book/confirm", { hold: holdId, key });
    expect(first.location).toMatch(/^\/book\/done\?r=/);
    expect(second.location).toBe(first.location);
    expect((await placesOf(bench, slot.id)).taken).toBe(1);
    const done = await go(first.location!);
    expect(done.html).toContain("예약이 완료되었습니다");
    expect(done.html).toContain("문자 메시지(국민비서)");
    // Another person cannot open someone else's done page.
    const other = await bench.person();
    expect((await browser(other.cookie)(first.location!)).status).toBe(404);
  });

  it("answers a lookup with wrong details with one message, and keeps the typed number", async () => {
    const go = browser();
    const res = await go("/lookup", { name: "홍길동", ...split(makeRrn("1965-01-01")), reservationNumber: "7KQM-3XPA-9RTD0" });
    expect([400, 404]).toContain(res.status);
    expect(res.html).toMatch(/예약번호가 올바르지 않습니다|일치하는 예약이 없습니다/);
    expect(res.html).toContain('value="7KQM-3XPA-9RTD0"');
  });

  it("answers an unknown page with a page, not JSON", async () => {
    const res = await browser()("/book/nowhere");
    expect(res.status).toBe(404);
    expect(res.html).toContain("찾는 화면이 없습니다");
  });
});
