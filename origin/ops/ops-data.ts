/** What the operator page gives its script (ops.client.ts), as the JSON block with id OPS_DATA_ID. */
export const OPS_DATA_ID = "ops-data";

export interface OpsData {
  /** the chart's minutes (Korea time, HH:MM), oldest first, and the bookings in each */
  minutes: string[];
  counts: number[];
  /** the chart's words: the x axis, the series */
  when: string;
  bookings: string;
  /** the question asked before a capacity change is sent */
  confirm: string;
  /** whether the page reloads itself every 15 s (not while it shows a refused form) */
  refresh: boolean;
}
