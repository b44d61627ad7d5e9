/**
 * The waiting page when the booking window open now has no places left: it says so, Korean first, with
 * the next window's opening in Korea time (or that it is not set yet), without a progress bar or a wait;
 * the visitor keeps their number; it works without JavaScript (rendered by the server, reloading itself)
 * and with it (the script rewrites the sentence from /_wr/status, and reloads when the view changes); and
 * the line view comes back with the same number when places come back.
 */
import { runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { forget } from "../../worker/edge/snapshot";
import { formatOpening } from "../../worker/pages/format";
import type { QueueCounter } from "../../worker/queue/queue-counter";
import { counterOf, freshQueue, Jar, LANE, linked, visit, visitJson } from "./helpers";

const PAGE_ACCEPT = { accept: "text/html,application/xhtml+xml,*/*;q=0.8" };

/** The origin's answer about places left, as the lane's leader will read it next. */
async function places(placesLeft: number, nextOpensAt: string | null) {
  const leader = counterOf(LANE, 0);
  await runInDurableObject(leader, (o: QueueCounter) => {
    o.placesSource = async () => ({
      placesLeft,
      window: placesLeft > 0 ? { id: 7, closesAt: "2099-01-01T09:00:00.000Z" } : null,
      nextOpensAt,
    });
  });
  await leader.pollPlaces();
  forget(LANE, 0);
}

/** A time a few days ahead, on the hour. */
const ahead = (days: number) => new Date(Math.ceil((Date.now() + days * 86_400_000) / 3600_000) * 3600_000).toISOString();

beforeEach(() => freshQueue({ ratePerSec: 0 }));

describe("the next window's opening, in words", () => {
  it("says the day, weekday and time in Korea time, Korean and English", () => {
    const july = Date.parse("2021-07-20T00:00:00Z");
    expect(formatOpening("2021-07-26T11:00:00Z", "ko", july)).toBe("7월 26일(월) 오후 8시");
    expect(formatOpening("2021-07-26T11:00:00Z", "en", july)).toBe("Mon 26 July, 8 pm");
    expect(formatOpening("2021-07-26T11:30:00+00:00", "ko", july)).toBe("7월 26일(월) 오후 8시 30분");
    expect(formatOpening("2021-07-26T11:05:00Z", "en", july)).toBe("Mon 26 July, 8:05 pm");
    // Midnight and noon in Korea; 00:30 UTC on 9 Aug is 09:30 in Seoul.
    expect(formatOpening("2021-08-08T15:00:00Z", "ko", july)).toBe("8월 9일(월) 밤 12시");
    expect(formatOpening("2021-08-09T03:00:00Z", "ko", july)).toBe("8월 9일(월) 낮 12시");
    expect(formatOpening("2021-08-09T00:30:00Z", "en", july)).toBe("Mon 9 August, 9:30 am");
    expect(formatOpening("2021-08-08T15:00:00Z", "en", july)).toBe("Mon 9 August, 12 am");
    // Another year than now's says its year; an unreadable time comes back as it came.
    expect(formatOpening("2022-01-03T11:00:00Z", "ko", july)).toBe("2022년 1월 3일(월) 오후 8시");
    expect(formatOpening("2022-01-03T11:00:00Z", "en", july)).toBe("Mon 3 January 2022, 8 pm");
    expect(formatOpening("soon", "ko", july)).toBe("soon");
  });
});

describe("the waiting page when the open window's places are taken", () => {
  it("says so in Korean first, with the next opening, keeps the number, and shows no progress bar or wait", async () => {
    const jar = new Jar();
    const before = await (await visit(jar, "/", PAGE_ACCEPT)).text();
    const seq = before.match(/id="wr-seq">([^<]+)</)![1];
    expect(before).toContain('role="progressbar"');

    const next = ahead(3);
    await places(0, next);
    const html = await (await visit(jar, "/", PAGE_ACCEPT)).text();
    expect(html).toContain('<html lang="ko"');
    expect(html).toContain(`지금 열린 예약 기간의 자리가 모두 찼습니다. 다음 예약은 ${formatOpening(next, "ko", Date.now())}에 열립니다.`);
    expect(html).toContain("<title>자리가 모두 찼습니다 | 코로나19 예방접종 사전예약</title>");
    expect(html).toContain(`id="wr-seq">${seq}<`);
    expect(html).toContain("대기번호는 그대로 유지됩니다.");
    expect(html).not.toContain('role="progressbar"');
    expect(html).not.toContain('id="wr-eta"');
    expect(html).not.toContain("예상 대기시간");
    // Without JavaScript the page reloads itself at the poll interval.
    expect(html).toMatch(/<noscript><meta http-equiv="refresh" content="\d+"/);

    const en = await (await visit(jar, "/?lang=en", PAGE_ACCEPT)).text();
    expect(en).toContain(
      `All places in the booking window open now are taken. The next window opens on ${formatOpening(next, "en", Date.now())} (Korea time).`,
    );
    expect(en).toContain(`id="wr-seq">${seq}<`);
    expect(en).not.toContain('role="progressbar"');
  });

  it("says the next window will be shown once it is set, when none is", async () => {
    const jar = new Jar();
    await visit(jar, "/", PAGE_ACCEPT);
    await places(0, null);
    const html = await (await visit(jar, "/", PAGE_ACCEPT)).text();
    expect(html).toContain("지금 열린 예약 기간의 자리가 모두 찼습니다. 다음 예약 일정은 정해지는 대로 이 화면에 안내합니다.");
    const en = await (await visit(jar, "/?lang=en", PAGE_ACCEPT)).text();
    expect(en).toContain("All places in the booking window open now are taken. The next window will be shown here as soon as it is set.");
  });

  it("gives the script what it needs: the state and next opening from /_wr/status, the words on the card", async () => {
    const jar = new Jar();
    const { body: first } = await visitJson(jar, "/_wr/status");
    const next = ahead(2);
    await places(0, next);
    const { res, body } = await visitJson(jar, "/_wr/status");
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ state: "sold_out", seq: first.seq, etaSeconds: null, soldOut: true, nextOpensAt: next });
    expect(body.pollAfterMs).toBeLessThanOrEqual(30_000);

    const html = await (await visit(jar, "/", PAGE_ACCEPT)).text();
    expect(html).toContain('data-state="sold_out"');
    expect(html).toContain('data-sold-lead="지금 열린 예약 기간의 자리가 모두 찼습니다."');
    expect(html).toContain('data-sold-next="다음 예약은 {when}에 열립니다."');
    expect(html).toContain('data-sold-none="다음 예약 일정은 정해지는 대로 이 화면에 안내합니다."');
    expect(html).toContain('id="wr-sold"');
    // The script rewrites the sentence from each poll, and reloads when the view changes.
    const script = await linked(html, "script", "wait");
    for (const piece of ["data-sold-next", "data-sold-none", "wr-sold", "nextOpensAt", "sold_out"]) expect(script, piece).toContain(piece);
  });

  it("goes back to the line with the same number when places come back", async () => {
    const jar = new Jar();
    const { body: first } = await visitJson(jar, "/_wr/status");
    await places(0, ahead(1));
    expect((await visitJson(jar, "/_wr/status")).body.state).toBe("sold_out");
    await places(12, null);
    const { body } = await visitJson(jar, "/_wr/status");
    expect(body).toMatchObject({ state: "waiting", seq: first.seq, soldOut: false });
    const html = await (await visit(jar, "/", PAGE_ACCEPT)).text();
    expect(html).toContain('role="progressbar"');
    expect(html).not.toContain("자리가 모두 찼습니다");
  });
});
