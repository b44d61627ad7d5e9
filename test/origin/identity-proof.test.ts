/**
 * Identity proves the phone is the person's: the development provider's carrier registry (in the
 * database), refusals before any code is sent, no renaming by a verification or a proxy, no reservation
 * number in any refusal, and a booked person refused at hold time with no place kept.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rows } from "../../origin/db";
import { identityKeys } from "../../origin/identity/secrets";
import { type Bench, bookingBench, makeRrn, placesOf } from "./booking";
import { clientHeaders } from "./clients";
import { pageBrowser } from "./page-browser";

let b: Bench;
beforeAll(async () => {
  b = await bookingBench();
}, 120_000);
afterAll(() => b?.database.close());

let phoneNo = 0;
/** A mobile number nobody in this run has used. */
const newPhone = () => `010-7${String(++phoneNo).padStart(3, "0")}-${String(1000 + phoneNo).slice(-4)}`;
const digits = (phone: string) => phone.replace(/\D/g, "");

async function start(who: { name: string; rrn: string; phone: string }) {
  return b.call("POST", "/api/identity/start", { headers: await clientHeaders(b), body: who });
}
async function devCode(phone: string) {
  return b.call("GET", `/api/dev/otp?phone=${digits(phone)}`);
}
/** start + the code from the development provider + verify: the answer, and the session cookie when it worked */
async function verify(who: { name: string; rrn: string; phone: string }) {
  const started = await start(who);
  if (started.status !== 201) return { ...started, cookie: null };
  const code = (await devCode(who.phone)).body.code as string;
  const res = await b.call("POST", "/api/identity/verify", { body: { challengeId: started.body.challengeId, code } });
  return { ...res, cookie: res.headers.get("set-cookie")?.split(";")[0] ?? null };
}
async function personRow(rrn: string) {
  const hash = await (await identityKeys(b.config)).hashRrn(rrn.replace("-", ""));
  const [p] = await rows<{ id: number; name: string; phone: string; added_by_proxy: boolean }>(
    b.database.db,
    sql`select id, name, phone, added_by_proxy from people where rrn_hash = ${hash}`,
  );
  return p ?? null;
}
const count = async (q: ReturnType<typeof sql>) => (await rows<{ n: number }>(b.database.db, q))[0]!.n;

describe("the development provider's carrier registry", () => {
  it("verifies a new pair of an unseen number and an unseen phone, keeping only the number's keyed hash", async () => {
    const who = { name: "정미경", rrn: makeRrn("1968-02-03"), phone: newPhone() };
    const res = await verify(who);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ person: { name: "정미경", rrn: `${who.rrn.slice(0, 8)}******` }, alreadyBooked: false });
    const hash = await (await identityKeys(b.config)).hashRrn(who.rrn.replace("-", ""));
    const lines = await rows<Record<string, unknown>>(
      b.database.db,
      sql`select * from dev_carrier_lines where phone = ${digits(who.phone)}`,
    );
    expect(lines).toEqual([expect.objectContaining({ phone: digits(who.phone), rrn_hash: hash, name: "정미경" })]);
    expect(JSON.stringify(lines)).not.toContain(who.rrn.replace("-", "").slice(6));
    // The same person again, with their name written differently, is still themselves.
    const again = await verify({ ...who, name: " 정 미경 " });
    expect(again.status).toBe(200);
    expect(again.body.person.name).toBe("정미경");
  });

  it("refuses someone else's number with another phone before any code is sent", async () => {
    const owner = { name: "한지은", rrn: makeRrn("1971-04-05"), phone: newPhone() };
    expect((await verify(owner)).status).toBe(200);
    const other = newPhone();
    for (const name of ["한지은", "오상철"]) {
      const refused = await start({ name, rrn: owner.rrn, phone: other });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe("identity_mismatch");
      expect(refused.body.message).toMatch(/do not belong to the same person/);
      expect(refused.body.challengeId).toBeUndefined();
    }
    expect((await devCode(other)).status).toBe(404);
  });

  it("refuses someone else's phone with another number, and the right number with another name", async () => {
    const owner = { name: "서동현", rrn: makeRrn("1972-06-07"), phone: newPhone() };
    expect((await verify(owner)).status).toBe(200);
    expect((await start({ name: "서동현", rrn: makeRrn("1972-06-07"), phone: owner.phone })).body.code).toBe("identity_mismatch");
    expect((await start({ ...owner, name: "서동민" })).body.code).toBe("identity_mismatch");
  });

  it("learns a pair only when its code is verified: a mistyped start claims nothing, and a later claim wins over an older start", async () => {
    const rrn = makeRrn("1973-08-09");
    const typo = newPhone();
    const right = newPhone();
    const first = await start({ name: "권영수", rrn, phone: typo });
    expect(first.status).toBe(201);
    const firstCode = (await devCode(typo)).body.code as string;
    // The mistyped phone claimed nothing: the right phone still verifies.
    const ok = await verify({ name: "권영수", rrn, phone: right });
    expect(ok.status).toBe(200);
    // Now the number is the right phone's: the older challenge on the other phone is refused at verify...
    const late = await b.call("POST", "/api/identity/verify", { body: { challengeId: first.body.challengeId, code: firstCode } });
    expect(late.status).toBe(403);
    expect(late.body.code).toBe("identity_mismatch");
    expect(late.headers.get("set-cookie")).toBeNull();
    // ...and a new start with it is refused at once.
    expect((await start({ name: "권영수", rrn, phone: typo })).body.code).toBe("identity_mismatch");
    expect(await personRow(rrn)).toMatchObject({ name: "권영수", phone: digits(right) });
  });

  it("keeps its registry and codes in the database, shared by every origin process", async () => {
    const who = { name: "임순자", rrn: makeRrn("1955-10-11"), phone: newPhone() };
    const started = await start(who);
    const [sent] = await rows<{ code: string }>(b.database.db, sql`select code from dev_sent_codes where phone = ${digits(who.phone)}`);
    expect(sent!.code).toMatch(/^\d{6}$/);
    expect((await devCode(who.phone)).body.code).toBe(sent!.code);
    expect(started.status).toBe(201);
  });
});

describe("a verification never renames a person or changes their phone", () => {
  it("refuses a takeover: the victim's number, another name and the attacker's own phone", async () => {
    const victim = { name: "김영희", rrn: makeRrn("1966-01-12"), phone: newPhone() };
    const v = await verify(victim);
    expect(v.status).toBe(200);
    const slot = await b.slotOf("pfizer", "2026-11-24", "10:00");
    const booked = await b.book(v.cookie!, slot.id);
    expect(booked.status).toBe(201);
    const attacker = { name: "박철수", rrn: makeRrn("1980-02-13"), phone: newPhone() };
    expect((await verify(attacker)).status).toBe(200);
    const sessionsBefore = await count(sql`select count(*)::int as n from sessions`);

    for (const attempt of [
      { name: "박철수", rrn: victim.rrn, phone: attacker.phone },
      { name: "박철수", rrn: victim.rrn, phone: newPhone() },
      { name: "김영희", rrn: victim.rrn, phone: newPhone() },
    ]) {
      const r = await start(attempt);
      expect(r.status).toBe(403);
      expect(r.body.code).toBe("identity_mismatch");
    }
    expect(await count(sql`select count(*)::int as n from sessions`)).toBe(sessionsBefore);
    expect(await personRow(victim.rrn)).toMatchObject({ name: "김영희", phone: digits(victim.phone) });
    const found = await b.call("POST", "/api/reservations/lookup", {
      headers: await clientHeaders(b),
      body: { name: victim.name, rrn: victim.rrn, reservationNumber: booked.body.reservationNumber },
    });
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ status: "active", subject: { name: "김영희" } });
  });

  it("refuses another name for a person on record even where the registry has not seen them, and claims nothing", async () => {
    const rrn = makeRrn("1967-03-14");
    const phone = newPhone();
    const started = await start({ name: "조민준", rrn, phone });
    expect(started.status).toBe(201);
    // Meanwhile the number's owner is on record under their own name.
    const owner = await b.person({ birthDate: "1967-03-14" });
    const keys = await identityKeys(b.config);
    await b.database.db.execute(sql`update people set rrn_hash = ${await keys.hashRrn(rrn.replace("-", ""))} where id = ${owner.personId}`);
    const code = (await devCode(phone)).body.code as string;
    const r = await b.call("POST", "/api/identity/verify", { body: { challengeId: started.body.challengeId, code } });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe("identity_mismatch");
    expect(await personRow(rrn)).toMatchObject({ id: owner.personId, name: "홍길동", phone: "01000000000" });
    expect(await count(sql`select count(*)::int as n from dev_carrier_lines where phone = ${digits(phone)}`)).toBe(0);
    expect((await start({ name: "조민준", rrn, phone: newPhone() })).body.code).toBe("identity_mismatch");
  });

  it("lets someone a proxy entered verify themselves once, taking their own name and phone, which stay", async () => {
    const proxy = await verify({ name: "이현우", rrn: makeRrn("1990-05-15"), phone: newPhone() });
    const parent = { name: "이정숙", rrn: makeRrn("1952-06-16"), phone: newPhone() };
    const entered = await b.call("POST", "/api/proxy/subject", {
      cookie: proxy.cookie!,
      body: { name: "이정순", rrn: parent.rrn, relationship: "parent" },
    });
    expect(entered.status).toBe(200);
    expect(await personRow(parent.rrn)).toMatchObject({ name: "이정순", added_by_proxy: true });
    const own = await verify(parent);
    expect(own.status).toBe(200);
    expect(await personRow(parent.rrn)).toMatchObject({ name: "이정숙", phone: digits(parent.phone), added_by_proxy: false });
    // From now on the record is theirs: the proxy's spelling is refused, the right one accepted.
    const typo = await b.call("POST", "/api/proxy/subject", {
      cookie: proxy.cookie!,
      body: { name: "이정순", rrn: parent.rrn, relationship: "parent" },
    });
    expect(typo.body.code).toBe("subject_mismatch");
    expect(
      (
        await b.call("POST", "/api/proxy/subject", {
          cookie: proxy.cookie!,
          body: { name: "이정숙", rrn: parent.rrn, relationship: "parent" },
        })
      ).status,
    ).toBe(200);
  });
});

describe("a proxy never renames a person", () => {
  it("refuses a subject whose name does not match the person on record, and changes nobody", async () => {
    const parent = { name: "최순자", rrn: makeRrn("1950-07-17"), phone: newPhone() };
    expect((await verify(parent)).status).toBe(200);
    const proxy = await verify({ name: "최지은", rrn: makeRrn("1985-08-18"), phone: newPhone() });
    const r = await b.call("POST", "/api/proxy/subject", {
      cookie: proxy.cookie!,
      body: { name: "최영자", rrn: parent.rrn, relationship: "parent" },
    });
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ code: "subject_mismatch", field: "name" });
    expect(r.body.message).toBeTruthy();
    expect(await personRow(parent.rrn)).toMatchObject({ name: "최순자", phone: digits(parent.phone) });
    const [s] = await rows<{ subject_id: number | null }>(
      b.database.db,
      sql`select s.subject_id from sessions s join people p on p.id = s.person_id where p.name = '최지은'`,
    );
    expect(s!.subject_id).toBeNull();
  });
});

describe("no answer reveals a reservation number", () => {
  it("refuses a hold for someone already booked, keeping no place and naming no number", async () => {
    const me = await b.person();
    const first = await b.book(me.cookie, (await b.slotOf("pfizer", "2026-11-24", "15:00")).id);
    expect(first.status).toBe(201);
    const number: string = first.body.reservationNumber;
    const slot = await b.slotOf("pfizer", "2026-11-25", "15:00");
    const before = await placesOf(b, slot.id);
    const hold = await b.call("POST", "/api/holds", { cookie: me.cookie, body: { slotId: slot.id } });
    expect(hold.status).toBe(409);
    expect(hold.body).toMatchObject({ code: "already_booked", lookup: "/lookup" });
    expect(hold.body.message).toMatch(/look it up/);
    expect(JSON.stringify(hold.body)).not.toContain(number);
    expect(JSON.stringify(hold.body)).not.toContain(number.replace(/-/g, ""));
    expect(await placesOf(b, slot.id)).toEqual(before);
    expect(await count(sql`select count(*)::int as n from holds where person_id = ${me.personId}`)).toBe(0);
  });

  it("answers already_booked without the number when a booking lands between hold and confirm", async () => {
    const proxy = await verify({ name: "윤서연", rrn: makeRrn("1988-09-19"), phone: newPhone() });
    const parent = { name: "윤상철", rrn: makeRrn("1958-10-20"), phone: newPhone() };
    expect(
      (
        await b.call("POST", "/api/proxy/subject", {
          cookie: proxy.cookie!,
          body: { name: parent.name, rrn: parent.rrn, relationship: "parent" },
        })
      ).status,
    ).toBe(200);
    const slot = await b.slotOf("pfizer", "2026-11-25", "10:30");
    const hold = await b.call("POST", "/api/holds", { cookie: proxy.cookie!, body: { slotId: slot.id } });
    expect(hold.status).toBe(201);
    // A booking for the parent lands meanwhile (a hold of their own would have replaced the proxy's, so it
    // is written as the confirming transaction leaves it).
    const subjectId = (await personRow(parent.rrn))!.id;
    const other = await b.slotOf("pfizer", "2026-11-24", "11:00");
    const number = "7KQM3XPA9RTDH";
    await b.database.db.execute(sql`
      with r as (insert into reservations (number, subject_id, booked_by, vaccine_code, notify_channel)
                 values (${number}, ${subjectId}, ${subjectId}, 'pfizer', 'sms') returning id)
      insert into reservation_doses (reservation_id, subject_id, dose, slot_id) select id, ${subjectId}, 1, ${other.id} from r`);
    const confirm = await b.call("POST", "/api/reservations", {
      cookie: proxy.cookie!,
      headers: { "idempotency-key": crypto.randomUUID() },
      body: { holdId: hold.body.holdId, notifyChannel: "sms" },
    });
    expect(confirm.status).toBe(409);
    expect(confirm.body).toMatchObject({ code: "already_booked", lookup: "/lookup" });
    expect(confirm.body.reservationNumber).toBeUndefined();
    expect(JSON.stringify(confirm.body)).not.toContain(number);
    expect(JSON.stringify(confirm.body)).not.toContain("7KQM-3XPA-9RTDH");
    // And naming the booked parent again is refused at once, as at the proxy's "who" step.
    const again = await b.call("POST", "/api/proxy/subject", {
      cookie: proxy.cookie!,
      body: { name: parent.name, rrn: parent.rrn, relationship: "parent" },
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("already_booked");
    expect(JSON.stringify(again.body)).not.toContain(number);
  });
});

describe("the booking pages", () => {
  /** A browser without JavaScript (page-browser.ts) whose requests come through the edge (signed client address). */
  function browser(cookie = "") {
    const go = pageBrowser(b, cookie);
    return async (path: string, form?: Record<string, string>) => go(path, form, await clientHeaders(b));
  }
  const split = (rrn: string) => ({ rrn1: rrn.slice(0, 6), rrn2: rrn.slice(7) });

  it("say in Korean that the details do not belong together, and send no code", async () => {
    const owner = { name: "강민지", rrn: makeRrn("1969-11-21"), phone: newPhone() };
    expect((await verify(owner)).status).toBe(200);
    const other = newPhone();
    const res = await browser()("/book", { name: "강민지", ...split(owner.rrn), phone: other });
    expect(res.status).toBe(403);
    expect(res.html).toContain("통신사에 등록된 정보와 일치하지 않습니다");
    expect((await devCode(other)).status).toBe(404);
  });

  it("tell a booked person at the who step, with the way to look it up, and let them book for someone else", async () => {
    const me = await b.person();
    expect((await b.book(me.cookie, (await b.slotOf("pfizer", "2026-11-24", "16:00")).id)).status).toBe(201);
    const go = browser(me.cookie);
    const who = await go("/book/who");
    expect(who.status).toBe(200);
    expect(who.html).toContain("이미 예약하셨습니다");
    expect(who.html).toContain('href="/lookup"');
    expect(who.html).toMatch(/<button type="submit" name="for" value="self" class="big" disabled=""/);
    expect(who.html).toContain('href="/book/proxy"');
    expect((await go("/book/who", { for: "self" })).location).toBe("/book/who");
  });

  it("tell a proxy right after the parent's details that the parent is booked, without the number", async () => {
    const parent = { name: "장영수", rrn: makeRrn("1951-12-22"), phone: newPhone() };
    const own = await verify(parent);
    const theirs = await b.book(own.cookie!, (await b.slotOf("pfizer", "2026-11-24", "16:30")).id);
    expect(theirs.status).toBe(201);
    const proxy = await verify({ name: "장민준", rrn: makeRrn("1986-01-23"), phone: newPhone() });
    const res = await browser(proxy.cookie!)("/book/proxy", { relationship: "parent", name: parent.name, ...split(parent.rrn) });
    expect(res.status).toBe(409);
    expect(res.html).toContain("이 분은 이미 예약이 있습니다");
    expect(res.html).toContain('href="/lookup"');
    expect(res.html).not.toContain(theirs.body.reservationNumber);
  });
});
