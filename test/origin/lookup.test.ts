import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { formatReservationNumber, newReservationNumber } from "../../origin/booking/numbers";
import { instant, rows } from "../../origin/db";
import { forgetCohortWindows } from "../../origin/identity/eligibility";
import { LOOKUP_MISSES } from "../../origin/limits";
import { type Bench, bookingBench, makeRrn, placesOf, START } from "./booking";
import { clientHeaders, newAddress } from "./clients";

let b: Bench;
beforeAll(async () => {
  b = await bookingBench();
}, 120_000);
afterAll(() => b?.database.close());

/** a new client address as the edge signs it, so failure limits do not leak between tests */
const client = () => clientHeaders(b);

async function booked(vaccine = "moderna", date = "2026-11-24", time = "14:00", skip = 0) {
  const me = await b.person();
  const slot = await b.slotOf(vaccine, date, time, skip);
  const res = await b.book(me.cookie, slot.id);
  expect(res.status).toBe(201);
  return { me, slot, res: res.body, details: { name: me.name, rrn: me.rrn, reservationNumber: res.body.reservationNumber } };
}

async function secondSlotOf(clinicId: number, at: string) {
  const [s] = await rows<{ id: number }>(
    b.database.db,
    sql`select id from slots where clinic_id = ${clinicId} and starts_at = ${instant(new Date(at))}`,
  );
  return Number(s!.id);
}

describe("lookup", () => {
  it("finds both doses with name, resident number and reservation number, however the number is typed", async () => {
    const { res, details } = await booked();
    const headers = await client();
    const found = await b.call("POST", "/api/reservations/lookup", { headers, body: details });
    expect(found.status).toBe(200);
    expect(found.body).toEqual(res);
    const sloppy = details.reservationNumber.toLowerCase().replace(/-/g, " ").replace(/0/g, "o");
    expect((await b.call("POST", "/api/reservations/lookup", { headers, body: { ...details, reservationNumber: sloppy } })).status).toBe(
      200,
    );
  });

  it("answers the same not_found whatever detail was wrong", async () => {
    const { details } = await booked("moderna", "2026-11-24", "14:00", 1);
    const other = await booked("moderna", "2026-11-24", "14:00", 2);
    const wrong = [
      { ...details, name: "김철수" },
      { ...details, rrn: makeRrn("1965-03-15") },
      { ...details, reservationNumber: other.details.reservationNumber },
    ];
    const answers = [];
    for (const body of wrong) answers.push(await b.call("POST", "/api/reservations/lookup", { headers: await client(), body }));
    for (const a of answers) {
      expect(a.status).toBe(404);
      expect(a.body).toEqual(answers[0]!.body);
    }
    expect(answers[0]!.body.code).toBe("not_found");
  });

  it("catches a mistyped number before looking, and rejects malformed details with their field", async () => {
    const { details } = await booked("moderna", "2026-11-24", "14:00", 3);
    const typo = details.reservationNumber.slice(0, -1) + (details.reservationNumber.endsWith("0") ? "1" : "0");
    const headers = await client();
    expect(
      (await b.call("POST", "/api/reservations/lookup", { headers, body: { ...details, reservationNumber: typo } })).body,
    ).toMatchObject({
      code: "reservation_number_invalid",
      field: "reservationNumber",
    });
    expect((await b.call("POST", "/api/reservations/lookup", { headers, body: { ...details, rrn: "123" } })).body).toMatchObject({
      code: "rrn_format",
      field: "rrn",
    });
    expect((await b.call("POST", "/api/reservations/lookup", { headers, body: { ...details, name: "" } })).body).toMatchObject({
      code: "name_invalid",
    });
    expect((await b.call("POST", "/api/reservations/lookup", { headers, body: "x" })).body.code).toBe("bad_json");
  });
});

/** a well-formed reservation number that belongs to nobody */
const someNumber = () => formatReservationNumber(newReservationNumber());
const lookup = async (body: unknown, headers?: Record<string, string>) =>
  b.call("POST", "/api/reservations/lookup", { headers: headers ?? (await client()), body });

describe("lookup miss limits", () => {
  const { perClient, perNumber, perResident } = LOOKUP_MISSES;
  afterEach(() => {
    b.clock.now = START;
  });

  it(`limits a client to ${perClient.max} misses per ${perClient.windowMs / 60_000} minutes, even with right details after`, async () => {
    const { details } = await booked("moderna", "2026-11-24", "14:00", 4);
    const addr = newAddress();
    // misses on other numbers and resident numbers each time, so only the client's own limit is reached
    for (let i = 0; i < perClient.max; i++) {
      const miss = await lookup({ ...details, rrn: makeRrn("1965-03-15"), reservationNumber: someNumber() }, await clientHeaders(b, addr));
      expect(miss.status).toBe(404);
    }
    const limited = await lookup(details, await clientHeaders(b, addr));
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: "too_many_requests", retryAfterSeconds: perClient.windowMs / 1000 });
    expect(limited.body.message).toContain("from this connection");
    expect(limited.headers.get("retry-after")).toBe(String(perClient.windowMs / 1000));
    expect((await lookup(details)).status).toBe(200); // another address is not affected
    b.clock.now += perClient.windowMs + 1000;
    expect((await lookup(details, await clientHeaders(b, addr))).status).toBe(200);
  });

  it("counts a client by the address the edge signed, never by X-Forwarded-For", async () => {
    const { details } = await booked("moderna", "2026-11-24", "14:00", 5);
    const miss = () => ({ ...details, rrn: makeRrn("1965-03-15"), reservationNumber: someNumber() });
    // Without the edge's signature, a new X-Forwarded-For every time is still one shared client.
    for (let i = 0; i < perClient.max; i++) {
      expect((await lookup(miss(), { "x-forwarded-for": `203.0.113.${i + 1}` })).status).toBe(404);
    }
    const forged = await lookup(details, { "x-forwarded-for": "203.0.113.200" });
    expect(forged.status).toBe(429);
    // A header with a bad signature, or a stale one, counts there too, not as the address it names.
    const good = (await clientHeaders(b, "198.51.100.7"))["x-wr-client"]!;
    const tampered = `${good.slice(0, -2)}${good.endsWith("AA") ? "BB" : "AA"}`;
    expect((await lookup(details, { "x-wr-client": tampered })).status).toBe(429);
    expect((await lookup(details, await clientHeaders(b.clock.now - 10 * 60_000, "198.51.100.7"))).status).toBe(429);
    expect((await lookup(details, { "x-wr-client": good })).status).toBe(200);
    // A signed client's X-Forwarded-For changes nothing: its misses stay its own.
    const addr = newAddress();
    for (let i = 0; i < perClient.max; i++) {
      const h = { ...(await clientHeaders(b, addr)), "x-forwarded-for": `192.0.2.${i + 1}` };
      expect((await lookup(miss(), h)).status).toBe(404);
    }
    expect((await lookup(details, { ...(await clientHeaders(b, addr)), "x-forwarded-for": "192.0.2.99" })).status).toBe(429);
  });

  it(`refuses the ${perNumber.max + 1}th miss on one reservation number, whichever addresses ask`, async () => {
    const { details } = await booked("moderna", "2026-11-24", "14:30", 0);
    for (let i = 0; i < perNumber.max; i++) {
      expect((await lookup({ ...details, name: "김철수", rrn: makeRrn("1965-03-15") })).status).toBe(404);
    }
    const limited = await lookup(details); // right details, a new address: still refused, unanswered
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: "too_many_requests", retryAfterSeconds: perNumber.windowMs / 1000 });
    expect(limited.body.message).toContain("this reservation number");
    expect(limited.body.field).toBeUndefined();
    expect((await lookup({ ...details, rrn: makeRrn("1965-03-15") })).status).toBe(429); // misses no longer answered either
    b.clock.now += perNumber.windowMs + 1000;
    expect((await lookup(details)).status).toBe(200);
  });

  it(`refuses the ${perResident.max + 1}th miss with one resident number, whichever numbers and addresses`, async () => {
    const { details } = await booked("moderna", "2026-11-24", "14:30", 1);
    for (let i = 0; i < perResident.max; i++) {
      expect((await lookup({ ...details, reservationNumber: someNumber() })).status).toBe(404);
    }
    const limited = await lookup(details);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: "too_many_requests", retryAfterSeconds: perResident.windowMs / 1000 });
    expect(limited.body.message).toContain("resident registration number");
    b.clock.now += perResident.windowMs + 1000;
    expect((await lookup(details)).status).toBe(200);
  });

  it("answers a burst of guesses sent at once no more often than guesses sent one by one", async () => {
    const { details } = await booked("moderna", "2026-11-24", "14:30", 2);
    const guess = () => ({ ...details, name: "김철수", rrn: makeRrn("1965-03-15") });
    const headers = await Promise.all(Array.from({ length: 20 }, () => client()));
    const statuses = (await Promise.all(headers.map((h) => lookup(guess(), h)))).map((a) => a.status);
    expect(statuses.filter((s) => s !== 404 && s !== 429)).toEqual([]);
    let answered = statuses.filter((s) => s === 404).length;
    expect(answered).toBeLessThanOrEqual(perNumber.max);
    // Guesses sent one by one afterwards get only what the burst left: the number's allowance, no more.
    for (let s = 404; s === 404; ) {
      s = (await lookup(guess())).status;
      if (s === 404) answered++;
      else expect(s).toBe(429);
    }
    expect(answered).toBe(perNumber.max);
    expect((await lookup(details)).status).toBe(429);
  });

  it("says on the lookup page, in Korean and above the form, when to try again", async () => {
    const { details } = await booked("moderna", "2026-11-24", "15:00", 0);
    for (let i = 0; i < perNumber.max; i++) await lookup({ ...details, name: "김철수", rrn: makeRrn("1965-03-15") });
    const [rrn1, rrn2] = details.rrn.split("-");
    const res = await b.app.request("/lookup", {
      method: "POST",
      headers: { "x-wr-pass": b.pass, accept: "text/html", "content-type": "application/x-www-form-urlencoded", ...(await client()) },
      body: new URLSearchParams({ name: details.name, rrn1: rrn1!, rrn2: rrn2!, reservationNumber: details.reservationNumber }).toString(),
    });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe(String(perNumber.windowMs / 1000));
    const html = await res.text();
    // The first miss was at 10:00 Seoul time (the bench clock): lookups open again at 11:00, in 60 minutes.
    const message = "입력한 정보와 일치하지 않는 조회가 너무 많아 잠시 조회할 수 없습니다. 11:00 이후(약 60분 후)에 다시 시도해 주세요.";
    expect(html).toContain(`<p class="field-error" id="form-error">${message}</p>`);
    expect(html).toContain(`<a href="#form-error">${message}</a>`);
    expect(html).not.toContain('id="reservationNumber-error"');
    expect(html.indexOf('id="form-error"')).toBeLessThan(html.indexOf('name="reservationNumber"'));
  });
});

describe("cancel", () => {
  it("cancels both doses, returns both places and notifies; a second cancel changes nothing", async () => {
    const { slot, res, details } = await booked("moderna", "2026-11-25", "11:00");
    const secondSlot = await secondSlotOf(slot.clinicId, res.second.startsAt);
    const firstBefore = await placesOf(b, slot.id);
    const secondBefore = await placesOf(b, secondSlot);
    const cancelled = await b.call("POST", "/api/reservations/cancel", { headers: await client(), body: details });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: "cancelled", first: { status: "cancelled" }, second: { status: "cancelled" } });
    expect((await placesOf(b, slot.id)).taken).toBe(firstBefore.taken - 1);
    expect((await placesOf(b, secondSlot)).taken).toBe(secondBefore.taken - 1);
    const again = await b.call("POST", "/api/reservations/cancel", { headers: await client(), body: details });
    expect(again.body).toEqual(cancelled.body);
    expect((await placesOf(b, slot.id)).taken).toBe(firstBefore.taken - 1);
    const kinds = await rows<{ kind: string; body: string }>(
      b.database.db,
      sql`select o.kind, o.body from outbox o join reservations r on r.id = o.reservation_id where r.number = ${details.reservationNumber.replace(/-/g, "")} order by o.created_at, o.kind`,
    );
    expect(kinds.map((k) => k.kind).sort()).toEqual(["booked", "cancelled"]);
    expect(kinds.find((k) => k.kind === "cancelled")!.body).toContain("취소되었습니다");
  });

  it("lets the person book again after cancelling", async () => {
    const { me, details } = await booked("moderna", "2026-11-25", "11:30");
    await b.call("POST", "/api/reservations/cancel", { headers: await client(), body: details });
    const again = await b.book(me.cookie, (await b.slotOf("moderna", "2026-11-25", "12:00")).id);
    expect(again.status).toBe(201);
  });

  it("works after the booking window has closed", async () => {
    const { details } = await booked("moderna", "2026-11-25", "16:00");
    await b.database.db.execute(sql`update cohort_windows set closes_at = ${instant(new Date(START + 60_000))} where name like 'Demo%'`);
    forgetCohortWindows(b.database.db);
    b.clock.now = START + 3600_000;
    try {
      expect((await b.call("POST", "/api/reservations/lookup", { headers: await client(), body: details })).status).toBe(200);
      expect((await b.call("POST", "/api/reservations/cancel", { headers: await client(), body: details })).body.status).toBe("cancelled");
    } finally {
      b.clock.now = START;
      await b.database.db.execute(
        sql`update cohort_windows set closes_at = ${instant(new Date(START + 3 * 86_400_000))} where name like 'Demo%'`,
      );
      forgetCohortWindows(b.database.db);
    }
  });
});

describe("moving the second dose", () => {
  it("moves it inside the window, taking the new place before releasing the old one", async () => {
    const { slot, res, details } = await booked("pfizer", "2026-11-24", "15:00");
    const oldSecond = await secondSlotOf(slot.clinicId, res.second.startsAt);
    const oldBefore = await placesOf(b, oldSecond);
    const moved = await b.call("POST", "/api/reservations/second-dose", {
      headers: await client(),
      body: { ...details, date: "2026-12-30" },
    });
    expect(moved.status).toBe(200);
    expect(moved.body.second.startsAt).toBe(new Date("2026-12-30T15:00:00+09:00").toISOString());
    expect((await placesOf(b, oldSecond)).taken).toBe(oldBefore.taken - 1);
    const newSecond = await secondSlotOf(slot.clinicId, moved.body.second.startsAt);
    expect((await placesOf(b, newSecond)).taken).toBe(1);
    const withTime = await b.call("POST", "/api/reservations/second-dose", {
      headers: await client(),
      body: { ...details, date: "2026-12-31", time: "09:30" },
    });
    expect(withTime.body.second.startsAt).toBe(new Date("2026-12-31T09:30:00+09:00").toISOString());
    const messages = await rows<{ body: string }>(
      b.database.db,
      sql`select o.body from outbox o join reservations r on r.id = o.reservation_id
          where o.kind = 'second_dose_changed' and r.number = ${details.reservationNumber.replace(/-/g, "")}`,
    );
    expect(messages.map((m) => m.body.split("\n").at(-1))).toEqual(
      expect.arrayContaining(["2차 접종: 2026년 12월 31일(목) 09:30 (변경 전: 2026년 12월 30일(수) 15:00)"]),
    );
    expect(messages).toHaveLength(2);
    expect((await b.call("POST", "/api/reservations/lookup", { headers: await client(), body: details })).body.second.startsAt).toBe(
      withTime.body.second.startsAt,
    );
  });

  it("refuses a day outside the window, a closed day, a full time and a bad time, and leaves the booking as it was", async () => {
    const { res, slot, details } = await booked("pfizer", "2026-11-24", "15:30");
    const move = async (extra: Record<string, unknown>) =>
      b.call("POST", "/api/reservations/second-dose", { headers: await client(), body: { ...details, ...extra } });
    expect((await move({ date: "2026-12-14" })).body).toMatchObject({
      code: "date_outside_window",
      window: { from: "2026-12-15", to: "2027-01-05" },
    });
    expect((await move({ date: "2027-01-06" })).body.code).toBe("date_outside_window");
    expect((await move({ date: "2026-12-26" })).body.code).toBe("clinic_closed"); // a Saturday
    await b.database.db.execute(sql`
      insert into slots (clinic_id, starts_at, vaccine_code, capacity, taken)
      select id, ${instant(new Date("2026-12-29T15:30:00+09:00"))}, vaccine_code, 2, 2 from clinics where id = ${slot.clinicId}`);
    expect((await move({ date: "2026-12-29" })).body.code).toBe("slot_full");
    expect((await move({ date: "2026-12-29", time: "18:00" })).body.code).toBe("bad_time");
    expect((await move({ date: "2026-13-01" })).body.code).toBe("bad_date");
    const now = await b.call("POST", "/api/reservations/lookup", { headers: await client(), body: details });
    expect(now.body.second).toEqual(res.second);
  });
});

describe("proxy booking end to end", () => {
  it("records both people and sends the notification to the proxy", async () => {
    const proxy = await b.person({ birthDate: "1994-08-12" });
    const parentRrn = makeRrn("1950-05-05");
    const set = await b.call("POST", "/api/proxy/subject", {
      cookie: proxy.cookie,
      body: { name: "김순자", rrn: parentRrn, relationship: "parent" },
    });
    expect(set.status).toBe(200);
    await b.database.db.execute(sql`update people set phone = '01099998888' where id = ${proxy.personId}`);
    const res = await b.book(proxy.cookie, (await b.slotOf("pfizer", "2026-11-25", "13:00")).id, { channel: "sms" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ relationship: "parent", subject: { name: "김순자", rrn: "500505-1******" } });
    const [r] = await rows<{ subject_id: number; booked_by: number; recipient: string; body: string }>(
      b.database.db,
      sql`select r.subject_id, r.booked_by, o.recipient, o.body from reservations r join outbox o on o.reservation_id = r.id
          where r.number = ${res.body.reservationNumber.replace(/-/g, "")}`,
    );
    expect(r!.booked_by).toBe(proxy.personId);
    expect(r!.subject_id).not.toBe(proxy.personId);
    expect(r!.recipient).toBe("01099998888");
    expect(r!.body).toContain("김순자님(부모, 대리예약)");
    // The parent's own details find it.
    const found = await b.call("POST", "/api/reservations/lookup", {
      headers: await client(),
      body: { name: "김순자", rrn: parentRrn, reservationNumber: res.body.reservationNumber },
    });
    expect(found.status).toBe(200);
  });
});
