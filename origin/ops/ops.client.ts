/**
 * The operator page's script: the bookings-per-minute chart (uPlot, loaded before this script), a
 * confirmation before a capacity change is sent, and a reload every 15 s while nobody is typing. Its data
 * comes from the page's JSON block (ops-data.ts); without JavaScript the page shows the same figures.
 */
import type uPlot from "uplot";
import { OPS_DATA_ID, type OpsData } from "./ops-data";

declare global {
  interface Window {
    uPlot: typeof uPlot;
  }
}

const block = document.getElementById(OPS_DATA_ID);
const data = block ? (JSON.parse(block.textContent || "{}") as OpsData) : null;
const chart = document.getElementById("bookings-chart");

if (data && chart && window.uPlot) {
  const labels = data.minutes;
  const label = (i: number) => labels[i] || "";
  const width = () => Math.min(720, chart.clientWidth || 320);
  const plot = new window.uPlot(
    {
      width: width(),
      height: 220,
      series: [
        { label: data.when, value: (_u, v) => label(v) },
        { label: data.bookings, stroke: "#0b4f9c", width: 2, fill: "rgba(11,79,156,.1)" },
      ],
      axes: [{ values: (_u, vs) => vs.map(label) }, {}],
      scales: { x: { time: false } },
    },
    [labels.map((_, i) => i), data.counts],
    chart,
  );
  window.addEventListener("resize", () => plot.setSize({ width: width(), height: 220 }));
}

const form = document.getElementById("capacity-form");
if (data && form) {
  form.addEventListener("submit", (e) => {
    if (!confirm(data.confirm)) e.preventDefault();
  });
}

if (data?.refresh) {
  setTimeout(() => {
    if (!document.activeElement || document.activeElement === document.body) location.reload();
  }, 15000);
}
