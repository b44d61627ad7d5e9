/** A browser without JavaScript for page tests: cookies kept, forms posted url-encoded, redirects not followed. */
import type { Bench } from "./booking";

export interface PageAnswer {
  status: number;
  location: string | null;
  html: string;
  setCookies: string[];
  headers: Headers;
}

export function pageBrowser(bench: Bench, cookie = "") {
  const jar = new Map<string, string>();
  for (const part of cookie.split(/;\s*/).filter(Boolean)) {
    const [k, ...v] = part.split("=");
    jar.set(k!, v.join("="));
  }
  return async function go(path: string, form?: Record<string, string>, headers: Record<string, string> = {}): Promise<PageAnswer> {
    const res = await bench.app.request(path, {
      method: form ? "POST" : "GET",
      headers: {
        "x-wr-pass": bench.pass,
        accept: "text/html",
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; "),
        ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
        ...headers,
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    const setCookies = res.headers.getSetCookie();
    for (const c of setCookies) {
      const [pair] = c.split(";");
      const [k, ...v] = pair!.split("=");
      if (/max-age=0/i.test(c)) jar.delete(k!);
      else jar.set(k!, v.join("="));
    }
    return { status: res.status, location: res.headers.get("location"), html: await res.text(), setCookies, headers: res.headers };
  };
}
