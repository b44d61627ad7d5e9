/** Time left as the countdowns show it, m:ss: the server renders it and the page's script keeps it running. */
export function formatLeft(seconds: number): string {
  const left = Math.max(0, Math.floor(seconds));
  const s = left % 60;
  return `${Math.floor(left / 60)}:${s < 10 ? "0" : ""}${s}`;
}
