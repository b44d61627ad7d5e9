/**
 * POST /book/extend, "continue" in the timeout dialog: the session runs SESSION_TTL from now again, within
 * its hard maximum. The dialog's script asks for JSON; a plain form post is sent back to the page it came from.
 */
import { Hono } from "hono";
import { extendSessionLife, sessionMaxMs } from "../../middleware/require-session";
import type { OriginEnv } from "../../types";
import type { Extended } from "../client/timeout";
import type { Book } from "./context";

export function extendStep(b: Book) {
  return new Hono<OriginEnv>().post("/book/extend", async (c) => {
    const s = await b.session(c);
    if (s instanceof Response) return s;
    const until = await extendSessionLife(b.db, { tokenHash: s.tokenHash, now: b.now(), ttlMs: b.config.sessionTtlMs });
    if (!until) return c.redirect("/book?expired=1", 303);
    const hardEnd = s.verifiedAt.getTime() + sessionMaxMs(b.config.sessionTtlMs);
    if ((c.req.header("accept") ?? "").includes("application/json")) {
      const extended: Extended = {
        expiresAt: until.toISOString(),
        secondsLeft: Math.max(0, Math.round((until.getTime() - b.clock()) / 1000)),
        extendable: until.getTime() < hardEnd - 1000,
      };
      return c.json(extended);
    }
    const back = (c.req.header("referer") ?? "").replace(/^https?:\/\/[^/]+/, "");
    return c.redirect(/^\/book\/[a-z]/.test(back) ? back : "/book/who", 303);
  });
}
