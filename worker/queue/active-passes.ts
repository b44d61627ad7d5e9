/**
 * Live passes of one counter, counted without a list of them: how many expire in each minute. A pass counts
 * from its minting until the minute it expires in has passed (at most a minute late); renewing it moves it
 * to its new minute, revoking it takes it out. State: one small count per minute a pass may still live
 * (about as many as the pass's longest life in minutes), persisted by the counter with its schedule.
 */
const MINUTE_MS = 60_000;

const minuteOf = (exp: number) => Math.ceil(exp / MINUTE_MS);

export class ActivePasses {
  private byMinute = new Map<number, number>();

  constructor(stored?: [number, number][]) {
    for (const [minute, n] of stored ?? []) if (n > 0) this.byMinute.set(minute, n);
  }

  /** A pass that expires at `exp` is live now (nothing is added for one that has already expired). */
  add(exp: number, now: number): void {
    if (exp <= now) return;
    const m = minuteOf(exp);
    this.byMinute.set(m, (this.byMinute.get(m) ?? 0) + 1);
  }

  /** A pass that was to expire at `exp` ends early (renewed to a new expiry, or revoked). */
  remove(exp: number, now: number): void {
    const m = minuteOf(exp);
    if (m * MINUTE_MS <= now) return;
    const n = this.byMinute.get(m) ?? 0;
    if (n <= 1) this.byMinute.delete(m);
    else this.byMinute.set(m, n - 1);
  }

  /** Passes still live at `now`; minutes that have passed are forgotten. */
  count(now: number): number {
    let sum = 0;
    for (const [m, n] of this.byMinute) {
      if (m * MINUTE_MS <= now) this.byMinute.delete(m);
      else sum += n;
    }
    return sum;
  }

  toJSON(): [number, number][] {
    return [...this.byMinute];
  }
}
