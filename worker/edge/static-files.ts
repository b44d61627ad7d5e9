/**
 * Files every browser asks for on its own, answered by the edge itself: they never pass the waiting room,
 * so asking for them never takes a place in line.
 *   /favicon.ico   a 16×16 icon (the site's blue, a white cross), built once per isolate
 *   /robots.txt    nothing behind the waiting room is for crawlers; the fairness page is
 *   /apple-touch-icon.png, /apple-touch-icon-precomposed.png   not provided: 404 without a place
 */
const BLUE = [0x9c, 0x4f, 0x0b, 0xff]; // BGRA of #0b4f9c
const WHITE = [0xff, 0xff, 0xff, 0xff];

/** An ICO file holding one 16×16, 32-bit image. */
function icon(): Uint8Array {
  const size = 16;
  const pixels = size * size * 4;
  const mask = size * 4; // 1 bit per pixel, rows padded to 4 bytes
  const image = 40 + pixels + mask;
  const out = new Uint8Array(6 + 16 + image);
  const v = new DataView(out.buffer);
  v.setUint16(2, 1, true); // type: icon
  v.setUint16(4, 1, true); // one image
  out[6] = size;
  out[7] = size;
  v.setUint16(10, 1, true); // planes
  v.setUint16(12, 32, true); // bits per pixel
  v.setUint32(14, image, true);
  v.setUint32(18, 22, true); // offset of the image
  const h = 22;
  v.setUint32(h, 40, true); // BITMAPINFOHEADER
  v.setInt32(h + 4, size, true);
  v.setInt32(h + 8, size * 2, true); // colour and mask, stacked
  v.setUint16(h + 12, 1, true);
  v.setUint16(h + 14, 32, true);
  v.setUint32(h + 20, pixels + mask, true);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const cross = (x >= 6 && x <= 9 && y >= 3 && y <= 12) || (y >= 6 && y <= 9 && x >= 3 && x <= 12);
      out.set(cross ? WHITE : BLUE, h + 40 + (y * size + x) * 4);
    }
  }
  return out;
}

const ROBOTS = "User-agent: *\nAllow: /_wr/fairness\nDisallow: /\n";

let favicon: Uint8Array | undefined;

export const STATIC_PATHS = ["/favicon.ico", "/robots.txt", "/apple-touch-icon.png", "/apple-touch-icon-precomposed.png"];

/** The edge's own answer for one of STATIC_PATHS, or undefined for any other path. */
export function staticFile(path: string): Response | undefined {
  if (path === "/favicon.ico") {
    favicon ??= icon();
    return new Response(favicon, { headers: { "content-type": "image/x-icon", "cache-control": "public, max-age=86400" } });
  }
  if (path === "/robots.txt") {
    return new Response(ROBOTS, { headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "public, max-age=86400" } });
  }
  if (STATIC_PATHS.includes(path)) {
    return new Response("Not found", {
      status: 404,
      headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "public, max-age=86400" },
    });
  }
  return undefined;
}
