/**
 * The numbers of a colon-separated option ("5:60", "30:2000:1"); null when any is empty or not a finite
 * number (`Number("")` is 0: a typo such as "30:" must not read as zero).
 */
export function numberFields(text: string): number[] | null {
  const fields = text.split(":");
  if (fields.some((f) => !f.trim())) return null;
  const numbers = fields.map(Number);
  return numbers.every(Number.isFinite) ? numbers : null;
}
