/**
 * A place the cursor passed more than the grace period ago (its holder gone all that while) rejoins at the
 * cursor: admitted no earlier than the people now at the front, not ahead of them. A place passed a moment
 * ago is still let in at once.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { keyring, signTicket } from "../../lib/tokens";
import { forget } from "../../worker/edge/snapshot";
import { initialSchedule, passedBefore, rejoin, serving } from "../../worker/queue/admission";
import type { QueueCounter } from "../../worker/queue/queue-counter";
import { counterOf, freshQueue, Jar, operator, payload, visit } from "./helpers";

beforeEach(() => freshQueue());

const GRACE = Number(env.ABANDON_GRACE_SECONDS ?? 300) * 1000;

describe("a place passed long ago", () => {
  it("rejoins at the cursor, one place per rejoiner, beside the people at the front", async () => {
    // Seven took numbers 400 s ago; the cursor passed 1 and 2 then, and has been paused at 2 since. The holders
    // of 1 and 2 (a bot that farmed them) never came; 3..7 waited and kept checking in.
    const long = Date.now() - GRACE - 100_000;
    await runInDurableObject(counterOf(), async (counter: QueueCounter) => {
      let t = long;
      counter.clock = () => t;
      for (let i = 0; i < 7; i++) await counter.issue();
      await counter.configure({ ratePerSec: 1 });
      t += 2000;
      await counter.configure({ paused: true });
      // The edges read the counter while people wait (the counter samples its cursor as they do).
      for (t += 30_000; t < Date.now(); t += 30_000) await counter.snapshot();
      counter.clock = () => Date.now();
    });
    forget("booking", 0);
    const ring = await keyring(env.TICKET_SECRET);
    const ticket = (seq: number) => signTicket(ring, { lane: "booking", shard: 0, seq, iat: long, s0: 0 });
    const jars = await Promise.all([1, 2, 3, 4, 5, 6, 7].map(async (seq) => new Jar({ wr_ticket: await ticket(seq) })));
    const status = async (jar: Jar) => (await (await visit(jar, "/_wr/status")).json()) as { state: string; seq: number };

    // The bot's places come back: not let in (the lane is paused), but placed at the cursor, beside 3 and 4.
    const bot1 = await status(jars[0]!);
    const bot2 = await status(jars[1]!);
    expect(bot1).toMatchObject({ state: "paused", seq: 3 });
    expect(bot2).toMatchObject({ state: "paused", seq: 4 });
    expect(payload(jars[0]!.get("wr_ticket")!)[6]).toBe("3"); // the new place is in the ticket
    expect(jars[0]!.get("wr_pass")).toBeUndefined();
    expect(await status(jars[2]!)).toMatchObject({ state: "paused", seq: 3 });
    expect(await status(jars[3]!)).toMatchObject({ state: "paused", seq: 4 });
    // Asking again keeps the place it was given.
    expect(await status(jars[0]!)).toMatchObject({ seq: 3 });

    // Resumed: 3 and the first rejoiner go in together; nobody who waited is behind a rejoiner.
    await operator("/config", { paused: false, ratePerSec: 1 });
    let cursor = 2;
    for (let i = 0; i < 40 && cursor < 3; i++) {
      await new Promise((r) => setTimeout(r, 100));
      cursor = ((await (await operator("/stats")).json()) as { serving: number }).serving;
    }
    expect(cursor).toBeGreaterThanOrEqual(3);
    const after = (await Promise.all(jars.map(status))).map((s) => s.state === "admitted");
    if (cursor === 3) expect(after).toEqual([true, false, true, false, false, false, false]);
    // Whatever the cursor has reached: a rejoiner is in only together with, or after, who waited at its place.
    expect(after[0] && after[2]).toBe(true);
    expect(!after[1] || after[3]).toBe(true);
  });

  it("is judged from the counter's samples of the cursor, and a rejoiner never lands past the last number", () => {
    const now = 1_750_000_000_000;
    const s = {
      ...initialSchedule(0, now - 10_000),
      issued: 10,
      anchorSeq: 6,
      rev: 1,
      marks: [2, now - 600_000, 4, now - 400_000, 6, now - 100_000],
    };
    expect(passedBefore(s, 3, now - GRACE)).toBe(true); // passed by 400 s ago
    expect(passedBefore(s, 5, now - GRACE)).toBe(false); // passed only 100 s ago
    expect(passedBefore(s, 6, now - 5_000)).toBe(true); // the current anchor says so
    expect(serving(s, now)).toBe(6);
    const first = rejoin(s, now);
    expect(first.place).toBe(7);
    const second = rejoin(first.schedule, now);
    expect(second.place).toBe(8);
    const dry = rejoin({ ...s, issued: 6 }, now);
    expect(dry.place).toBe(6); // nobody waiting: in at once
  });
});
