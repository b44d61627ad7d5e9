/** The origin's operator API and page: what it reports, measured in the database, and audited capacity changes. */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rows } from "../../origin/db";
import { fillFigure } from "../../origin/ops/words";
import { TEST_SECRETS } from "../secrets";
import { type Bench, bookingBench, placesOf } from "./booking";

let bench: Bench;
const auth = { authorization: `Bearer ${TEST_SECRETS.OPERATOR_TOKEN}` };

beforeAll(async () => {
  bench = await bookingBench();
}, 120_000);
afterAll(async () => {
  await bench?.database.close();
});

async function ops(method: string, path: string, body?: unknown, headers: Record<string, string> = auth) {
  const res = await bench.app.request(path, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe("operator API", () => {
  it("needs the operator token, and no admission pass", async () => {
    expect((await ops("GET", "/ops/stats", undefined, {})).status).toBe(401);
    expect((await ops("GET", "/ops/stats", undefined, { authorization: "Bearer wrong-wrong-wrong-wrong" })).status).toBe(401);
    expect((await ops("GET", "/ops/stats")).status).toBe(200);
  });

  it("reports bookings per minute, overbooked places from the database, fill, outbox and identity figures", async () => {
    const p = await bench.person();
    const slot = await bench.slotOf("pfizer", "2026-11-24", "11:00");
    expect((await bench.book(p.cookie, slot.id)).status).toBe(201);
    await bench.call("POST", "/api/identity/start", { body: { name: "홍길동", rrn: "650230-1000000", phone: "010-1234-5678" } });
    const { status, body } = await ops("GET", "/ops/stats");
    expect(status).toBe(200);
    expect(body.overbookedSlots).toBe(0);
    expect(body.reservations.active).toBeGreaterThanOrEqual(1);
    expect(body.bookingsPerMinute).toHaveLength(30);
    expect(body.bookingsPerMinute.at(-1).count).toBeGreaterThanOrEqual(1);
    expect(body.outbox.pending + body.outbox.sent).toBeGreaterThanOrEqual(1);
    expect(body.identity.rejectionsByCode.rrn_date).toBeGreaterThanOrEqual(1);
    expect(body.fill.some((f: any) => f.date === "2026-11-24" && f.taken >= 1)).toBe(true);
    expect(body.requests.peakConcurrent).toBeGreaterThanOrEqual(1);

    // An overbooking (forced here behind the system's back) is what it must catch.
    // (the table refuses taken > capacity, so the counter is bent too: the dose still points at the slot)
    await bench.database.db.execute(sql`update slots set taken = 0, capacity = 0 where id = ${slot.id}`);
    expect((await ops("GET", "/ops/stats")).body.overbookedSlots).toBe(1);
    await bench.database.db.execute(sql`update slots set capacity = 5, taken = 1 where id = ${slot.id}`);
  });

  it("changes a clinic's capacity for a date, audited, and never below what is taken or held", async () => {
    const slot = await bench.slotOf("moderna", "2026-11-25", "09:00");
    const p = await bench.person();
    expect((await bench.book(p.cookie, slot.id)).status).toBe(201);
    const refused = await ops("POST", "/ops/capacity", { clinicId: slot.clinicId, date: "2026-11-25", capacity: 0, reason: "staff ill" });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: "capacity_below_taken", times: ["09:00"] });
    expect((await placesOf(bench, slot.id)).capacity).toBeGreaterThan(0);

    const ok = await ops("POST", "/ops/capacity", { clinicId: slot.clinicId, date: "2026-11-25", capacity: 2, reason: "staff ill" });
    expect(ok.status).toBe(200);
    expect(ok.body.slots).toBe(18);
    expect((await placesOf(bench, slot.id)).capacity).toBe(2);
    const [audit] = await rows<{ capacity: number; reason: string; operator: string; slots: number }>(
      bench.database.db,
      sql`select capacity, reason, operator, slots from capacity_changes where clinic_id = ${slot.clinicId}`,
    );
    expect(audit).toEqual({ capacity: 2, reason: "staff ill", operator: "api", slots: 18 });

    const bad = await ops("POST", "/ops/capacity", { clinicId: slot.clinicId, date: "tomorrow", capacity: -1, reason: "" });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/date must be YYYY-MM-DD/);
  });

  it("serves the operator page after a token sign-in, in Korean and English", async () => {
    const login = await bench.app.request("/ops/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html" },
      body: new URLSearchParams({ token: TEST_SECRETS.OPERATOR_TOKEN }).toString(),
    });
    expect(login.status).toBe(303);
    const cookie = login.headers.getSetCookie()[0]!.split(";")[0]!;
    const page = await (await bench.app.request("/ops", { headers: { cookie, accept: "text/html" } })).text();
    expect(page).toContain("운영 현황");
    expect(page).toContain("초과 예약된 자리");
    expect(page).toContain("의료기관 수용 인원 조정");
    expect(page).toContain("staff ill");
    const en = await (await bench.app.request("/ops?lang=en", { headers: { cookie, accept: "text/html" } })).text();
    expect(en).toContain("Overbooked places");
    const wrong = await bench.app.request("/ops/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html" },
      body: new URLSearchParams({ token: "nope" }).toString(),
    });
    expect(wrong.status).toBe(401);
  });

  it("is an operator's page: standards mode, its own header, Korean words for codes, Korea time, meaningful fill", async () => {
    const login = await bench.app.request("/ops/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html" },
      body: new URLSearchParams({ token: TEST_SECRETS.OPERATOR_TOKEN }).toString(),
    });
    const cookie = login.headers.getSetCookie()[0]!.split(";")[0]!;
    const signIn = await (await bench.app.request("/ops", { headers: { accept: "text/html" } })).text();
    expect(signIn).toMatch(/^<!DOCTYPE html><html lang="ko"/);
    const page = await (await bench.app.request("/ops", { headers: { cookie, accept: "text/html" } })).text();
    expect(page).toMatch(/^<!DOCTYPE html><html lang="ko"/);
    expect(page).toContain("운영자 화면 · 예약 서버");
    expect(page).not.toContain('href="/lookup"'); // no citizen links (403 for an operator)
    expect(page).toContain('action="/ops/logout"');
    // Rejections by reason, in words (an earlier test sent a date of birth that does not exist).
    expect(page).toContain("주민등록번호 생년월일 오류");
    expect(page).not.toMatch(/rrn_date|phone_invalid|name_invalid/);
    // The change log in Korea time, as the chart.
    expect(page).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d \(한국 시간\)/);
    expect(page).not.toContain(" UTC");
    // Fill: the share and the places behind it, never a bare 0.0 % for a day with bookings.
    expect(page).toMatch(/<td class="num">(0\.1% 미만|\d+\.\d%)<span class="small">[\d,]+ \/ [\d,]+<\/span><\/td>/);
    expect(page).not.toContain(">0.0%<");

    // A refused form: every problem in Korean, nothing of a validator's English, what was typed kept.
    const refused = await bench.app.request("/ops/capacity-form", {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded", accept: "text/html" },
      body: new URLSearchParams({ clinicId: "abc", date: "2026-02-30", capacity: "nan", reason: "" }).toString(),
    });
    expect(refused.status).toBe(400);
    const text = await refused.text();
    expect(text).toMatch(/^<!DOCTYPE html>/);
    for (const line of ["의료기관 번호는", "날짜는 달력에 있는 날짜를", "시간대별 인원은", "사유를"]) expect(text).toContain(line);
    expect(text).not.toMatch(/Expected|received|must be|invalid_/);
    expect(text).toContain('value="nan"');
    const noSlots = await bench.app.request("/ops/capacity-form", {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded", accept: "text/html" },
      body: new URLSearchParams({ clinicId: "999999", date: "2026-11-25", capacity: "3", reason: "extra staff" }).toString(),
    });
    expect(noSlots.status).toBe(404);
    expect(await noSlots.text()).toContain("그 의료기관에는 2026-11-25에 접종 시간대가 없습니다.");
  });

  it("puts fill into figures that mean something at any share", () => {
    expect(fillFigure(0, 20_000, "ko")).toEqual({ share: "0%", counts: "0 / 20,000" });
    expect(fillFigure(5, 20_000, "ko")).toEqual({ share: "0.1% 미만", counts: "5 / 20,000" });
    expect(fillFigure(5, 20_000, "en").share).toBe("under 0.1%");
    expect(fillFigure(30, 200, "ko").share).toBe("15.0%");
  });
});
