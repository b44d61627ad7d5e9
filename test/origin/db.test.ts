import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { clinics, people, regions, slots, vaccines } from "../../drizzle/schema";
import { type Database, openDatabase, rows } from "../../origin/db";
import { scratchDatabase } from "../../origin/db/scratch";
import { TEST_DATABASE_URL } from "./database";

const drivers: [string, () => Promise<Database>][] = [["PGlite", () => openDatabase({})]];
const pgUrl = TEST_DATABASE_URL;
if (pgUrl) drivers.push(["PostgreSQL", () => scratchDatabase(pgUrl)]);
else console.warn("TEST_DATABASE_URL is not set: the PostgreSQL half of the database tests is skipped (CI sets it).");

describe.each(drivers)("database on %s", (_, open) => {
  let database: Database;
  afterAll(() => database?.close());

  it("runs the committed migrations and is usable at once", async () => {
    database = await open();
    const { db } = database;
    const tables = await rows<{ table_name: string }>(
      db,
      sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
    );
    const names = tables.map((r) => r.table_name);
    expect(names).toEqual(
      expect.arrayContaining([
        "clinics",
        "cohort_windows",
        "holds",
        "identity_challenges",
        "people",
        "regions",
        "sessions",
        "slots",
        "vaccines",
      ]),
    );
  });

  it("refuses to take more than a slot's capacity, and one person twice", async () => {
    const { db } = database;
    await db.insert(regions).values([
      { code: "11", name: "서울특별시", nameEn: "Seoul", level: 1 },
      { code: "11110", name: "종로구", nameEn: "Jongno-gu", level: 2, parentCode: "11" },
    ]);
    await db.insert(vaccines).values({
      code: "pfizer",
      name: "Pfizer",
      nameKo: "화이자",
      doses: 2,
      secondDoseDays: 21,
      secondDoseMinDays: 21,
      secondDoseMaxDays: 42,
    });
    const [clinic] = await db
      .insert(clinics)
      .values({ name: "종로 내과", address: "서울 종로구", phone: "02-000-0000", regionCode: "11110", vaccineCode: "pfizer" })
      .returning();
    const [slot] = await db
      .insert(slots)
      .values({ clinicId: clinic!.id, startsAt: new Date("2026-12-01T00:00:00Z"), vaccineCode: "pfizer", capacity: 1 })
      .returning();
    await db.execute(sql`update slots set taken = taken + 1 where id = ${slot!.id}`);
    await expect(db.execute(sql`update slots set taken = taken + 1 where id = ${slot!.id}`)).rejects.toThrow();
    const person = { rrnHash: "h1", rrnCipher: "c1", name: "홍길동", birthDate: "1965-01-01", sex: "M", phone: "01012345678" };
    await db.insert(people).values(person);
    await expect(db.insert(people).values(person)).rejects.toThrow();
  });
});
