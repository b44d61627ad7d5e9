import { describe, expect, it } from "vitest";
import { formatReservationNumber, newReservationNumber, parseReservationNumber } from "../../origin/booking/numbers";

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

describe("reservation numbers", () => {
  it("are 13 characters of a readable alphabet, shown 4-4-5, and parse back", () => {
    const n = newReservationNumber();
    expect(n).toMatch(/^[0-9A-HJKMNP-TV-Z]{13}$/);
    const shown = formatReservationNumber(n);
    expect(shown).toMatch(/^.{4}-.{4}-.{5}$/);
    expect(parseReservationNumber(shown)).toBe(n);
    expect(parseReservationNumber(` ${shown.toLowerCase().replace(/-/g, " ")} `)).toBe(n);
  });

  it("carry 60 random bits: no repeats and every character used in every data position", () => {
    const seen = new Set<string>();
    const perPosition = Array.from({ length: 12 }, () => new Set<string>());
    for (let i = 0; i < 20_000; i++) {
      const n = newReservationNumber();
      seen.add(n);
      for (let p = 0; p < 12; p++) perPosition[p]!.add(n[p]!);
    }
    expect(seen.size).toBe(20_000);
    for (const chars of perPosition) expect(chars.size).toBe(32);
  });

  it("accept the usual look-alikes (O for 0, I and L for 1)", () => {
    let n = newReservationNumber();
    while (!/[01]/.test(n.slice(0, 12))) n = newReservationNumber();
    const typed = n.replace(/0/g, "O").replace(/1/g, "l");
    expect(parseReservationNumber(typed)).toBe(n);
  });

  it("catch every single wrong character and nearly every swap of neighbours", () => {
    let swapsCaught = 0;
    let swaps = 0;
    for (let k = 0; k < 200; k++) {
      const n = newReservationNumber();
      for (let p = 0; p < 13; p++) {
        for (const c of ALPHABET) {
          if (c === n[p]) continue;
          expect(parseReservationNumber(n.slice(0, p) + c + n.slice(p + 1))).toBeNull();
        }
        if (p < 12 && n[p] !== n[p + 1]) {
          swaps++;
          if (parseReservationNumber(n.slice(0, p) + n[p + 1] + n[p] + n.slice(p + 2)) === null) swapsCaught++;
        }
      }
    }
    expect(swapsCaught / swaps).toBeGreaterThan(0.99);
  });

  it("reject what cannot be a number", () => {
    for (const bad of ["", "123", "7KQM-3XPA-9RTD", "7KQM-3XPA-9RTDHH", "UUUU-UUUU-UUUUU", "7KQM-3XPA-9RT*H"]) {
      expect(parseReservationNumber(bad)).toBeNull();
    }
  });
});
