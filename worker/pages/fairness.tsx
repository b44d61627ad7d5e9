/**
 * GET /_wr/fairness?lane=: the pre-queue's draw, open to anyone. Before an opening it shows the commitment
 * (the seed's SHA-256); after, the seed itself, the pre-queue's bounds per shard, and the exact steps to
 * recompute any ticket's place from them (queue/prequeue.ts). With the visitor's own ticket cookie it also shows
 * that ticket's number and drawn place; after admission (the ticket cookie is gone then) the pass names the
 * same ticket (lane, shard, number), so the place is recomputed from it; once the journey is over (a booking
 * ends the pass) the place record cookie (edge/passes.ts) names it for a week more. JSON for
 * `Accept: application/json` (or ?format=json), else a page in plain words: states in Korean (or English),
 * times in Korea time, and a layout that fits a 360 px phone (the hashes wrap).
 */
import { Hono } from "hono";
import { keyring, readPass, readPlace, verifyTicket } from "../../lib/tokens";
import type { AppEnv } from "../app-env";
import { config } from "../config";
import { laneCookies, readCookie, readCookies } from "../edge/cookies";
import { shardCount } from "../edge/counter";
import { laneParam } from "../edge/lane-param";
import { laneSchedules } from "../edge/snapshot";
import { inPreQueue, preQueueOpen, type Schedule } from "../queue/admission";
import { placeOf, ROUNDS } from "../queue/prequeue";
import { PageHead } from "./page-head";

const HOW = {
  en: [
    "When the opening is scheduled, 32 random bytes (the seed) are drawn and kept secret; their SHA-256, the commitment, is published here at once.",
    "Everyone who arrives before the opening gets a ticket naming its shard and its number there: preFrom+1, preFrom+2, ...",
    "At the opening the pre-queue closes: P = preTo − preFrom people, and the seed is published here. Check that SHA-256(seed) equals the commitment.",
    `A ticket's place: x = number − preFrom − 1; n = P; h = max(1, ceil(ceil(log2(n)) / 2)); mask = 2^h − 1. Repeat { L = x >> h; R = x & mask; ${ROUNDS} times, for r = 0, 1, 2, 3: (L, R) = (R, L xor F(r, R)); x = (L << h) | R } until x < n. F(r, R) = the first 4 bytes (big-endian) of HMAC-SHA256(key = seed bytes, message = "<lane>:<shard>:<r>:<R>" in ASCII decimal), and mask. Place = preFrom + 1 + x (with n = 1, x = 0).`,
    "This is a permutation: the P tickets get the P places preFrom+1 .. preTo, each exactly once. They are admitted in place order at the set rate, before everyone who arrived after the opening (numbers after preTo, first come, first served).",
    "With several shards, each shard draws its own pre-queue with the same seed and admits its share of the rate.",
  ],
  ko: [
    "개장 시각을 예약할 때 32바이트 난수(씨앗)를 뽑아 비밀로 두고, 그 SHA-256 값(약속값)을 즉시 여기 공개합니다.",
    "개장 전에 오신 분은 샤드 번호와 그 안의 번호(preFrom+1, preFrom+2, ...)가 적힌 대기표를 받습니다.",
    "개장 시각에 사전 대기를 마감합니다: P = preTo − preFrom 명. 이때 씨앗을 여기 공개합니다. SHA-256(씨앗)이 약속값과 같은지 확인하세요.",
    `대기표의 순서: x = 번호 − preFrom − 1; n = P; h = max(1, ceil(ceil(log2(n)) / 2)); mask = 2^h − 1. x < n 이 될 때까지 { L = x >> h; R = x & mask; r = 0, 1, 2, 3 에 대해 ${ROUNDS}번: (L, R) = (R, L xor F(r, R)); x = (L << h) | R } 를 반복합니다. F(r, R) = HMAC-SHA256(키 = 씨앗 바이트, 메시지 = "<lane>:<shard>:<r>:<R>" 십진수 ASCII)의 앞 4바이트(빅엔디언) and mask. 순서 = preFrom + 1 + x (n = 1 이면 x = 0).`,
    "이 계산은 순열이므로 P장의 대기표가 preFrom+1 .. preTo 의 순서를 정확히 한 번씩 받습니다. 이 순서대로 설정된 속도로 입장하며, 개장 후에 오신 분들(preTo 이후 번호, 도착 순)보다 먼저입니다.",
    "샤드가 여러 개이면 각 샤드가 같은 씨앗으로 자기 사전 대기의 순서를 정하고, 입장 속도를 나누어 맡습니다.",
  ],
};

type ShardState = "none" | "scheduled" | "opening" | "drawn";

const STATES: Record<"ko" | "en", Record<ShardState, string>> = {
  ko: { none: "예정된 개장 없음", scheduled: "추첨 예정", opening: "추첨 중", drawn: "추첨 완료" },
  en: { none: "no opening scheduled", scheduled: "draw scheduled", opening: "drawing now", drawn: "drawn" },
};

/** An instant in Korea time, to the minute: "2026-12-01 20:00 (한국 시간)". */
function koreaTime(iso: string, ko: boolean): string {
  return `${new Date(Date.parse(iso) + 9 * 3600_000).toISOString().slice(0, 16).replace("T", " ")} ${ko ? "(한국 시간)" : "(Korea time)"}`;
}

function shardView(s: Schedule, shard: number, now: number) {
  const open = preQueueOpen(s);
  return {
    shard,
    opensAt: s.opensAt > 0 ? new Date(s.opensAt).toISOString() : null,
    state: (s.opensAt === 0 ? "none" : open ? (now < s.opensAt ? "scheduled" : "opening") : "drawn") as ShardState,
    commitment: s.commitment || null,
    seed: s.seed || null,
    preFrom: s.opensAt > 0 ? s.preFrom : null,
    preTo: open || s.opensAt === 0 ? null : s.preTo,
    preQueued: open ? s.issued - s.preFrom : s.opensAt > 0 ? s.preTo - s.preFrom : 0,
  };
}

export const fairness = new Hono<AppEnv>().get("/", async (c) => {
  const cfg = config(c.env);
  const lane = laneParam(c);
  const now = Date.now();
  const shards = await laneSchedules(c.env, lane, shardCount(c.env, lane), now, cfg.snapshotTtlMs);
  let ticket: { shard: number; number: number; inPreQueue: boolean; place: number | null; admitted: boolean } | null = null;
  const names = laneCookies(lane, cfg.lane);
  const cookieHeader = c.req.header("cookie");
  const mine = (shard: number, seq: number, admitted: boolean) => {
    const s = shards[shard];
    return s ? { shard, number: seq, inPreQueue: inPreQueue(s, seq), place: placeOf(s, lane, shard, seq) ?? null, admitted } : null;
  };
  const token = readCookie(cookieHeader, names.ticket);
  if (token) {
    const verified = await verifyTicket(await keyring(cfg.ticketSecret), token, now, cfg.ticketTtlMs);
    if (verified.ok && verified.claims.lane === lane) ticket = mine(verified.claims.shard, verified.claims.seq, false);
  }
  // Admitted: the ticket cookie is gone, and the pass (signed, any age) names the same ticket.
  for (const value of ticket ? [] : readCookies(cookieHeader, names.pass)) {
    const read = await readPass(await keyring(cfg.passSecret), value);
    if (read.ok && read.claims.lane === lane && (ticket = mine(read.claims.shard, read.claims.seq, true))) break;
  }
  // The journey is over (the pass is gone too): the place record names the ticket that was admitted.
  for (const value of ticket ? [] : readCookies(cookieHeader, names.place)) {
    const read = await readPlace(await keyring(cfg.ticketSecret), value);
    if (read.ok && read.claims.lane === lane && (ticket = mine(read.claims.shard, read.claims.seq, true))) break;
  }
  const lang = c.req.query("lang") === "en" ? "en" : "ko";
  const body = {
    lane,
    at: new Date(now).toISOString(),
    shards: shards.map((s, j) => shardView(s, j, now)),
    yourTicket: ticket,
    how: HOW[lang],
  };
  const accept = c.req.header("accept") ?? "";
  if (c.req.query("format") === "json" || (accept.includes("application/json") && !accept.includes("text/html"))) {
    return c.json(body, 200, { "cache-control": "no-store" });
  }
  const ko = lang === "ko";
  const states = STATES[lang];
  const t = ticket;
  c.header("cache-control", "no-store");
  return c.html(
    "<!DOCTYPE html>" +
    (
      <html lang={lang}>
        <PageHead title={ko ? "대기 순서 추첨 공개" : "The pre-queue draw"} indexed />
        <body class="fairness">
          <p>
            <a href={`/_wr/fairness?lane=${lane}&lang=${ko ? "en" : "ko"}`} lang={ko ? "en" : "ko"}>
              {ko ? "English" : "한국어"}
            </a>
          </p>
          <h1>{ko ? "대기 순서 추첨 공개" : "The pre-queue draw, in the open"}</h1>
          {t ? (
            <p class="mine" id="my-ticket">
              {ko ? "내 대기표: " : "Your ticket: "}
              {ko ? `샤드 ${t.shard}, 번호 ${t.number}` : `shard ${t.shard}, number ${t.number}`}
              {t.inPreQueue
                ? t.place === null
                  ? ko
                    ? " — 순서는 개장 시각에 정해집니다."
                    : " — your place is drawn at the opening."
                  : ko
                    ? ` — 추첨된 순서 ${t.place}번`
                    : ` — drawn place ${t.place}`
                : ko
                  ? " (개장 후 도착: 도착 순)"
                  : " (arrived after the opening: first come, first served)"}
              {t.admitted ? (ko ? " · 입장하셨습니다." : " · You have been admitted.") : null}
            </p>
          ) : null}
          {body.shards.map((s) => (
            <section class="shard" aria-labelledby={`shard-${s.shard}`}>
              <h2 id={`shard-${s.shard}`}>{ko ? `샤드 ${s.shard}` : `Shard ${s.shard}`}</h2>
              <dl>
                <dt>{ko ? "상태" : "State"}</dt>
                <dd>{states[s.state]}</dd>
                <dt>{ko ? "개장 시각" : "Opens"}</dt>
                <dd>{s.opensAt ? koreaTime(s.opensAt, ko) : "–"}</dd>
                <dt>{ko ? "사전 대기 인원" : "Pre-queue"}</dt>
                <dd>{ko ? `${s.preQueued}명` : String(s.preQueued)}</dd>
                <dt>preFrom / preTo</dt>
                <dd>
                  {s.preFrom ?? "–"} / {s.preTo ?? "–"}
                </dd>
                <dt>{ko ? "약속값 (씨앗의 SHA-256)" : "Commitment (SHA-256 of the seed)"}</dt>
                <dd>
                  <code>{s.commitment ?? "–"}</code>
                </dd>
                <dt>{ko ? "씨앗" : "Seed"}</dt>
                <dd>
                  <code>{s.seed ?? (ko ? "(개장 때 공개)" : "(published at the opening)")}</code>
                </dd>
              </dl>
            </section>
          ))}
          <h2>{ko ? "순서를 직접 계산하는 방법" : "How to recompute a place"}</h2>
          <ol>
            {body.how.map((step) => (
              <li>{step}</li>
            ))}
          </ol>
          <p>
            {ko ? "같은 내용을 JSON으로: " : "The same as JSON: "}
            <a href={`/_wr/fairness?lane=${lane}&format=json`}>
              <code>/_wr/fairness?lane={lane}&amp;format=json</code>
            </a>
          </p>
        </body>
      </html>
    ),
  );
});
