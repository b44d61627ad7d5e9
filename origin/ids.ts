/**
 * Identifiers a client sends (in a path, a query, a form or a JSON body), checked against the type of the
 * column they are looked up in before any SQL sees them: a value the column cannot hold is a client's
 * mistake (400), never a database error. serial/integer columns hold 1 … 2³¹−1; bigserial/bigint columns
 * are read as JavaScript numbers here, so their ids are the safe integers (1 … 2⁵³−1); uuid columns hold
 * exactly the 8-4-4-4-12 hex form.
 */

/** The largest value of a PostgreSQL `integer` (int4) column, which `serial` ids are. */
export const INT4_MAX = 2_147_483_647;

/** The column type an id is looked up in: `integer` for serial/integer, `bigint` for bigserial/bigint. */
export type IdColumn = "integer" | "bigint";

const MAX: Record<IdColumn, number> = { integer: INT4_MAX, bigint: Number.MAX_SAFE_INTEGER };

/**
 * A positive whole number the column can hold, or null. Takes a JSON number or a string of decimal digits
 * (a path segment or a form field); "1e3", "0x10", " 7" and "7.0" are not ids.
 */
export function parseId(value: unknown, column: IdColumn): number | null {
  let n: number;
  if (typeof value === "number") n = value;
  else if (typeof value === "string" && /^[0-9]{1,20}$/.test(value)) n = Number(value);
  else return null;
  return Number.isSafeInteger(n) && n >= 1 && n <= MAX[column] ? n : null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Is this a uuid a uuid column can hold (any version; either letter case)? */
export function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}
