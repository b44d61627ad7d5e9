/**
 * Closed days: weekends, Korean public holidays (substitute holidays included) and a clinic's own closures
 * offer no slot, no date and no hold; clinic search comes sorted by the earliest free time, then the most
 * free places, and filters by vaccine. The clock is Tuesday 1 December 2026, so 25 December (기독탄신일)
 * lies inside the booking horizon.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closedReason, HOLIDAY_YEARS, isOpenDay } from "../../origin/clinics/calendar";
import { instant, rows } from "../../origin/db";
import { type Bench, bookingBench } from "./booking";

const NOW = new Date("2026-12-01T09:30:00+09:00").getTime();
const SEOUL = "11";
const JONGNO = "11010";

let b: Bench;
beforeAll(async () => {
  b = await bookingBench({ start: NOW, days: 28 });
}, 180_000);
afterAll(() => b?.database.close());

/** A browser without JavaScript for one person: their session cookie, pages as HTML. */
async function page(path: string, cookie: string) {
  const res = await b.app.request(path, { headers: { "x-wr-pass": b.pass, accept: "text/html", cookie } });
  return { status: res.status, html: await res.text() };
}

const optionValues = (html: string, select: string): string[] => {
  const body = new RegExp(`<select id="${select}"[^>]*>([\\s\\S]*?)</select>`).exec(html)?.[1] ?? "";
  return [...body.matchAll(/<option value="([^"]*)"/g)].map((m) => m[1]!);
};

async function slotsOn(date: string, clinicId?: number): Promise<number> {
  const [{ n }] = (await rows<{ n: number }>(
    b.database.db,
    sql`select count(*)::int as n from slots
        where starts_at >= ${instant(new Date(`${date}T00:00:00+09:00`))} and starts_at < ${instant(new Date(`${date}T24:00:00+09:00`))}
        ${clinicId === undefined ? sql`` : sql`and clinic_id = ${clinicId}`}`,
  )) as [{ n: number }];
  return n;
}

describe("the calendar", () => {
  it("closes weekends, public holidays and substitute holidays; opens other weekdays", () => {
    expect(closedReason("2026-12-25")).toEqual({ code: "holiday", names: ["기독탄신일"] });
    expect(closedReason("2027-01-01")).toEqual({ code: "holiday", names: ["1월 1일"] });
    expect(closedReason("2027-02-09")).toEqual({ code: "holiday", names: ["대체공휴일(설날)"] });
    expect(closedReason("2026-12-05")).toEqual({ code: "weekend", names: [] });
    expect(isOpenDay("2026-12-24")).toBe(true);
    expect(isOpenDay("2027-01-04")).toBe(true);
  });

  it("counts a day of a year the holiday data does not cover as closed", () => {
    const after = `${HOLIDAY_YEARS.last + 1}-03-02`;
    expect(closedReason(after)?.code).toBe("holidays_unknown");
    expect(HOLIDAY_YEARS.last).toBeGreaterThanOrEqual(2027);
  });
});

describe("the seed", () => {
  it("writes no slot on a weekend or a holiday, and slots on open days", async () => {
    expect(await slotsOn("2026-12-25")).toBe(0);
    expect(await slotsOn("2026-12-05")).toBe(0);
    expect(await slotsOn("2026-12-06")).toBe(0);
    expect(await slotsOn("2026-12-24")).toBeGreaterThan(0);
  });

  it("writes a few clinics' closures from a week ahead on, with no slot on them", async () => {
    const closures = await rows<{ clinic_id: number; date: string }>(
      b.database.db,
      sql`select clinic_id, date::text as date from clinic_closures`,
    );
    expect(closures.length).toBeGreaterThan(0);
    for (const c of closures) {
      expect(c.date >= "2026-12-08").toBe(true);
      expect(isOpenDay(c.date)).toBe(true);
      expect(await slotsOn(c.date, c.clinic_id)).toBe(0);
    }
  });
});

describe("clinic search on closed days", () => {
  it("never offers 2026-12-25, even where a slot row exists that day", async () => {
    // A slot row on the holiday (as if written before the calendar knew it): still not offered.
    await b.database.db.execute(sql`insert into slots (clinic_id, starts_at, vaccine_code, capacity)
      select id, ${instant(new Date("2026-12-25T10:00:00+09:00"))}, vaccine_code, 5 from clinics where region_code = ${JONGNO}`);
    const res = await b.call("GET", `/api/clinics?date=2026-12-25&region=${SEOUL}`);
    expect(res.status).toBe(200);
    expect(res.body.clinics).toEqual([]);
    expect(res.body.closed).toEqual({ code: "holiday", names: ["기독탄신일"] });
    const [clinic] = await rows<{ id: number }>(
      b.database.db,
      sql`select id from clinics where region_code = ${JONGNO} order by id limit 1`,
    );
    const times = await b.call("GET", `/api/clinics/${clinic!.id}/slots?date=2026-12-25`);
    expect(times.status).toBe(200);
    expect(times.body.slots).toEqual([]);
    const [slot] = await rows<{ id: number }>(
      b.database.db,
      sql`select id from slots where clinic_id = ${clinic!.id} and starts_at = ${instant(new Date("2026-12-25T10:00:00+09:00"))}`,
    );
    const hold = await b.call("POST", "/api/holds", { cookie: (await b.person()).cookie, body: { slotId: Number(slot!.id) } });
    expect(hold.status).toBe(409);
    expect(hold.body.code).toBe("clinic_closed");
    expect((await b.call("GET", `/api/clinics?date=2026-12-24&region=${SEOUL}`)).body.closed).toBeNull();
  });

  it("lists only open days in the page's date list", async () => {
    const { status, html } = await page("/book/search", (await b.person()).cookie);
    expect(status).toBe(200);
    const dates = optionValues(html, "date");
    expect(dates).toContain("2026-12-01");
    expect(dates).toContain("2026-12-24");
    expect(dates).toContain("2026-12-28");
    expect(dates).not.toContain("2026-12-25");
    expect(dates.every(isOpenDay)).toBe(true);
    expect(dates.length).toBe(19); // 28 days from 1 December: 8 weekend days and 25 December left out
  });

  it("leaves out a clinic on its own closure day, and offers no time or hold there", async () => {
    const date = "2026-12-03";
    const before = (await b.call("GET", `/api/clinics?date=${date}&region=${JONGNO}`)).body.clinics;
    const closed = before[0];
    await b.database.db.execute(sql`insert into clinic_closures (clinic_id, date, reason) values (${closed.id}, ${date}, '휴진')`);
    const after = (await b.call("GET", `/api/clinics?date=${date}&region=${JONGNO}`)).body.clinics;
    expect(after.map((c: any) => c.id)).toEqual(before.map((c: any) => c.id).filter((id: number) => id !== closed.id));
    expect((await b.call("GET", `/api/clinics?date=2026-12-02&region=${JONGNO}`)).body.clinics.map((c: any) => c.id)).toContain(closed.id);
    expect((await b.call("GET", `/api/clinics/${closed.id}/slots?date=${date}`)).body.slots).toEqual([]);
    const [slot] = await rows<{ id: number }>(
      b.database.db,
      sql`select id from slots where clinic_id = ${closed.id} and starts_at = ${instant(new Date(`${date}T11:00:00+09:00`))}`,
    );
    const hold = await b.call("POST", "/api/holds", { cookie: (await b.person()).cookie, body: { slotId: Number(slot!.id) } });
    expect(hold.status).toBe(409);
    expect(hold.body.code).toBe("clinic_closed");
  });
});

describe("the confirm page", () => {
  it("plans a Moderna second dose after New Year's Day on the next open day", async () => {
    // Friday 2026-12-04 + 28 days is Friday 2027-01-01, then a weekend: the plan says Monday 2027-01-04.
    const me = await b.person();
    const slot = await b.slotOf("moderna", "2026-12-04", "09:00");
    const hold = await b.call("POST", "/api/holds", { cookie: me.cookie, body: { slotId: slot.id } });
    expect(hold.status).toBe(201);
    const { status, html } = await page(`/book/confirm?hold=${hold.body.holdId}`, `${me.cookie}; notify_channel=kakao`);
    expect(status).toBe(200);
    expect(html).toContain("2027년 1월 4일");
    expect(html).not.toContain("2027년 1월 1일");
  });
});

describe("moving a second dose", () => {
  it("refuses a public holiday with clinic_closed and moves to an open day", async () => {
    // Pfizer on Wednesday 2026-12-02: the second dose may lie from 2026-12-23 to 2027-01-13.
    const me = await b.person();
    const slot = await b.slotOf("pfizer", "2026-12-02", "10:00");
    const booked = await b.book(me.cookie, slot.id);
    expect(booked.status).toBe(201);
    const details = { name: me.name, rrn: me.rrn, reservationNumber: booked.body.reservationNumber as string };
    for (const date of ["2026-12-25", "2027-01-01", "2026-12-26"]) {
      const res = await b.call("POST", "/api/reservations/second-dose", { body: { ...details, date } });
      expect(res.status, date).toBe(409);
      expect(res.body.code, date).toBe("clinic_closed");
    }
    const moved = await b.call("POST", "/api/reservations/second-dose", { body: { ...details, date: "2026-12-24" } });
    expect(moved.status).toBe(200);
    expect(moved.body.second.startsAt).toBe(new Date("2026-12-24T10:00:00+09:00").toISOString());
  });
});

describe("clinic search order and vaccine filter", () => {
  const ordered = (list: any[]) =>
    list.every(
      (c, i) =>
        i === 0 ||
        list[i - 1].firstFreeTime < c.firstFreeTime ||
        (list[i - 1].firstFreeTime === c.firstFreeTime && list[i - 1].freeSlots >= c.freeSlots),
    );

  it("puts the earliest free time first, then the most free places", async () => {
    const date = "2026-12-04";
    const before = (await b.call("GET", `/api/clinics?date=${date}&region=${SEOUL}`)).body.clinics;
    expect(before.length).toBeGreaterThan(3);
    expect(ordered(before)).toBe(true);
    expect(new Set(before.map((c: any) => c.freeSlots)).size).toBeGreaterThan(1); // the places decide, not the name
    // The top clinic's 09:00 and 09:30 fill up: it moves behind every clinic free at 09:00.
    const top = before[0];
    await b.database.db.execute(sql`update slots set taken = capacity where clinic_id = ${top.id}
      and starts_at in (${instant(new Date(`${date}T09:00:00+09:00`))}, ${instant(new Date(`${date}T09:30:00+09:00`))})`);
    const after = (await b.call("GET", `/api/clinics?date=${date}&region=${SEOUL}`)).body.clinics;
    expect(ordered(after)).toBe(true);
    const moved = after.findIndex((c: any) => c.id === top.id);
    expect(after[moved]).toMatchObject({ firstFreeTime: "10:00" });
    expect(after.slice(0, moved).every((c: any) => c.firstFreeTime === "09:00")).toBe(true);
    expect(after.slice(moved + 1).every((c: any) => c.firstFreeTime >= "10:00")).toBe(true);
  });

  it("filters by vaccine in the API and on the page", async () => {
    const date = "2026-12-07";
    const all = (await b.call("GET", `/api/clinics?date=${date}&region=${SEOUL}`)).body.clinics;
    const moderna = (await b.call("GET", `/api/clinics?date=${date}&region=${SEOUL}&vaccine=moderna`)).body.clinics;
    expect(moderna.length).toBeGreaterThan(0);
    expect(moderna.length).toBeLessThan(all.length);
    expect(moderna.every((c: any) => c.vaccine === "moderna")).toBe(true);
    expect(ordered(moderna)).toBe(true);

    const cookie = (await b.person()).cookie;
    const form = (await page("/book/search", cookie)).html;
    expect(optionValues(form, "vaccine")).toEqual(["", "az", "janssen", "moderna", "pfizer"]);
    expect(form).toContain('<label for="vaccine">백신</label>');
    const { html } = await page(`/book/search?date=${date}&sido=${SEOUL}&sigungu=&vaccine=moderna&find=1`, cookie);
    expect(html).toContain(`예약 가능한 의료기관 ${moderna.length}곳`);
    expect(html).toMatch(/<option value="moderna" selected/);
    const listed = [...html.matchAll(/· 백신 ([^<]+)</g)].map((m) => m[1]);
    expect(listed.length).toBeGreaterThan(0);
    expect(new Set(listed)).toEqual(new Set(["모더나"]));
    // The first page lists the API's first clinics, in the API's order.
    const names = [...html.matchAll(/<a href="\/book\/clinic\/(\d+)\?/g)].map((m) => Number(m[1]));
    expect(names).toEqual(moderna.slice(0, names.length).map((c: any) => c.id));
  });
});
