/**
 * The frame of the operator page (/ops): standards mode, its own header (the operator's title, the language
 * and text-size switches, sign-out; none of the citizen pages' links, which are not for operators), and a
 * layout that fits a 360 px phone. Also the words the page shows for what the database and the gauge hold
 * as codes or instants: identity rejection reasons, and times in Korea time.
 */
import type { Context } from "hono";
import type { Child } from "hono/jsx";
import { raw } from "hono/html";
import type { PageCtx } from "../pages/layout";

const STYLE = `
*{box-sizing:border-box}
html{font-size:18px}
html.large{font-size:22px}
body{margin:0;font:1rem/1.6 system-ui,-apple-system,"Segoe UI","Apple SD Gothic Neo","Malgun Gothic","Noto Sans KR","Noto Sans CJK KR",Arial,sans-serif;color:#111;background:#f4f6f8;word-break:keep-all;overflow-wrap:anywhere}
a{color:#0b4f9c}
a:focus-visible,button:focus-visible,input:focus-visible{outline:4px solid #e8a400;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem;z-index:9}
.skip:focus{left:.5rem}
header{background:#3b2a55;color:#fff}
header .bar{max-width:52rem;margin:0 auto;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between}
header a{color:#fff}
header .site{font-weight:800;text-decoration:none;font-size:1.05rem}
header nav{display:flex;gap:.5rem 1rem;flex-wrap:wrap;align-items:center}
header form{margin:0}
header button{margin:0;padding:.35rem .8rem;min-height:0;background:#fff;color:#3b2a55;font-size:.9rem}
main{max-width:52rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;line-height:1.3;color:#1f3a5f;margin:.5rem 0 1rem}
h2{font-size:1.2rem;color:#1f3a5f;margin:1.5rem 0 .5rem}
.card{background:#fff;border:2px solid #c9d3de;border-radius:12px;padding:1rem;margin:0 0 1rem;max-width:100%}
.scroll{overflow-x:auto}
label{display:block;font-weight:700;margin:1rem 0 .25rem}
input{font:inherit;width:100%;max-width:26rem;padding:.6rem .7rem;border:2px solid #4a5a6a;border-radius:8px;background:#fff;color:#111}
input[aria-invalid=true]{border-color:#b00020;border-width:3px}
button{display:inline-block;font:inherit;font-weight:700;border:0;border-radius:10px;padding:.8rem 1.4rem;margin:1rem .5rem 0 0;background:#0b4f9c;color:#fff;cursor:pointer;min-height:48px}
.summary{border:3px solid #b00020;background:#fff5f6;border-radius:10px;padding:1rem;margin:0 0 1rem}
.summary h2{color:#b00020;margin:0 0 .5rem;font-size:1.1rem}
.notice{border-left:6px solid #0b4f9c;background:#eef5ff;padding:.75rem 1rem;margin:0 0 1rem}
dl.facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.4rem 1rem;margin:0}
dl.facts dt{font-weight:700;color:#333}
dl.facts dd{margin:0;min-width:0}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.45rem .4rem;border-bottom:1px solid #c9d3de;vertical-align:top}
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
