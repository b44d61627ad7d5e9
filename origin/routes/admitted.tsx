/**
 * What an admitted visitor reaches until the booking pages land: proof that the pass arrived.
 *   GET /          a short page in Korean and English
 *   GET /api/pass  the pass the origin verified, as JSON
 */
import { Hono } from "hono";
import { seoulTime } from "../clinics/dates";
import type { OriginEnv } from "../types";

export function admitted() {
  return new Hono<OriginEnv>()
    .get("/api/pass", (c) => {
      const pass = c.get("pass");
      return c.json({ lane: pass.lane, seq: pass.seq, expiresAt: new Date(pass.exp).toISOString() });
    })
    .get("/", (c) => {
      const pass = c.get("pass");
      const until = seoulTime(new Date(pass.exp));
      return c.html(
        <html lang="ko">
          <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1" />
            <title>입장 완료 | 코로나19 예방접종 사전예약</title>
          </head>
          <body style="font:18px/1.6 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem">
            <h1>입장했습니다</h1>
            <p>
              대기번호 {pass.seq}번으로 입장하셨습니다. 입장권은 {until}(한국 시간)까지 유효합니다.
            </p>
            <p lang="en">You are in (number {pass.seq}). Your admission is valid until {until} Korea time.</p>
          </body>
        </html>,
      );
    });
}
