/**
 * Key rotation through the whole edge: a new signing key put first in TICKET_SECRET/PASS_SECRET signs new
 * tokens, and tickets signed with the old key keep their places until they expire.
 */
import { env, SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { createWorkerApp } from "../../worker/index";
import { BASE, freshQueue, Jar, visitJson } from "./helpers";

beforeEach(() => freshQueue({ ratePerSec: 0 }));

const NEW_TICKET_KEY = "a-brand-new-ticket-key-0123456789";
const NEW_PASS_KEY = "a-brand-new-pass-key-0123456789ab";

describe("key rotation at the edge", () => {
  it("signs new tickets with the new key and keeps everyone's place from the old one", async () => {
    const early = new Jar();
    const before = (await visitJson(early)).body; // signed with the old key
    const rotatedEnv = {
      ...env,
      TICKET_SECRET: `${NEW_TICKET_KEY},${env.TICKET_SECRET}`,
      PASS_SECRET: `${NEW_PASS_KEY},${env.PASS_SECRET}`,
    };
    const app = createWorkerApp();
    const call = (jar: Jar, path: string) =>
      app.fetch(new Request(`${BASE}${path}`, { headers: { cookie: jar.header(), accept: "application/json" } }), rotatedEnv);

    const kept = await call(early, "/_wr/status");
    expect(await kept.json()).toMatchObject({ seq: before.seq, state: "waiting" });

    const late = new Jar();
    const res = await call(late, "/api/pass");
    late.take(res);
    const after = (await res.json()) as { seq: number };
    expect(after.seq).toBe(before.seq + 1);
    const oldKid = early.get("wr_ticket")!.split(".")[0];
    const newKid = late.get("wr_ticket")!.split(".")[0];
    expect(newKid).not.toBe(oldKid);
    // The new ticket keeps its place under the rotated keys, too.
    expect(await (await call(late, "/_wr/status")).json()).toMatchObject({ seq: after.seq });
    // An edge that does not know the new key yet treats it as no ticket: a fresh place, never an error.
    const stale = await SELF.fetch(`${BASE}/_wr/status`, { headers: { cookie: late.header() } });
    expect(stale.status).toBe(200);
    expect(((await stale.json()) as { seq: number }).seq).toBe(after.seq + 1);
  });
});
