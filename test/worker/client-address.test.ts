/**
 * The client address the origin's limits count by comes from the edge, signed: the edge forwards
 * CF-Connecting-IP in X-WR-Client and the real origin (test/origin-for-worker.ts) verifies it. Whatever
 * a client sends itself (X-Forwarded-For, its own X-WR-Client) changes nothing. Seen through the origin's
 * per-client limit on lookups that match nothing.
 */
import { env, SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { checkDigit } from "../../origin/identity/rrn";
import { forget } from "../../worker/edge/snapshot";
import { BASE, freshQueue, Jar, visit } from "./helpers";

/** The origin's per-client miss limit (origin/limits.ts LOOKUP_MISSES.perClient). */
const MISSES_PER_CLIENT = 10;
/** Well-formed reservation numbers that belong to nobody, one per lookup (each number has its own limit). */
const NUMBERS = [
  "SR5Z-6NBZ-8TTC8",
  "JAVQ-MWW1-KJ1RV",
  "ZWYX-ZXT9-VK312",
  "XTTG-Y9PC-NQJ1X",
  "A7KY-7GR5-HHSF3",
  "0PPA-736M-FR7PS",
  "0MSR-N52K-TYXCS",
  "E4MY-Z2V9-X2HKG",
  "74R5-GHBC-N2D83",
  "E5RA-9SWP-S39FH",
  "NV18-CC4Q-9GW4Y",
  "C3GD-S2P4-ZVBSN",
];

const serial = Math.floor(Math.random() * 90_000);
/** A valid resident number of its own for lookup `i` (each resident number has its own limit too). */
function rrn(i: number): string {
  const first12 = `6503151${String(serial + i).padStart(5, "0")}`;
  return `${first12.slice(0, 6)}-${first12.slice(6)}${checkDigit(first12)}`;
}

/** An address of this run's own (the origin is shared by every worker test and keeps its counts). */
const address = () => `198.18.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}`;

beforeEach(async () => {
  await freshQueue({ paused: true });
  forget("lookup", 0);
  const res = await SELF.fetch(`${BASE}/_wr/admin/config?lane=lookup`, {
    method: "POST",
    headers: { authorization: `Bearer ${env.OPERATOR_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ ratePerSec: 200, paused: false }),
  });
  expect(res.status).toBe(200);
});

/** Admitted in the lookup lane from `addr`. */
async function admitted(addr: string): Promise<Jar> {
  const jar = new Jar();
  expect((await visit(jar, "/lookup", { "cf-connecting-ip": addr })).status).toBe(200);
  return jar;
}

async function lookup(jar: Jar, addr: string, i: number, headers: Record<string, string> = {}) {
  const res = await SELF.fetch(`${BASE}/api/reservations/lookup`, {
    method: "POST",
    headers: { cookie: jar.header(), accept: "application/json", "content-type": "application/json", "cf-connecting-ip": addr, ...headers },
    body: JSON.stringify({ name: "홍길동", rrn: rrn(i), reservationNumber: NUMBERS[i] }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("the client address at the origin", () => {
  it("is the one the edge signed: a client's own X-Forwarded-For or X-WR-Client changes nothing", async () => {
    const a = address();
    const b = address();
    const jarA = await admitted(a);
    for (let i = 0; i < MISSES_PER_CLIENT; i++) {
      // a new X-Forwarded-For on every guess would have been a new client when the origin read it
      expect((await lookup(jarA, a, i, { "x-forwarded-for": `192.0.2.${i + 1}` })).body.code).toBe("not_found");
    }
    const limited = await lookup(jarA, a, MISSES_PER_CLIENT, { "x-forwarded-for": b });
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe("too_many_requests");
    // A header of the client's own making is replaced by the edge's, so it is still address a.
    expect((await lookup(jarA, a, MISSES_PER_CLIENT, { "x-wr-client": "forged" })).status).toBe(429);

    // Another address the edge vouches for is another client: the origin verified the edge's header (an
    // unverified one would have landed in the one shared bucket with a's).
    const jarB = await admitted(b);
    expect((await lookup(jarB, b, MISSES_PER_CLIENT + 1)).body.code).toBe("not_found");
  });
});
