/**
 * The edge's pages as people and operators read them: every page in standards mode (the doctype first),
 * the waiting page naming its service and putting its progress into words, the fairness page in Korean
 * words and Korea time with a person's drawn place still shown after admission and after the journey's end
 * (from a place record that admits nobody), and the console's chart
 * history served from the counters' own samples.
 */
import { createExecutionContext, env, runInDurableObject, SELF, waitOnExecutionContext } from "cloudflare:test";
import { Hono } from "hono";
import { beforeEach, describe, expect, it } from "vitest";
import type { AppEnv } from "../../worker/app-env";
import { withCookies } from "../../worker/edge/cookies";
import { counter } from "../../worker/edge/counter";
import { fromOrigin } from "../../worker/edge/passes";
import { type Refusal, refusalResponse } from "../../worker/edge/refusal";
import { createWorkerApp } from "../../worker/index";
import { type QueueCounter, SAMPLE_EVERY_MS } from "../../worker/queue/queue-counter";
import { BASE, freshQueue, Jar, linked, operator, passOf, payload, postForm, signedIn, visit, visitJson } from "./helpers";

const PAGE_ACCEPT = { accept: "text/html,application/xhtml+xml,*/*;q=0.8" };
const DOCTYPE = /^<!DOCTYPE html>\s*<html/;

beforeEach(() => freshQueue({ ratePerSec: 0 }));

describe("standards mode", () => {
  it("begins every page the edge serves with <!DOCTYPE html>", async () => {
    const pages: [string, Response][] = [];
    const jar = new Jar();
    pages.push(["waiting page", await visit(jar, "/", PAGE_ACCEPT)]);
    pages.push(["waiting page, lookup lane", await visit(new Jar(), "/lookup", PAGE_ACCEPT)]);
    pages.push(["fairness", await SELF.fetch(`${BASE}/_wr/fairness?lane=booking`)]);
    pages.push(["console sign-in", await SELF.fetch(`${BASE}/_wr/admin`)]);
    const op = await signedIn();
    pages.push(["console", await SELF.fetch(`${BASE}/_wr/admin`, { headers: { cookie: op.header() } })]);
    pages.push(["console, refused form", await postForm(op, "/_wr/admin/console", { ratePerSec: "-1" })]);
    pages.push(["console, confirmation", await postForm(op, "/_wr/admin/console", { paused: "true" })]);
    // The pre-queue's countdown.
    expect((await operator("/config", { opensAt: new Date(Date.now() + 60_000).toISOString() })).status).toBe(200);
    pages.push(["waiting page before the opening", await visit(new Jar(), "/", PAGE_ACCEPT)]);
    // Every refusal (the arrival gate's limit and challenge, a pass's pace, a used ticket).
    const refusals: Refusal[] = [
      { kind: "limited", retryAfterSeconds: 10 },
      { kind: "challenge", challenge: "x.y.z", bits: 14 },
      { kind: "pass_limited", retryAfterSeconds: 10 },
      { kind: "ticket_used", ticketCookie: "wr_ticket" },
    ];
    const refusing = new Hono<AppEnv>().get("/:i", (c) => refusalResponse(c, refusals[Number(c.req.param("i"))]!, "ko", false));
    for (const [i, r] of refusals.entries()) pages.push([`refusal ${r.kind}`, await refusing.request(`/${i}`, {}, env)]);
    // The origin away, for someone admitted.
    await freshQueue({ ratePerSec: 1000 });
    const ctx = createExecutionContext();
    const away = await createWorkerApp().fetch(
      new Request(`${BASE}/`, { headers: PAGE_ACCEPT }),
      { ...env, ORIGIN_URL: "http://127.0.0.1:9" },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(away.status).toBe(503);
    pages.push(["origin unavailable", away]);

    for (const [name, res] of pages) {
      expect(res.headers.get("content-type"), name).toMatch(/text\/html/);
      expect(await res.text(), name).toMatch(DOCTYPE);
    }
  });
});

describe("the waiting page", () => {
  it("names the service it is the line for, and puts its progress in words", async () => {
    for (let i = 0; i < 12; i++) await visitJson(new Jar());
    const html = await (await visit(new Jar(), "/")).text();
    expect(html).toContain('<p class="service">대기열: 코로나19 예방접종 사전예약</p>');
    expect(html).toMatch(
      /role="progressbar"[^>]*aria-valuemin="0" aria-valuemax="100" aria-valuenow="0" aria-valuetext="0% · 앞에 12명 · [^"]+"/,
    );
    expect(html).toMatch(/id="wr-pfig" class="pfig">앞에 12명 · [^<]+</);
    const lookup = await (await visit(new Jar(), "/lookup?lang=en")).text();
    expect(lookup).toContain("Line for: Checking or cancelling a COVID-19 vaccination booking");
    expect(lookup).toMatch(/aria-valuetext="0% · 0 ahead · /);
  });

  it("stops saying the visitor is in line once admitted (its script changes heading, title and figures before it reloads)", async () => {
    const html = await (await visit(new Jar(), "/?lang=en")).text();
    expect(html).toContain('data-admitted="It is your turn"');
    const code = await (await SELF.fetch(`${BASE}${html.match(/<script src="([^"]+)"/)![1]}`)).text();
    const admitted = code.match(/function admitted\(\)\{[^}]*\}/)![0];
    expect(admitted).toContain('getAttribute("data-admitted")');
    expect(admitted).toContain("document.title=words");
    expect(admitted).toContain('show("wr-figs",false)');
    expect(admitted).toContain("location.reload()");
    expect(code.match(/s\.state==="admitted"\)return admitted\(\)/g)).toHaveLength(2);
  });
});

describe("the fairness page", () => {
  it("says states in words and times in Korea time, fits a phone, and still shows a person's drawn place after admission", async () => {
    const opensAt = Date.now() + 1500;
    expect((await operator("/config", { opensAt: new Date(opensAt).toISOString() })).status).toBe(200);
    const before = await (await SELF.fetch(`${BASE}/_wr/fairness?lane=booking`)).text();
    expect(before).toContain("<dd>추첨 예정</dd>");
    expect(before).toContain(`${new Date(opensAt + 9 * 3600_000).toISOString().slice(0, 16).replace("T", " ")} (한국 시간)`);
    expect(before).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
    expect(before).toContain('<body class="fairness">');
    expect(await linked(before, "style")).toMatch(/\.fairness code,\.fairness pre\{[^}]*word-break:break-all/);
    expect(before).not.toContain("<table");

    const jars = Array.from({ length: 5 }, () => new Jar());
    for (const jar of jars) await visitJson(jar);
    await new Promise((r) => setTimeout(r, Math.max(0, opensAt - Date.now()) + 50));
    const mine = jars[3]!;
    const drawn = (await visitJson(mine, "/_wr/status")).body.seq as number;
    expect((await operator("/config", { ratePerSec: 1000 })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    const entered = await visit(mine, "/api/pass", { accept: "application/json" });
    expect(entered.status).toBe(200);
    expect(mine.get("wr_ticket")).toBeUndefined(); // spent at admission
    expect(mine.get("wr_pass")).toBeTruthy();

    const json = (await (await SELF.fetch(`${BASE}/_wr/fairness?format=json`, { headers: { cookie: mine.header() } })).json()) as {
      yourTicket: any;
      shards: any[];
    };
    expect(json.yourTicket).toMatchObject({ shard: 0, number: 4, inPreQueue: true, place: drawn, admitted: true });
    const after = await (await SELF.fetch(`${BASE}/_wr/fairness?lane=booking`, { headers: { cookie: mine.header() } })).text();
    expect(after).toContain(`샤드 0, 번호 4 — 추첨된 순서 ${drawn}번 · 입장하셨습니다.`);
    expect(after).toContain("<dd>추첨 완료</dd>");
    const en = await (await SELF.fetch(`${BASE}/_wr/fairness?lane=booking&lang=en`, { headers: { cookie: mine.header() } })).text();
    expect(en).toContain(`drawn place ${drawn}`);
    expect(en).toContain("<dd>drawn</dd>");
    expect(en).toContain("(Korea time)");
  });
  it("still shows the drawn place once a booking has ended the pass, from a place record that admits nobody", async () => {
    const opensAt = Date.now() + 1000;
    expect((await operator("/config", { opensAt: new Date(opensAt).toISOString() })).status).toBe(200);
    const jars = Array.from({ length: 4 }, () => new Jar());
    for (const jar of jars) await visitJson(jar);
    await new Promise((r) => setTimeout(r, Math.max(0, opensAt - Date.now()) + 50));
    const mine = jars[2]!;
    const drawn = (await visitJson(mine, "/_wr/status")).body.seq as number;
    expect((await operator("/config", { ratePerSec: 1000 })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    expect((await visit(mine, "/api/pass", { accept: "application/json" })).status).toBe(200);
    const record = mine.get("wr_place")!;
    expect(payload(record)).toEqual(["R", "booking", "0", "3"]); // lane, shard, number: nothing more

    // The booking: the origin's revoke, through the edge's own handling, clears the pass and keeps the record a week.
    const token = mine.get("wr_pass")!;
    const app = new Hono<AppEnv>().get("/done", async (c) => {
      const out = await fromOrigin(
        c,
        new Response("booked", { headers: { "x-wr-command": "revoke" } }),
        { token, claims: passOf(token) },
        "wr_pass",
        [],
      );
      return withCookies(out.res, out.cookies);
    });
    const done = await app.request(`${BASE}/done`, {}, env);
    const set = done.headers.getSetCookie().find((c) => c.startsWith("wr_place="))!;
    expect(set).toMatch(/Max-Age=604800/);
    expect(set).toMatch(/HttpOnly/);
    mine.take(done);
    expect(mine.get("wr_pass")).toBeUndefined();
    expect(mine.get("wr_ticket")).toBeUndefined();

    const json = (await (await SELF.fetch(`${BASE}/_wr/fairness?format=json`, { headers: { cookie: mine.header() } })).json()) as {
      yourTicket: any;
    };
    expect(json.yourTicket).toMatchObject({ shard: 0, number: 3, inPreQueue: true, place: drawn, admitted: true });
    const page = await (await SELF.fetch(`${BASE}/_wr/fairness?lane=booking`, { headers: { cookie: mine.header() } })).text();
    expect(page).toContain(`샤드 0, 번호 3 — 추첨된 순서 ${drawn}번 · 입장하셨습니다.`);
    // Only the record, even without the revoke (the pass cookie simply gone): the same place.
    const onlyRecord = new Jar({ wr_place: record });
    const again = (await (await SELF.fetch(`${BASE}/_wr/fairness?format=json`, { headers: { cookie: onlyRecord.header() } })).json()) as {
      yourTicket: any;
    };
    expect(again.yourTicket).toMatchObject({ number: 3, place: drawn });
    // A record whose number was changed shows nothing.
    const [kid, , sig] = record.split(".");
    const forged = `${kid}.${btoa("R|booking|0|1").replace(/=+$/, "")}.${sig}`;
    const bad = (await (await SELF.fetch(`${BASE}/_wr/fairness?format=json`, { headers: { cookie: `wr_place=${forged}` } })).json()) as {
      yourTicket: any;
    };
    expect(bad.yourTicket).toBeNull();

    // The record admits nobody: not as a ticket, not as a pass, at a line that lets nobody in.
    expect((await operator("/config", { ratePerSec: 0 })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    for (const name of ["wr_ticket", "wr_pass"]) {
      const holder = new Jar({ [name]: record });
      const res = await visit(holder, "/api/pass", { accept: "application/json" });
      expect(res.status).toBe(429);
      expect(holder.get("wr_pass")).toBeUndefined();
      expect(Number(payload(holder.get("wr_ticket")!)[3])).toBeGreaterThan(4); // a new ticket at the back, not number 3
    }
  });
});

describe("the console's chart history", () => {
  it("is served from the counter's own samples, so a reload starts from the last five minutes", async () => {
    const stub = counter(env, "booking", 0);
    const T = Math.floor(Date.now() / SAMPLE_EVERY_MS) * SAMPLE_EVERY_MS;
    // Three sample periods, with arrivals in each, on the counter's own clock.
    for (let k = 0; k < 3; k++) {
      await runInDurableObject(stub, (o: QueueCounter) => {
        o.clock = () => T + k * SAMPLE_EVERY_MS + 100;
        o.resumeGapMs = Infinity;
      });
      for (let i = 0; i <= k; i++) await visitJson(new Jar());
    }
    const res = await operator("/history?lane=booking");
    expect(res.status).toBe(200);
    const { samples } = (await res.json()) as {
      samples: { t: number; issued: number; serving: number; ratePerSec: number; preQueued: number }[];
    };
    const ours = samples.filter((x) => x.t >= T);
    expect(ours.map((x) => x.t)).toEqual([T, T + SAMPLE_EVERY_MS, T + 2 * SAMPLE_EVERY_MS]);
    expect(ours.map((x) => x.issued)).toEqual([1, 3, 6]);
    expect(ours.every((x) => x.serving === 0 && x.ratePerSec === 0)).toBe(true);
    // Samples older than five minutes are gone.
    await runInDurableObject(stub, (o: QueueCounter) => {
      o.clock = () => T + 5 * 60_000 + SAMPLE_EVERY_MS;
    });
    const later = (await (await operator("/history?lane=booking")).json()) as { samples: { t: number }[] };
    expect(later.samples.map((x) => x.t)).toEqual([T + 2 * SAMPLE_EVERY_MS, T + 5 * 60_000 + SAMPLE_EVERY_MS]);
    // The console's session reads it, and the page's script loads it before its first live reading.
    const op = await signedIn();
    expect((await SELF.fetch(`${BASE}/_wr/admin/history?lane=booking`, { headers: { cookie: op.header() } })).status).toBe(200);
    expect((await SELF.fetch(`${BASE}/_wr/admin/history?lane=booking`)).status).toBe(401);
    const page = await (await SELF.fetch(`${BASE}/_wr/admin`, { headers: { cookie: op.header() } })).text();
    expect(page).toContain('data-lane="booking"');
    const script = await linked(page, "script", "/console.");
    expect(script).toMatch(
      /"\/_wr\/admin\/history\?lane="\+lane.*onloadend=function\(\)\{.*point\(p\.t\/1e3.*tick\(\);setInterval\(tick,1e3\)/s,
    );
    expect(script).toContain('uPlot.tzDate(new Date(ts*1e3),"Asia/Seoul")');
  });
});
