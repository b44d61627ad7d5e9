/**
 * Static files the edge serves from /_wr/assets/ (the waiting page's style and script, the console's
 * charting library). Names carry a hash of the content, so browsers may cache them forever and a changed
 * file gets a new URL.
 */
export const ASSETS: Record<string, { type: string; body: string }> = {};

/** FNV-1a, for content-addressed asset names. */
function contentHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}

/** Registers a file and returns its URL path. */
export function asset(name: string, ext: "js" | "css", body: string): string {
  const path = `/_wr/assets/${name}.${contentHash(body)}.${ext}`;
  ASSETS[path] = { type: ext === "js" ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8", body };
  return path;
}
