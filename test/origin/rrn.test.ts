import { describe, expect, it } from "vitest";
import { checkDigit, validateRrn } from "../../origin/identity/rrn";

const TODAY = "2026-11-25";
const check = (rrn: string) => validateRrn(rrn, TODAY);

/** Builds a number with a correct check digit from its first 12 digits. */
const withCheck = (first12: string) => first12 + checkDigit(first12);

describe("resident registration number", () => {
  it.each([
    ["971013-9019902", "1897-10-13", "M"],
    ["940812-1001751", "1994-08-12", "M"],
    ["940822-1001740", "1994-08-22", "M"],
    ["650101-1000076", "1965-01-01", "M"],
    ["050715-4000020", "2005-07-15", "F"],
  ])("accepts DOMAIN.md's valid example %s", (rrn, birthDate, sex) => {
    expect(check(rrn)).toMatchObject({ ok: true, birthDate, sex });
  });

  it.each(["971013-9019903", "850803-1056740"])("rejects DOMAIN.md's bad check digit %s", (rrn) => {
    expect(check(rrn)).toMatchObject({ ok: false, code: "rrn_checksum" });
  });

  it("reads every century and sex digit", () => {
    const cases: [string, string, "M" | "F", boolean][] = [
      ["9", "1865-03-04", "M", false],
      ["0", "1865-03-04", "F", false],
      ["1", "1965-03-04", "M", false],
      ["2", "1965-03-04", "F", false],
      ["3", "2015-03-04", "M", false],
      ["4", "2015-03-04", "F", false],
      ["5", "1965-03-04", "M", true],
      ["6", "1965-03-04", "F", true],
      ["7", "2015-03-04", "M", true],
      ["8", "2015-03-04", "F", true],
    ];
    for (const [g, birthDate, sex, foreigner] of cases) {
      const yy = birthDate.slice(2, 4);
      expect(check(withCheck(`${yy}0304${g}12345`)), g).toMatchObject({ ok: true, birthDate, sex, foreigner });
    }
  });

  it("accepts the number with or without the hyphen, and masks it", () => {
    expect(check("6501011000076")).toMatchObject({ ok: true, masked: "650101-1******", digits: "6501011000076" });
    expect(check(" 650101 1000076 ")).toMatchObject({ ok: true });
  });

  it.each(["", "650101-100007", "650101-10000761", "65O101-1000076", "650101--1000076", "abcdef-ghijklm", "000000-0000000x"])(
    "rejects the shape of %j",
    (rrn) => {
      expect(check(rrn)).toMatchObject({ ok: false, code: "rrn_format" });
    },
  );

  it("rejects impossible dates, with leap days done right", () => {
    expect(check(withCheck("650230112345"))).toMatchObject({ ok: false, code: "rrn_date" }); // Feb 30
    expect(check(withCheck("651301112345"))).toMatchObject({ ok: false, code: "rrn_date" }); // month 13
    expect(check(withCheck("650001112345"))).toMatchObject({ ok: false, code: "rrn_date" }); // month 0
    expect(check(withCheck("650100112345"))).toMatchObject({ ok: false, code: "rrn_date" }); // day 0
    expect(check(withCheck("000000300000"))).toMatchObject({ ok: false, code: "rrn_date" }); // Japan's 000000
    expect(check(withCheck("650229112345"))).toMatchObject({ ok: false, code: "rrn_date" }); // 1965 not leap
    expect(check(withCheck("640229112345"))).toMatchObject({ ok: true, birthDate: "1964-02-29" });
    expect(check(withCheck("000229312345"))).toMatchObject({ ok: true, birthDate: "2000-02-29" }); // 2000 leap
    expect(check(withCheck("000229912345"))).toMatchObject({ ok: false, code: "rrn_date" }); // 1800 not leap
  });

  it("rejects a century digit that would put the birth date in the future", () => {
    expect(check(withCheck("300101312345"))).toMatchObject({ ok: false, code: "rrn_century" }); // 2030
    expect(check(withCheck("261126412345"))).toMatchObject({ ok: false, code: "rrn_century" }); // tomorrow
    expect(check(withCheck("261125412345"))).toMatchObject({ ok: true, birthDate: "2026-11-25" }); // today
  });

  it("enforces the check digit before 2020-10-05 and accepts random numbers from then on", () => {
    const bad = (first12: string) => first12 + ((checkDigit(first12) + 1) % 10);
    expect(check(bad("201004312345"))).toMatchObject({ ok: false, code: "rrn_checksum" });
    expect(check(bad("201005312345"))).toMatchObject({ ok: true, birthDate: "2020-10-05" });
    expect(check(bad("230615487654"))).toMatchObject({ ok: true, birthDate: "2023-06-15" });
  });

  it("never puts the number in a message", () => {
    for (const rrn of ["850803-1056740", "650230-1123456", "300101-3123456", "12345"]) {
      const r = check(rrn);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.message).not.toMatch(/\d{6}/);
    }
  });
});
