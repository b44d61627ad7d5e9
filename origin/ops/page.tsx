/**
 * The frame of the operator page (/ops): standards mode, its own header (the operator's title, the language
 * and text-size switches, sign-out; none of the citizen pages' links, which are not for operators), and a
 * layout that fits a 360 px phone. Also the words the page shows for what the database and the gauge hold
 * as codes or instants: identity rejection reasons, and times in Korea time.
 */
import type { Context } from "hono";
import type { Child } from "hono/jsx";
import { raw } from "hono/html";
import { STYLE as BASE_STYLE, type PageCtx } from "../pages/layout";

/** The origin's stylesheet, then what the operator page does differently: its header, a wider page, figures in tables. */
const STYLE = `${BASE_STYLE}
header{background:#3b2a55}
header .bar,main{max-width:52rem}
header nav{gap:.5rem 1rem;align-items:center}
header form{margin:0}
header button{margin:0;padding:.35rem .8rem;min-height:0;background:#fff;color:#3b2a55;font-size:.9rem;width:auto}
h1{font-size:1.5rem}
h2{font-size:1.2rem}
.card{padding:1rem;max-width:100%}
.scroll{overflow-x:auto}
input{font:inherit;width:100%;max-width:26rem;padding:.6rem .7rem;border:2px solid #4a5a6a;border-radius:8px;background:#fff;color:#111}
dl.facts{grid-template-columns:max-content minmax(0,1fr);margin:0}
dl.facts dd{min-width:0}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.scroll table{width:auto;min-width:100%}
.scroll th{white-space:nowrap}
.small{display:block;font-size:.8rem;color:#333;font-weight:400}
.chart{width:100%;overflow:hidden}
@media (max-width:560px){dl.facts{grid-template-columns:minmax(0,1fr);gap:.1rem}dl.facts dd{margin-bottom:.6rem}h1{font-size:1.3rem}}
`;

/** The current URL with one query parameter set (the language and text-size links). */
function withParam(c: Context, key: string, value: string): string {
  const url = new URL(c.req.url);
  url.searchParams.set(key, value);
  return `${url.pathname}?${url.searchParams.toString()}`;
}

export function OpsPage(props: { c: Context; p: PageCtx; title: string; signedIn: boolean; children: Child; scripts?: string; head?: Child }) {
  const { c, p } = props;
  const ko = p.lang === "ko";
  const other = ko ? "en" : "ko";
  return (
    <>
      {raw("<!DOCTYPE html>")}
      <html lang={p.lang} class={p.large ? "large" : undefined}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="robots" content="noindex" />
          <title>{`${props.title} | ${ko ? "운영자 화면" : "Operators"}`}</title>
          <style dangerouslySetInnerHTML={{ __html: STYLE }} />
          {props.head}
        </head>
        <body>
          <a class="skip" href="#main">
            {ko ? "본문 바로가기" : "Skip to content"}
          </a>
          <header>
            <div class="bar">
              <a class="site" href="/ops">
                {ko ? "운영자 화면 · 예약 서버" : "Operators · booking origin"}
              </a>
              <nav aria-label={ko ? "운영자 메뉴" : "Operator menu"}>
                <a href={withParam(c, "lang", other)} lang={other} hreflang={other}>
                  {ko ? "English" : "한국어"}
                </a>
                <a href={withParam(c, "text", p.large ? "normal" : "large")}>{p.large ? (ko ? "글자 보통" : "Normal text") : ko ? "글자 크게" : "Larger text"}</a>
                {props.signedIn ? (
                  <form method="post" action="/ops/logout">
                    <button type="submit">{ko ? "로그아웃" : "Sign out"}</button>
                  </form>
                ) : null}
              </nav>
            </div>
          </header>
          <main id="main" tabindex={-1}>
            <h1>{props.title}</h1>
            {props.children}
          </main>
          {props.scripts ? <script dangerouslySetInnerHTML={{ __html: props.scripts }} /> : null}
        </body>
      </html>
    </>
  );
}

/** Identity rejections by their code, as operators read them. */
const REJECTIONS: Record<string, { ko: string; en: string }> = {
  rrn_format: { ko: "주민등록번호 형식 오류", en: "resident number: format" },
  rrn_date: { ko: "주민등록번호 생년월일 오류", en: "resident number: date of birth" },
  rrn_century: { ko: "주민등록번호 뒷자리 첫 숫자 오류", en: "resident number: century digit" },
  rrn_checksum: { ko: "주민등록번호 확인 숫자 불일치", en: "resident number: check digit" },
  name_invalid: { ko: "이름 형식 오류", en: "name not valid" },
  phone_invalid: { ko: "휴대전화 번호 오류", en: "phone number not valid" },
  identity_mismatch: { ko: "본인 정보 불일치", en: "identity does not match" },
  code_format: { ko: "인증번호 형식 오류", en: "code: format" },
  wrong_code: { ko: "인증번호 틀림", en: "wrong code" },
  code_expired: { ko: "인증번호 시간 초과", en: "code expired" },
  too_many_attempts: { ko: "인증번호 오입력 횟수 초과", en: "too many wrong codes" },
  challenge_not_found: { ko: "인증 요청 없음", en: "no such check" },
  challenge_used: { ko: "이미 끝난 인증", en: "check already used" },
  resend_too_soon: { ko: "재발송 간격 부족", en: "resent too soon" },
  no_session: { ko: "본인인증 세션 없음", en: "no identity session" },
  session_expired: { ko: "본인인증 시간 만료", en: "identity session expired" },
  no_pass: { ko: "입장권 없음", en: "no admission pass" },
  bad_pass: { ko: "입장권 무효", en: "admission pass not valid" },
  pass_in_use: { ko: "다른 분이 쓰는 입장권", en: "pass in use by someone else" },
  bad_json: { ko: "잘못된 요청", en: "malformed request" },
  body_too_large: { ko: "요청이 너무 큼", en: "request too large" },
  rate_limited: { ko: "요청 과다", en: "too many requests" },
};

/** The rejection counts in words, most first; codes without a word are counted together as "other". */
export function rejectionWords(byCode: Record<string, number>, lang: "ko" | "en"): { reason: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const [code, n] of Object.entries(byCode)) {
    const reason = REJECTIONS[code]?.[lang] ?? (lang === "ko" ? "기타" : "other");
    counts.set(reason, (counts.get(reason) ?? 0) + n);
  }
  return [...counts].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count);
}

/** An instant in Korea time to the minute: "2026-12-01 20:00 (한국 시간)". */
export function koreaTime(at: Date | string, lang: "ko" | "en"): string {
  return `${new Date(new Date(at).getTime() + 9 * 3600_000).toISOString().slice(0, 16).replace("T", " ")} ${lang === "ko" ? "(한국 시간)" : "(Korea time)"}`;
}

/**
 * How full a region's slots are on a date, in figures that mean something at any fill: the places taken of
 * the places offered, and the share to one decimal, or "under 0.1 %" when some are taken but fewer.
 */
export function fillFigure(taken: number, capacity: number, lang: "ko" | "en"): { share: string; counts: string } {
  const nf = new Intl.NumberFormat(lang === "ko" ? "ko-KR" : "en-US");
  const pct = capacity > 0 ? (taken / capacity) * 100 : 0;
  const share = taken === 0 ? "0%" : pct < 0.1 ? (lang === "ko" ? "0.1% 미만" : "under 0.1%") : `${pct.toFixed(1)}%`;
  return { share, counts: `${nf.format(taken)} / ${nf.format(capacity)}` };
}
