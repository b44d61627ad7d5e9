/**
 * Reservation numbers: 12 random Crockford base-32 characters (60 bits from the system CSPRNG) and a
 * check character (Luhn mod 32), shown as 4-4-5, e.g. `7KQM-3XPA-9RTDH`. The alphabet has no I, L, O or U,
 * so a number read aloud or typed from paper is hard to get wrong; parsing forgives lower case, spaces,
 * dashes and the look-alikes (O→0, I/L→1), and the check character catches any single wrong character
 * and nearly every swap of two neighbours (all but one pair of values), before the database is asked.
 */
import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const DATA_CHARS = 12;

function checkChar(data: string): string {
  // Luhn mod N over the data characters, rightmost doubled first.
  let sum = 0;
  let double = true;
  for (let i = data.length - 1; i >= 0; i--) {
    let v = ALPHABET.indexOf(data[i]!);
    if (double) {
      v *= 2;
      v = Math.floor(v / 32) + (v % 32);
    }
    sum += v;
    double = !double;
  }
  return ALPHABET[(32 - (sum % 32)) % 32]!;
}

/** A new reservation number, canonical form (13 characters, no separators). */
export function newReservationNumber(): string {
  const bytes = randomBytes(8);
  let bits = bytes.readBigUInt64BE() >> 4n; // 60 bits
  let data = "";
  for (let i = 0; i < DATA_CHARS; i++) {
    data = ALPHABET[Number(bits & 31n)] + data;
    bits >>= 5n;
  }
  return data + checkChar(data);
}

/** 7KQM3XPA9RTDH → 7KQM-3XPA-9RTDH */
export function formatReservationNumber(canonical: string): string {
  return `${canonical.slice(0, 4)}-${canonical.slice(4, 8)}-${canonical.slice(8)}`;
}

/**
 * What someone typed → the canonical number, or null when it cannot be one (wrong length, a character
 * outside the alphabet, or a check character that does not match: a typo).
 */
export function parseReservationNumber(input: string): string | null {
  const s = input
    .toUpperCase()
    .replace(/[\s\-–—.]/g, "")
    .replace(/O/g, "0")
    .replace(/[IL]/g, "1");
  if (s.length !== DATA_CHARS + 1) return null;
  for (const ch of s) if (!ALPHABET.includes(ch)) return null;
  return checkChar(s.slice(0, DATA_CHARS)) === s[DATA_CHARS] ? s : null;
}
