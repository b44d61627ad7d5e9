/**
 * Sold out: when the origin says the booking window open now has no places left, the booking lane's cursor
 * holds (without a jump, whatever the rate), everyone keeps their place and is told so with the next
 * opening, and the line moves on from where it stood once places come back. The lookup lane never stops.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { forget } from "../../worker/edge/snapshot";
import {
  arrive,
  initialSchedule,
  markSoldOut,
  queueStatus,
  reconfigure,
  type Schedule,
  serving,
  statusJson,
} from "../../worker/queue/admission";
import type { PlacesAnswer, QueueCounter } from "../../worker/queue/queue-counter";
import { counterOf, freshQueue, Jar, LANE, operator, stats, visit, visitJson } from "./helpers";

const T0 = 1_750_000_000_000;
const sec = (n: number) => T0 + n * 1000;

/** The origin's answer on places left, as the lane's leader will read it from now on; read once now. */
async function placesAre(answer: PlacesAnswer | undefined, lane = LANE) {
  await runInDurableObject(counterOf(lane), (o: QueueCounter) => {
    o.placesSource = async () => answer;
  });
  const view = await counterOf(lane).pollPlaces();
  forget(lane, 0);
  return view;
}

async function status(jar: Jar) {
  return (await (await visit(jar, "/_wr/status")).json()) as Record<string, any>;
}

describe("the schedule, sold out", () => {
  const line = (): Schedule => {
    let s = initialSchedule(10, T0);
    for (let i = 0; i < 100; i++) s = arrive(s, T0).schedule;
    return s;
  };

  it("holds the cursor without a jump, and moves on from where it stood when places come back", () => {
    const s = line();
    expect(serving(s, sec(3))).toBe(30);
    const held = markSoldOut(s, sec(3), true, sec(3600));
    expect(serving(held, sec(60))).toBe(30);
    expect(serving(reconfigure(held, sec(60), { ratePerSec: 50 }), sec(70))).toBe(30); // a new rate does not move it
    const back = markSoldOut(held, sec(60), false, 0);
    expect(serving(back, sec(60))).toBe(30);
    expect(serving(back, sec(61))).toBe(40);
    expect(arrive(markSoldOut(initialSchedule(10, T0), T0, true, 0), sec(5)).schedule.anchorSeq).toBe(0); // a dry line admits nobody
  });

  it("tells the people waiting, those the cursor reached included, with the next opening and a slow poll", () => {
    const held = markSoldOut(line(), sec(3), true, sec(3600));
    for (const place of [20, 30, 80]) {
      const st = queueStatus(held, place, sec(10));
      expect(st).toMatchObject({
        state: "sold_out",
        soldOut: true,
        etaSeconds: null,
        pollAfterMs: 30_000,
        nextOpensAt: new Date(sec(3600)).toISOString(),
      });
      expect(statusJson(st)).toBe(JSON.stringify(st));
    }
    expect(queueStatus(held, 20, sec(10), true).state).toBe("admitted"); // a pass in hand stays good
    expect(queueStatus(markSoldOut(line(), sec(3), true, sec(8)), 80, sec(4)).pollAfterMs).toBe(4_000); // back at the next opening
    const unknown = queueStatus(markSoldOut(line(), sec(3), true, 0), 80, sec(4));
    expect(unknown.nextOpensAt).toBeNull();
    expect(statusJson(unknown)).toBe(JSON.stringify(unknown));
  });
});

describe("the booking lane, sold out", () => {
  beforeEach(() => freshQueue({ ratePerSec: 0 }));

  it("holds the line when the origin says none are left, says so, and resumes from where it stood", async () => {
    const jars = [new Jar(), new Jar(), new Jar()];
    for (const jar of jars) await visitJson(jar);
    const nextOpensAt = new Date(Date.now() + 3 * 24 * 3600_000).toISOString();
    const view = await placesAre({
      placesLeft: 0,
      window: { id: 7, closesAt: new Date(Date.now() + 3600_000).toISOString() },
      nextOpensAt,
    });
    expect(view.placesLeft).toBe(0);
    await operator("/config", { ratePerSec: 1000 });
    await new Promise((r) => setTimeout(r, 50));

    expect(await stats()).toMatchObject({ soldOut: true, placesLeft: 0, nextOpensAt, serving: 0, issued: 3 });
    for (const [i, jar] of jars.entries()) {
      expect(await status(jar)).toMatchObject({ state: "sold_out", seq: i + 1, soldOut: true, nextOpensAt, etaSeconds: null });
    }
    // A newcomer takes a place behind them, and is told the same.
    const late = new Jar();
    const { res, body } = await visitJson(late);
    expect(res.status).toBe(429);
    expect(body).toMatchObject({ state: "sold_out", seq: 4, nextOpensAt });
    expect(body.pollAfterMs).toBeLessThanOrEqual(30_000);

    // Places come back (a cancellation): the line moves on from where it stood, in order.
    await placesAre({ placesLeft: 2, window: null, nextOpensAt: null });
    expect(await stats()).toMatchObject({ soldOut: false, placesLeft: 2, nextOpensAt: null });
    await new Promise((r) => setTimeout(r, 20));
    for (const jar of jars) expect((await visitJson(jar)).res.status).toBe(200); // admitted and forwarded
  });

  it("keeps the last answer when the origin gives none, and asks on the leader's alarm", async () => {
    await visitJson(new Jar());
    await placesAre({ placesLeft: 0, window: null, nextOpensAt: null });
    await placesAre(undefined); // no answer (the origin is down, or has no such route)
    expect(await stats()).toMatchObject({ soldOut: true, placesLeft: 0 });

    await runInDurableObject(counterOf(), (o: QueueCounter) => {
      o.placesSource = async () => ({ placesLeft: 40, window: null, nextOpensAt: null });
    });
    await new Promise((r) => setTimeout(r, 2_000)); // the last poll is PLACES_EVERY_MS old
    await visitJson(new Jar()); // anyone about: the alarm is set
    expect(await runDurableObjectAlarm(counterOf())).toBe(true);
    forget(LANE, 0);
    expect(await stats()).toMatchObject({ soldOut: false, placesLeft: 40 });
  });

  it("never stops the lookup lane: it does not ask", async () => {
    const view = await placesAre({ placesLeft: 0, window: null, nextOpensAt: null }, "lookup");
    expect(view.placesLeft).toBeNull();
    expect(await stats("lookup")).toMatchObject({ soldOut: false, placesLeft: null });
  });
});
