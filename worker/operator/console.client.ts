/**
 * The operator console's script: draws the charts (uPlot, loaded by the page before this script) from the
 * counters' samples of the last five minutes (/history), then reads the live numbers every second (/stats),
 * adding a point and updating the figures; times are Korea time. The autopilot's chart plots its ceiling
 * (dashed), the rate it chose and admitted per second on the left axis, and the p95 it read with its target
 * on the right (ms); its state, reason and last changes are kept in words. A form that makes a big change (a
 * pause, a rate change of more than half, turning the autopilot on or cutting its ceiling by more than half:
 * console-shared.ts, the rules the server applies too) asks first, and says it was confirmed. It reads the
 * language from <html lang> and the lane from the chart (data-lane).
 */
import type UPlot from "uplot";
import {
  type AutopilotChangeShown,
  type AutopilotSettingsView,
  type AutopilotShown,
  beforeOpening,
  changeReasonNumbers,
  currentReasonNumbers,
  isBig,
  isBigAutopilot,
  koreaClock,
  koreaClockSeconds,
  koreaDateTime,
} from "./console-shared";
import { changeWords, figure, phaseWords, reasonWords, WORDS } from "./console-words";

declare const uPlot: typeof UPlot;

/** A lane's numbers, as /_wr/admin/stats answers them (the fields this script reads). */
interface Stats {
  issued: number;
  serving: number;
  waiting: number;
  liveWaiting: number;
  ratePerSec: number;
  paused: boolean;
  opensAt: string | null;
  preQueued: number;
  activePasses: number;
  maxActive: number | null;
  autopilot: AutopilotShown | null;
  placesLeft: number | null;
  placesLeftAtLeast?: boolean;
  soldOut: boolean;
  nextOpensAt: string | null;
  at: string;
}

/** One of the counters' samples, as /_wr/admin/history answers them. */
interface Sample {
  t: number;
  issued: number;
  serving: number;
  ratePerSec: number;
  active: number;
  p95Ms?: number | null;
  chosenRate?: number | null;
  ceiling?: number | null;
}

const chart = document.getElementById("chart");
if (chart) dashboard(chart);

function dashboard(el: HTMLElement): void {
  const l = document.documentElement.lang === "en" ? "en" : "ko";
  const w = WORDS[l];
  const lane = encodeURIComponent(el.getAttribute("data-lane") || "");
  const xs: number[] = [];
  const waiting: number[] = [];
  const admitted: number[] = [];
  const rates: number[] = [];
  const actives: number[] = [];
  // The autopilot's chart: its ceiling, its chosen rate, the p95 it read and its target (null: off then).
  const ceilings: (number | null)[] = [];
  const chosen: (number | null)[] = [];
  const p95s: (number | null)[] = [];
  let targets: (number | null)[] = [];
  let target: number | null = null;
  let last: { serving: number; t: number } | null = null;
  let cur: Stats | null = null;

  const plot = new uPlot(
    {
      width: Math.min(860, el.clientWidth || 320),
      height: 260,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), "Asia/Seoul"),
      scales: {
        x: {
          time: true,
          range: (_u, min, max) => [Math.min(min, max - 60), max + 1],
        },
      },
      series: [
        { label: w.time },
        { label: w.waiting, stroke: "#0b4f9c", width: 2, scale: "n" },
        { label: w.admittedPerSec, stroke: "#0b7a3e", width: 2, scale: "r" },
        { label: w.rate, stroke: "#b00020", width: 1, dash: [6, 4], scale: "r" },
        { label: w.active, stroke: "#6a3d9a", width: 2, scale: "n" },
      ],
      axes: [{}, { scale: "n", size: 70 }, { scale: "r", side: 1, size: 60, grid: { show: false } }],
    },
    [xs, waiting, admitted, rates, actives],
    el,
  );
  const apEl = document.getElementById("ap-chart");
  const apPlot = apEl
    ? new uPlot(
        {
          width: Math.min(860, apEl.clientWidth || 320),
          height: 260,
          tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), "Asia/Seoul"),
          scales: { x: { time: true, range: (_u, min, max) => [Math.min(min, max - 60), max + 1] } },
          series: [
            { label: w.time },
            { label: w.apCeiling, stroke: "#b00020", width: 1, dash: [6, 4], scale: "r" },
            { label: w.apChosen, stroke: "#b07a00", width: 2, scale: "r" },
            { label: w.admittedPerSec, stroke: "#0b7a3e", width: 2, scale: "r" },
            { label: w.apP95, stroke: "#0b4f9c", width: 2, scale: "ms" },
            { label: w.apTarget, stroke: "#555555", width: 1, dash: [2, 4], scale: "ms" },
          ],
          axes: [{}, { scale: "r", size: 60 }, { scale: "ms", side: 1, size: 70, grid: { show: false } }],
        },
        [xs, ceilings, chosen, admitted, p95s, targets],
        apEl,
      )
    : null;
  window.addEventListener("resize", () => {
    plot.setSize({ width: Math.min(860, el.clientWidth || 320), height: 260 });
    if (apPlot && apEl) apPlot.setSize({ width: Math.min(860, apEl.clientWidth || 320), height: 260 });
  });

  function set(id: string, v: string): void {
    const e = document.getElementById(id);
    if (e) e.textContent = v;
  }

  /** Adds a point at `t` (seconds) and returns the admissions per second since the last one (undefined if not newer). */
  function point(
    t: number,
    issued: number,
    serving: number,
    rate: number,
    active: number,
    ap: { ceiling: number | null; chosen: number | null; p95: number | null },
  ): number | undefined {
    if (xs.length && t <= xs[xs.length - 1]!) return undefined;
    const a = last ? Math.max(0, (serving - last.serving) / Math.max(0.001, t - last.t)) : 0;
    last = { serving: serving, t: t };
    xs.push(t);
    waiting.push(issued - serving);
    admitted.push(Math.round(a * 10) / 10);
    rates.push(rate);
    actives.push(active);
    ceilings.push(ap.ceiling);
    chosen.push(ap.chosen);
    p95s.push(ap.p95);
    while (xs.length && xs[0]! < t - 300) {
      xs.shift();
      waiting.shift();
      admitted.shift();
      rates.shift();
      actives.shift();
      ceilings.shift();
      chosen.shift();
      p95s.shift();
    }
    return a;
  }

  /** The autopilot's last changes, newest first, as rows of the table (rebuilt when a new one comes). */
  let shownChanges = "";
  function changes(list: AutopilotChangeShown[], settings: AutopilotSettingsView | null): void {
    const body = document.getElementById("ap-changes");
    const key = list.length ? list[0]!.at + "|" + list.length : "";
    if (!body || key === shownChanges) return;
    shownChanges = key;
    while (body.firstChild) body.removeChild(body.firstChild);
    const row = (cells: string[], title?: string) => {
      const tr = document.createElement("tr");
      for (let i = 0; i < cells.length; i++) {
        const td = document.createElement("td");
        td.textContent = cells[i]!;
        if (cells.length === 1) td.colSpan = 3;
        if (title && i === cells.length - 1) td.title = title;
        tr.appendChild(td);
      }
      body.appendChild(tr);
    };
    if (!list.length || !settings) {
      row([w.apNoChanges]);
      return;
    }
    for (let i = 0; i < list.length && i < 20; i++) {
      const c = list[i]!;
      const words = l === "en" ? c.text : changeWords(l, c.code, changeReasonNumbers(c, settings));
      row([koreaClockSeconds(Date.parse(c.at)), figure(c.from) + " → " + figure(c.to), words], c.text);
    }
  }

  /** The autopilot's state, reason and changes in words. */
  function autopilot(s: Stats): void {
    const a = s.autopilot;
    set("ap-status", a ? w.apOn(figure(a.rate), phaseWords(l, a.phase)) : w.apOff(figure(s.ratePerSec)));
    set("ap-reason", a?.reason ? reasonWords(l, a.reason.code, currentReasonNumbers(a)) : w.apNoReason);
    changes(a ? a.changes : [], a ? { targetP95Ms: a.targetP95Ms, minRate: a.minRate, maxRate: a.maxRate } : null);
  }

  function tick(): void {
    const x = new XMLHttpRequest();
    x.open("GET", "/_wr/admin/stats?lane=" + lane, true);
    x.onload = () => {
      if (x.status !== 200) return;
      const s: Stats = JSON.parse(x.responseText);
      cur = s;
      const t = Date.parse(s.at) / 1000;
      const pre = beforeOpening(s);
      const ap = s.autopilot;
      target = ap ? ap.targetP95Ms : null;
      const a =
        point(t, s.issued, s.serving, s.paused || pre ? 0 : s.ratePerSec, s.activePasses, {
          ceiling: ap ? ap.maxRate : null,
          chosen: ap ? ap.rate : null,
          p95: ap?.signal ? ap.signal.p95Ms : null,
        }) ?? 0;
      plot.setData([xs, waiting, admitted, rates, actives]);
      if (apPlot) {
        targets = xs.map(() => target);
        apPlot.setData([xs, ceilings, chosen, admitted, p95s, targets]);
      }
      autopilot(s);
      set("s-places", s.placesLeft === null ? w.placesUnknown : (s.placesLeftAtLeast ? "≥ " : "") + s.placesLeft.toLocaleString("en-US"));
      set("s-next", s.nextOpensAt ? koreaDateTime(Date.parse(s.nextOpensAt)) + " " + w.zone : w.notSet);
      set("s-active", s.activePasses.toLocaleString());
      set("s-max", s.maxActive === null ? w.noCap : s.maxActive.toLocaleString());
      set("s-issued", s.issued.toLocaleString());
      set("s-serving", s.serving.toLocaleString());
      set("s-waiting", s.waiting.toLocaleString());
      set("s-rate", String(s.ratePerSec));
      set("s-live", s.liveWaiting.toLocaleString());
      set("s-pre", s.preQueued.toLocaleString());
      set("s-admitted", String(Math.round(a)));
      set(
        "s-state",
        pre
          ? w.beforeOpening(s.preQueued.toLocaleString(), koreaClock(Date.parse(s.opensAt!)))
          : s.soldOut
            ? w.soldOut
            : s.paused
              ? w.paused
              : w.running,
      );
      set("s-eta", pre ? w.etaBeforeOpening : s.paused || !s.ratePerSec ? w.unknown : w.seconds(s.liveWaiting / s.ratePerSec));
    };
    x.send();
  }

  // The chart starts from the counters' own samples, then the live readings follow every second.
  const h = new XMLHttpRequest();
  h.open("GET", "/_wr/admin/history?lane=" + lane, true);
  h.onloadend = () => {
    try {
      const list: Sample[] = h.status === 200 ? JSON.parse(h.responseText).samples : [];
      for (let i = 0; i < list.length; i++) {
        const p = list[i]!;
        point(p.t / 1000, p.issued, p.serving, p.ratePerSec, p.active, {
          ceiling: p.ceiling ?? null,
          chosen: p.chosenRate ?? null,
          p95: p.p95Ms ?? null,
        });
      }
    } catch {
      // no history: the chart starts with the first live reading
    }
    tick();
    setInterval(tick, 1000);
  };
  h.send();

  const forms = document.querySelectorAll<HTMLFormElement>("form[data-big]");
  for (let i = 0; i < forms.length; i++) {
    forms[i]!.addEventListener("submit", (e) => {
      const f = e.target as HTMLFormElement;
      let ok = true;
      const kind = f.getAttribute("data-big");
      if (kind === "pause") ok = confirm(w.confirmPause);
      else if (cur && kind === "rate") {
        const to = +(f.elements.namedItem("ratePerSec") as HTMLInputElement).value;
        if (isBig(cur, { ratePerSec: to })) ok = confirm(w.confirmRate(cur.ratePerSec, to));
      } else if (cur && kind === "autopilot") {
        const num = (name: string) => +(f.elements.namedItem(name) as HTMLInputElement).value;
        const settings = { targetP95Ms: num("targetP95Ms"), minRate: num("minRate"), maxRate: num("maxRate") };
        if (isBigAutopilot(cur, { autopilot: settings })) {
          ok = confirm(
            cur.autopilot
              ? w.confirmCeiling(cur.autopilot.maxRate, settings.maxRate)
              : w.confirmAutopilotOn(settings.minRate, settings.maxRate, settings.targetP95Ms),
          );
        }
      }
      if (!ok) {
        e.preventDefault();
        return;
      }
      const confirmed = document.createElement("input");
      confirmed.type = "hidden";
      confirmed.name = "confirmed";
      confirmed.value = "1";
      f.appendChild(confirmed);
    });
  }
}
