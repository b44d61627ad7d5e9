/**
 * Pages and answers of the origin speak of one person (their name, the masked half of a resident number
 * kept in a form after an error, a reservation): no browser or proxy may keep a copy. Every answer without
 * a caching rule of its own gets `Cache-Control: no-store`; static assets set theirs.
 */
import type { MiddlewareHandler } from "hono";

export const noStore: MiddlewareHandler = async (c, next) => {
  await next();
  if (!c.res.headers.has("cache-control")) c.res.headers.set("cache-control", "no-store");
};
