/**
 * The harness's simulated people: each run has its own, so a run never meets an earlier run's bookings (a
 * person who booked before is refused at hold time as `already_booked`, and a run of returning people would
 * book nothing while its report counted them booked).
 */
import { describe, expect, it } from "vitest";
import { newPeople, person } from "../../loadtest/citizen";
import { validateRrn } from "../../origin/identity/rrn";

describe("a run's people", () => {
  it("are new people in every run of one process: no phone or resident number of one run comes back in the next", () => {
    const runs = [newPeople(300), newPeople(240), newPeople(300)];
    const seen = new Map<string, number>();
    const rrns = new Set<string>();
    runs.forEach((people, run) => {
      for (let i = 0; i < [300, 240, 300][run]!; i++) {
        const who = person(people, i);
        expect(seen.get(who.phone), `phone ${who.phone} of run ${run} was in run ${seen.get(who.phone)}`).toBeUndefined();
        seen.set(who.phone, run);
        expect(rrns.has(who.rrn)).toBe(false);
        rrns.add(who.rrn);
      }
    });
  });

  it("are valid, and one phone always comes with the same person", () => {
    const people = newPeople(50);
    for (let i = 0; i < 50; i++) {
      const who = person(people, i);
      expect(validateRrn(who.rrn, "2026-12-01")).toMatchObject({ ok: true });
      expect(who.phone).toMatch(/^010\d{8}$/);
      expect(person(people, i)).toEqual(who);
    }
  });
});
