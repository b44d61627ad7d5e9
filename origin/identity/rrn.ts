/**
 * Korean resident registration numbers (주민등록번호), YYMMDD-GNNNNNC, checked the way DOMAIN.md says:
 *   shape      13 digits, with or without the hyphen after the birth date
 *   G          the century and sex digit: 9/0 1800s, 1/2 1900s, 3/4 2000s, 5/6 and 7/8 foreigners
 *              (1900s, 2000s); odd is male
 *   date       a real calendar date, not after today (Asia/Seoul)
 *   C          check digit: S = Σ dᵢ·wᵢ (w = 2..9,2..5), C = (11 − S mod 11) mod 10, enforced for birth
 *              dates before 2020-10-05; numbers issued since then are random after G, so a mismatch
 *              is accepted for people born on or after that day
 * Each rejection has its own code and says why. The number itself never goes into a message.
 */

export type RrnRejection = "rrn_format" | "rrn_date" | "rrn_century" | "rrn_checksum";

export type RrnResult =
  | { ok: true; digits: string; birthDate: string; sex: "M" | "F"; foreigner: boolean; masked: string }
  | { ok: false; code: RrnRejection; message: string };

const WEIGHTS = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5] as const;
/** From this birth date on, numbers carry random digits after G and the check digit proves nothing. */
export const RANDOM_RRN_SINCE = "2020-10-05";

const CENTURY: Record<string, { century: number; foreigner: boolean }> = {
  "9": { century: 1800, foreigner: false },
  "0": { century: 1800, foreigner: false },
  "1": { century: 1900, foreigner: false },
  "2": { century: 1900, foreigner: false },
  "3": { century: 2000, foreigner: false },
  "4": { century: 2000, foreigner: false },
  "5": { century: 1900, foreigner: true },
  "6": { century: 1900, foreigner: true },
  "7": { century: 2000, foreigner: true },
  "8": { century: 2000, foreigner: true },
};

export function checkDigit(first12: string): number {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * WEIGHTS[i]!;
  return (11 - (sum % 11)) % 10;
}

function isRealDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= days;
}

/** Shows only the birth date and G: 650101-1******. */
export function maskRrn(digits: string): string {
  return `${digits.slice(0, 6)}-${digits[6]}******`;
}

/** `today` is the server's date in Asia/Seoul, YYYY-MM-DD. */
export function validateRrn(input: string, today: string): RrnResult {
  const compact = input.trim().replace(/^(\d{6})[-\s]?(\d{7})$/, "$1$2");
  if (!/^\d{13}$/.test(compact)) {
    return { ok: false, code: "rrn_format", message: "A resident registration number has 13 digits: YYMMDD-GNNNNNN." };
  }
  const g = compact[6]!;
  const { century, foreigner } = CENTURY[g]!;
  const y = century + Number(compact.slice(0, 2));
  const m = Number(compact.slice(2, 4));
  const d = Number(compact.slice(4, 6));
  if (!isRealDate(y, m, d)) {
    return { ok: false, code: "rrn_date", message: "The birth date in the resident registration number is not a real date." };
  }
  const birthDate = `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
  if (birthDate > today) {
    return {
      ok: false,
      code: "rrn_century",
      message: "The 7th digit (century and sex) does not fit the birth date: it would be in the future.",
    };
  }
  if (birthDate < RANDOM_RRN_SINCE && checkDigit(compact) !== Number(compact[12])) {
    return {
      ok: false,
      code: "rrn_checksum",
      message: "The last digit of the resident registration number does not match; please check for a typo.",
    };
  }
  return {
    ok: true,
    digits: compact,
    birthDate,
    sex: Number(g) % 2 === 1 ? "M" : "F",
    foreigner,
    masked: maskRrn(compact),
  };
}
