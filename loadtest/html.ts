/**
 * The HTML report: one file that opens offline, with uPlot (the charting library, from npm) and its
 * stylesheet inlined. Charts: people waiting over time, admitted per second against the set rate, passes
 * active over time (against the cap, if any), origin latency p50/p95/p99 over time against the target (and
 * the origin's planned slowdown, if any), the rate and the latency together (the autopilot's ceiling dashed,
 * the rate in force and admitted per second on the left axis, admitted people's p95 and the target on the
 * right), time in line; then errors by code, the measured verdicts, and the autopilot's changes with their
 * reasons. The verdicts judge admitted people's experience too: the steady p95 against the target, and nobody
 * timing out.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { slowdownWords } from "./origin-control";
import type { Report } from "./run";

/** A chart's line: label, values, colour, and whether it is dashed and read on the right-hand axis (ms). */
type Line = [string, (number | null)[], string, { dash?: boolean; right?: boolean }?];
const line = (...l: Line): Line => l;

const require = createRequire(import.meta.url);

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function htmlReport(r: Report): string {
  const uplotJs = readFileSync(require.resolve("uplot/dist/uPlot.iife.min.js"), "utf8");
  const uplotCss = readFileSync(require.resolve("uplot/dist/uPlot.min.css"), "utf8");
  const verdicts: [string, string, boolean | null][] = [
    ["Overbooked slots (database)", String(r.overbooked ?? "not checked"), r.overbooked === null ? null : r.overbooked === 0],
    ["Order inversions", String(r.inversions), r.inversions === 0],
    ["5xx answers", String(r.errors5xx), r.errors5xx === 0],
    ["Requests lost by wrangler dev's local proxy (503, workers-sdk#14641; not in production)", String(r.devProxyLost), null],
    ["'Try again in a moment' (503, database or origin away) waited out and retried", String(r.unavailableRetried), null],
    [
      "Admitted / set rate (while backlogged)",
      r.admitRatio === null ? "never backlogged" : r.admitRatio.toFixed(3),
      r.admitRatio === null ? null : r.admitRatio >= 0.9 && r.admitRatio <= 1.1,
    ],
    [
      `Live people admitted / set rate (abandoned places skipped; from ${r.liveAdmitFromSec} s, over ${r.liveAdmitSeconds} s)`,
      r.liveAdmitRatio === null ? "not backlogged then" : r.liveAdmitRatio.toFixed(3),
      r.liveAdmitRatio === null ? null : r.liveAdmitRatio >= 0.9 && r.liveAdmitRatio <= 1.1,
    ],
    ["Admitted but could not finish", String(r.droppedAfterAdmit), r.droppedAfterAdmit === 0],
    [
      `Admitted people's requests: p95 after the first 20 s (target ${r.targetP95Ms} ms)`,
      `${r.originP95SteadyMs} ms`,
      r.originP95SteadyMs <= r.targetP95Ms,
    ],
    [
      `Admitted people who gave up after a click got no answer in ${r.settings.clickTimeoutMs / 1000} s`,
      String(r.timedOutAfterAdmit),
      r.timedOutAfterAdmit === 0,
    ],
  ];
  const figures: [string, string][] = [
    ["Simulated people", String(r.users)],
    ["Admitted", String(r.admitted)],
    ["Booked", String(r.booked)],
    [
      "Booked per second (from the first admission to the last booking)",
      r.bookedPerSec === null || r.bookingSpanSec === null
        ? "nobody booked"
        : `${r.bookedPerSec.toFixed(2)} (${r.bookingSpanSec[0]}–${r.bookingSpanSec[1]} s)`,
    ],
    ["Gave up while waiting", String(r.abandoned)],
    ["Still going at the time limit", String(r.unfinished)],
    ["Could not take a place", String(r.failedToQueue)],
    ["Origin latency p50 / p95 / p99", `${r.originP50Ms} / ${r.originP95Ms} / ${r.originP99Ms} ms`],
    ["Peak concurrent requests at the origin", r.originPeakConcurrent === null ? "not measured" : String(r.originPeakConcurrent)],
    [
      "Time in line p50 / p95 / max",
      `${r.timeInLineSec.p50.toFixed(1)} / ${r.timeInLineSec.p95.toFixed(1)} / ${r.timeInLineSec.max.toFixed(1)} s`,
    ],
    [
      "Scheduled opening",
      r.opensAtSec === null ? "none" : `at ${r.opensAtSec} s, ${r.preQueued ?? "?"} people in the pre-queue, drawn at random`,
    ],
    [
      "Active passes: peak / at the end (cap)",
      r.activePassesPeak === null ? "not reported" : `${r.activePassesPeak} / ${r.activePassesAtEnd} (${r.maxActive ?? "no cap"})`,
    ],
    [
      "Origin slowdown (development origin: extra time per identity check)",
      r.originSlowdown.length
        ? r.originSlowdown.map((x) => `from ${x.atSec} s: ${slowdownWords(x)}${x.applied ? "" : " (not applied)"}`).join("; ")
        : "none",
    ],
    ["Run time", `${r.durationSec} s`],
  ];
  const dropped = Object.entries(r.droppedReasons).sort((a, b) => b[1] - a[1]);
  const errors = Object.entries(r.errorsByCode).sort((a, b) => b[1] - a[1]);
  const s = r.series;
  const autopilotOn = r.autopilot !== null || s.chosenRate.some((x) => x !== null);
  const rateAndLatency: Line[] = [
    ...(s.ceiling.some((x) => x !== null) ? [line("ceiling", s.ceiling, "#b00020", { dash: true })] : []),
    autopilotOn ? line("chosen rate", s.chosenRate, "#b07a00") : line("set rate", s.setRate, "#b07a00"),
    line("admitted/s", s.admittedPerSec, "#0b7a3e"),
    line("p95 (ms, measured here)", s.originP95, "#0b4f9c", { right: true }),
    ...(s.edgeP95.some((x) => x !== null) ? [line("p95 (ms, the edge's signal)", s.edgeP95, "#6a3d9a", { right: true })] : []),
    line(
      "target p95 (ms)",
      s.second.map(() => r.targetP95Ms),
      "#555555",
      { dash: true, right: true },
    ),
  ];
  const charts: { id: string; title: string; x: number[]; series: Line[]; labels?: string[] }[] = [
    { id: "waiting", title: "People waiting", x: s.second, series: [line("waiting", s.waiting, "#0b4f9c")] },
    {
      id: "admitted",
      title: "Admitted per second against the set rate",
      x: s.second,
      series: [line("admitted/s", s.admittedPerSec, "#0b7a3e"), line("set rate", s.setRate, "#b00020")],
    },
    {
      id: "active",
      title: "Active passes (admitted, not yet done or expired)",
      x: s.second,
      series: [
        line("active passes", s.activePasses, "#6a3d9a"),
        ...(r.maxActive !== null
          ? [
              line(
                "cap",
                s.second.map(() => r.maxActive),
                "#b00020",
              ),
            ]
          : []),
      ],
    },
    {
      id: "latency",
      title: "Origin latency (ms) through the edge, against the target",
      x: s.second,
      series: [
        line("p50", s.originP50, "#0b4f9c"),
        line("p95", s.originP95, "#b07a00"),
        line("p99", s.originP99, "#b00020"),
        line(
          "target p95",
          s.second.map(() => r.targetP95Ms),
          "#555555",
        ),
        ...(r.originSlowdown.length ? [line("identity check slowdown", s.identityCheckExtraMs, "#6a3d9a")] : []),
      ],
    },
    {
      id: "rate",
      title: autopilotOn
        ? "The autopilot: ceiling, chosen rate and admitted per second (left, /s); admitted people's p95 against the target (right, ms)"
        : "The set rate and admitted per second (left, /s); admitted people's p95 against the target (right, ms)",
      x: s.second,
      series: rateAndLatency,
    },
    {
      id: "line",
      title: "Time in line (s): people per bucket",
      x: s.timeInLine.map((b) => b[0]),
      series: [
        line(
          "people",
          s.timeInLine.map((b) => b[1]),
          "#5b3a9c",
        ),
      ],
    },
    ...(errors.length
      ? [
          {
            id: "errors",
            title: "Errors by code",
            x: errors.map((_, i) => i),
            series: [
              line(
                "count",
                errors.map((e) => e[1]),
                "#b00020",
              ),
            ],
            labels: errors.map((e) => e[0]),
          },
        ]
      : []),
  ];
  const script = `var charts=${JSON.stringify(charts).replace(/</g, "\\u003c")};
charts.forEach(function(c){var el=document.getElementById(c.id);
var right=c.series.some(function(s){return s[3]&&s[3].right});
new uPlot({title:c.title,width:Math.min(900,el.clientWidth||900),height:260,scales:{x:{time:false,range:c.labels?[-0.5,c.labels.length-0.5]:undefined},ms:{}},
series:[{label:c.id==="line"?"seconds in line":c.labels?"code":"second of the run",value:c.labels?function(u,v){return c.labels[v]||""}:undefined}].concat(c.series.map(function(s){var o=s[3]||{};return c.id==="line"||c.labels?{label:s[0],stroke:s[2],fill:s[2]+"55",width:1,paths:uPlot.paths.bars({size:[0.9]}),points:{show:false}}:{label:s[0],stroke:s[2],width:2,dash:o.dash?[8,5]:undefined,scale:o.right?"ms":undefined}})),
axes:[c.labels?{values:function(u,vs){return vs.map(function(v){return v%1===0?(c.labels[v]||"").slice(0,24):""})}}:{},{size:70}].concat(right?[{scale:"ms",side:1,size:70,grid:{show:false}}]:[])},[c.x].concat(c.series.map(function(s){return s[1]})),el);});`;
  const row = (cells: string[], tag = "td") => `<tr>${cells.map((x) => `<${tag}>${esc(x)}</${tag}>`).join("")}</tr>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Load test: ${r.users} people, ${esc(r.autopilot ? `autopilot ${r.autopilot.minRate}–${r.autopilot.maxRate}/s` : `rate ${r.settings.rate ?? "as set"}`)}</title>
<style>${uplotCss}
body{font:16px/1.5 system-ui,"Noto Sans",Arial,sans-serif;margin:0;padding:1rem 1.5rem;color:#111;max-width:60rem}
h1{font-size:1.5rem}table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border-bottom:1px solid #ccd;padding:.3rem .8rem;text-align:left}
.ok{color:#0b7a3e;font-weight:700}.bad{color:#b00020;font-weight:700}.na{color:#555}.chart{margin:1rem 0 2rem}</style></head>
<body><h1>Opening-night rehearsal</h1>
<p>${esc(`${r.users} people arriving over ${r.settings.arrivalSec} s (${r.settings.curve}), rate ${r.settings.rate ?? "unchanged"}/s${r.settings.ratePlan.length ? `, plan ${r.settings.ratePlan.map(([t, v]) => `${t}s→${v}/s`).join(", ")}` : ""}, ${r.autopilot ? `, the autopilot on (target p95 ${r.autopilot.targetP95Ms} ms, ${r.autopilot.minRate}–${r.autopilot.maxRate}/s)` : ""}, ${Math.round(r.settings.abandon * 100)} % give up while waiting, think time ${r.settings.thinkMs} ms, click timeout ${r.settings.clickTimeoutMs / 1000} s, against ${r.settings.target}.`)}</p>
<h2>Verdicts (measured)</h2><table>${verdicts.map(([k, v, ok]) => `<tr><td>${esc(k)}</td><td class="${ok === null ? "na" : ok ? "ok" : "bad"}">${esc(v)}</td></tr>`).join("")}</table>
<h2>Figures</h2><table>${figures.map((f) => row(f)).join("")}</table>
${charts.map((c) => `<div class="chart" id="${c.id}"></div>`).join("\n")}
<h2>Errors by code</h2><table>${errors.length ? row(["where, status, code", "count"], "th") + errors.map(([k, v]) => row([k, String(v)])).join("") : "<tr><td>none</td></tr>"}</table>
<h2>The autopilot's changes</h2>${autopilotTable(r)}
<h2>Why admitted people could not finish</h2><table>${dropped.length ? dropped.map(([k, v]) => row([k, String(v)])).join("") : "<tr><td>everyone admitted finished</td></tr>"}</table>
<script>${uplotJs}</script><script>${script}</script>
</body></html>
`;
}

/** The autopilot's changes in the run, oldest first, each with its reason; or why there are none. */
function autopilotTable(r: Report): string {
  if (r.autopilot === null && !r.autopilotChanges.length) return "<p>The autopilot was off: a fixed rate.</p>";
  if (!r.autopilotChanges.length) return "<p>No changes were recorded.</p>";
  const rate = (x: number | null) => (x === null ? "?" : `${x}/s`);
  const rows = r.autopilotChanges.map(
    (c) => `<tr><td>${c.atSec} s</td><td>${esc(`${rate(c.from)} → ${rate(c.to)}`)}</td><td>${esc(c.code)}</td><td>${esc(c.text)}</td></tr>`,
  );
  return `<table><tr><th>second</th><th>rate</th><th>reason</th><th>in words</th></tr>${rows.join("")}</table>`;
}
