/**
 * What the operator console says, Korean first (the default) and English with ?lang=en: its labels, its
 * messages, and the autopilot's reasons in words (one sentence per reason code, with the numbers the
 * decision read; the audit log keeps the autopilot's own English sentence beside it).
 */
import { MAX_ACTIVE, MAX_POW_BITS, MAX_RATE_PER_SEC } from "../queue/admission";
import { type Phase, type ReasonCode, SETPOINT } from "../queue/autopilot";

/** The numbers a reason is told with (null: not measured, or not part of that decision). */
export interface ReasonNumbers {
  /** the rate in force after the decision */
  rate: number;
  p95Ms: number | null;
  targetP95Ms: number;
  minRate: number;
  maxRate: number;
  errors: number | null;
  forwarded: number | null;
}

/** A number as operators read it, with thousands separators and at most one decimal; "–" when unknown. */
export function figure(x: number | null | undefined): string {
  return x === null || x === undefined ? "–" : (Math.round(x * 10) / 10).toLocaleString("en-US");
}

const setpointOf = (n: ReasonNumbers) => figure(n.targetP95Ms * SETPOINT);

const REASONS_KO: Record<ReasonCode, (n: ReasonNumbers) => string> = {
  engaged: (n) =>
    `운영자가 자동 조절을 켰습니다 (초당 ${figure(n.minRate)}–${figure(n.maxRate)}명, 목표 p95 ${figure(n.targetP95Ms)}ms). 초당 ${figure(n.rate)}명에서 시작합니다.`,
  settings: (n) =>
    `운영자가 설정을 바꿨습니다 (초당 ${figure(n.minRate)}–${figure(n.maxRate)}명, 목표 p95 ${figure(n.targetP95Ms)}ms). 지금 초당 ${figure(n.rate)}명입니다.`,
  fixed: (n) => `운영자가 자동 조절을 껐습니다. 초당 ${figure(n.rate)}명으로 고정합니다.`,
  slow_start: (n) => `p95 ${figure(n.p95Ms)}ms: 아직 원서버에 대기가 생기지 않아 빠르게 늘립니다 (초당 ${figure(n.rate)}명).`,
  rise: (n) => `p95 ${figure(n.p95Ms)}ms가 기준 ${setpointOf(n)}ms보다 낮아 늘립니다 (초당 ${figure(n.rate)}명).`,
  fall: (n) => `p95 ${figure(n.p95Ms)}ms가 기준 ${setpointOf(n)}ms보다 높아 줄입니다 (초당 ${figure(n.rate)}명).`,
  latency_high: (n) => `p95 ${figure(n.p95Ms)}ms가 목표 ${figure(n.targetP95Ms)}ms를 넘어 빠르게 줄입니다 (초당 ${figure(n.rate)}명).`,
  errors: (n) =>
    `원서버로 보낸 요청 ${figure(n.forwarded)}건 중 ${figure(n.errors)}건이 실패(5xx, 시간 초과)해 줄입니다 (초당 ${figure(n.rate)}명).`,
  hold_band: (n) => `p95 ${figure(n.p95Ms)}ms가 기준 ${setpointOf(n)}ms 근처라 그대로 둡니다 (초당 ${figure(n.rate)}명).`,
  hold_settling: (n) => `p95 ${figure(n.p95Ms)}ms. 지난 변경의 효과가 나타나기를 기다립니다 (초당 ${figure(n.rate)}명).`,
  hold_demand: (n) => `p95 ${figure(n.p95Ms)}ms이지만 기다리는 분이 적어 늘리지 않습니다 (초당 ${figure(n.rate)}명).`,
  hold_ceiling: (n) => `상한인 초당 ${figure(n.maxRate)}명에 있습니다 (p95 ${figure(n.p95Ms)}ms).`,
  hold_floor: (n) => `하한인 초당 ${figure(n.minRate)}명에 있습니다 (p95 ${figure(n.p95Ms)}ms).`,
  hold_no_signal: (n) => `끝난 요청이 너무 적어(${figure(n.forwarded)}건) 판단하지 않고 그대로 둡니다 (초당 ${figure(n.rate)}명).`,
};

const REASONS_EN: Record<ReasonCode, (n: ReasonNumbers) => string> = {
  engaged: (n) =>
    `An operator turned the autopilot on (${figure(n.minRate)}–${figure(n.maxRate)}/s, target p95 ${figure(n.targetP95Ms)} ms), starting from ${figure(n.rate)}/s.`,
  settings: (n) =>
    `An operator changed the settings (${figure(n.minRate)}–${figure(n.maxRate)}/s, target p95 ${figure(n.targetP95Ms)} ms); the rate is ${figure(n.rate)}/s.`,
  fixed: (n) => `An operator turned the autopilot off: a fixed rate of ${figure(n.rate)}/s.`,
  slow_start: (n) => `p95 ${figure(n.p95Ms)} ms: no queue at the origin yet, so the rate grows fast (${figure(n.rate)}/s).`,
  rise: (n) => `p95 ${figure(n.p95Ms)} ms is under the ${setpointOf(n)} ms setpoint: the rate rises (${figure(n.rate)}/s).`,
  fall: (n) => `p95 ${figure(n.p95Ms)} ms is over the ${setpointOf(n)} ms setpoint: the rate falls (${figure(n.rate)}/s).`,
  latency_high: (n) =>
    `p95 ${figure(n.p95Ms)} ms is over the ${figure(n.targetP95Ms)} ms target: the rate falls fast (${figure(n.rate)}/s).`,
  errors: (n) =>
    `${figure(n.errors)} of ${figure(n.forwarded)} requests to the origin failed (5xx, timeouts): the rate falls (${figure(n.rate)}/s).`,
  hold_band: (n) => `p95 ${figure(n.p95Ms)} ms is near the ${setpointOf(n)} ms setpoint: the rate stays (${figure(n.rate)}/s).`,
  hold_settling: (n) => `p95 ${figure(n.p95Ms)} ms; waiting for the last change to show (${figure(n.rate)}/s).`,
  hold_demand: (n) => `p95 ${figure(n.p95Ms)} ms, but few people are waiting: the rate does not rise (${figure(n.rate)}/s).`,
  hold_ceiling: (n) => `At the ceiling, ${figure(n.maxRate)}/s (p95 ${figure(n.p95Ms)} ms).`,
  hold_floor: (n) => `At the floor, ${figure(n.minRate)}/s (p95 ${figure(n.p95Ms)} ms).`,
  hold_no_signal: (n) => `Too few requests finished (${figure(n.forwarded)}) to judge: the rate stays (${figure(n.rate)}/s).`,
};

/** A reason in the console's words; an unknown code (a newer counter) is shown as it came. */
export function reasonWords(l: ConsoleLang, code: string, n: ReasonNumbers): string {
  const say = (l === "en" ? REASONS_EN : REASONS_KO)[code as ReasonCode];
  return say ? say(n) : code;
}

/** An operator's change as the list of changes tells it: the settings of that moment are in the log's own sentence. */
const OPERATOR_CHANGES: Record<"ko" | "en", Partial<Record<ReasonCode, string>>> = {
  ko: {
    engaged: "운영자가 자동 조절을 켰습니다.",
    settings: "운영자가 자동 조절 설정을 바꿨습니다.",
    fixed: "운영자가 자동 조절을 껐습니다 (고정 속도).",
  },
  en: {
    engaged: "An operator turned the autopilot on.",
    settings: "An operator changed the autopilot's settings.",
    fixed: "An operator turned the autopilot off (a fixed rate).",
  },
};

/** A logged change in the console's words: an operator's in one sentence, the autopilot's with its numbers. */
export function changeWords(l: ConsoleLang, code: string, n: ReasonNumbers): string {
  return OPERATOR_CHANGES[l][code as ReasonCode] ?? reasonWords(l, code, n);
}

const PHASES: Record<"ko" | "en", Record<Phase, string>> = {
  ko: { start: "시작 단계 (빠르게 늘림)", steady: "안정 단계" },
  en: { start: "slow start", steady: "steady" },
};

export function phaseWords(l: ConsoleLang, phase: string): string {
  return PHASES[l][phase as Phase] ?? phase;
}

export const WORDS = {
  ko: {
    title: "대기열 운영 콘솔",
    lanes: "대기열",
    login: "운영자 로그인",
    token: "운영자 토큰",
    signIn: "로그인",
    signOut: "로그아웃",
    badToken: "토큰이 맞지 않습니다.",
    issued: "발급된 번호",
    serving: "입장 허용 번호",
    waiting: "대기 중",
    rate: "초당 입장",
    admittedPerSec: "실제 초당 입장",
    eta: "맨 뒤 예상 대기",
    state: "상태",
    running: "진행 중",
    paused: "일시 중지",
    setRate: "초당 입장 인원 설정",
    apply: "적용",
    pause: "입장 일시 중지",
    resume: "입장 재개",
    confirmTitle: "큰 변경을 확인해 주세요",
    confirmPause: "입장을 멈추면 줄 선 모든 분이 기다리게 됩니다. 멈추시겠습니까?",
    confirmRate: (from: number, to: number) => `초당 입장을 ${from}명에서 ${to}명으로 바꿉니다. 계속하시겠습니까?`,
    yes: "예, 적용합니다",
    no: "취소",
    badRate: `0 이상 ${MAX_RATE_PER_SEC} 이하의 숫자를 입력하세요.`,
    chart: "대기 인원과 초당 입장 (최근 5분)",
    other: "English",
    seconds: (s: number) => (s < 60 ? `${Math.round(s)}초` : s < 3600 ? `${Math.round(s / 60)}분` : `${(s / 3600).toFixed(1)}시간`),
    unknown: "알 수 없음 (멈춤)",
    shards: "카운터 수",
    opensAt: "개장 시각",
    notScheduled: "예약 없음",
    preQueued: "사전 대기 (개장 전 도착)",
    liveWaiting: "실제 대기 (이탈 제외)",
    scheduleOpening: "개장 시각 예약 (한국 시간)",
    schedule: "개장 예약",
    openNow: "지금 개장 (사전 대기 순서 추첨)",
    openingHelp:
      "개장 전에 온 분들은 개장 시각에 무작위 순서로 줄 앞에 서고, 그 뒤로는 도착 순서대로 섭니다. 추첨 씨앗의 해시는 지금 공개되고 씨앗은 개장 때 공개됩니다 (/_wr/fairness).",
    badOpening: "개장 시각을 날짜와 시각으로 입력해 주세요 (한국 시간).",
    openingPast: "개장 시각이 이미 지났습니다. 지금 열려면 '지금 개장'을 누르세요.",
    openingTooFar: "개장 시각은 지금부터 30일 이내로 정해 주세요.",
    beforeOpening: (n: string, at: string) => `개장 전 대기 ${n}명, 개장 ${at} (한국 시간)`,
    etaBeforeOpening: "개장 후 계산",
    scheduled: (at: string) => `개장 시각을 ${at}으로 예약했습니다. 추첨 씨앗의 해시(약속값)를 공정성 페이지에 공개했습니다.`,
    openedNow: "지금 개장했습니다. 사전 대기 순서를 추첨했고 씨앗을 공정성 페이지에 공개했습니다.",
    applied: "변경을 적용했습니다.",
    zone: "(한국 시간)",
    time: "시각 (한국 시간)",
    openingInProgress: "이전 개장의 사전 대기자가 아직 입장 중입니다. 모두 입장한 뒤에 다음 개장을 예약하세요.",
    pow: "자동 접속 방어 (새 대기번호에 계산 요구)",
    powHelp: "공격을 받을 때만 켜세요. 새로 오는 분의 기기가 대기번호를 받기 전에 몇 초 계산합니다. 이미 줄 선 분은 영향이 없습니다.",
    powOff: "끔",
    powApply: "방어 설정 적용",
    badPow: `방어 수준은 0(끔)부터 ${MAX_POW_BITS}비트까지 고를 수 있습니다.`,
    powLevel: (bits: number) => `${bits}비트 (약 ${Math.round(2 ** bits / 1000) / 10}만 번 계산)`,
    active: "입장 중 (활성 입장권)",
    maxActive: "동시 입장 상한",
    noCap: "상한 없음",
    setMaxActive: "동시 입장 상한 (비우면 상한 없음)",
    maxActiveHelp: "입장해 예약 중인 분이 이 수에 이르면, 한 분이 끝내고 나갈 때마다 한 분씩 들어옵니다. 이미 입장한 분은 영향이 없습니다.",
    applyCap: "상한 적용",
    badMaxActive: `동시 입장 상한은 0 이상 ${MAX_ACTIVE} 이하의 정수이거나, 비워 두어 상한 없음이어야 합니다.`,
    autopilot: "자동 조절 (autopilot)",
    autopilotHelp:
      "켜면 입장한 분들의 요청 지연(p95, 엣지에서 원서버까지)을 목표 아래로 유지하도록, 하한과 상한 사이에서 초당 입장을 매초 고릅니다. 초당 입장을 직접 정하면 자동 조절은 꺼집니다.",
    targetP95: "목표 p95 (ms)",
    minRate: "하한 (초당 입장)",
    maxRate: "상한 (초당 입장)",
    autopilotApply: "자동 조절 켜기 / 설정 적용",
    autopilotOff: "자동 조절 끄기 (지금 속도로 고정)",
    autopilotState: "자동 조절",
    apOn: (rate: string, phase: string) => `켜짐: 초당 ${rate}명 · ${phase}`,
    apOff: (rate: string) => `꺼짐: 초당 ${rate}명 고정`,
    apReason: "이유",
    apNoReason: "아직 판단 전입니다.",
    apChart: "자동 조절: 상한(점선)·선택한 속도·실제 입장 (초당, 왼쪽), 입장한 분들의 p95와 목표 (ms, 오른쪽)",
    apChosen: "선택한 속도",
    apCeiling: "상한",
    apP95: "p95 (ms)",
    apTarget: "목표 p95 (ms)",
    apChanges: "최근 변경 20건 (한국 시간)",
    apNoChanges: "기록된 변경이 없습니다.",
    apFullLog: "전체 변경 기록 (JSON)",
    apWhen: "시각",
    apRateChange: "초당 입장",
    confirmAutopilotOn: (min: number, max: number, target: number) =>
      `자동 조절을 켭니다: 초당 ${min}–${max}명 사이에서 목표 p95 ${target}ms를 지키도록 입장 속도를 스스로 바꿉니다. 계속하시겠습니까?`,
    confirmCeiling: (from: number, to: number) => `자동 조절의 상한을 초당 ${from}명에서 ${to}명으로 크게 낮춥니다. 계속하시겠습니까?`,
    badAutopilot: (minTarget: number, maxTarget: number) =>
      `목표 p95는 ${minTarget}–${maxTarget}ms의 정수, 하한과 상한은 0 이상 ${MAX_RATE_PER_SEC} 이하의 숫자이고, 하한은 상한보다 클 수 없습니다.`,
    places: "남은 자리 (열린 예약 기간)",
    placesUnknown: "알 수 없음",
    soldOut: "매진: 입장을 멈추고 기다리는 분께 안내 중",
    nextOpensAt: "다음 예약 시작",
    notSet: "미정",
  },
  en: {
    title: "Waiting-room console",
    lanes: "Lanes",
    login: "Operator sign-in",
    token: "Operator token",
    signIn: "Sign in",
    signOut: "Sign out",
    badToken: "That token is not right.",
    issued: "Numbers issued",
    serving: "Admitted up to",
    waiting: "Waiting",
    rate: "Rate per second",
    admittedPerSec: "Admitted per second",
    eta: "Wait at the back",
    state: "State",
    running: "running",
    paused: "paused",
    setRate: "Admissions per second",
    apply: "Apply",
    pause: "Pause entry",
    resume: "Resume entry",
    confirmTitle: "Confirm a big change",
    confirmPause: "Pausing makes everyone in line wait. Pause entry?",
    confirmRate: (from: number, to: number) => `Change the rate from ${from}/s to ${to}/s?`,
    yes: "Yes, apply it",
    no: "Cancel",
    badRate: `Enter a number from 0 to ${MAX_RATE_PER_SEC}.`,
    chart: "Waiting and admitted per second (last 5 minutes)",
    other: "한국어",
    seconds: (s: number) => (s < 60 ? `${Math.round(s)} s` : s < 3600 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`),
    unknown: "unknown (paused)",
    shards: "Counters",
    opensAt: "Opens at",
    notScheduled: "not scheduled",
    preQueued: "Pre-queue (came before opening)",
    liveWaiting: "Still waiting (abandoned left out)",
    scheduleOpening: "Schedule the opening (Korea time)",
    schedule: "Schedule opening",
    openNow: "Open now (draw the pre-queue's order)",
    openingHelp:
      "People who come before the opening are put at the front in a random order at the opening; after it, first come, first served. The draw's seed hash is published now and the seed at the opening (/_wr/fairness).",
    badOpening: "Enter the opening as a date and a time (Korea time).",
    openingPast: "That opening time has passed. To open now, use 'Open now'.",
    openingTooFar: "Choose an opening within 30 days from now.",
    beforeOpening: (n: string, at: string) => `Before opening: ${n} waiting, opens ${at} (Korea time)`,
    etaBeforeOpening: "counted after the opening",
    scheduled: (at: string) => `Opening scheduled for ${at}. The draw's seed hash (the commitment) is published on the fairness page.`,
    openedNow: "Opened now. The pre-queue's order is drawn and the seed is published on the fairness page.",
    applied: "Change applied.",
    zone: "(Korea time)",
    time: "Time (Korea)",
    openingInProgress:
      "People from the previous opening's pre-queue are still being admitted. Schedule the next opening once they are all in.",
    pow: "Bot defence (a calculation before each new place)",
    powHelp:
      "Switch on only under attack. A newcomer's device calculates for a few seconds before it gets a place. People already in line are not affected.",
    powOff: "off",
    powApply: "Apply defence setting",
    badPow: `The defence level is 0 (off) to ${MAX_POW_BITS} bits.`,
    powLevel: (bits: number) => `${bits} bits (about ${Math.round(2 ** bits / 1000)} thousand hashes)`,
    active: "Inside now (active passes)",
    maxActive: "Cap on people inside",
    noCap: "no cap",
    setMaxActive: "Cap on people inside at once (empty: no cap)",
    maxActiveHelp:
      "Once this many admitted people are inside, one more comes in each time one finishes. People already inside are not affected.",
    applyCap: "Apply cap",
    badMaxActive: `The cap is a whole number from 0 to ${MAX_ACTIVE}, or empty for no cap.`,
    autopilot: "Autopilot",
    autopilotHelp:
      "When on, it chooses the admission rate every second, between the floor and the ceiling, to hold admitted people's request latency (p95, edge to origin) under the target. Setting a rate by hand turns it off.",
    targetP95: "Target p95 (ms)",
    minRate: "Floor (per second)",
    maxRate: "Ceiling (per second)",
    autopilotApply: "Turn on / apply settings",
    autopilotOff: "Turn off (keep the rate in force)",
    autopilotState: "Autopilot",
    apOn: (rate: string, phase: string) => `on: ${rate}/s · ${phase}`,
    apOff: (rate: string) => `off: a fixed ${rate}/s`,
    apReason: "Why",
    apNoReason: "No decision yet.",
    apChart:
      "Autopilot: ceiling (dashed), chosen rate and admitted per second (left, /s); admitted people's p95 and the target (right, ms)",
    apChosen: "chosen rate",
    apCeiling: "ceiling",
    apP95: "p95 (ms)",
    apTarget: "target p95 (ms)",
    apChanges: "The last 20 changes (Korea time)",
    apNoChanges: "No changes recorded.",
    apFullLog: "The full log (JSON)",
    apWhen: "Time",
    apRateChange: "Rate per second",
    confirmAutopilotOn: (min: number, max: number, target: number) =>
      `Turn the autopilot on: it changes the rate by itself between ${min}/s and ${max}/s to hold a p95 of ${target} ms. Go on?`,
    confirmCeiling: (from: number, to: number) => `Lower the autopilot's ceiling from ${from}/s to ${to}/s, by more than half?`,
    badAutopilot: (minTarget: number, maxTarget: number) =>
      `The target p95 is a whole number from ${minTarget} to ${maxTarget} ms; the floor and ceiling are numbers from 0 to ${MAX_RATE_PER_SEC}, the floor no higher than the ceiling.`,
    places: "Places left (open booking window)",
    placesUnknown: "unknown",
    soldOut: "sold out: entry holds, people waiting are told",
    nextOpensAt: "Next window opens",
    notSet: "not set",
  },
};
export type ConsoleLang = keyof typeof WORDS;
