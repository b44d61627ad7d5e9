/**
 * The harness's HTTP: one keep-alive connection pool per target (few sockets, one event loop, so tens of
 * thousands of simulated people fit on two cores), and a cookie jar per simulated person.
 */
import { Pool } from "undici";

export class Jar {
  private cookies = new Map<string, string>();

  /** Takes the Set-Cookie headers of a response (a Max-Age=0 cookie is removed). */
  take(setCookie: string | string[] | undefined): void {
    if (!setCookie) return;
    for (const line of Array.isArray(setCookie) ? setCookie : [setCookie]) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair!.indexOf("=");
      if (eq < 1) continue;
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (!value || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  has(name: string): boolean {
    return this.cookies.has(name);
  }

  header(): string {
    let out = "";
    for (const [k, v] of this.cookies) out += `${out ? "; " : ""}${k}=${v}`;
    return out;
  }
}

export interface Answer {
  status: number;
  body: any;
  ms: number;
}

/** The code recorded for a request `wrangler dev`'s proxy lost (not an answer of the system under test). */
export const DEV_PROXY_LOST = "dev_proxy_lost_request";

/** The code recorded for a request that got no complete answer within its timeout (a person's patience, a browser's limit). */
export const CLICK_TIMEOUT = "click_timeout";

/** How long a connection may sit idle before the harness closes it (undici's timers are coarse, about 1 s). */
export const IDLE_CONNECTION_MS = 2000;

export class Client {
  private pool: Pool;

  constructor(
    readonly base: string,
    connections: number,
  ) {
    // An idle connection is closed here before the server closes it: workerd (the edge, `wrangler dev`) hangs
    // up on a connection idle for 5 s without announcing it, and a request sent on it as it closes is reset.
    this.pool = new Pool(base, { connections, pipelining: 1, keepAliveTimeout: IDLE_CONNECTION_MS });
  }

  /**
   * One request. With `timeoutMs`, a request with no complete answer by then is abandoned (the connection's
   * request aborted) and answered `{status: 0, code: CLICK_TIMEOUT}` after exactly that long.
   */
  async call(
    method: "GET" | "POST",
    path: string,
    opts: { jar?: Jar; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<Answer> {
    const started = performance.now();
    const headers: Record<string, string> = { accept: "application/json", ...opts.headers };
    const cookie = opts.jar?.header();
    if (cookie) headers.cookie = cookie;
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    const signal = opts.timeoutMs === undefined ? undefined : AbortSignal.timeout(opts.timeoutMs);
    const limit = Math.max(60_000, (opts.timeoutMs ?? 0) + 1000);
    const answered = await this.pool
      .request({
        method,
        path,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        headersTimeout: limit,
        bodyTimeout: limit,
        signal,
      })
      .then(async (res) => {
        opts.jar?.take(res.headers["set-cookie"]);
        return { res, text: await res.body.text() };
      })
      .catch((err: unknown) => {
        if (signal?.aborted) return null;
        throw err;
      });
    if (!answered) return { status: 0, body: { code: CLICK_TIMEOUT }, ms: performance.now() - started };
    const { res, text } = answered;
    let body: any = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // Not our JSON (a proxy's or runtime's own error page): keep a few words of it to say whose.
      // wrangler dev's own proxy in front of workerd answers a POST it lost on the way with this text
      // (a known local-only fault, cloudflare/workers-sdk#14641): named, so the report can tell it apart.
      if (res.statusCode === 503 && text.startsWith("Your worker restarted mid-request")) {
        return { status: 503, body: { code: DEV_PROXY_LOST }, ms: performance.now() - started };
      }
      const words = text
        .replace(/<[^>]*>/g, " ")
        .replace(/\s+/g, " ")
        .trim()
        .slice(0, 40);
      body = { code: `${res.statusCode >= 500 ? "server_error" : "not_json"}${words ? ` (${words})` : ""}` };
    }
    return { status: res.statusCode, body, ms: performance.now() - started };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
