/**
 * One simulated citizen: takes a place in line, polls when the server says to, and once admitted goes
 * through the real booking journey over HTTP (identity with the development code, clinic search, times,
 * hold, confirm), pausing to think between steps. A share of people give up while waiting. Each click
 * of the journey has a timeout (`clickTimeoutMs`, a person's patience and a browser's limit): a click with
 * no answer by then is an error on the person's screen, and they give up (`dropped`, reason
 * `click_timeout:<path>`). Everything it sees is recorded for the report; it never decides anything from
 * its own clock but the timing of its own requests.
 */
import { randomInt, randomUUID } from "node:crypto";
import { checkDigit } from "../origin/identity/rrn";
import type { Answer, Client } from "./http";
import { CLICK_TIMEOUT, DEV_PROXY_LOST, Jar } from "./http";
import type { StatusEvent } from "./stats";

export interface Recorder {
  status(e: StatusEvent): void;
  /** a request of the journey (behind the pass, so it reached the origin) */
  origin(r: { at: number; ms: number; status: number; code?: string }): void;
  /** any answer that was not what a working system gives (a 5xx, or a refusal) */
  error(where: string, status: number, code: string): void;
  inflight(delta: 1 | -1): void;
}

/** Answers that say "wait and try again": what the pages do by themselves after Retry-After. */
export const WAIT_AND_RETRY = new Set(["too_many_requests", "database_unavailable", "origin_unavailable"]);
const isRetriedAfterWait = (a: Answer) => (a.status === 429 || a.status === 503) && WAIT_AND_RETRY.has(a.body?.code);

export type Outcome =
  | { kind: "booked"; seq: number; arrivedAt: number; admittedAt: number; bookedAt: number }
  | { kind: "dropped"; seq: number; arrivedAt: number; admittedAt: number; reason: string }
  | { kind: "abandoned"; seq: number; arrivedAt: number; at: number }
  | { kind: "failed"; arrivedAt: number; reason: string }
  | { kind: "unfinished"; seq: number; arrivedAt: number; admittedAt?: number };

export type Regions = { code: string; districts: string[] }[];

export interface Shared {
  /** this run's people (`newPeople`): citizen i is `person(people, i)` */
  people: number;
  /** polls of the waiting room (answered at the edge) */
  client: Client;
  /** the journey behind the pass, on its own connections so a slow origin never delays anyone's poll */
  journey: Client;
  rec: Recorder;
  /** Seoul dates (YYYY-MM-DD) to search, weekdays inside the booking horizon */
  dates: string[];
  /** the 시/도 and their 시/군/구 codes, read once for the whole run by the first admitted person (it needs a pass) */
  regions(read: () => Promise<Regions>): Promise<Regions>;
  thinkMs: number;
  /** how long a person waits for one click's answer before giving up */
  clickTimeoutMs: number;
  random: () => number;
  deadline: number;
  stopped(): boolean;
}

const SURNAMES = ["김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권"];
const GIVEN = ["민준", "서연", "영수", "영희", "정숙", "철수", "순자", "현우", "지은", "상철", "미경", "동현"];

const PHONES = 100_000_000;
/** Where the next run's block of phone numbers starts: at random in each process, then run after run. */
let nextBlock = randomInt(0, PHONES);

/**
 * A run's people: the first phone number of a block of `users` new ones. Every run takes its own block, so its
 * citizens are new people and none meets an earlier run's booking (who would be refused at hold time), in this
 * process or, the start being random, almost surely in another against the same database.
 */
export function newPeople(users: number): number {
  const first = nextBlock;
  nextBlock = (nextBlock + users) % PHONES;
  return first;
}

/**
 * Person `i` of a run's people (`newPeople`): one the system will accept, with a valid resident number (born
 * 1940–1994), a phone, an address. Name and resident number follow from the phone, one to one, so a phone
 * always comes with the same person, as the identity provider's carrier registry requires, and no two phones
 * share a resident number.
 */
export function person(people: number, i: number) {
  const n = (people + i) % PHONES; // the phone's last eight digits
  const serial = n % 100_000;
  const block = Math.floor(n / 100_000); // 0–999: with the serial, one birth day and sex per phone
  const birth = new Date(Date.UTC(1940, 0, 1) + (block * 20 + (serial % 20)) * 86_400_000).toISOString();
  const female = serial % 2 === 1;
  const first12 = `${birth.slice(2, 4)}${birth.slice(5, 7)}${birth.slice(8, 10)}${female ? 2 : 1}${String(serial).padStart(5, "0")}`;
  return {
    name: SURNAMES[n % SURNAMES.length]! + GIVEN[Math.floor(n / SURNAMES.length) % GIVEN.length]!,
    rrn: `${first12.slice(0, 6)}-${first12.slice(6)}${checkDigit(first12)}`,
    phone: `010${String(n).padStart(8, "0")}`,
    // a distinct client address per person, as each citizen has their own (a documentation range, never a target)
    address: `198.18.${(i >> 8) & 255}.${i & 255}`,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** "network (CODE)" for a request that got no answer at all: the socket's own error code says what broke. */
export function networkCode(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = e?.code ?? e?.cause?.code;
  return typeof code === "string" ? `network (${code})` : "network";
}

/** A click that got no answer within the click timeout: the person gives up on the journey. */
class GaveUp extends Error {
  constructor(readonly path: string) {
    super(`no answer within the click timeout: ${path}`);
  }
}

/** The reason recorded for a person who gave up after a click timed out. */
export const timedOutReason = (path: string) => `${CLICK_TIMEOUT}:${path}`;
export const isTimedOut = (reason: string) => reason.startsWith(`${CLICK_TIMEOUT}:`);

export async function citizen(i: number, s: Shared, opts: { abandonAfterMs: number | null }): Promise<Outcome> {
  const jar = new Jar();
  const who = person(s.people, i);
  // The edge forwards CF-Connecting-IP as the client's address (Cloudflare sets it in production; locally the
  // harness does), so per-client limits see each simulated person as themselves.
  const headers = { "cf-connecting-ip": who.address };
  const arrivedAt = Date.now();
  // 0 until a place is known: before a scheduled opening a ticket has no place yet (it is drawn at the opening)
  let seq = 0;
  let placed = false;

  // In line: the first call takes a place; later ones ask where we stand.
  let admittedAt: number | undefined;
  for (;;) {
    if (s.stopped() || Date.now() > s.deadline) return { kind: "unfinished", seq, arrivedAt };
    let answer: Answer;
    const sent = Date.now();
    try {
      answer = await s.client.call("GET", "/_wr/status", { jar, headers });
    } catch (err) {
      s.rec.error("status", 0, networkCode(err));
      if (!placed) return { kind: "failed", arrivedAt, reason: networkCode(err) };
      await sleep(5000);
      continue;
    }
    if (answer.status !== 200 || !answer.body?.state) {
      s.rec.error("status", answer.status, answer.body?.code ?? `http_${answer.status}`);
      if (!placed) return { kind: "failed", arrivedAt, reason: answer.body?.code ?? `http_${answer.status}` };
      await sleep(5000);
      continue;
    }
    placed = true;
    seq = answer.body.seq;
    const admitted = answer.body.state === "admitted";
    if (seq > 0) s.rec.status({ at: Date.now(), sent, seq, admitted });
    if (admitted) {
      admittedAt = Date.now();
      break;
    }
    if (opts.abandonAfterMs !== null && Date.now() - arrivedAt >= opts.abandonAfterMs)
      return { kind: "abandoned", seq, arrivedAt, at: Date.now() };
    let wait = answer.body.pollAfterMs as number;
    if (opts.abandonAfterMs !== null) wait = Math.min(wait, arrivedAt + opts.abandonAfterMs - Date.now());
    await sleep(wait);
  }

  // Admitted: the journey, every request behind the pass.
  const think = () => sleep(s.thinkMs * (0.5 + s.random()));
  const call = async (method: "GET" | "POST", path: string, body?: unknown, extra?: Record<string, string>) => {
    const where = path.split("?")[0]!.replace(/\/\d+/g, "/:id");
    const send = async () => {
      const a = await s.journey.call(method, path, { jar, body, headers: { ...headers, ...extra }, timeoutMs: s.clickTimeoutMs });
      if (a.body?.code !== CLICK_TIMEOUT) return a;
      // Nothing came back in time: the person sees an error, and gives up.
      s.rec.origin({ at: Date.now(), ms: a.ms, status: 0, code: CLICK_TIMEOUT });
      s.rec.error(where, 0, CLICK_TIMEOUT);
      throw new GaveUp(where);
    };
    s.rec.inflight(1);
    try {
      let a = await send();
      if (a.body?.code === DEV_PROXY_LOST) {
        // The local dev proxy lost the request before our code answered: recorded, and sent again once,
        // as a person would press the button again.
        s.rec.error(where, a.status, DEV_PROXY_LOST);
        a = await send();
      }
      // Faster than one person's pace on one pass, or "try again in a moment" while the database or the origin
      // is away: the page waits for Retry-After and tries again by itself, as this does (a few times).
      for (let tries = 0; isRetriedAfterWait(a) && tries < 5; tries++) {
        s.rec.error(where, a.status, a.body.code);
        await sleep((Number(a.body.retryAfterSeconds) || 10) * 1000);
        a = await send();
      }
      s.rec.origin({ at: Date.now(), ms: a.ms, status: a.status, code: a.status >= 400 ? a.body?.code : undefined });
      if (a.status >= 500 && !isRetriedAfterWait(a)) s.rec.error(where, a.status, a.body?.code ?? `http_${a.status}`);
      return a;
    } catch (err) {
      if (err instanceof GaveUp) throw err;
      s.rec.error(where, 0, networkCode(err));
      return { status: 0, body: { code: networkCode(err) }, ms: 0 };
    } finally {
      s.rec.inflight(-1);
    }
  };
  const drop = (reason: string): Outcome => {
    s.rec.error("journey", 0, reason);
    return { kind: "dropped", seq, arrivedAt, admittedAt: admittedAt!, reason };
  };

  // Past the run's time limit nobody starts another step.
  if (Date.now() > s.deadline) return { kind: "unfinished", seq, arrivedAt, admittedAt };
  try {
    return await journey(i, s, who, seq, arrivedAt, admittedAt, { call, think, drop });
  } catch (err) {
    if (err instanceof GaveUp) return drop(timedOutReason(err.path));
    throw err;
  }
}

type Call = (method: "GET" | "POST", path: string, body?: unknown, extra?: Record<string, string>) => Promise<Answer>;

/** The booking journey of an admitted person; a click that times out ends it (GaveUp). */
async function journey(
  i: number,
  s: Shared,
  who: ReturnType<typeof person>,
  seq: number,
  arrivedAt: number,
  admittedAt: number,
  { call, think, drop }: { call: Call; think: () => Promise<unknown>; drop: (reason: string) => Outcome },
): Promise<Outcome> {
  await think();
  const start = await call("POST", "/api/identity/start", { name: who.name, rrn: who.rrn, phone: who.phone });
  if (start.status !== 201) return drop(`identity_start:${start.body?.code ?? start.status}`);
  const otp = await call("GET", `/api/dev/otp?phone=${who.phone}`);
  if (otp.status !== 200) return drop(`dev_otp:${otp.body?.code ?? otp.status}`);
  if (Date.now() > s.deadline) return { kind: "unfinished", seq, arrivedAt, admittedAt };
  await think();
  let verify = await call("POST", "/api/identity/verify", { challengeId: start.body.challengeId, code: otp.body.code });
  // A code that ran out while the site was slow: people ask for a new one, once.
  if (verify.body?.code === "code_expired") {
    const again = await call("POST", "/api/identity/resend", { challengeId: start.body.challengeId });
    if (again.status !== 201) return drop(`identity_resend:${again.body?.code ?? again.status}`);
    const otp2 = await call("GET", `/api/dev/otp?phone=${who.phone}`);
    if (otp2.status !== 200) return drop(`dev_otp:${otp2.body?.code ?? otp2.status}`);
    verify = await call("POST", "/api/identity/verify", { challengeId: again.body.challengeId, code: otp2.body.code });
  }
  if (verify.status !== 200) return drop(`identity_verify:${verify.body?.code ?? verify.status}`);

  let regions: Regions;
  try {
    regions = await s.regions(async () => {
      const a = await call("GET", "/api/regions");
      if (a.status !== 200) throw new Error(a.body?.code ?? String(a.status));
      return (a.body.regions as { code: string; districts: { code: string }[] }[]).map((r) => ({
        code: r.code,
        districts: r.districts.map((d) => d.code),
      }));
    });
  } catch (err) {
    if (err instanceof GaveUp) throw err;
    return drop(`regions:${(err as Error).message}`);
  }
  let lastProblem = "no_clinic";
  let confirmSent = false;
  for (let attempt = 0; attempt < 4; attempt++) {
    if (Date.now() > s.deadline) return { kind: "unfinished", seq, arrivedAt, admittedAt };
    await think();
    const date = s.dates[Math.floor(s.random() * s.dates.length)]!;
    // Most people pick their own 시/군/구; some search a whole 시/도.
    const top = regions[Math.floor(s.random() * regions.length)]!;
    const region = s.random() < 0.8 && top.districts.length ? top.districts[Math.floor(s.random() * top.districts.length)]! : top.code;
    const search = await call("GET", `/api/clinics?date=${date}&region=${region}`);
    if (search.status !== 200) {
      lastProblem = `search:${search.body?.code ?? search.status}`;
      continue;
    }
    const clinics = search.body.clinics as { id: number }[];
    if (!clinics.length) continue;
    const clinic = clinics[Math.floor(s.random() * Math.min(clinics.length, 10))]!;
    await think();
    const times = await call("GET", `/api/clinics/${clinic.id}/slots?date=${date}`);
    if (times.status !== 200) {
      lastProblem = `slots:${times.body?.code ?? times.status}`;
      continue;
    }
    const free = (times.body.slots as { id: number; free: number }[]).filter((x) => x.free > 0);
    if (!free.length) continue;
    const slot = free[Math.floor(s.random() * free.length)]!;
    const hold = await call("POST", "/api/holds", { slotId: slot.id });
    // A confirm of this journey whose answer was lost may still have booked: the hold then says so. Before any
    // confirm, it is a booking from before this journey, and nothing was booked now.
    if (hold.body?.code === "already_booked") {
      if (confirmSent) return { kind: "booked", seq, arrivedAt, admittedAt, bookedAt: Date.now() };
      return drop("hold:already_booked");
    }
    if (hold.status !== 201) {
      lastProblem = `hold:${hold.body?.code ?? hold.status}`;
      continue;
    }
    await think();
    const key = randomUUID();
    const channel = (["kakao", "naver", "sms"] as const)[i % 3];
    confirmSent = true;
    let confirm = await call("POST", "/api/reservations", { holdId: hold.body.holdId, notifyChannel: channel }, { "idempotency-key": key });
    // A dropped connection or a 5xx is retried once with the same key: never a second booking.
    if (confirm.status === 0 || confirm.status >= 500) {
      confirm = await call("POST", "/api/reservations", { holdId: hold.body.holdId, notifyChannel: channel }, { "idempotency-key": key });
    }
    if (confirm.status === 201) return { kind: "booked", seq, arrivedAt, admittedAt, bookedAt: Date.now() };
    lastProblem = `confirm:${confirm.body?.code ?? confirm.status}`;
    if (confirm.body?.code === "already_booked") return { kind: "booked", seq, arrivedAt, admittedAt, bookedAt: Date.now() };
  }
  return drop(lastProblem);
}
