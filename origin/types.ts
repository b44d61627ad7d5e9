import type { PassClaims } from "../lib/tokens";
import type { OriginConfig } from "./config";
import type { Db } from "./db";
import type { IdentityProvider } from "./identity/provider";
import type { DevSink } from "./notify/channels";

/** What the origin app is built from: tests pass their own, the entry passes the real ones. */
export interface Deps {
  config: OriginConfig;
  db: Db;
  /** the server's clock (ms); tests inject one */
  clock?: () => number;
  /** where one-time codes go; development and tests default to the in-memory provider */
  identityProvider?: IdentityProvider;
  /** where notifications without a gateway land in development (shared with the dispatcher) */
  devSink?: DevSink;
}

/** Who is acting: the verified person, and the subject when booking for someone else (대리예약). */
export interface SessionInfo {
  /** SHA-256 of the session token: the session row's key */
  tokenHash: string;
  personId: number;
  subjectId: number | null;
  /** birth date of whoever is being vaccinated (the subject, else the person) */
  subjectBirthDate: string;
  /** when the session ends (pages count down to it, so nobody is cut off without warning) */
  expiresAt: Date;
}

export interface OriginEnv {
  Variables: { pass: PassClaims; session: SessionInfo };
}
