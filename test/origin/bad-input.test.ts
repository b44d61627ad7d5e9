/**
 * Bad input gets a 4xx with a message, never a 500: ids a column cannot hold, dates that are not on the
 * calendar (on the API, the citizen pages and the operator forms), and bodies over the size limit, which
 * are refused without being read into memory. Each case also checks that nothing changed.
 */
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rows } from "../../origin/db";
import { MAX_BODY_BYTES } from "../../origin/middleware/body-limit";
import { TEST_SECRETS } from "../secrets";
import { type Bench, bookingBench, placesOf } from "./booking";

let bench: Bench;
const auth = { authorization: `Bearer ${TEST_SECRETS.OPERATOR_TOKEN}` };
const IMPOSSIBLE_DATES = ["2026-12-32", "2027-01-00", "2026-12-99", "2026-02-30", "2026-00-10", "0000-12-20"];

beforeAll(async () => {
  bench = await bookingBench();
}, 120_000);
afterAll(async () => {
  await bench?.database.close();
});

/** A request as a browser without JavaScript sends it: HTML wanted, forms url-encoded. */
async function page(path: string, opts: { form?: Record<string, string>; cookie?: string; headers?: Record<string, string> } = {}) {
  const res = await bench.app.request(path, {
    method: opts.form ? "POST" : "GET",
    headers: {
      "x-wr-pass": bench.pass,
      accept: "text/html",
      ...(opts.cookie ? { cookie: opts.cookie } : {}),
      ...(opts.form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      ...opts.headers,
    },
    body: opts.form ? new URLSearchParams(opts.form).toString() : undefined,
  });
  return { status: res.status, html: await res.text(), headers: res.headers };
}

async function ops(path: string, body: unknown) {
  const res = await bench.app.request(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...auth },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function capacityChanges(): Promise<number> {
  const [r] = await rows<{ n: number }>(bench.database.db, sql`select count(*)::int as n from capacity_changes`);
  return r!.n;
}

describe("ids outside their column", () => {
  it("answers 400 bad_clinic with a message for clinic ids an integer column cannot hold, and 404 for one it can", async () => {
    for (const id of ["2147483648", "9007199254740993", "99999999999999999999999", "0", "-1", "1e10", "0x10", "abc"]) {
      const { status, body } = await bench.call("GET", `/api/clinics/${id}/slots?date=2026-11-24`);
      expect(status, id).toBe(400);
      expect(body, id).toMatchObject({ code: "bad_clinic", message: expect.stringContaining("2147483647") });
    }
    const last = await bench.call("GET", "/api/clinics/2147483647/slots?date=2026-11-24");
    expect(last.status).toBe(404);
    expect(last.body.code).toBe("clinic_not_found");
  });

  it("shows the times page for such a clinic as a Korean error page, not a 500", async () => {
    const p = await bench.person();
    const res = await page("/book/clinic/2147483648?date=2026-11-24", { cookie: p.cookie });
    expect(res.status).toBe(400);
    expect(res.html).toContain("의료기관을 목록에서 다시 골라 주세요");
    const post = await page("/book/clinic/2147483648?date=2026-11-24", { cookie: p.cookie, form: { slotId: "9007199254740993" } });
    expect(post.status).toBeGreaterThanOrEqual(400);
    expect(post.status).toBeLessThan(500);
  });

  it("refuses a hold for a slot id a bigint cannot be read as, or that is not a number", async () => {
    const p = await bench.person();
    // biome-ignore lint/correctness/noPrecisionLoss: a number past 2^53, as a client may send it
    for (const slotId of [2 ** 63, 9007199254740993, 1e308, -1, 0, 1.5, "12", null]) {
      const { status, body } = await bench.call("POST", "/api/holds", { cookie: p.cookie, body: { slotId } });
      expect(status, String(slotId)).toBe(400);
      expect(body).toMatchObject({ code: "bad_slot", message: expect.any(String) });
    }
  });

  it("refuses a capacity change for clinicId=1e10 (API and form) and changes nothing", async () => {
    const before = await capacityChanges();
    for (const clinicId of [1e10, "1e10", 2147483648, "2147483648", -3, "12abc"]) {
      const { status, body } = await ops("/ops/capacity", { clinicId, date: "2026-11-24", capacity: 3, reason: "staff ill" });
      expect(status, String(clinicId)).toBe(400);
      expect(body).toMatchObject({ code: "invalid_capacity", fields: ["clinicId"], message: expect.stringContaining("clinicId") });
    }
    const form = await page("/ops/capacity-form", {
      headers: auth,
      form: { clinicId: "1e10", date: "2026-11-24", capacity: "3", reason: "staff ill" },
    });
    expect(form.status).toBe(400);
    expect(form.html).toContain("의료기관 번호는 1부터 2147483647까지의 정수입니다");
    // What was typed stays in the form, marked.
    expect(form.html).toMatch(/id="clinicId"[^>]*value="1e10"[^>]*aria-invalid="true"/);
    expect(await capacityChanges()).toBe(before);
  });
});

describe("malformed uuids and instants", () => {
  it("answers 400 bad_challenge for a challenge id a uuid column cannot hold", async () => {
    for (const challengeId of [
      "3376fedd192d41f687fb7c611f267f560000",
      "-".repeat(36),
      "g".repeat(36),
      "00000000-0000-0000-0000-00000000000",
    ]) {
      for (const path of ["/api/identity/verify", "/api/identity/resend"]) {
        const { status, body } = await bench.call("POST", path, { body: { challengeId, code: "123456" } });
        expect(status, `${path} ${challengeId}`).toBe(400);
        expect(body).toMatchObject({ code: "bad_challenge", message: expect.any(String) });
      }
    }
  });

  it("treats a malformed hold id on the confirm page as a hold that is gone", async () => {
    const p = await bench.person();
    const res = await page(`/book/confirm?hold=${"-".repeat(36)}`, { cookie: `${p.cookie}; notify_channel=kakao` });
    expect(res.status).toBe(409);
    expect(res.html).toContain("맡아 둔 시간이 지나 자리가 풀렸습니다");
  });

  it("shows the code page without a countdown when the expiry it is handed is not a time the server gave", async () => {
    for (const e of ["-271821-04-20T00:00:00.000Z", "+275760-09-13T00:00:00.000Z", "2026-13-45T00:00:00Z", "garbage"]) {
      const res = await page(`/book/verify?c=${encodeURIComponent("x")}&m=010-****-1234&e=${encodeURIComponent(e)}`);
      expect(res.status, e).toBe(200);
      expect(res.html).not.toContain('role="timer"');
    }
  });
});

describe("impossible dates", () => {
  it("answers 400 bad_date on the clinic search", async () => {
    for (const date of IMPOSSIBLE_DATES) {
      const { status, body } = await bench.call("GET", `/api/clinics?date=${date}&region=11010`);
      expect(status, date).toBe(400);
      expect(body).toMatchObject({ code: "bad_date", message: expect.stringContaining("YYYY-MM-DD") });
    }
  });

  it("answers the times page with a Korean error page and 400", async () => {
    const p = await bench.person();
    const slot = await bench.slotOf("pfizer", "2026-11-24", "09:00");
    for (const date of IMPOSSIBLE_DATES) {
      const res = await page(`/book/clinic/${slot.clinicId}?date=${date}`, { cookie: p.cookie });
      expect(res.status, date).toBe(400);
      expect(res.html).toContain("있는 날짜를 골라 주세요");
    }
  });

  it("answers 400 on the operator API and form, in Korean on the page, and changes nothing", async () => {
    const slot = await bench.slotOf("pfizer", "2026-11-24", "09:00");
    const capacity = (await placesOf(bench, slot.id)).capacity;
    const before = await capacityChanges();
    for (const date of IMPOSSIBLE_DATES) {
      const api = await ops("/ops/capacity", { clinicId: slot.clinicId, date, capacity: 3, reason: "staff ill" });
      expect(api.status, date).toBe(400);
      expect(api.body).toMatchObject({
        code: "invalid_capacity",
        fields: ["date"],
        message: expect.stringContaining("date must be YYYY-MM-DD"),
      });
      const form = await page("/ops/capacity-form", {
        headers: auth,
        form: { clinicId: String(slot.clinicId), date, capacity: "3", reason: "staff ill" },
      });
      expect(form.status, date).toBe(400);
      expect(form.html).toContain("날짜는 달력에 있는 날짜를 YYYY-MM-DD로 적어 주세요");
      const en = await page("/ops/capacity-form?lang=en", {
        headers: auth,
        form: { clinicId: String(slot.clinicId), date, capacity: "3", reason: "staff ill" },
      });
      expect(en.html).toContain("date must be YYYY-MM-DD");
    }
    expect((await placesOf(bench, slot.id)).capacity).toBe(capacity);
    expect(await capacityChanges()).toBe(before);
  });

  it("answers the operator form's other refusals with the page and a 4xx, and a valid change with a redirect", async () => {
    const slot = await bench.slotOf("moderna", "2026-11-24", "10:00");
    const noSlots = await page("/ops/capacity-form", {
      headers: auth,
      form: { clinicId: String(slot.clinicId), date: "2026-11-28", capacity: "3", reason: "staff ill" },
    });
    expect(noSlots.status).toBe(404);
    expect(noSlots.html).toContain("2026-11-28에 접종 시간대가 없습니다");
    const reason = await page("/ops/capacity-form", {
      headers: auth,
      form: { clinicId: String(slot.clinicId), date: "2026-11-24", capacity: "3", reason: "ab\u0000c" },
    });
    expect(reason.status).toBe(400);
    expect(reason.html).toContain("사유를 3~200자로 적어 주세요");
    const ok = await page("/ops/capacity-form", {
      headers: auth,
      form: { clinicId: String(slot.clinicId), date: "2026-11-24", capacity: "4", reason: "extra staff" },
    });
    expect(ok.status).toBe(303);
    expect((await placesOf(bench, slot.id)).capacity).toBe(4);
  });

  it("answers 400 bad_date on the second-dose API and the lookup page, in Korean, and leaves the second dose where it was", async () => {
    const p = await bench.person();
    const slot = await bench.slotOf("pfizer", "2026-11-24", "14:00");
    const booked = await bench.book(p.cookie, slot.id);
    expect(booked.status).toBe(201);
    const details = { name: p.name, rrn: p.rrn, reservationNumber: booked.body.reservationNumber as string };
    // Between the window's ends as text ("2026-12-15" … "2027-01-05"), but not days at all.
    for (const date of IMPOSSIBLE_DATES) {
      const { status, body } = await bench.call("POST", "/api/reservations/second-dose", { body: { ...details, date } });
      expect(status, date).toBe(400);
      expect(body).toMatchObject({ code: "bad_date", field: "date", message: expect.any(String) });
    }

    const [rrn1, rrn2] = p.rrn.split("-");
    const lookup = await page("/lookup", {
      form: { name: p.name, rrn1: rrn1!, rrn2: rrn2!, reservationNumber: details.reservationNumber },
    });
    expect(lookup.status).toBe(303);
    const cookie = lookup.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    for (const date of IMPOSSIBLE_DATES) {
      const res = await page("/lookup/second-dose", { cookie, form: { date, time: "" } });
      expect(res.status, date).toBe(400);
      expect(res.html).toContain("있는 날짜를 골라 주세요");
    }
    const after = await bench.call("POST", "/api/reservations/lookup", { body: details });
    expect(after.body.second).toEqual(booked.body.second);
  });
});

describe("request body limit", () => {
  const huge = () => JSON.stringify({ name: "홍길동", rrn: "650101-1000000", phone: "010-1234-5678", junk: "x".repeat(32 * 1024 * 1024) });

  it("refuses a 32 MB JSON body to /api/identity/start with 413 body_too_large, and sends no code", async () => {
    const before = await rows<{ n: number }>(bench.database.db, sql`select count(*)::int as n from identity_challenges`);
    const res = await bench.app.request("/api/identity/start", {
      method: "POST",
      headers: { "x-wr-pass": bench.pass, "content-type": "application/json" },
      body: huge(),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({
      code: "body_too_large",
      message: expect.stringContaining("64 KB"),
      limitBytes: MAX_BODY_BYTES,
    });
    const after = await rows<{ n: number }>(bench.database.db, sql`select count(*)::int as n from identity_challenges`);
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it("answers a page request with a Korean page, and lets a body at the limit through", async () => {
    const res = await page("/book", {
      form: { name: "홍길동", rrn1: "650101", rrn2: "1000000", phone: "010", junk: "x".repeat(MAX_BODY_BYTES) },
    });
    expect(res.status).toBe(413);
    expect(res.html).toContain("보낸 내용이 너무 커서 처리하지 않았습니다");
    const body = JSON.stringify({ challengeId: "x" });
    const atLimit = await bench.call("POST", "/api/identity/verify", { body: body.padEnd(MAX_BODY_BYTES, " ") });
    expect(atLimit.body.code).toBe("bad_challenge");
  });

  it("refuses a chunked body without Content-Length after reading no more than the limit", async () => {
    let pulled = 0;
    const chunk = new Uint8Array(16 * 1024).fill(0x20);
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= 32 * 1024 * 1024) return controller.close();
        pulled += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const res = await bench.app.request("/api/identity/start", {
      method: "POST",
      headers: { "x-wr-pass": bench.pass, "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect((await res.json()).code).toBe("body_too_large");
    expect(pulled).toBeLessThan(MAX_BODY_BYTES + 4 * chunk.length);
  });

  describe("over HTTP, as the Node server serves it", () => {
    let server: Server;
    let port: number;
    beforeAll(async () => {
      server = createServer(getRequestListener(bench.app.fetch));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    /**
     * Sends up to 32 MB in 64 KB writes, declared (Content-Length) or chunked, and stops writing as soon as
     * the answer arrives: the bytes written by then show the server answered without waiting for the body.
     */
    function send(declared: boolean): Promise<{ status: number; body: any; written: number }> {
      const total = 32 * 1024 * 1024;
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      return new Promise((resolve, reject) => {
        let written = 0;
        let answered = false;
        const req = httpRequest({
          host: "127.0.0.1",
          port,
          method: "POST",
          path: "/api/identity/start",
          headers: {
            "x-wr-pass": bench.pass,
            "content-type": "application/json",
            ...(declared ? { "content-length": String(total) } : {}),
          },
        });
        req.on("response", (res) => {
          answered = true;
          const parts: Buffer[] = [];
          res.on("data", (d: Buffer) => parts.push(d));
          res.on("end", () => {
            resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(parts).toString("utf8")), written });
            req.destroy();
          });
        });
        req.on("error", (err) => (answered ? undefined : reject(err)));
        const pump = () => {
          while (!answered && written < total) {
            written += chunk.length;
            if (!req.write(chunk)) return void req.once("drain", pump);
          }
          if (!answered) req.end();
        };
        pump();
      });
    }

    it("answers a declared 32 MB body with 413 before it is sent", async () => {
      const { status, body, written } = await send(true);
      expect(status).toBe(413);
      expect(body.code).toBe("body_too_large");
      expect(written).toBeLessThan(16 * 1024 * 1024);
    });

    it("still reads bodies under the limit, declared or chunked, and pages still reach the API in-process", async () => {
      const post = (path: string, body: string, type: string, chunked: boolean) =>
        new Promise<{ status: number; text: string }>((resolve, reject) => {
          const req = httpRequest({
            host: "127.0.0.1",
            port,
            method: "POST",
            path,
            headers: {
              "x-wr-pass": bench.pass,
              "content-type": type,
              accept: "text/html",
              ...(chunked ? {} : { "content-length": String(Buffer.byteLength(body)) }),
            },
          });
          req.on("response", (res) => {
            const parts: Buffer[] = [];
            res.on("data", (d: Buffer) => parts.push(d));
            res.on("end", () => resolve({ status: res.statusCode!, text: Buffer.concat(parts).toString("utf8") }));
          });
          req.on("error", reject);
          if (chunked) for (let i = 0; i < body.length; i += 100) req.write(body.slice(i, i + 100));
          else req.write(body);
          req.end();
        });
      for (const chunked of [false, true]) {
        const api = await post(
          "/api/identity/verify",
          JSON.stringify({ challengeId: "x", pad: " ".repeat(30_000) }),
          "application/json",
          chunked,
        );
        expect(api.status).toBe(400);
        expect(JSON.parse(api.text).code).toBe("bad_challenge");
        const form = await post(
          "/book",
          new URLSearchParams({ name: "1", rrn1: "650101", rrn2: "1000000", phone: "010" }).toString(),
          "application/x-www-form-urlencoded",
          chunked,
        );
        expect(form.status).toBe(400);
        expect(form.text).toContain("이름을 정확히 입력해 주세요");
      }
    });

    it("answers a chunked 32 MB body with 413 once past the limit", async () => {
      const { status, body, written } = await send(false);
      expect(status).toBe(413);
      expect(body.code).toBe("body_too_large");
      expect(written).toBeLessThan(16 * 1024 * 1024);
    });
  });
});
