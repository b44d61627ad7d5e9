/**
 * The console's autopilot panel: its state and reason in words (Korean and English, a sentence for every
 * reason code), its chart and last changes with the way to the full log, its form validated with the
 * operator API's schema, the confirmation when turning it on or cutting its ceiling by more than half, and
 * turning it off; and the places left in the open booking window, with the lane shown sold out.
 */
import { runInDurableObject, SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { forget } from "../../worker/edge/snapshot";
import { isBigAutopilot } from "../../worker/operator/console-shared";
import { changeWords, phaseWords, type ReasonNumbers, reasonWords } from "../../worker/operator/console-words";
import type { ReasonCode } from "../../worker/queue/autopilot";
import type { QueueCounter } from "../../worker/queue/queue-counter";
import { BASE, counterOf, freshQueue, LANE, linked, operator, postForm, signedIn, stats } from "./helpers";

beforeEach(() => freshQueue({ ratePerSec: 10 }));

async function dashboard(cookie: string, query = "") {
  const res = await SELF.fetch(`${BASE}/_wr/admin${query}`, { headers: { cookie } });
  expect(res.status).toBe(200);
  return res.text();
}

const CODES: ReasonCode[] = [
  "engaged",
  "settings",
  "fixed",
  "slow_start",
  "rise",
  "fall",
  "latency_high",
  "errors",
  "hold_band",
  "hold_settling",
  "hold_demand",
  "hold_ceiling",
  "hold_floor",
  "hold_no_signal",
];

describe("the autopilot's reasons in words", () => {
  const n: ReasonNumbers = { rate: 42.5, p95Ms: 1620, targetP95Ms: 1500, minRate: 5, maxRate: 300, errors: 7, forwarded: 310 };

  it("has a Korean and an English sentence for every reason code, with the numbers", () => {
    for (const code of CODES) {
      const ko = reasonWords("ko", code, n);
      const en = reasonWords("en", code, n);
      expect(ko, code).toMatch(/[가-힣]/);
      expect(en, code).not.toMatch(/[가-힣]/);
      expect(ko, code).not.toBe(en);
      // Each says the rate, or the bound it is held at.
      expect(`${ko} ${en}`, code).toMatch(/42\.5|300|5/);
    }
    expect(reasonWords("ko", "latency_high", n)).toBe("p95 1,620ms가 목표 1,500ms를 넘어 빠르게 줄입니다 (초당 42.5명).");
    expect(reasonWords("en", "latency_high", n)).toBe("p95 1,620 ms is over the 1,500 ms target: the rate falls fast (42.5/s).");
    expect(reasonWords("ko", "rise", { ...n, p95Ms: 300 })).toContain("기준 750ms보다 낮아 늘립니다");
    expect(reasonWords("en", "errors", n)).toBe("7 of 310 requests to the origin failed (5xx, timeouts): the rate falls (42.5/s).");
    expect(reasonWords("ko", "hold_no_signal", { ...n, p95Ms: null, forwarded: 2 })).toContain("(2건)");
    // A code this console does not know yet is shown as it came.
    expect(reasonWords("ko", "new_code", n)).toBe("new_code");
    // In the list of changes an operator's change is one sentence (its settings are in the log's own text).
    expect(changeWords("ko", "engaged", n)).toBe("운영자가 자동 조절을 켰습니다.");
    expect(changeWords("en", "fixed", n)).toBe("An operator turned the autopilot off (a fixed rate).");
    expect(changeWords("ko", "fall", n)).toBe(reasonWords("ko", "fall", n));
    expect(phaseWords("ko", "start")).toBe("시작 단계 (빠르게 늘림)");
    expect(phaseWords("en", "steady")).toBe("steady");
  });

  it("asks first when turning it on or cutting its ceiling by more than half", () => {
    const settings = { targetP95Ms: 1500, minRate: 5, maxRate: 300 };
    expect(isBigAutopilot({ autopilot: null }, { autopilot: settings })).toBe(true);
    expect(isBigAutopilot({ autopilot: settings }, { autopilot: { ...settings, maxRate: 149 } })).toBe(true);
    expect(isBigAutopilot({ autopilot: settings }, { autopilot: { ...settings, maxRate: 150 } })).toBe(false);
    expect(isBigAutopilot({ autopilot: settings }, { autopilot: { ...settings, maxRate: 600, targetP95Ms: 500 } })).toBe(false);
    expect(isBigAutopilot({ autopilot: settings }, { autopilot: null })).toBe(false);
    expect(isBigAutopilot({ autopilot: settings }, {})).toBe(false);
  });
});

describe("the console's autopilot panel", () => {
  it("shows it off at the fixed rate, with its form, chart, changes and the full log, in Korean and English", async () => {
    const jar = await signedIn();
    const ko = await dashboard(jar.header());
    expect(ko).toContain("자동 조절 (autopilot)");
    expect(ko).toMatch(/id="ap-status">꺼짐: 초당 10명 고정</);
    expect(ko).toContain('id="ap-chart"');
    expect(ko).toContain("상한(점선)");
    expect(ko).toContain("기록된 변경이 없습니다.");
    expect(ko).toContain(`href="/_wr/admin/autopilot-log?lane=${LANE}"`);
    expect(ko).toMatch(/<form[^>]*data-big="autopilot"/);
    expect(ko).toMatch(/<input type="hidden" name="autopilot" value="on"/);
    expect(ko).toMatch(/id="targetP95Ms" name="targetP95Ms" type="number"[^>]*value="1500"/);
    expect(ko).toMatch(/id="minRate" name="minRate"[^>]*value="5"/);
    expect(ko).toMatch(/id="maxRate" name="maxRate"[^>]*value="10"/);
    // No way to turn off what is off.
    expect(ko).not.toContain('name="autopilot" value="off"');
    const en = await dashboard(jar.header(), "?lang=en");
    expect(en).toMatch(/id="ap-status">off: a fixed 10\/s</);
    expect(en).toContain("The last 20 changes (Korea time)");
    // The page's script draws the autopilot's chart and keeps its words live.
    const script = await linked(ko, "script", "console");
    for (const piece of ["ap-chart", "ap-changes", "ap-status", "ap-reason", "s-places"]) expect(script, piece).toContain(piece);
  });

  it("turns it on after a confirmation, shows it on with its change, and changes or turns it off", async () => {
    const jar = await signedIn();
    const on = { autopilot: "on", targetP95Ms: "1500", minRate: "5", maxRate: "300" };
    const asked = await postForm(jar, "/_wr/admin/console", on);
    expect(asked.status).toBe(200);
    const confirmation = await asked.text();
    expect(confirmation).toContain("자동 조절을 켭니다: 초당 5–300명 사이에서 목표 p95 1500ms를 지키도록");
    expect(confirmation).toMatch(/<input type="hidden" name="maxRate" value="300"/);
    expect((await stats()).autopilot).toBeNull();

    expect((await postForm(jar, "/_wr/admin/console", { ...on, confirmed: "1" })).status).toBe(303);
    const s = await stats();
    expect(s.autopilot).toMatchObject({ targetP95Ms: 1500, minRate: 5, maxRate: 300, rate: 10, phase: "start" });
    const page = await dashboard(jar.header());
    expect(page).toMatch(/id="ap-status">켜짐: 초당 10명 · 시작 단계 \(빠르게 늘림\)</);
    expect(page).toContain("운영자가 자동 조절을 켰습니다 (초당 5–300명, 목표 p95 1,500ms). 초당 10명에서 시작합니다.");
    expect(page).toMatch(/<td>\d\d:\d\d:\d\d<\/td><td>(–|10) → 10<\/td><td title="[^"]+">운영자가 자동 조절을 켰습니다\.<\/td>/);
    expect(page).toMatch(/id="maxRate" name="maxRate"[^>]*value="300"/);
    expect(page).toContain('name="autopilot" value="off"');
    const en = await dashboard(jar.header(), "?lang=en");
    expect(en).toContain("An operator turned the autopilot on (5–300/s, target p95 1,500 ms), starting from 10/s.");

    // A ceiling lowered by half or less applies at once; by more than half it asks first.
    expect((await postForm(jar, "/_wr/admin/console", { ...on, maxRate: "150" })).status).toBe(303);
    expect((await stats()).autopilot).toMatchObject({ maxRate: 150 });
    const cut = await postForm(jar, "/_wr/admin/console", { ...on, maxRate: "20" });
    expect(cut.status).toBe(200);
    expect(await cut.text()).toContain("자동 조절의 상한을 초당 150명에서 20명으로 크게 낮춥니다");
    expect((await stats()).autopilot).toMatchObject({ maxRate: 150 });
    expect((await postForm(jar, "/_wr/admin/console", { ...on, maxRate: "20", confirmed: "1" })).status).toBe(303);
    expect((await stats()).autopilot).toMatchObject({ maxRate: 20 });

    // Off: the rate in force stays, fixed.
    const before = (await stats()).ratePerSec;
    expect((await postForm(jar, "/_wr/admin/console", { autopilot: "off" })).status).toBe(303);
    const off = await stats();
    expect(off.autopilot).toBeNull();
    expect(off.ratePerSec).toBe(before);
    expect(await dashboard(jar.header())).toMatch(new RegExp(`id="ap-status">꺼짐: 초당 ${before}명 고정<`));
  });

  it("refuses settings the operator API's schema refuses, in words, and changes nothing", async () => {
    const jar = await signedIn();
    for (const form of [
      { autopilot: "on", targetP95Ms: "1500", minRate: "50", maxRate: "10" },
      { autopilot: "on", targetP95Ms: "50", minRate: "5", maxRate: "300" },
      { autopilot: "on", targetP95Ms: "1500", minRate: "", maxRate: "300" },
      { autopilot: "on", targetP95Ms: "1500.5", minRate: "5", maxRate: "300" },
    ]) {
      const res = await postForm(jar, "/_wr/admin/console", { ...form, confirmed: "1" });
      expect(res.status, JSON.stringify(form)).toBe(400);
      const text = await res.text();
      expect(text).toContain("목표 p95는 100–60000ms의 정수");
      expect(text).not.toMatch(/autopilot\.|Expected|Invalid/);
    }
    expect((await stats()).autopilot).toBeNull();
    // The API refuses the same settings.
    expect((await operator("/config", { autopilot: { targetP95Ms: 1500, minRate: 50, maxRate: 10 } })).status).toBe(400);
  });

  it("shows the places left in the open booking window, and the lane sold out with the next opening", async () => {
    const jar = await signedIn();
    const leader = counterOf(LANE, 0);
    const next = new Date(Math.ceil((Date.now() + 2 * 86_400_000) / 3600_000) * 3600_000).toISOString();
    await runInDurableObject(leader, (o: QueueCounter) => {
      o.placesSource = async () => ({ placesLeft: 1234, window: { id: 7, closesAt: next }, nextOpensAt: null });
    });
    await leader.pollPlaces();
    forget(LANE, 0);
    let page = await dashboard(jar.header());
    expect(page).toContain("남은 자리 (열린 예약 기간)");
    expect(page).toMatch(/id="s-places">1,234</);
    expect(page).toMatch(/id="s-next">미정</);
    expect(page).toMatch(/id="s-state">진행 중</);

    await runInDurableObject(leader, (o: QueueCounter) => {
      o.placesSource = async () => ({ placesLeft: 0, window: null, nextOpensAt: next });
    });
    await leader.pollPlaces();
    forget(LANE, 0);
    const s = await stats();
    expect(s).toMatchObject({ placesLeft: 0, soldOut: true, nextOpensAt: next });
    page = await dashboard(jar.header());
    expect(page).toMatch(/id="s-places">0</);
    expect(page).toMatch(/id="s-state">매진: 입장을 멈추고 기다리는 분께 안내 중</);
    const kst = new Date(Date.parse(next) + 9 * 3600_000).toISOString().slice(0, 19).replace("T", " ");
    expect(page).toContain(`id="s-next">${kst} (한국 시간)<`);
    const en = await dashboard(jar.header(), "?lang=en");
    expect(en).toMatch(/id="s-state">sold out: entry holds, people waiting are told</);
  });
});
