/** The origin's operator API and page: what it reports, measured in the database, and audited capacity changes. */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rows } from "../../origin/db";
import { TEST_SECRETS } from "../secrets";
import { bookingBench, placesOf, type Bench } from "./booking";

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
});
