/**
 * Every route and page of the origin, enumerated from the app itself, is sent generated hostile input:
 * JSON bodies (wrong types, huge numbers, nested junk, unicode, nulls, broken JSON), form and multipart
 * fields, query strings, path parameters, cookies and headers, mostly with a valid admission pass (and the
 * operator token on /ops). Most requests are a valid request with one kind of field broken (near misses
 * for that kind: dates that do not exist, ids past their column, malformed uuids) and now and then others
 * junk or dropped, so the input reaches the handler's deeper steps (SQL, date arithmetic), not only its
 * first check. Whatever arrives, the answer is never a 5xx, and every 4xx is either JSON with a `code` and
 * a `message` or a page. Bounded: 8 requests per GET route and 16 per other (about 630 in all).
 */
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { generateSignedCookie } from "hono/cookie";
import { afterAll, describe, expect, it } from "vitest";
import { RELATIONSHIPS } from "../../origin/booking/relationships";
import { ORIGIN_TEST_ENV, TEST_SECRETS } from "../secrets";
import { bookingBench, makeRrn } from "./booking";

/** Requests per route: more where a body is read. FUZZ_SCALE=20 hunts longer (locally, by hand). */
const SCALE = Math.max(1, Number(process.env.FUZZ_SCALE) || 1);
const RUNS = { GET: 8 * SCALE, other: 16 * SCALE };

const bench = await bookingBench();
afterAll(() => bench.database.close());

// The app's own route table: every method and path any route file or page registered (middleware aside).
// Cancelling routes go last, so the others still meet live reservations.
const routes = [
  ...new Map(
    bench.app.routes.filter((r) => r.method !== "ALL").map((r) => [`${r.method} ${r.path}`, { method: r.method, path: r.path }]),
  ).values(),
].sort((a, b) => Number(a.path.includes("cancel")) - Number(b.path.includes("cancel")));

// Valid values, made the way a client would get them, so broken requests can differ from a valid one in one field.
const people = [await bench.person(), await bench.person({ birthDate: "1980-02-29" }), await bench.person()];
const slots = [
  await bench.slotOf("pfizer", "2026-11-24", "10:00"),
  await bench.slotOf("moderna", "2026-11-25", "11:30"),
  await bench.slotOf("az", "2026-11-24", "16:00"),
];
const booked = [await bench.book(people[0]!.cookie, slots[0]!.id), await bench.book(people[1]!.cookie, slots[1]!.id)];
const hold = await bench.call("POST", "/api/holds", { cookie: people[2]!.cookie, body: { slotId: slots[2]!.id } });
const started = await bench.call("POST", "/api/identity/start", {
  body: { name: "김민수", rrn: makeRrn("1964-04-04"), phone: "010-2222-3333" },
});
const otp = await bench.call("GET", "/api/dev/otp?phone=01022223333");
for (const r of [...booked, hold, started, otp]) if (r.status >= 300) throw new Error(`setup failed: ${JSON.stringify(r.body)}`);
const numbers = booked.map((b) => b.body.reservationNumber as string);
const lookupCookies = await Promise.all(
  numbers.map(async (n) => (await generateSignedCookie("lookup", n, ORIGIN_TEST_ENV.SESSION_SECRET)).split(";")[0]!),
);
const opsCookie = (await generateSignedCookie("ops", "operator", ORIGIN_TEST_ENV.SESSION_SECRET)).split(";")[0]!;

/** What one client has: its session, lookup cookie, reservation and places, so a valid request hangs together. */
const personas = [0, 1, 2].map((i) => {
  const p = people[i]!;
  const n = numbers[i] ?? numbers[0]!;
  return {
    fields: {
      name: p.name,
      rrn: p.rrn,
      rrn1: p.rrn.slice(0, 6),
      rrn2: p.rrn.slice(7),
      reservationNumber: n,
      r: n,
      clinicId: slots[i]!.clinicId,
      slotId: slots[i]!.id,
    } as Record<string, unknown>,
    sid: p.cookie,
    lookup: lookupCookies[i] ?? lookupCookies[0]!,
  };
});

const VALID: Record<string, readonly unknown[]> = {
  name: ["홍길동", "김민수", "Kim Min-su"],
  rrn: [...people.map((p) => p.rrn), makeRrn("1965-05-05")],
  rrn1: [people[0]!.rrn.slice(0, 6)],
  rrn2: [people[0]!.rrn.slice(7)],
  phone: ["010-1234-5678", "01022223333"],
  challengeId: [started.body.challengeId, randomUUID()],
  c: [started.body.challengeId],
  code: [otp.body.code, "123456"],
  m: ["010-****-3333"],
  e: [started.body.expiresAt],
  slotId: slots.map((s) => s.id),
  holdId: [hold.body.holdId, randomUUID()],
  hold: [hold.body.holdId],
  notifyChannel: ["kakao", "naver", "sms"],
  channel: ["kakao", "sms"],
  reservationNumber: numbers,
  r: numbers,
  // booking days, and days inside both second doses' windows (pfizer on 11-24: 12-15…01-05; moderna on 11-25: 12-23…01-06)
  date: ["2026-11-23", "2026-11-24", "2026-11-25", "2026-12-28", "2026-12-30"],
  time: ["09:00", "10:30", "17:30", ""],
  relationship: RELATIONSHIPS,
  for: ["self"],
  token: [TEST_SECRETS.OPERATOR_TOKEN],
  clinicId: slots.map((s) => s.clinicId),
  capacity: [3, "4", 0],
  reason: ["staff ill", "extra vaccine delivered"],
  key: [randomUUID()],
  region: ["11", "11010", "26"],
  vaccine: ["pfizer", "moderna", ""],
  sido: ["11", "26"],
  sigungu: ["11010", ""],
  find: ["1"],
  page: ["1", "2"],
  lang: ["ko", "en"],
  text: ["large", "normal"],
  new: ["1"],
  done: ["cancelled", "moved"],
  expired: ["1"],
  resent: ["1"],
  changed: ["1"],
};
const FIELDS = Object.keys(VALID);

/** Strings that have broken things somewhere: impossible dates, out-of-range numbers, control characters, lone surrogates. */
const NASTY = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\uD800",
  "\uDFFF",
  "\uFFFE",
  "\u202E",
  "🙂",
  "가".repeat(300),
  "\n\r\t",
  "2026-12-32",
  "2027-01-00",
  "2026-12-99",
  "2026-02-30",
  "2026-13-01",
  "0000-01-01",
  "0001-01-01",
  "9999-12-31",
  "+002026-11-24",
  "2026-11-24T10:00",
  "2147483647",
  "2147483648",
  "-2147483649",
  "9007199254740993",
  "18446744073709551616",
  "1e10",
  "1e308",
  "-0",
  "NaN",
  "Infinity",
  "0x10",
  "00000000001",
  "null",
  "true",
  "[]",
  "{}",
  "%",
  "%00",
  "%E0%A4%A",
  "' or 1=1 --",
  "<script>alert(1)</script>",
  "../../etc/passwd",
  "25:61",
  "9:00",
  "24:00",
  "00000000-0000-0000-0000-000000000000",
  "------------------------------------",
  "g".repeat(36),
  "x".repeat(5000),
];

const text: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String) },
);

const jsonJunk: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: text },
  {
    weight: 2,
    arbitrary: fc.constantFrom(2 ** 31, 2 ** 31 - 1, 2 ** 53 + 2, 2 ** 63, 1e308, -1e308, -1, 0, 0.5, -0, Number.MAX_SAFE_INTEGER),
  },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(text, { maxLength: 3 }) },
);

const fieldName = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...FIELDS) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) });

/** Values that are nearly right for a kind of field: the mistakes (and attacks) a check must catch. */
const uuid = randomUUID();
const NEAR_MISSES: Record<string, readonly unknown[]> = {
  date: [
    "2026-12-32",
    "2027-01-00",
    "2026-12-99",
    "2026-02-30",
    "2026-13-01",
    "2026-00-10",
    "0000-01-01",
    "0001-01-01",
    "9999-12-31",
    "+002026-11-24",
    "2026-11-24T10:00",
    "26-11-24",
    "2026-1-5",
    " 2026-11-24",
    "2026/11/24",
    "2026-11-22",
    20261124,
  ],
  id: [
    2 ** 31,
    2 ** 31 - 1,
    2 ** 53 + 2,
    2 ** 63,
    1e308,
    -1,
    0,
    0.5,
    "2147483648",
    "2147483647",
    "1e10",
    "9007199254740993",
    "99999999999999999999999",
    "0x10",
    " 7",
    "7.0",
    "-0",
    "",
    null,
    [1],
    { id: 1 },
  ],
  uuid: [
    "00000000-0000-0000-0000-000000000000",
    "-".repeat(36),
    "g".repeat(36),
    uuid.toUpperCase(),
    `${uuid}x`,
    uuid.slice(1),
    `{${uuid}}`,
    uuid.replace(/-/g, ""),
    uuid.replace(/-/g, "").padEnd(36, "0"),
    123,
  ],
  reservation: [
    numbers[0]!.toLowerCase(),
    numbers[0]!.replace(/-/g, " "),
    `${numbers[0]}X`,
    numbers[0]!.slice(1),
    "0000-0000-00000",
    "A".repeat(100),
    "O0O0-IL1I-OOOOO",
  ],
  time: ["24:00", "25:61", "9:00", "09:15", "17:59", "-1:00", "09:00:00", "0900", 900],
  digits: [
    "999999-9999999",
    "000000-0000000",
    "6501011000000",
    "650230-1234567",
    "01012345678".repeat(10),
    "123",
    "１２３４５６",
    "٠١٢٣٤٥",
    "650101-",
    "-",
  ],
  instant: ["+275760-09-13T00:00:00.000Z", "-271821-04-20T00:00:00.000Z", "2026-13-45T00:00:00Z", "9999999999999", "-1", "Invalid Date"],
  word: [
    "__proto__",
    "constructor",
    "toString",
    "hasOwnProperty",
    "\u0000",
    "a\u0000b",
    "\uD800",
    "가".repeat(300),
    "x".repeat(5000),
    "\u202E",
    "<b>",
  ],
};
const KIND: Record<string, string> = {
  date: "date",
  clinicId: "id",
  slotId: "id",
  capacity: "id",
  page: "id",
  challengeId: "uuid",
  c: "uuid",
  holdId: "uuid",
  hold: "uuid",
  key: "uuid",
  reservationNumber: "reservation",
  r: "reservation",
  time: "time",
  rrn: "digits",
  rrn1: "digits",
  rrn2: "digits",
  phone: "digits",
  code: "digits",
  m: "digits",
  e: "instant",
};

/**
 * One field's value. Fields of the run's focus kind (all dates, or all ids, ...) are mostly near misses;
 * any other field is valid (the client's own where it has one), now and then junk or absent.
 */
const fieldValue = (field: string, own: Record<string, unknown> | null, focus: string): fc.Arbitrary<unknown> => {
  const valid = own && field in own ? fc.constant(own[field]) : fc.constantFrom(...VALID[field]!);
  if ((KIND[field] ?? "word") === focus)
    return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...NEAR_MISSES[focus]!) }, { weight: 1, arbitrary: valid });
  return fc.oneof({ weight: 20, arbitrary: valid }, { weight: 1, arbitrary: jsonJunk }, { weight: 1, arbitrary: fc.constant(undefined) });
};

/**
 * Every field any route or page reads, valid except for one kind of field at a time, so a route that
 * reads a date and three other fields gets the three right and the date wrong. Often the valid values
 * are one client's own, where they belong together (name, resident number, reservation number).
 */
const nearlyValid = (persona: number): fc.Arbitrary<Record<string, unknown>> =>
  fc
    .record({ own: fc.boolean(), focus: fc.constantFrom(...Object.keys(NEAR_MISSES), "none") })
    .chain(({ own, focus }) =>
      fc.record(Object.fromEntries(FIELDS.map((f) => [f, fieldValue(f, own ? personas[persona]!.fields : null, focus)]))),
    );

const anyRecord: fc.Arbitrary<Record<string, unknown>> = fc.dictionary(fieldName, jsonJunk, { maxKeys: 8 });
const fields = (persona: number) => fc.oneof({ weight: 5, arbitrary: nearlyValid(persona) }, { weight: 1, arbitrary: anyRecord });

const asText = (v: unknown): string => (typeof v === "string" ? v : (JSON.stringify(v) ?? ""));
const asTextRecord = (r: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(r)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, asText(v)]),
  );

type Body =
  | { kind: "none" }
  | { kind: "json"; text: string }
  | { kind: "form"; fields: Record<string, string> }
  | { kind: "multipart"; fields: Record<string, string>; file: boolean }
  | { kind: "raw"; text: string; type: string };

/** Bodies of every kind; JSON mostly for the API, forms mostly for pages. */
const body = (persona: number, api: boolean): fc.Arbitrary<Body> =>
  fc.oneof(
    { weight: api ? 12 : 1, arbitrary: fields(persona).map((r) => ({ kind: "json" as const, text: JSON.stringify(r) })) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => ({ kind: "json" as const, text: JSON.stringify(v) })) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom("", "{", "[1,", "null", '"x"', '{"name":' + "[".repeat(3000), "\uFEFF{}", '{"__proto__":{"x":1}}')
        .map((t) => ({ kind: "json" as const, text: t })),
    },
    { weight: api ? 1 : 12, arbitrary: fields(persona).map((r) => ({ kind: "form" as const, fields: asTextRecord(r) })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fields(persona), fc.boolean())
        .map(([r, file]) => ({ kind: "multipart" as const, fields: asTextRecord(r), file })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          text,
          fc.constantFrom(
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
            "multipart/form-data; boundary=x",
            "application/json; charset=latin1",
          ),
        )
        .map(([t, type]) => ({ kind: "raw" as const, text: t, type })),
    },
    { weight: 1, arbitrary: fc.constant({ kind: "none" as const }) },
  );

const query = (persona: number): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fields(persona).map((r) => new URLSearchParams(asTextRecord(r)).toString()) },
    {
      weight: 1,
      arbitrary: fc
        .array(fc.tuple(fc.constantFrom(...FIELDS), fc.constantFrom("%", "%E0%A4%A", "%00", "%zz", "a%2", "")), { maxLength: 3 })
        .map((kv) => kv.map(([k, v]) => `${k}=${v}`).join("&")),
    },
    { weight: 1, arbitrary: fc.constant("") },
  );

const pathParam = (persona: number): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant(String(personas[persona]!.fields.clinicId)) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "0",
        "1",
        "2147483647",
        "2147483648",
        "9007199254740993",
        "99999999999999999999999",
        "00001",
        "1e10",
        "-1",
        "%",
        "%E0%A4%A",
        "%zz",
        "%00",
      ),
    },
    { weight: 1, arbitrary: fc.nat().map(String) },
    { weight: 1, arbitrary: text.map((t) => encodeURIComponent(t.replace(/\p{Cs}/gu, "\uFFFD")) || "x") },
  );

/** Cookie values that header syntax allows (the cookie parser still sees junk). */
const cookieJunk = fc.string({ unit: "grapheme-ascii", maxLength: 30 }).map((s) => s.replace(/[;,\s]/g, ""));
const cookie = (valid: string, name: string) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constant(valid) },
    { weight: 1, arbitrary: cookieJunk.map((j) => `${name}=${j}`) },
    { weight: 1, arbitrary: fc.constant("") },
  );
const cookies = (persona: number) =>
  fc.record({
    sid: cookie(personas[persona]!.sid, "sid"),
    lookup: cookie(personas[persona]!.lookup, "lookup"),
    channel: cookie("notify_channel=kakao", "notify_channel"),
    ops: cookie(opsCookie, "ops"),
    lang: fc.oneof(
      fc.constantFrom("lang=en", ""),
      cookieJunk.map((j) => `lang=${j}`),
    ),
  });

const headerJunk = fc.string({ unit: "grapheme-ascii", maxLength: 40 });
const request = (api: boolean) =>
  fc.nat({ max: personas.length - 1 }).chain((persona) =>
    fc.record({
      param: pathParam(persona),
      query: query(persona),
      body: body(persona, api),
      cookies: cookies(persona),
      accept: fc.constantFrom("text/html", "application/json", "*/*", "text/html,application/xhtml+xml", ""),
      idempotencyKey: fc.oneof(
        { weight: 3, arbitrary: fc.constant(randomUUID()) },
        { weight: 1, arbitrary: headerJunk },
        { weight: 1, arbitrary: fc.constant("") },
      ),
      acceptLanguage: fc.oneof(fc.constantFrom("en-US,en;q=0.9", "ko-KR"), headerJunk),
      bearer: fc.boolean(),
      pass: fc.oneof(
        { weight: 12, arbitrary: fc.constant(bench.pass) },
        { weight: 1, arbitrary: headerJunk },
        { weight: 1, arbitrary: fc.constant(`${bench.pass}x`) },
      ),
      client: fc.option(headerJunk, { freq: 3 }),
      forwardedFor: fc.option(fc.oneof(headerJunk, fc.constantFrom("1.2.3.4", "::1, 10.0.0.1", "999.999.999.999")), { freq: 3 }),
    }),
  );

type Generated = ReturnType<typeof request> extends fc.Arbitrary<infer T> ? T : never;

function build(route: { method: string; path: string }, g: Generated): { url: string; init: RequestInit } {
  const path = route.path.replace(/:[A-Za-z]+(\{[^}]*\})?/g, g.param);
  const headers = new Headers();
  if (g.pass) headers.set("x-wr-pass", g.pass);
  if (g.client !== null) headers.set("x-wr-client", g.client);
  if (g.forwardedFor !== null) headers.set("x-forwarded-for", g.forwardedFor);
  if (g.accept) headers.set("accept", g.accept);
  if (g.idempotencyKey) headers.set("idempotency-key", g.idempotencyKey);
  headers.set("accept-language", g.acceptLanguage);
  const cookie = Object.values(g.cookies).filter(Boolean).join("; ");
  if (cookie) headers.set("cookie", cookie);
  if (route.path.startsWith("/ops") && g.bearer) headers.set("authorization", `Bearer ${TEST_SECRETS.OPERATOR_TOKEN}`);
  let payload: BodyInit | undefined;
  if (route.method !== "GET" && route.method !== "HEAD") {
    const b = g.body;
    if (b.kind === "json") {
      headers.set("content-type", "application/json");
      payload = b.text;
    } else if (b.kind === "form") {
      headers.set("content-type", "application/x-www-form-urlencoded");
      payload = new URLSearchParams(b.fields).toString();
    } else if (b.kind === "multipart") {
      const fd = new FormData();
      for (const [k, v] of Object.entries(b.fields)) fd.append(k, v);
      if (b.file) fd.append(Object.keys(b.fields)[0] ?? "file", new Blob(["junk"]), "junk.bin");
      payload = fd;
    } else if (b.kind === "raw") {
      headers.set("content-type", b.type);
      payload = b.text;
    }
  }
  return { url: `http://origin.test${path}${g.query ? `?${g.query}` : ""}`, init: { method: route.method, headers, body: payload } };
}

describe("generated hostile input", () => {
  it("finds every route file's routes and every page in the app's route table", () => {
    const table = routes.map((r) => `${r.method} ${r.path}`);
    for (const expected of [
      "GET /api/regions",
      "GET /api/clinics",
      "GET /api/clinics/:id/slots",
      "POST /api/identity/start",
      "POST /api/identity/verify",
      "POST /api/holds",
      "POST /api/proxy/subject",
      "POST /api/reservations",
      "POST /api/reservations/second-dose",
      "GET /api/pass",
      "GET /",
      "POST /book",
      "GET /book/search",
      "POST /book/clinic/:id{[0-9]+}",
      "POST /book/confirm",
      "POST /lookup/second-dose",
      "POST /ops/capacity",
      "POST /ops/capacity-form",
      "POST /ops/login",
      "GET /ops",
    ]) {
      expect(table).toContain(expected);
    }
    expect(routes.length).toBeGreaterThanOrEqual(50);
  });

  it.each(routes.map((r) => [`${r.method} ${r.path}`, r] as const))("%s: no 5xx, and every 4xx says what was wrong", async (_, route) => {
    await fc.assert(
      fc.asyncProperty(request(route.path.startsWith("/api/") || route.path === "/ops/capacity"), async (g) => {
        const { url, init } = build(route, g);
        const res = await bench.app.request(url, init);
        const what = `${init.method} ${url} → ${res.status}`;
        expect(res.status, what).toBeLessThan(500);
        if (res.status < 400) return;
        const type = res.headers.get("content-type") ?? "";
        const text = await res.text();
        if (type.includes("application/json")) {
          const json = JSON.parse(text) as { code?: unknown; message?: unknown };
          expect(typeof json.code === "string" && json.code.length > 0, `${what}: code in ${text}`).toBe(true);
          expect(typeof json.message === "string" && json.message.length > 0, `${what}: message in ${text}`).toBe(true);
        } else {
          expect(type, `${what}: a 4xx is JSON or a page`).toContain("text/html");
          expect(text, what).toMatch(/<html lang="(ko|en)"/);
        }
      }),
      { numRuns: route.method === "GET" ? RUNS.GET : RUNS.other },
    );
  });
});
