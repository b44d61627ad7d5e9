/** The waiting room's two cookies, and how responses carry them. */
import { generateCookie } from "hono/cookie";

export const TICKET_COOKIE = "wr_ticket";
export const PASS_COOKIE = "wr_pass";

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
