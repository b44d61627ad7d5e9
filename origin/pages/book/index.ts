/**
 * The booking journey as plain HTML forms (post, then redirect to the next step), one module per step:
 *   /book, /book/verify, /book/resend   identity (identity.tsx)
 *   /book/who, /book/proxy              for whom (who.tsx)
 *   /book/channel                       where the confirmation goes (channel.tsx)
 *   /book/search                        clinics with free places (search.tsx)
 *   /book/clinic/:id                    times of one clinic on one date → a hold (clinic.tsx)
 *   /book/confirm                       both doses and the hold's countdown → the booking (confirm.tsx)
 *   /book/done                          the reservation number (done.tsx)
 *   /book/extend                        "continue" in the timeout warning (extend.ts)
 * Each step calls the JSON API in-process (../api.ts); API error codes become sentences next to the field
 * they concern. Without a session the steps after identity send the person back to /book, saying why.
 */
import { Hono } from "hono";
import type { ReferenceData } from "../../clinics/reference";
import type { Deps, OriginEnv } from "../../types";
import type { Api } from "../api";
import { channelStep } from "./channel";
import { clinicStep } from "./clinic";
import { confirmStep } from "./confirm";
import { bookContext } from "./context";
import { doneStep } from "./done";
import { extendStep } from "./extend";
import { identitySteps } from "./identity";
import { searchStep } from "./search";
import { whoSteps } from "./who";

export function bookingPages(deps: Deps, clock: () => number, api: Api, reference: ReferenceData) {
  const b = bookContext({ db: deps.db, config: deps.config, clock, api, reference });
  return new Hono<OriginEnv>()
    .route("/", identitySteps(b))
    .route("/", whoSteps(b))
    .route("/", extendStep(b))
    .route("/", channelStep(b))
    .route("/", searchStep(b))
    .route("/", clinicStep(b))
    .route("/", confirmStep(b))
    .route("/", doneStep(b));
}
