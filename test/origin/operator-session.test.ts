/**
 * The one operator sign-in (lib/operator-session.ts) on a small Hono app that answers errors as both apps
 * do: bearer token or signed session cookie; expiry against the injected clock; a tampered, foreign or
 * expired cookie, a wrong token and a malformed header are all 401 `unauthorized`; no configured token
 * turns access off.
 */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { AppError } from "../../lib/errors";
import {
  endOperatorSession,
  isOperator,
  type OperatorSignIn,
  operatorTokenMatches,
  readOperatorSession,
  requireOperator,
  startOperatorSession,
} from "../../lib/operator-session";

const TOKEN = "operator-token-0123456789abcdef";
const SECRET = "session-secret-0123456789abcdef0123456789";

function app(overrides: Partial<OperatorSignIn> = {}, disabled?: () => AppError) {
  let clock = Date.parse("2021-07-19T11:00:00Z");
  const o: OperatorSignIn = { token: TOKEN, secret: SECRET, cookie: "ops", path: "/ops", now: () => clock, ...overrides };
  const a = new Hono();
  a.onError((err, c) => {
    if (err instanceof AppError) return c.json(err.toJSON(), err.status);
    throw err;
  });
  a.post("/ops/login", async (c) => {
    const body = await c.req.parseBody();
    if (!(await operatorTokenMatches(body.token, o.token))) return c.text("bad token", 401);
    await startOperatorSession(c, o);
    return c.redirect("/ops", 303);
  });
  a.post("/ops/logout", (c) => {
    endOperatorSession(c, o);
    return c.redirect("/ops", 303);
  });
  a.get("/ops/who", async (c) => c.json({ operator: await isOperator(c, o), session: await readOperatorSession(c, o) }));
  a.get("/ops/secret", requireOperator(o, { disabled }), (c) => c.text("in"));
  return { a, advance: (ms: number) => (clock += ms) };
}

const login = (a: Hono, token: string, url = "http://ops.test/ops/login") =>
  a.request(url, { method: "POST", body: new URLSearchParams({ token }) });

/** The cookie pair (name=value) a browser would send back. */
const cookieOf = (res: Response) => res.headers.get("set-cookie")!.split(";")[0]!;

describe("operator token", () => {
  it("matches only the configured token, and nothing when none is configured", async () => {
    expect(await operatorTokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(await operatorTokenMatches(`${TOKEN}x`, TOKEN)).toBe(false);
    expect(await operatorTokenMatches(TOKEN.slice(0, -1), TOKEN)).toBe(false);
    expect(await operatorTokenMatches(undefined, TOKEN)).toBe(false);
    expect(await operatorTokenMatches(["x"], TOKEN)).toBe(false);
    expect(await operatorTokenMatches("", "")).toBe(false);
  });
});

describe("session cookie", () => {
  it("is HttpOnly, SameSite=Strict, limited to its path, Secure only over https, and carries its expiry", async () => {
    const { a } = app();
    const res = await login(a, TOKEN);
    expect(res.status).toBe(303);
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^ops=op%3A\d+\.[^;]+;/);
    expect(cookie).toContain("Path=/ops");
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Max-Age=43200");
    expect(cookie).not.toContain("Secure");
    const expiry = Number(/^ops=op%3A(\d+)/.exec(cookie)![1]);
    expect(expiry).toBe(Date.parse("2021-07-19T23:00:00Z"));
    const secure = (await login(a, TOKEN, "https://ops.test/ops/login")).headers.get("set-cookie")!;
    expect(secure).toContain("Secure");
  });

  it("admits until its expiry on the injected clock, then not", async () => {
    const { a, advance } = app({ sessionSeconds: 60 });
    const cookie = cookieOf(await login(a, TOKEN));
    const secret = () => a.request("/ops/secret", { headers: { cookie } });
    expect(await (await secret()).text()).toBe("in");
    advance(59_999);
    expect((await secret()).status).toBe(200);
    advance(1);
    const res = await secret();
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: "unauthorized" });
    expect(await (await a.request("/ops/who", { headers: { cookie } })).json()).toEqual({ operator: false, session: false });
  });

  it("refuses a wrong token at sign-in, and a tampered or foreign cookie", async () => {
    const { a } = app();
    expect((await login(a, "wrong")).status).toBe(401);
    expect((await login(a, "")).status).toBe(401);
    const cookie = cookieOf(await login(a, TOKEN));
    const [name, value] = cookie.split("=") as [string, string];
    const [payload, signature] = decodeURIComponent(value).split(".") as [string, string];
    const later = `op:${Number(payload.slice(3)) + 365 * 86_400_000}`;
    for (const forged of [
      `${name}=${encodeURIComponent(`${later}.${signature}`)}`, // a later expiry under the old signature
      `${name}=${encodeURIComponent(`${payload}.${signature.slice(0, -2)}AA`)}`, // a changed signature
      `${name}=${encodeURIComponent(payload)}`, // no signature
      `${name}=${encodeURIComponent(`operator.${signature}`)}`,
    ]) {
      const res = await a.request("/ops/secret", { headers: { cookie: forged } });
      expect(res.status, forged).toBe(401);
      expect(await res.json()).toMatchObject({ code: "unauthorized" });
    }
    // signed with another secret (another app's cookie of the same name)
    const other = app({ secret: "another-secret-0123456789abcdef0123456789" });
    const foreign = cookieOf(await login(other.a, TOKEN));
    expect((await a.request("/ops/secret", { headers: { cookie: foreign } })).status).toBe(401);
  });

  it("ends at sign-out: the cookie is cleared on its path", async () => {
    const { a } = app();
    const res = await a.request("/ops/logout", { method: "POST" });
    const cleared = res.headers.get("set-cookie")!;
    expect(cleared).toMatch(/^ops=;/);
    expect(cleared).toContain("Max-Age=0");
    expect(cleared).toContain("Path=/ops");
  });
});

describe("requireOperator", () => {
  it("lets a right bearer token through, with no cookie", async () => {
    const { a } = app();
    const res = await a.request("/ops/secret", { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
  });

  it("refuses a missing, wrong or malformed header alike: 401 unauthorized with a Bearer challenge", async () => {
    const { a } = app();
    for (const authorization of [
      undefined,
      `Bearer ${TOKEN}x`,
      "Bearer",
      `Basic ${btoa(`op:${TOKEN}`)}`,
      TOKEN,
      `Bearer ${TOKEN} extra`,
      "",
    ]) {
      const res = await a.request("/ops/secret", { headers: authorization === undefined ? {} : { authorization } });
      expect(res.status, String(authorization)).toBe(401);
      expect(await res.json()).toMatchObject({ code: "unauthorized" });
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="operators"');
    }
  });

  it("judges by the header when one is sent: a wrong token is refused even with a live session", async () => {
    const { a } = app();
    const cookie = cookieOf(await login(a, TOKEN));
    const res = await a.request("/ops/secret", { headers: { cookie, authorization: "Bearer wrong" } });
    expect(res.status).toBe(401);
    expect((await a.request("/ops/secret", { headers: { cookie } })).status).toBe(200);
  });

  it("with no configured token admits nobody: 401, or the app's own refusal", async () => {
    const off = app({ token: "" });
    expect((await login(off.a, "")).status).toBe(401);
    expect((await off.a.request("/ops/secret", { headers: { authorization: "Bearer x" } })).status).toBe(401);
    const disabled = app({ token: "" }, () => new AppError("ops_disabled", 503, "Set OPERATOR_TOKEN to use the operator API."));
    const res = await disabled.a.request("/ops/secret", { headers: { authorization: "Bearer x" } });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ code: "ops_disabled" });
  });

  it("reads its settings per request when given a function (an app whose settings live in its bindings)", async () => {
    type Bound = { Bindings: { OPERATOR_TOKEN: string } };
    const a = new Hono<Bound>();
    a.onError((err, c) => (err instanceof AppError ? c.json(err.toJSON(), err.status) : c.text("boom", 500)));
    a.get(
      "/x",
      requireOperator<Bound>((c) => ({
        token: c.env.OPERATOR_TOKEN,
        secret: c.env.OPERATOR_TOKEN,
        cookie: "wr_operator",
        path: "/_wr/admin",
      })),
      (c) => c.text("in"),
    );
    const env = { OPERATOR_TOKEN: TOKEN };
    expect((await a.request("/x", { headers: { authorization: `Bearer ${TOKEN}` } }, env)).status).toBe(200);
    expect((await a.request("/x", { headers: { authorization: "Bearer nope" } }, env)).status).toBe(401);
  });
});
