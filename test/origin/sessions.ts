/** A verified person with a live session, as /api/identity/verify leaves them, made directly in the database. */
import { createHash, randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { generateSignedCookie } from "hono/cookie";
import { people } from "../../drizzle/schema";
import { type Db, instant } from "../../origin/db";
import { ORIGIN_TEST_ENV } from "../secrets";

let personNo = 0;

export async function verifiedPerson(
  db: Db,
  opts: { now: number; birthDate?: string; sessionMs?: number; rrnHash?: string },
): Promise<{ cookie: string; personId: number }> {
  const [person] = await db
    .insert(people)
    .values({
      rrnHash: opts.rrnHash ?? `test-person-${personNo++}-${randomBytes(4).toString("hex")}`,
      rrnCipher: "x",
      rrnMasked: "",
      name: "홍길동",
      birthDate: opts.birthDate ?? "1965-01-01",
      sex: "M",
      phone: "01000000000",
    })
    .returning();
  const token = randomBytes(32).toString("base64url");
  await db.execute(sql`insert into sessions (token_hash, person_id, expires_at, created_at)
    values (${createHash("sha256").update(token).digest("base64url")}, ${person!.id}, ${instant(new Date(opts.now + (opts.sessionMs ?? 1_800_000)))}, ${instant(new Date(opts.now))})`);
  const cookie = (await generateSignedCookie("sid", token, ORIGIN_TEST_ENV.SESSION_SECRET)).split(";")[0]!;
  return { cookie, personId: person!.id };
}
