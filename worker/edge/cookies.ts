/**
 * The waiting room's cookies (per lane), and how responses carry them: the ticket while waiting, the pass
 * while admitted, and the place record (which ticket was admitted, for the fairness page) for a week after.
 */
import { generateCookie } from "hono/cookie";

export const TICKET_COOKIE = "wr_ticket";
export const PASS_COOKIE = "wr_pass";
export const PLACE_COOKIE = "wr_place";
/** How long the place record is kept after the journey's last word (its admission, or its end). */
export const PLACE_COOKIE_MS = 7 * 86_400_000;

/** A lane's cookie names: the default lane's are plain, another lane's carry its name (wr_ticket_lookup). */
export function laneCookies(lane: string, defaultLane: string): { ticket: string; pass: string; place: string } {
  return lane === defaultLane
    ? { ticket: TICKET_COOKIE, pass: PASS_COOKIE, place: PLACE_COOKIE }
    : { ticket: `${TICKET_COOKIE}_${lane}`, pass: `${PASS_COOKIE}_${lane}`, place: `${PLACE_COOKIE}_${lane}` };
}

/**
 * The value of one of our own cookies in a Cookie header. Our tokens are base64url and dots, so there is
 * nothing to decode, and whatever comes back is verified by the token module anyway. Written out here
 * because it is on every poll: Hono's general parser (regex checks, URI decoding of every value) takes
 * 7.6 % of the poll path's CPU in a workerd profile.
 */
export function readCookie(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  let from = 0;
  while (from < header.length) {
    const at = header.indexOf(name, from);
    if (at === -1) return undefined;
    const before = at === 0 ? ";" : header[at - 1]!;
    if ((before === ";" || before === " ") && header[at + name.length] === "=") {
      const start = at + name.length + 1;
      const end = header.indexOf(";", start);
      return header.slice(start, end === -1 ? undefined : end).trim();
    }
    from = at + name.length;
  }
  return undefined;
}

/**
 * Every value of one of our cookies in a Cookie header, in order. A browser sends several cookies of one
 * name when they were set for different paths or domains (one may have been planted by another site on the
 * same domain): whichever of them is valid counts, not merely the first.
 */
export function readCookies(header: string | null | undefined, name: string): string[] {
  const out: string[] = [];
  if (!header) return out;
  let from = 0;
  while (from < header.length) {
    const at = header.indexOf(name, from);
    if (at === -1) break;
    const before = at === 0 ? ";" : header[at - 1]!;
    if ((before === ";" || before === " ") && header[at + name.length] === "=") {
      const start = at + name.length + 1;
      const end = header.indexOf(";", start);
      out.push(header.slice(start, end === -1 ? undefined : end).trim());
      if (end === -1) break;
      from = end;
    } else {
      from = at + name.length;
    }
  }
  return out;
}

/** HttpOnly and SameSite=Lax always; Secure whenever the visitor came over https. */
export function cookie(requestUrl: string, name: string, value: string, maxAgeMs: number): string {
  return generateCookie(name, value, {
    path: "/",
    httpOnly: true,
    sameSite: "Lax",
    secure: requestUrl.startsWith("https:"),
    maxAge: Math.max(0, Math.floor(maxAgeMs / 1000)),
  });
}

export function expiredCookie(requestUrl: string, name: string): string {
  return cookie(requestUrl, name, "", 0);
}

/** Adds Set-Cookie headers to any response, including a proxied one whose own cookies must survive. */
export function withCookies(res: Response, cookies: string[]): Response {
  if (cookies.length === 0) return res;
  const out = new Response(res.body, res);
  for (const c of cookies) out.headers.append("Set-Cookie", c);
  return out;
}
