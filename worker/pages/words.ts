/** What people waiting in line read: Korean first, English on request. */

export type Lang = "ko" | "en";
export const LANGS: Lang[] = ["ko", "en"];

export const messages = {
  ko: {
    title: "접속 대기 중 | 코로나19 예방접종 사전예약",
    heading: "접속 대기 중입니다",
    lead: "접속한 분이 많아 도착한 순서대로 입장합니다. 차례가 되면 자동으로 예약 화면으로 이동합니다.",
    myNumber: "나의 대기번호",
    ahead: "내 앞 대기",
    behind: "내 뒤 대기",
    people: "명",
    eta: "예상 대기시간",
    progress: "대기 진행률",
    paused: "운영자가 입장을 잠시 멈췄습니다. 순서는 그대로 유지되며, 다시 시작되면 자동으로 이어집니다.",
    admitted: "차례가 되었습니다. 예약 화면으로 이동합니다…",
    admittedHeading: "차례가 되었습니다",
    lineFor: "대기열: {service}",
    keepPlace: "새로고침하거나 새 창을 열어도, 잠시 창을 닫았다가 다시 와도 순서는 그대로 유지됩니다. 다시 줄을 서실 필요가 없습니다.",
    autoUpdate: "이 화면은 자동으로 갱신됩니다.",
    noScript: "자바스크립트가 꺼져 있어 이 화면은 {n}초마다 새로 고쳐집니다.",
    switchLabel: "English",
    rateLimited: "요청이 너무 많습니다. 잠시 후 다시 시도해 주세요.",
    preTitle: "예약 시작 전 | 코로나19 예방접종 사전예약",
    preHeading: "예약 시작 전입니다",
    preLead:
      "지금 기다리시면, 시작 시각에 미리 와 계신 모든 분과 함께 무작위 추첨으로 순서가 정해지고 시작 후에 오시는 분들보다 앞에 섭니다.",
    opensIn: "시작까지 남은 시간",
    preQueued: "함께 기다리는 분",
    preNote:
      "일찍 오셨다고, 또는 컴퓨터 시계를 맞추셨다고 순서가 유리해지거나 불리해지지 않습니다. 시각은 서버 시계로 정합니다. 이 화면을 그대로 두시면 시작 시각에 자동으로 대기 순서가 표시됩니다.",
    fairness: "순서 추첨 방법과 검증 안내",
    soldOutTitle: "자리가 모두 찼습니다 | 코로나19 예방접종 사전예약",
    soldOutHeading: "자리가 모두 찼습니다",
    soldOutLead: "지금 열린 예약 기간의 자리가 모두 찼습니다.",
    soldOutNext: "다음 예약은 {when}에 열립니다.",
    soldOutNone: "다음 예약 일정은 정해지는 대로 이 화면에 안내합니다.",
    soldOutKeep:
      "대기번호는 그대로 유지됩니다. 취소 등으로 자리가 다시 나거나 다음 예약이 열리면 순서대로 입장이 이어지며, 이 화면은 자동으로 갱신됩니다.",
    limitedTitle: "잠시 후 다시 시도해 주세요 | 코로나19 예방접종 사전예약",
    limitedHeading: "같은 곳에서 새 대기번호 요청이 너무 많습니다",
    limitedBody:
      "같은 인터넷 주소에서 짧은 시간에 대기번호를 여러 번 받으려고 했습니다. {n}초 뒤에 이 화면이 스스로 다시 시도합니다. 이미 대기번호를 받으셨다면 그 창에서 기다리시면 순서가 그대로 유지됩니다.",
    challengeTitle: "접속 확인 중 | 코로나19 예방접종 사전예약",
    challengeHeading: "접속을 확인하고 있습니다",
    challengeBody:
      "지금은 자동 접속 프로그램을 막기 위해, 대기번호를 드리기 전에 이 기기가 잠시 계산을 합니다. 보통 몇 초 걸리며, 끝나면 자동으로 대기 화면으로 넘어갑니다. 창을 닫지 말고 기다려 주세요.",
    challengeNoScript: "이 확인에는 자바스크립트가 필요합니다. 브라우저 설정에서 자바스크립트를 켠 뒤 새로고침해 주세요.",
    challengeUnsupported: "이 브라우저는 확인 계산을 지원하지 않습니다. 최신 브라우저로 다시 접속해 주세요.",
    originDownTitle: "잠시 후 다시 시도해 주세요 | 코로나19 예방접종 사전예약",
    originDownHeading: "예약 시스템이 잠시 응답하지 않습니다",
    originDownBody: "잠시 후 다시 시도해 주세요. 입장은 그대로 유지되니 다시 줄을 서실 필요가 없습니다.",
    originDownAuto: "{n}초 뒤에 이 화면이 스스로 다시 시도합니다.",
    originDownSent:
      "보내신 내용이 처리되었는지 확인하지 못했습니다. '예약하기'를 누르셨다면, 다시 하시기 전에 '예약 조회/취소'에서 예약되었는지 먼저 확인해 주세요.",
    originDownRetry: "지금 다시 시도",
    tryAgain: "다시 시도",
    passLimitedTitle: "잠시 후 자동으로 이어집니다 | 코로나19 예방접종 사전예약",
    passLimitedHeading: "요청이 너무 빠르게 들어왔습니다",
    passLimitedBody:
      "입장 한 번으로는 한 분이 누르실 수 있는 만큼만 요청할 수 있습니다. {n}초 뒤에 이 화면이 스스로 다시 시도합니다. 순서와 입장은 그대로 유지됩니다.",
    ticketUsedTitle: "이미 입장에 사용된 대기표 | 코로나19 예방접종 사전예약",
    ticketUsedHeading: "이 대기표로는 이미 입장하셨습니다",
    ticketUsedBody:
      "대기표 한 장으로는 한 번만 입장할 수 있습니다. 다른 창이나 기기에서 입장하셨다면 그 창에서 예약을 계속해 주세요. 이 창에서 입장하셨다면 다시 시도를 누르시면 이어집니다.",
  },
  en: {
    title: "Waiting to enter | COVID-19 vaccination pre-booking",
    heading: "You are in line",
    lead: "Many people are trying to book, so we let everyone in in the order they arrived. When it is your turn, the booking page opens by itself.",
    myNumber: "Your number",
    ahead: "Ahead of you",
    behind: "Behind you",
    people: "",
    eta: "Estimated wait",
    progress: "Progress in line",
    paused: "Operators have paused entry for a moment. You keep your place, and the line moves on by itself when it resumes.",
    admitted: "It is your turn. Opening the booking page…",
    admittedHeading: "It is your turn",
    lineFor: "Line for: {service}",
    keepPlace: "Refreshing, opening another tab, or closing this page and coming back keeps your place. There is no need to queue again.",
    autoUpdate: "This page updates itself.",
    noScript: "JavaScript is off, so this page reloads every {n} seconds.",
    switchLabel: "한국어",
    rateLimited: "Too many requests. Please try again shortly.",
    preTitle: "Before opening | COVID-19 vaccination pre-booking",
    preHeading: "Booking has not opened yet",
    preLead:
      "If you wait here, at the opening everyone already waiting is put in line in an order drawn at random, ahead of everyone who comes after the opening.",
    opensIn: "Opens in",
    preQueued: "Waiting with you",
    preNote:
      "Coming early, or setting your computer's clock, neither helps nor hurts your place: the server's clock decides. Leave this page open; your place in line appears by itself at the opening.",
    fairness: "How the order is drawn, and how to check it",
    soldOutTitle: "All places are taken | COVID-19 vaccination pre-booking",
    soldOutHeading: "All places are taken",
    soldOutLead: "All places in the booking window open now are taken.",
    soldOutNext: "The next window opens on {when} (Korea time).",
    soldOutNone: "The next window will be shown here as soon as it is set.",
    soldOutKeep:
      "You keep your place in line. If places come free (cancellations) or the next window opens, entry goes on in order, and this page updates itself.",
    limitedTitle: "Please try again shortly | COVID-19 vaccination pre-booking",
    limitedHeading: "Too many new places asked from here",
    limitedBody:
      "Your internet address asked for a new place in line several times in a short while. This page tries again by itself in {n} seconds. If you already have a place, wait in that window: it keeps your place.",
    challengeTitle: "Checking your connection | COVID-19 vaccination pre-booking",
    challengeHeading: "Checking your connection",
    challengeBody:
      "To keep automated programs out, your device does a short calculation before it gets a place in line. It usually takes a few seconds, then the waiting page opens by itself. Please keep this page open.",
    challengeNoScript: "This check needs JavaScript. Please switch JavaScript on in your browser and reload.",
    challengeUnsupported: "This browser cannot do the check. Please come back with an up-to-date browser.",
    originDownTitle: "Please try again in a moment | COVID-19 vaccination pre-booking",
    originDownHeading: "The booking service is not answering right now",
    originDownBody: "Please try again in a moment. You keep your admission, so there is no need to queue again.",
    originDownAuto: "This page tries again by itself in {n} seconds.",
    originDownSent:
      "We could not confirm whether what you sent was received. If you pressed 'Book', please check under 'Check or cancel a booking' before trying again.",
    originDownRetry: "Try again now",
    tryAgain: "Try again",
    passLimitedTitle: "Continuing in a moment | COVID-19 vaccination pre-booking",
    passLimitedHeading: "Requests came too fast",
    passLimitedBody:
      "One admission allows as many requests as one person makes. This page tries again by itself in {n} seconds; you keep your admission.",
    ticketUsedTitle: "Ticket already used | COVID-19 vaccination pre-booking",
    ticketUsedHeading: "This ticket has already been used to enter",
    ticketUsedBody:
      "A ticket lets one person in, once. If you entered in another window or on another device, please continue there. If you entered in this window, press Try again to go on.",
  },
} satisfies Record<Lang, Record<string, string>>;

/** The service each lane is the line for, as the waiting page names it; a lane not listed is the site itself. */
const SERVICES: Record<string, Record<Lang, string>> = {
  booking: { ko: "코로나19 예방접종 사전예약", en: "COVID-19 vaccination pre-booking" },
  lookup: { ko: "코로나19 예방접종 예약 조회·취소", en: "Checking or cancelling a COVID-19 vaccination booking" },
};

export function serviceName(lane: string, lang: Lang): string {
  return (SERVICES[lane] ?? SERVICES.booking!)[lang];
}

export function asLang(value: string | undefined): Lang {
  return value === "en" ? "en" : "ko";
}
