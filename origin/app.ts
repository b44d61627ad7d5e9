/**
 * The origin app, built apart from starting it: `createApp(deps)` for tests, `server.ts` serves it.
 * Health and the pages' assets are open; /ops and the development controls (/api/dev/slowdown, development
 * mode only) take the operator token; everything else requires an admission pass from the edge.
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { serveAsset } from "../lib/assets";
import { AppError } from "../lib/errors";
import { referenceData } from "./clinics/reference";
import { databaseUnavailable, describeError, isDatabaseUnavailable, logUnavailable } from "./db/errors";
import { devControls } from "./dev/routes";
import { DevIdentityProvider } from "./identity/provider";
import { type IdentityKeys, identityKeys } from "./identity/secrets";
import { bodyLimit } from "./middleware/body-limit";
import { clientAddress } from "./middleware/client-address";
import { noStore } from "./middleware/no-store";
import { requirePass } from "./middleware/require-pass";
import { Gauge } from "./ops/gauge";
import { opsRoutes } from "./ops/routes";
import { inProcessApi } from "./pages/api";
import { bookingPages } from "./pages/book";
import { homePage } from "./pages/home";
import { errorPage, wantsPage } from "./pages/layout";
import { lookupPages } from "./pages/lookup";
import { admitted } from "./routes/admitted";
import { clinicRoutes } from "./routes/clinics";
import { health } from "./routes/health";
import { holdRoutes } from "./routes/holds";
import { identityRoutes } from "./routes/identity";
import { proxyRoutes } from "./routes/proxy";
import { reservationRoutes } from "./routes/reservations";
import type { Deps, OriginEnv } from "./types";

export function createApp(deps: Deps) {
  const clock = deps.clock ?? (() => Date.now());
  const app = new Hono<OriginEnv>();
  const gauge = new Gauge();
  app.use("*", gauge.middleware());
  app.use("*", bodyLimit());
  app.use("*", noStore);

  app.onError((err, c) => {
    // A lost database connection is "try again in a moment" (503, Retry-After), never a 500.
    if (isDatabaseUnavailable(err)) {
      logUnavailable(err);
      err = databaseUnavailable();
    }
    if (err instanceof AppError) {
      if (c.req.path.startsWith("/api/identity/") && err.status < 500) gauge.rejected(err.code);
      const retryAfter = err.details?.retryAfterSeconds;
      if (typeof retryAfter === "number") c.header("Retry-After", String(retryAfter));
      if (wantsPage(c)) return errorPage(c, err.code, err.message, err.status);
      return c.json(err.toJSON(), err.status);
    }
    if (err instanceof HTTPException) return err.getResponse();
    console.error("unexpected error:", describeError(err));
    if (wantsPage(c)) return errorPage(c, "internal", undefined, 500);
    return c.json({ code: "internal", message: "Something went wrong on our side. Please try again." }, 500);
  });
  app.notFound((c) =>
    wantsPage(c)
      ? errorPage(c, "page_not_found", undefined, 404)
      : c.json({ code: "not_found", message: "No such page or endpoint." }, 404),
  );

  app.route("/health", health(deps));
  // The pages' scripts and stylesheet (lib/assets.ts), open like /health: the edge serves the same paths.
  app.get("/_wr/assets/*", (c) => serveAsset(c.req.path) ?? c.notFound());
  app.route("/ops", opsRoutes(deps, clock, gauge));
  app.route("/api/dev", devControls(deps));

  app.use("*", requirePass({ passSecret: deps.config.passSecret, lanes: deps.config.lanes, clock }));
  app.use("*", clientAddress({ passSecret: deps.config.passSecret, clock }));
  // Regions and vaccines, cached once for the API and the pages.
  const reference = referenceData(deps.db, clock);
  app.route("/api", clinicRoutes(deps, clock, reference));
  if (!deps.identityProvider && deps.config.appEnv === "production") {
    throw new Error("In production the origin needs a real IdentityProvider to send one-time codes.");
  }
  const provider = deps.identityProvider ?? new DevIdentityProvider(deps.db);
  // Resident-number and code keys, imported once on first use and shared by every route that needs them.
  let keys: Promise<IdentityKeys> | undefined;
  const getKeys = () => (keys ??= identityKeys(deps.config));
  app.route("/api", identityRoutes(deps, clock, provider, getKeys));
  app.route("/api", holdRoutes(deps, clock));
  app.route("/api", proxyRoutes(deps, clock, getKeys));
  app.route("/api", reservationRoutes(deps, clock, getKeys));
  app.route("/", admitted());

  // Citizen pages: server-rendered forms over the same API, called in-process.
  const api = inProcessApi((req) => app.fetch(req));
  app.route("/", homePage(deps, clock, reference));
  app.route("/", bookingPages(deps, clock, api, reference));
  app.route("/", lookupPages(deps, clock, api));

  return app;
}
