/**
 * GET /api/pass: the admission pass the origin verified, as JSON (how long the visitor may stay).
 */
import { Hono } from "hono";
import type { OriginEnv } from "../types";

export function admitted() {
  return new Hono<OriginEnv>().get("/api/pass", (c) => {
    const pass = c.get("pass");
    return c.json({ lane: pass.lane, seq: pass.seq, expiresAt: new Date(pass.exp).toISOString() });
  });
}
