import type { PassClaims } from "../lib/tokens";
import type { OriginConfig } from "./config";
import type { Db } from "./db";
import type { IdentityProvider } from "./identity/provider";

/** What the origin app is built from: tests pass their own, the entry passes the real ones. */
export interface Deps {
  config: OriginConfig;
  db: Db;
  /** the server's clock (ms); tests inject one */
  clock?: () => number;
  /** the carrier check and where one-time codes go; development and tests default to the simulated registry in the database */
  identityProvider?: IdentityProvider;
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
  /** when the person verified: no extension runs past SESSION_MAX_MS after it */
  verifiedAt: Date;
}

export interface OriginEnv {
  /** `client`: the edge-verified client address per-client limits count by (middleware/client-address.ts) */
  Variables: { pass: PassClaims; session: SessionInfo; client: string };
}
