/**
 * The development origin's slowdown, driven by a rehearsal (`--origin-slowdown`): from given seconds of the
 * run, each identity check takes extra time, optionally on a limited number of lines of the simulated
 * carrier (a capacity: past it, checks queue), through the origin's `POST /api/dev/slowdown` (development
 * mode only, operator token). The plan is text, "SECONDS:EXTRA_MS[:LINES],...", e.g. "30:2000" or
 * "30:50:2,90:0".
 */
import { numberFields } from "./number-fields";

export interface SlowdownStep {
  /** seconds from the start of the run */
  atSec: number;
  identityCheckExtraMs: number;
  /** checks the simulated carrier answers at once; null: no limit */
  identityCheckLines: number | null;
}

/** "+100 ms, 2 at a time": one step of the plan in words (the time it starts aside). */
export function slowdownWords(step: Omit<SlowdownStep, "atSec">): string {
  if (step.identityCheckExtraMs === 0) return "back to normal";
  const lines = step.identityCheckLines;
  return `+${step.identityCheckExtraMs.toLocaleString("en-US")} ms${lines === null ? "" : `, ${lines.toLocaleString("en-US")} at a time`}`;
}

/** The plan, or the reason it cannot be read. */
export function parseSlowdownPlan(text: string): SlowdownStep[] | { problem: string } {
  if (!text.trim()) return [];
  const steps: SlowdownStep[] = [];
  for (const part of text.split(",")) {
    const fields = numberFields(part.trim()) ?? [];
    const [at, extra, lines] = fields;
    const ok =
      (fields.length === 2 || fields.length === 3) &&
      Number.isFinite(at) &&
      at! >= 0 &&
      Number.isInteger(extra) &&
      extra! >= 0 &&
      extra! <= 60_000 &&
      (fields.length === 2 || (Number.isInteger(lines) && lines! >= 1));
    if (!ok)
      return {
        problem:
          'write it as "seconds:extraMs" or "seconds:extraMs:lines", comma-separated, e.g. "30:2000" or "30:50:2,90:0" (extraMs 0–60000)',
      };
    steps.push({ atSec: at!, identityCheckExtraMs: extra!, identityCheckLines: fields.length === 3 ? lines! : null });
  }
  return steps.sort((a, b) => a.atSec - b.atSec);
}

/** Sets the origin's slowdown; true when the origin took it. */
export async function setSlowdown(origin: string, token: string, step: Omit<SlowdownStep, "atSec">): Promise<boolean> {
  try {
    const res = await fetch(`${origin}/api/dev/slowdown`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ identityCheckExtraMs: step.identityCheckExtraMs, identityCheckLines: step.identityCheckLines }),
    });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}
