import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rows } from "../../origin/db";
import { type ChannelAdapter, channelAdapters, DevSink, HttpChannel } from "../../origin/notify/channels";
import { BACKOFF_MAX_MS, backoffMs, createDispatcher } from "../../origin/notify/dispatcher";
import { outboxStats } from "../../origin/notify/outbox";
import { type Bench, bookingBench, START } from "./booking";

let b: Bench;
beforeAll(async () => {
  b = await bookingBench();
}, 120_000);
afterAll(() => b?.database.close());

/** A gateway on 127.0.0.1 that fails the first `failures` requests with 503, then accepts. */
async function flakyGateway(failures: number) {
  const received: { headers: IncomingMessage["headers"]; body: any; status: number }[] = [];
  const server = createServer((req, res) => {
    let data = "";
    req.on("data", (c) => (data += c));
    req.on("end", () => {
      const status = received.length < failures ? 503 : 200;
      received.push({ headers: req.headers, body: JSON.parse(data), status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`,
    received,
    close: () => new Promise((r) => server.close(r)),
  };
}

async function pending(): Promise<
  { id: string; attempts: number; sent_at: unknown; last_error: string | null; next_attempt_at: string | Date }[]
> {
  return rows(
    b.database.db,
    sql`select id, attempts, sent_at, last_error, next_attempt_at from outbox where sent_at is null order by created_at`,
  );
}

async function markAllSent() {
  await b.database.db.execute(sql`update outbox set sent_at = now() where sent_at is null`);
}

describe("notification outbox", () => {
  it("delivers through a failing channel once it recovers, retrying with backoff and one id", async () => {
    await markAllSent();
    const gateway = await flakyGateway(2);
    try {
      const res = await b.book((await b.person()).cookie, (await b.slotOf("moderna", "2026-11-24", "09:30")).id, { channel: "kakao" });
      expect(res.status).toBe(201);
      const dispatcher = createDispatcher({
        db: b.database.db,
        adapters: channelAdapters({ endpoints: { kakao: gateway.url }, token: "gw-token" }, new DevSink()),
        clock: () => b.clock.now,
      });
      expect(await dispatcher.runOnce()).toEqual({ sent: 0, failed: 1 });
      let [row] = await pending();
      expect(row).toMatchObject({ attempts: 1, last_error: "kakao gateway answered 503" });
      const wait = new Date(row!.next_attempt_at).getTime() - b.clock.now;
      expect(wait).toBeGreaterThanOrEqual(800);
      expect(wait).toBeLessThanOrEqual(1200);
      expect(await dispatcher.runOnce()).toEqual({ sent: 0, failed: 0 }); // not due yet
      b.clock.now += 1200;
      expect(await dispatcher.runOnce()).toEqual({ sent: 0, failed: 1 });
      [row] = await pending();
      expect(row!.attempts).toBe(2);
      b.clock.now += 2400;
      expect(await dispatcher.runOnce()).toEqual({ sent: 1, failed: 0 });
      expect(await pending()).toHaveLength(0);

      expect(gateway.received.map((r) => r.status)).toEqual([503, 503, 200]);
      const ids = new Set(gateway.received.map((r) => r.headers["idempotency-key"]));
      expect(ids.size).toBe(1);
      const last = gateway.received[2]!;
      expect(last.headers.authorization).toBe("Bearer gw-token");
      expect(last.body).toMatchObject({ id: [...ids][0], channel: "kakao", to: "01000000000" });
      expect(last.body.text).toContain(res.body.reservationNumber);
      expect(last.body.text).toContain("[코로나19 예방접종 사전예약 완료]");
    } finally {
      b.clock.now = START;
      await gateway.close();
    }
  });

  it("loses nothing when the sender dies between commit and send: the lease runs out and another sends it", async () => {
    await markAllSent();
    await b.book((await b.person()).cookie, (await b.slotOf("moderna", "2026-11-24", "10:30")).id, { channel: "naver" });
    const stuck: ChannelAdapter = { send: () => new Promise(() => {}) }; // never answers: the process "died" mid-send
    const dying = createDispatcher({
      db: b.database.db,
      adapters: { kakao: stuck, naver: stuck, sms: stuck },
      clock: () => b.clock.now,
      leaseMs: 30_000,
    });
    void dying.runOnce();
    await new Promise((r) => setTimeout(r, 100));
    const sink = new DevSink();
    const survivor = createDispatcher({ db: b.database.db, adapters: channelAdapters({ endpoints: {} }, sink), clock: () => b.clock.now });
    expect(await survivor.runOnce()).toEqual({ sent: 0, failed: 0 }); // leased to the other one
    b.clock.now += 31_000;
    try {
      expect(await survivor.runOnce()).toEqual({ sent: 1, failed: 0 });
      expect(sink.messages).toHaveLength(1);
      expect(sink.messages[0]!.channel).toBe("naver");
    } finally {
      b.clock.now = START;
    }
  });

  it("never hands one row to two dispatchers at once", async () => {
    await markAllSent();
    for (const t of ["11:30", "12:30", "13:30"]) await b.book((await b.person()).cookie, (await b.slotOf("moderna", "2026-11-24", t)).id);
    const sink = new DevSink();
    const make = () =>
      createDispatcher({ db: b.database.db, adapters: channelAdapters({ endpoints: {} }, sink), clock: () => b.clock.now, batch: 2 });
    const results = await Promise.all([make().runOnce(), make().runOnce(), make().runOnce()]);
    expect(results.reduce((s, r) => s + r.sent, 0)).toBe(3);
    expect(new Set(sink.messages.map((m) => m.id)).size).toBe(3);
    expect(sink.messages).toHaveLength(3);
  });

  it("shows the development sink's messages, newest first, in development", async () => {
    await markAllSent();
    const me = await b.person();
    await b.database.db.execute(sql`update people set phone = '01055554444' where id = ${me.personId}`);
    await b.book(me.cookie, (await b.slotOf("moderna", "2026-11-24", "15:30")).id, { channel: "sms" });
    await createDispatcher({ db: b.database.db, adapters: channelAdapters({ endpoints: {} }, b.sink), clock: () => b.clock.now }).runOnce();
    const listed = await b.call("GET", "/api/dev/messages?phone=010-5555-4444");
    expect(listed.status).toBe(200);
    expect(listed.body.messages).toHaveLength(1);
    expect(listed.body.messages[0]).toMatchObject({ channel: "sms", to: "01055554444" });
    expect((await outboxStats(b.database.db)).pending).toBe(0);
  });

  it("backs off exponentially up to five minutes", () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4].map((a) => backoffMs(a, mid))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffMs(30, mid)).toBe(BACKOFF_MAX_MS);
    expect(backoffMs(1, () => 0)).toBe(800);
    expect(backoffMs(1, () => 1)).toBe(1200);
  });

  it("reports HTTP failures and timeouts of a gateway as errors", async () => {
    const http = new HttpChannel("http://127.0.0.1:9/nothing-listens", undefined, 500);
    await expect(http.send({ id: "x", channel: "sms", to: "01000000000", text: "t" })).rejects.toThrow();
  });
});
