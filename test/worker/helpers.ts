/** Small helpers for the worker tests: a browser-like cookie jar and the operator API. */
import { env, reset, SELF } from "cloudflare:test";
import { forget } from "../../worker/edge/snapshot";

export const BASE = "http://wr.test";
export const LANE = "booking";

/** Cookies as a browser keeps them: later Set-Cookie replaces, Max-Age=0 deletes. */
export class Jar {
  private cookies = new Map<string, string>();
  constructor(init?: Record<string, string>) {
    for (const [k, v] of Object.entries(init ?? {})) this.cookies.set(k, v);
  }
  take(res: Response): this {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = decodeURIComponent(pair!.slice(eq + 1).trim());
      if (attrs.some((a) => a.trim().toLowerCase() === "max-age=0")) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return this;
  }
  get(name: string): string | undefined {
    return this.cookies.get(name);
  }
  set(name: string, value: string): void {
    this.cookies.set(name, value);
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("; ");
  }
}

/** A visit as a browser would make it, carrying and updating the jar. */
export async function visit(jar: Jar, path = "/", headers: Record<string, string> = {}) {
  const res = await SELF.fetch(`${BASE}${path}`, { headers: { cookie: jar.header(), ...headers }, redirect: "manual" });
  jar.take(res);
  return res;
}

export async function visitJson(jar: Jar, path = "/api/pass") {
  const res = await visit(jar, path, { accept: "application/json" });
  return { res, body: (await res.json()) as Record<string, any> };
}

export async function operator(path: string, body?: unknown, token = env.OPERATOR_TOKEN) {
  return SELF.fetch(`${BASE}/_wr/admin${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** A clean line for each test: storage wiped and this isolate's snapshot dropped. */
export async function freshQueue(change?: { ratePerSec?: number; paused?: boolean }) {
  await reset();
  forget(LANE, 0);
  if (change) {
    const res = await operator("/config", change);
    if (res.status !== 200) throw new Error(`config failed: ${res.status} ${await res.text()}`);
  }
}

/** The fields of a token's payload (`T|lane|shard|seq|...` or `P|lane|seq|exp|shard|adm|end`), read without verifying. */
export function payload(token: string): string[] {
  const part = token.split(".")[1]!;
  return atob(part.replace(/-/g, "+").replace(/_/g, "/")).split("|");
}

/** A pass's claims as the edge signed them. */
export function passOf(token: string) {
  const [, lane, seq, exp, shard, adm, end] = payload(token);
  return { lane: lane!, seq: Number(seq), exp: Number(exp), shard: Number(shard), adm: Number(adm), end: Number(end) };
}

/** A lane's numbers from the operator API. */
export async function stats(lane = LANE): Promise<Record<string, any>> {
  const res = await operator(`/stats?lane=${lane}`);
  if (res.status !== 200) throw new Error(`stats failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, any>;
}

/** The counter of one shard of a lane. */
export function counterOf(lane = LANE, shard = 0) {
  return env.QUEUE.get(env.QUEUE.idFromName(`${lane}:${shard}`));
}

/** Posts a form as a browser does (cookies from the jar, redirects not followed). */
export async function postForm(jar: Jar, path: string, form: Record<string, string>) {
  const res = await SELF.fetch(`${BASE}${path}`, {
    method: "POST",
    headers: { cookie: jar.header(), "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
    redirect: "manual",
  });
  jar.take(res);
  return res;
}

/** The text of the asset a page links first with `<link rel="stylesheet">` (style) or `<script src>` (script), as the edge serves it. */
export async function linked(html: string, kind: "style" | "script", name = ""): Promise<string> {
  const pattern = kind === "style" ? /<link rel="stylesheet" href="([^"]+)"/g : /<script src="([^"]+)"/g;
  const src = [...html.matchAll(pattern)].map((m) => m[1]!).find((path) => path.includes(name));
  if (!src) throw new Error(`no linked ${kind} ${name}`);
  const res = await SELF.fetch(`${BASE}${src}`);
  if (res.status !== 200) throw new Error(`${src} answered ${res.status}`);
  return res.text();
}

/** A browser signed in to the operator console. */
export async function signedIn(): Promise<Jar> {
  const jar = new Jar();
  const res = await postForm(jar, "/_wr/admin/login", { token: env.OPERATOR_TOKEN });
  if (res.status !== 303) throw new Error(`console sign-in answered ${res.status}`);
  return jar;
}
