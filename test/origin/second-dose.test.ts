import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { instant, rows } from "../../origin/db";
import { type Bench, bookingBench, placesOf } from "./booking";

let b: Bench;
beforeAll(async () => {
  b = await bookingBench();
}, 120_000);
afterAll(() => b?.database.close());

/** A full slot row at the clinic: taken = capacity. */
async function fill(clinicId: number, at: string) {
  await b.database.db.execute(sql`
    insert into slots (clinic_id, starts_at, vaccine_code, capacity, taken)
    select id, ${instant(new Date(at))}, vaccine_code, 1, 1 from clinics where id = ${clinicId}
    on conflict (clinic_id, starts_at) do update set taken = slots.capacity`);
}

async function close(clinicId: number, from: string, days: number) {
  await b.database.db.execute(sql`
    insert into clinic_closures (clinic_id, date, reason)
    select ${clinicId}, d::date, 'test' from generate_series(${from}::date, ${from}::date + ${days - 1}::int, interval '1 day') d
    on conflict do nothing`);
}

describe("second-dose placement", () => {
  // Pfizer: 28 days after, allowed 21–42. First dose Tuesday 2026-11-24 at 09:00 → target Tuesday 2026-12-22.
  it("takes the next open day when the target day is full", async () => {
    const slot = await b.slotOf("pfizer", "2026-11-24", "09:00", 1);
    await fill(slot.clinicId, "2026-12-22T09:00:00+09:00");
    const res = await b.book((await b.person()).cookie, slot.id);
    expect(res.status).toBe(201);
    expect(res.body.second.startsAt).toBe(new Date("2026-12-23T09:00:00+09:00").toISOString());
  });

  it("skips days the clinic is closed, and weekends", async () => {
    const slot = await b.slotOf("pfizer", "2026-11-24", "09:00", 2);
    await close(slot.clinicId, "2026-12-22", 3); // Tue–Thu closed; Fri full; Sat, Sun never open
    await fill(slot.clinicId, "2026-12-25T09:00:00+09:00");
    const res = await b.book((await b.person()).cookie, slot.id);
    expect(res.status).toBe(201);
    expect(res.body.second.startsAt).toBe(new Date("2026-12-28T09:00:00+09:00").toISOString());
  });

  it("fails cleanly with no_second_dose when no day in the window has room, taking nothing", async () => {
    const me = await b.person();
    const slot = await b.slotOf("pfizer", "2026-11-24", "09:00", 3);
    await close(slot.clinicId, "2026-12-22", 15); // through 2027-01-05, the last allowed day
    const before = await placesOf(b, slot.id);
    const res = await b.book(me.cookie, slot.id);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: "no_second_dose", clinicId: slot.clinicId });
    expect(res.body.message).toContain("2026-12-22");
    expect(res.body.message).toContain("2027-01-05");
    const after = await placesOf(b, slot.id);
    expect(after.taken).toBe(before.taken); // the first dose was not kept either
    const [{ n }] = (await rows<{ n: number }>(
      b.database.db,
      sql`select count(*)::int as n from reservations where subject_id = ${me.personId}`,
    )) as [{ n: number }];
    expect(n).toBe(0);
    const [{ held }] = (await rows<{ held: number }>(
      b.database.db,
      sql`select count(*)::int as held from holds where person_id = ${me.personId}`,
    )) as [{ held: number }];
    expect(held).toBe(1); // the hold is still there: the person can pick another time at once
  });

  it("moves a second dose off a public holiday to the next open day, and the message says that day", async () => {
    // Moderna: 28 days after Friday 2026-12-04 is Friday 2027-01-01 (New Year's Day); then a weekend.
    const [clinic] = await rows<{ id: number }>(
      b.database.db,
      sql`select id from clinics where vaccine_code = 'moderna' order by id limit 1`,
    );
    const [slot] = await rows<{ id: number }>(
      b.database.db,
      sql`insert into slots (clinic_id, starts_at, vaccine_code, capacity)
          values (${clinic!.id}, ${instant(new Date("2026-12-04T09:00:00+09:00"))}, 'moderna', 5) returning id`,
    );
    const me = await b.person();
    const res = await b.book(me.cookie, Number(slot!.id));
    expect(res.status).toBe(201);
    expect(res.body.second.startsAt).toBe(new Date("2027-01-04T09:00:00+09:00").toISOString());
    const [message] = await rows<{ body: string }>(
      b.database.db,
      sql`select o.body from outbox o join reservations r on r.id = o.reservation_id where r.subject_id = ${me.personId}`,
    );
    expect(message!.body).toContain("2차 접종: 2027년 1월 4일(월) 09:00");
    expect(message!.body).not.toContain("2027년 1월 1일");
  });

  it("stays at the same time of day and uses the clinic's capacity for days it opens", async () => {
    const slot = await b.slotOf("az", "2026-11-25", "17:30");
    const res = await b.book((await b.person()).cookie, slot.id);
    expect(res.status).toBe(201);
    // AstraZeneca: 77 days after 2026-11-25 is 2027-02-10, a Wednesday.
    expect(res.body.second.startsAt).toBe(new Date("2027-02-10T17:30:00+09:00").toISOString());
    const [opened] = await rows<{ capacity: number; taken: number; slot_capacity: number }>(
      b.database.db,
      sql`select s.capacity, s.taken, c.slot_capacity from slots s join clinics c on c.id = s.clinic_id
          where s.clinic_id = ${slot.clinicId} and s.starts_at = ${instant(new Date("2027-02-10T17:30:00+09:00"))}`,
    );
    expect(opened).toMatchObject({ taken: 1, capacity: opened!.slot_capacity });
  });
});
