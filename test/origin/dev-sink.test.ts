/**
 * The development sink's messages are read from the outbox rows it delivered, not from a process's memory:
 * a dispatcher anywhere delivers, `GET /api/dev/messages` on any app lists, and rows sent through a
 * channel's real gateway are not listed.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChannelAdapter, channelAdapters, DevSink, sinkChannels } from "../../origin/notify/channels";
import { createDispatcher } from "../../origin/notify/dispatcher";
import { sinkMessages } from "../../origin/notify/outbox";
import { type Bench, bookingBench, START } from "./booking";

let b: Bench;
beforeAll(async () => {
  b = await bookingBench();
}, 120_000);
afterAll(() => b?.database.close());

describe("the development sink", () => {
  it("lists what any dispatcher delivered to it, newest first, and nothing a gateway took", async () => {
    await b.database.db.execute(sql`update outbox set sent_at = now() where sent_at is null`);
    const me = await b.person();
    await b.database.db.execute(sql`update people set phone = '01044443333' where id = ${me.personId}`);
    const first = await b.book(me.cookie, (await b.slotOf("moderna", "2026-11-24", "16:00")).id, { channel: "sms" });
    expect(first.status).toBe(201);
    b.clock.now += 60_000;
    const cancel = await b.call("POST", "/api/reservations/cancel", {
      body: { name: me.name, rrn: me.rrn, reservationNumber: first.body.reservationNumber },
    });
    expect(cancel.status).toBe(200);

    // A dispatcher with its own sink, as in another process: the app's listing still shows both messages.
    const elsewhere = new DevSink();
    expect(
      await createDispatcher({
        db: b.database.db,
        adapters: channelAdapters({ endpoints: {} }, elsewhere),
        clock: () => b.clock.now,
      }).runOnce(),
    ).toEqual({ sent: 2, failed: 0 });
    const listed = await b.call("GET", "/api/dev/messages?phone=010-4444-3333");
    expect(listed.status).toBe(200);
    expect(listed.body.messages.map((m: { text: string }) => m.text.split("\n")[0])).toEqual([
      "[코로나19 예방접종 예약 취소]",
      "[코로나19 예방접종 사전예약 완료]",
    ]);
    const booked = elsewhere.messages.find((m) => m.text.startsWith("[코로나19 예방접종 사전예약 완료]"));
    expect(listed.body.messages[1]).toMatchObject({ channel: "sms", to: "01044443333", id: booked!.id });

    // With an SMS gateway configured, SMS rows went to the gateway: the sink lists none of them.
    expect(sinkChannels({ endpoints: { sms: "http://127.0.0.1:9/sms" } })).toEqual(["kakao", "naver"]);
    expect(await sinkMessages(b.database.db, { channels: ["kakao", "naver"], to: "01044443333" })).toEqual([]);
    const gateway: ChannelAdapter = channelAdapters({ endpoints: { sms: "http://127.0.0.1:9/sms" } }, elsewhere).sms;
    expect(gateway).not.toBe(elsewhere);
    b.clock.now = START;
  });
});
