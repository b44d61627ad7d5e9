/**
 * When simulated citizens arrive, as offsets (ms) from the start of a run. Pure and seeded, so a run can
 * be repeated and the curves tested:
 *   burst    opening night: most people click in the first seconds (arrival density falls off
 *            exponentially, half of everyone inside the first ~15 % of the window), the rest trickle in
 *   poisson  independent arrivals at a steady average rate (exponential gaps), users/arrival per second
 *   uniform  evenly spaced
 */
import { prng } from "../lib/prng";

export type ArrivalCurve = "burst" | "poisson" | "uniform";

/** The seeded PRNG the demo data uses, so a run can be repeated. */
export { prng as rng } from "../lib/prng";

/** Sorted arrival offsets in [0, windowMs] for `users` people. */
export function arrivalOffsets(users: number, windowMs: number, curve: ArrivalCurve, seed = 1): number[] {
  const random = prng(seed);
  const out: number[] = new Array(users);
  if (curve === "uniform") {
    for (let i = 0; i < users; i++) out[i] = users === 1 ? 0 : (i * windowMs) / (users - 1);
    return out;
  }
  if (curve === "burst") {
    // Truncated exponential on [0, window] with rate k/window: the density at the end is e^-k of the start.
    const k = 4.5;
    const norm = 1 - Math.exp(-k);
    for (let i = 0; i < users; i++) out[i] = (-Math.log(1 - random() * norm) / k) * windowMs;
    return out.sort((a, b) => a - b);
  }
  // Poisson process conditioned to end inside the window: exponential gaps, rescaled if they overrun.
  let t = 0;
  const meanGap = windowMs / users;
  for (let i = 0; i < users; i++) {
    t += -Math.log(1 - random()) * meanGap;
    out[i] = t;
  }
  const last = out[users - 1] ?? 0;
  if (last > windowMs) for (let i = 0; i < users; i++) out[i] = (out[i]! * windowMs) / last;
  return out;
}
