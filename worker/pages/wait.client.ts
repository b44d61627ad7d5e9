/**
 * The waiting page's script. It polls /_wr/status at the interval the server asks for and updates the
 * figures in the words the server uses (format.ts); before an opening it counts the seconds down between
 * polls. Once admitted it stops saying the visitor is in line at once (heading, title and figures change)
 * and reloads; a 409 (the ticket was used already) reloads too, and the page then says so. While the
 * booking window has no places left (sold out) it keeps the sentence about the next window up to date; when
 * the state changes between the views (before the opening, in line, sold out) it reloads, and the server
 * renders the view that fits.
 * It reads everything from the page: the language from <html lang>, and from the card (#wr) the view
 * (data-state: before_open, sold_out, or none for the line), the lane (data-lane), where the line started
 * (data-start), the first poll (data-poll), the seconds to the opening (data-opens), the unit after a
 * number of people (data-people), the "your turn" heading (data-admitted) and the sold-out words
 * (data-sold-lead, data-sold-next with "{when}", data-sold-none).
 */
import { formatCountdown, formatEta, formatOpening, progressFigure } from "./format";

interface Status {
  state: string;
  seq: number;
  ahead: number;
  behind: number;
  etaSeconds: number | null;
  serving: number;
  pollAfterMs: number;
  opensInSeconds: number;
  preQueued: number;
  nextOpensAt?: string | null;
}

/** The view of the page a state is shown in: the waiting and paused states share the line's view. */
function viewOf(state: string | null): string {
  return state === "before_open" || state === "sold_out" ? state : "line";
}

const card = document.getElementById("wr");
if (card) waitingPage(card);

function waitingPage(root: HTMLElement): void {
  const lang = document.documentElement.lang;
  const start = +(root.getAttribute("data-start") ?? 0);
  const suffix = root.getAttribute("data-people") || "";
  const nf = window.Intl ? new Intl.NumberFormat(lang === "en" ? "en-US" : "ko-KR") : { format: String };
  let opensAt = Date.now() + (+(root.getAttribute("data-opens") ?? 0) || 0) * 1000;

  function set(id: string, v: string): void {
    const el = document.getElementById(id);
    if (el && el.textContent !== v) el.textContent = v;
  }
  function show(id: string, on: boolean): void {
    const el = document.getElementById(id);
    if (el) el.hidden = !on;
  }
  function people(n: number): string {
    return nf.format(n) + suffix;
  }
  function admitted(): void {
    const h = document.getElementById("wr-h");
    const words = root.getAttribute("data-admitted") || "";
    if (h) h.textContent = words;
    document.title = words;
    show("wr-figs", false);
    show("wr-prog", false);
    show("wr-paused", false);
    show("wr-sold", false);
    show("wr-msg", true);
    location.reload();
  }
  function later(ms: number): void {
    setTimeout(poll, Math.max(1000, ms || 5000));
  }
  function poll(): void {
    const x = new XMLHttpRequest();
    x.open("GET", "/_wr/status?lane=" + encodeURIComponent(root.getAttribute("data-lane") || ""), true);
    x.setRequestHeader("Accept", "application/json");
    x.onload = () => {
      if (x.status === 409) {
        location.reload();
        return;
      }
      let s: Status;
      try {
        s = JSON.parse(x.responseText);
      } catch {
        return later(5000);
      }
      if (x.status !== 200 || !s || !s.state) return later(5000);
      const view = viewOf(root.getAttribute("data-state"));
      if (view !== viewOf(s.state)) {
        if (s.state === "admitted") return admitted();
        location.reload();
        return;
      }
      if (view === "sold_out") {
        const next = s.nextOpensAt;
        const when = next
          ? (root.getAttribute("data-sold-next") || "").replace("{when}", formatOpening(next, lang, Date.now()))
          : root.getAttribute("data-sold-none") || "";
        set("wr-sold", (root.getAttribute("data-sold-lead") || "") + " " + when);
        set("wr-seq", nf.format(s.seq));
        return later(s.pollAfterMs);
      }
      if (view === "before_open") {
        opensAt = Date.now() + s.opensInSeconds * 1000;
        set("wr-countdown", formatCountdown(s.opensInSeconds));
        set("wr-pre", people(s.preQueued));
        return later(s.pollAfterMs);
      }
      if (s.state === "admitted") return admitted();
      set("wr-seq", nf.format(s.seq));
      set("wr-ahead", people(s.ahead));
      set("wr-behind", people(s.behind));
      set("wr-eta", formatEta(s.etaSeconds, lang));
      show("wr-paused", s.state === "paused");
      const p = document.getElementById("wr-progress");
      const span = s.seq - start;
      const pct = span > 0 ? Math.round(100 * Math.max(0, Math.min(1, (s.serving - start) / span))) : 0;
      const fig = progressFigure(people(s.ahead), formatEta(s.etaSeconds, lang), lang);
      if (p) {
        p.setAttribute("aria-valuenow", String(pct));
        p.setAttribute("aria-valuetext", pct + "% · " + fig);
        (p.firstChild as HTMLElement).style.width = pct + "%";
      }
      set("wr-pfig", fig + " · " + pct + "%");
      later(s.pollAfterMs);
    };
    x.onerror = () => {
      later(5000);
    };
    x.send();
  }

  if (root.getAttribute("data-state") === "before_open") {
    setInterval(() => {
      set("wr-countdown", formatCountdown((opensAt - Date.now()) / 1000));
    }, 1000);
  }
  later(+(root.getAttribute("data-poll") ?? 0));
}
