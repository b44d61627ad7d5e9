/**
 * A [vars] value of wrangler.toml, for what runs beside the edge and must agree with it (the origin's lane
 * table). Reads the one-line `NAME = '...'` or `NAME = "..."` form the file uses.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const WRANGLER_TOML = fileURLToPath(new URL("../wrangler.toml", import.meta.url));

export function wranglerVar(name: string): string | undefined {
  const text = readFileSync(WRANGLER_TOML, "utf8");
  const m = text.match(new RegExp(`^${name}\\s*=\\s*(?:'([^'\\n]*)'|"((?:[^"\\\\\\n]|\\\\.)*)")\\s*$`, "m"));
  return m ? (m[1] ?? JSON.parse(`"${m[2]}"`)) : undefined;
}
