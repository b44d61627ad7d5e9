/**
 * The proof of work a new arrival may be asked for (arrival-gate.ts): find a nonce n such that
 * SHA-256("<challenge>~<n>") starts with the asked number of zero bits, and send "<challenge>~<n>" in the
 * cookie POW_COOKIE. The edge checks an answer and the refusal page's script finds one with the same rule.
 */
export const POW_COOKIE = "wr_pow";

/** Leading zero bits of a hash. */
export function leadingZeroBits(bytes: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0) return n + Math.clz32(bytes[i]!) - 24;
    n += 8;
  }
  return n;
}
