/**
 * Mobile identity verification (휴대폰 본인확인), as Korean carriers offer it through PASS and SMS: the
 * provider is given the name, resident number and phone a person typed and asks the carrier whether the
 * phone's registered owner has that name and birth date/number. It answers match or mismatch, and only
 * after a match is the one-time code sent; the code coming back proves the person holds that phone.
 *
 * A real provider implements `IdentityProvider` over its carrier API. In development and tests
 * `DevIdentityProvider` simulates the carrier's subscriber registry in the database (dev_carrier_lines,
 * so every origin process on one PostgreSQL sees the same registry): a phone belongs to the first name and
 * resident number verified with it, and a resident number to its first phone. Any new pair of an unseen
 * number and an unseen phone verifies; someone else's number with another phone or another name does not.
 * Its codes land in dev_sent_codes, readable through `GET /api/dev/otp?phone=...` in development only.
 * Its carrier check can be slowed on purpose for rehearsals (dev/slowdown.ts, `POST /api/dev/slowdown`):
 * each check first waits for a line of the simulated carrier and takes the extra time set there.
 */
import { sql } from "drizzle-orm";
import { z } from "zod";
import { col, type Db, execute, query, queryOne } from "../db";
import { type CarrierBrake, carrierBrake } from "../dev/slowdown";
import { sameName } from "./fields";

export type IdentityAnswer = "match" | "mismatch";

/** What a person typed, as the provider is asked about it. */
export interface IdentityClaim {
  name: string;
  /** digits only, e.g. 01012345678 */
  phone: string;
  /** keyed hash of the resident number: the same number again, never the number */
  rrnHash: string;
  /** the first seven digits (YYMMDD and the century/sex digit): what carriers compare with the subscriber */
  front7: string;
}

export interface IdentityProvider {
  /** Whether the phone's registered owner is the person claimed; asked before any code is sent. */
  check(claim: IdentityClaim): Promise<IdentityAnswer>;
  sendCode(phone: string, code: string): Promise<void>;
  /** The code sent for `claim` came back right: the provider's final answer for that claim. */
  confirm(claim: IdentityClaim): Promise<IdentityAnswer>;
}

export class DevIdentityProvider implements IdentityProvider {
  constructor(
    private readonly db: Db,
    private readonly brake: CarrierBrake = carrierBrake,
  ) {}

  /** The carrier's answer, after the rehearsal's slowdown (none unless one was set). */
  async check(claim: IdentityClaim): Promise<IdentityAnswer> {
    await this.brake.hold();
    return this.registry(claim);
  }

  /** What the simulated registry says about the claim now. */
  private async registry(claim: IdentityClaim): Promise<IdentityAnswer> {
    const lines = await query(
      this.db,
      z.object({ phone: col.text, rrn_hash: col.text, name: col.text }),
      sql`select phone, rrn_hash, name from dev_carrier_lines where phone = ${claim.phone} or rrn_hash = ${claim.rrnHash}`,
    );
    // Unseen number and unseen phone: a new subscriber, as far as this registry knows.
    return lines.every((l) => l.phone === claim.phone && l.rrn_hash === claim.rrnHash && sameName(l.name, claim.name))
      ? "match"
      : "mismatch";
  }

  /** Registers the pair when both sides are still unclaimed, then answers as `check` does now. */
  async confirm(claim: IdentityClaim): Promise<IdentityAnswer> {
    await execute(
      this.db,
      sql`insert into dev_carrier_lines (phone, rrn_hash, name) values (${claim.phone}, ${claim.rrnHash}, ${claim.name})
          on conflict do nothing`,
    );
    return this.registry(claim);
  }

  async sendCode(phone: string, code: string): Promise<void> {
    await execute(
      this.db,
      sql`insert into dev_sent_codes (phone, code, sent_at) values (${phone}, ${code}, now())
          on conflict (phone) do update set code = excluded.code, sent_at = excluded.sent_at`,
    );
  }

  async lastCode(phone: string): Promise<string | undefined> {
    const r = await queryOne(this.db, z.object({ code: col.text }), sql`select code from dev_sent_codes where phone = ${phone}`);
    return r?.code;
  }
}
