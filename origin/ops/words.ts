/**
 * What the operator page (/ops) says, Korean first and English, and the words it shows for what the
 * database and the gauge hold as codes, instants and counts: identity rejection reasons, times in Korea
 * time, and how full the slots are.
 */
import { INT4_MAX } from "../ids";
import type { Lang } from "../pages/i18n";
import { type CapacityField, MAX_CAPACITY, REASON_MAX, REASON_MIN } from "./capacity-input";

export const WORDS = {
  ko: {
    title: "운영 현황 (예약 서버)",
    login: "운영자 로그인",
    token: "운영자 토큰",
    signIn: "로그인",
    signOut: "로그아웃",
    badToken: "토큰이 맞지 않습니다.",
    bookings: "분당 예약 건수 (최근 30분)",
    overbooked: "초과 예약된 자리",
    active: "유효한 예약",
    cancelled: "취소된 예약",
    inFlight: "처리 중인 요청",
    peak: "최대 동시 요청",
    outbox: "알림 발송 대기",
    failing: "발송 실패 후 재시도 중",
    sent: "발송 완료",
    identity: "본인인증 (최근 15분)",
    started: "인증번호 발송",
    verified: "인증 완료",
    locked: "오입력으로 잠김",
    rejections: "거절 사유별 건수 (이 서버 시작 이후)",
    fill: "지역·날짜별 예약률 (7일)",
    fillHelp: "예약된 자리 / 전체 자리. 접종 시간대가 없는 날(주말·공휴일)은 표에 없습니다.",
    noFill: "앞으로 7일 동안 접종 시간대가 없습니다.",
    when: "시각",
    target: "의료기관 · 날짜",
    change: "변경",
    by: "누가 · 사유",
    failed: "수용 인원을 바꾸지 못했습니다. 잠시 후 다시 시도해 주세요.",
    region: "시/도",
    capacityTitle: "의료기관 수용 인원 조정",
    clinicId: "의료기관 번호",
    date: "날짜",
    capacity: "시간대별 인원",
    reason: "사유",
    apply: "적용",
    confirm: "정말 바꾸시겠습니까? 이 변경은 기록됩니다.",
    changed: "수용 인원을 바꾸었습니다.",
    audit: "최근 변경 기록",
    none: "없음",
    problems: "입력한 내용을 확인해 주세요.",
    fieldProblems: {
      clinicId: `의료기관 번호는 1부터 ${INT4_MAX}까지의 정수입니다.`,
      date: "날짜는 달력에 있는 날짜를 YYYY-MM-DD로 적어 주세요 (예: 2026-11-24).",
      capacity: `시간대별 인원은 0부터 ${MAX_CAPACITY}까지의 정수입니다.`,
      reason: `사유를 ${REASON_MIN}~${REASON_MAX}자로 적어 주세요 (제어 문자 제외).`,
    } satisfies Record<CapacityField, string>,
    noSlots: (date: string) => `그 의료기관에는 ${date}에 접종 시간대가 없습니다.`,
    belowTaken: (times: string, minimum: number) =>
      `${times}에 이미 예약되었거나 잡아 둔 자리가 더 많습니다. ${minimum}명 이상으로 정해 주세요.`,
  },
  en: {
    title: "Operations (booking origin)",
    login: "Operator sign-in",
    token: "Operator token",
    signIn: "Sign in",
    signOut: "Sign out",
    badToken: "That token is not right.",
    bookings: "Bookings per minute (last 30 min)",
    overbooked: "Overbooked places",
    active: "Active bookings",
    cancelled: "Cancelled bookings",
    inFlight: "Requests in flight",
    peak: "Peak concurrent requests",
    outbox: "Notifications waiting",
    failing: "Failed, retrying",
    sent: "Sent",
    identity: "Identity checks (last 15 min)",
    started: "Codes sent",
    verified: "Verified",
    locked: "Locked by wrong codes",
    rejections: "Rejections by reason (since this process started)",
    fill: "Fill by region and date (7 days)",
    fillHelp: "Places taken / places offered. Days without slots (weekends, holidays) are left out.",
    noFill: "No slots in the next 7 days.",
    when: "When",
    target: "Clinic · date",
    change: "Change",
    by: "Who · why",
    failed: "The capacity could not be changed. Please try again in a moment.",
    region: "Region",
    capacityTitle: "Adjust a clinic's capacity",
    clinicId: "Clinic id",
    date: "Date",
    capacity: "People per slot",
    reason: "Reason",
    apply: "Apply",
    confirm: "Change it? The change is recorded.",
    changed: "Capacity changed.",
    audit: "Recent changes",
    none: "none",
    problems: "Please check what you entered.",
    fieldProblems: {
      clinicId: `clinicId must be a clinic's id, a whole number from 1 to ${INT4_MAX}.`,
      date: "date must be YYYY-MM-DD, a day of the calendar (e.g. 2026-11-24).",
      capacity: `capacity must be a whole number from 0 to ${MAX_CAPACITY} per half-hour.`,
      reason: `reason must say why, in ${REASON_MIN}–${REASON_MAX} characters (no control characters).`,
    } satisfies Record<CapacityField, string>,
    noSlots: (date: string) => `The clinic has no slots on ${date}.`,
    belowTaken: (times: string, minimum: number) => `Already taken or held beyond that at ${times}; choose at least ${minimum}.`,
  },
};

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
export function rejectionWords(byCode: Record<string, number>, lang: Lang): { reason: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const [code, n] of Object.entries(byCode)) {
    const reason = REJECTIONS[code]?.[lang] ?? (lang === "ko" ? "기타" : "other");
    counts.set(reason, (counts.get(reason) ?? 0) + n);
  }
  return [...counts].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count);
}

/** An instant in Korea time to the minute: "2026-12-01 20:00 (한국 시간)". */
export function koreaTime(at: Date | string, lang: Lang): string {
  return `${new Date(new Date(at).getTime() + 9 * 3600_000).toISOString().slice(0, 16).replace("T", " ")} ${lang === "ko" ? "(한국 시간)" : "(Korea time)"}`;
}

/**
 * How full a region's slots are on a date, in figures that mean something at any fill: the places taken of
 * the places offered, and the share to one decimal, or "under 0.1 %" when some are taken but fewer.
 */
export function fillFigure(taken: number, capacity: number, lang: Lang): { share: string; counts: string } {
  const nf = new Intl.NumberFormat(lang === "ko" ? "ko-KR" : "en-US");
  const pct = capacity > 0 ? (taken / capacity) * 100 : 0;
  const share = taken === 0 ? "0%" : pct < 0.1 ? (lang === "ko" ? "0.1% 미만" : "under 0.1%") : `${pct.toFixed(1)}%`;
  return { share, counts: `${nf.format(taken)} / ${nf.format(capacity)}` };
}
