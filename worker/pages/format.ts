/**
 * How the waiting page words its figures, used by the server when it renders the page and by the page's
 * script when it updates it, so both say the same thing.
 */

/** What the progress bar says in words: the people ahead and the wait ("앞에 12명 · 약 1분"). `ahead` is already formatted with its unit. */
export function progressFigure(ahead: string, eta: string, lang: string): string {
  return lang === "en" ? ahead + " ahead · " + eta : "앞에 " + ahead + " · " + eta;
}

/** Wait time in plain words. */
export function formatEta(seconds: number | null, lang: string): string {
  const ko = lang !== "en";
  if (seconds === null) return ko ? "일시 중지 중" : "paused";
  if (seconds < 60) return ko ? "1분 이내" : "under a minute";
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return ko ? "약 " + minutes + "분" : "about " + minutes + " min";
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (ko) return "약 " + h + "시간" + (m ? " " + m + "분" : "");
  return "about " + h + " h" + (m ? " " + m + " min" : "");
}

/** A countdown as h:mm:ss or m:ss. */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const two = (n: number) => (n < 10 ? "0" : "") + n;
  return h > 0 ? h + ":" + two(m) + ":" + two(r) : m + ":" + two(r);
}

const WEEKDAYS_KO = ["일", "월", "화", "수", "목", "금", "토"];
const WEEKDAYS_EN = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS_EN = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
/** Korea time is UTC+9 all year (no daylight saving). */
const KOREA_OFFSET_MS = 9 * 3600 * 1000;

/**
 * A moment in Korea time, as the waiting page says when the next booking window opens:
 * "7월 26일(월) 오후 8시" / "Mon 26 July, 8 pm" (minutes when not on the hour; the year when it is not the
 * year of `now`). An unreadable time is given back as it came.
 */
export function formatOpening(iso: string, lang: string, now?: number): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const d = new Date(t + KOREA_OFFSET_MS);
  const year = d.getUTCFullYear();
  const showYear = now !== undefined && new Date(now + KOREA_OFFSET_MS).getUTCFullYear() !== year;
  const month = d.getUTCMonth();
  const day = d.getUTCDate();
  const weekday = d.getUTCDay();
  const hour = d.getUTCHours();
  const minute = d.getUTCMinutes();
  const h12 = hour % 12 === 0 ? 12 : hour % 12;
  if (lang === "en") {
    const clock = h12 + (minute ? ":" + (minute < 10 ? "0" : "") + minute : "") + (hour < 12 ? " am" : " pm");
    return WEEKDAYS_EN[weekday] + " " + day + " " + MONTHS_EN[month] + (showYear ? " " + year : "") + ", " + clock;
  }
  const part = hour === 0 ? "밤" : hour === 12 ? "낮" : hour < 12 ? "오전" : "오후";
  return (
    (showYear ? year + "년 " : "") +
    (month + 1) +
    "월 " +
    day +
    "일(" +
    WEEKDAYS_KO[weekday] +
    ") " +
    part +
    " " +
    h12 +
    "시" +
    (minute ? " " + minute + "분" : "")
  );
}
