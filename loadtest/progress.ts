/**
 * One rehearsal run as the command line shows it: a new peak measurement at the origin (best effort: the
 * report says if it was not measured), a progress bar of the people through the run, then the report.
 */
import { Presets, SingleBar } from "cli-progress";
import { type LoadOptions, type Report, runLoadTest } from "./run";

export async function runWithProgress(opts: LoadOptions): Promise<Report> {
  await fetch(`${opts.origin}/ops/peak/reset`, { method: "POST", headers: { authorization: `Bearer ${opts.token}` } }).catch(() => {});
  const bar = new SingleBar(
    {
      format: "{bar} {percentage}% | done {value}/{total} | arrived {arrived} | admitted {admitted} | booked {booked} | waiting {waiting}",
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 5000,
    },
    Presets.shades_classic,
  );
  bar.start(opts.users, 0, { arrived: 0, admitted: 0, booked: 0, waiting: 0 });
  try {
    return await runLoadTest(opts, (p) => bar.update(p.done, p));
  } finally {
    bar.stop();
  }
}
