/**
 * Demo data that looks like the real thing: all 17 시/도 and their 시/군/구, about 2,000 clinics spread by
 * population with local phone numbers and street addresses, the vaccines with Korea's 2021 intervals,
 * slots every 30 minutes 09:00–17:30 (Asia/Seoul, see booking/schedule.ts) on the open days (weekdays that are not
 * public holidays) of the next 28 days, a few clinics' own closure days from a week ahead on (none on those days'
 * slots), the 2021 cohort windows, and a demo window open now for every adult. Deterministic: the same seed gives
 * the same data.
 */
import { sql } from "drizzle-orm";
import { romanize } from "koroman";
import { clinicClosures, clinics, cohortWindows, regions, slots, vaccines } from "../../drizzle/schema";
import { districtCode, SIDO } from "../../drizzle/seed/regions";
import { prng } from "../../lib/prng";
import { FIRST_SLOT_MINUTE, SLOT_MINUTES, SLOTS_PER_DAY } from "../booking/schedule";
import { isOpenDay } from "../clinics/calendar";
import { addDays, seoulDate } from "../clinics/dates";
import { type Db, execute } from "./index";

export interface SeedOptions {
  now: Date;
  clinics?: number;
  days?: number;
  seed?: number;
}

export interface SeedSummary {
  regions: number;
  clinics: number;
  slots: number;
  cohortWindows: number;
}

/** Korea's 2021 rules as data; operators change them (e.g. Pfizer and Moderna moved to 42 days in August). */
export const VACCINES = [
  { code: "pfizer", name: "Pfizer-BioNTech", nameKo: "화이자", doses: 2, secondDoseDays: 28, secondDoseMinDays: 21, secondDoseMaxDays: 42 },
  { code: "moderna", name: "Moderna", nameKo: "모더나", doses: 2, secondDoseDays: 28, secondDoseMinDays: 28, secondDoseMaxDays: 42 },
  { code: "az", name: "AstraZeneca", nameKo: "아스트라제네카", doses: 2, secondDoseDays: 77, secondDoseMinDays: 28, secondDoseMaxDays: 84 },
  { code: "janssen", name: "Janssen", nameKo: "얀센", doses: 1, secondDoseDays: null, secondDoseMinDays: null, secondDoseMaxDays: null },
];

const NAME_PREFIXES = [
  "행복",
  "우리",
  "연세",
  "서울",
  "하나",
  "미래",
  "튼튼",
  "새봄",
  "365열린",
  "참",
  "밝은",
  "바른",
  "온누리",
  "사랑",
  "중앙",
  "제일",
  "성모",
  "한빛",
  "푸른",
  "늘봄",
];
const NAME_KINDS = [
  "내과의원",
  "가정의학과의원",
  "의원",
  "소아청소년과의원",
  "연합의원",
  "내과",
  "365의원",
  "이비인후과의원",
  "병원",
  "정형외과의원",
];
const ROADS = ["중앙로", "시청로", "대학로", "역전로", "문화로", "공원로", "새마을로", "번영로", "평화로", "한마음길", "시장길", "학교길"];
const SUFFIX_EN: Record<string, string> = { 구: "gu", 시: "si", 군: "gun" };

/** 종로구 → Jongno-gu, 광주시 → Gwangju-si (Revised Romanization, with pronunciation rules). */
export function districtNameEn(name: string): string {
  const suffix = name.slice(-1);
  const stem = name.slice(0, -1);
  const roman = romanize(stem);
  return `${roman.charAt(0).toUpperCase()}${roman.slice(1)}-${SUFFIX_EN[suffix] ?? suffix}`;
}

export async function isSeeded(db: Db): Promise<boolean> {
  const found = await db.select({ code: regions.code }).from(regions).limit(1);
  return found.length > 0;
}

export async function seed(db: Db, opts: SeedOptions): Promise<SeedSummary> {
  const summary = await seedRows(db, opts);
  // The planner's statistics for the rows just written: PGlite has no autovacuum to gather them, and without
  // them a statement over the slots (the count of places left) is planned for a table of a few hundred rows.
  await execute(db, sql`analyze`);
  return summary;
}

function seedRows(db: Db, opts: SeedOptions): Promise<SeedSummary> {
  const random = prng(opts.seed ?? 2021);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const clinicCount = opts.clinics ?? 2000;
  const days = opts.days ?? 28;

  return db.transaction(async (tx) => {
    const regionRows: (typeof regions.$inferInsert)[] = [];
    const districtsOf = new Map<string, { code: string; name: string; sido: (typeof SIDO)[number] }[]>();
    for (const sido of SIDO) {
      regionRows.push({ code: sido.code, name: sido.name, nameEn: sido.nameEn, level: 1, parentCode: null });
      const list = sido.districts.map((name, i) => ({ code: districtCode(sido.code, i), name, sido }));
      districtsOf.set(sido.code, list);
      for (const d of list)
        regionRows.push({ code: d.code, name: d.name, nameEn: districtNameEn(d.name), level: 2, parentCode: sido.code });
    }
    await tx.insert(regions).values(regionRows);
    await tx.insert(vaccines).values(VACCINES);

    // Every 시/군/구 gets a clinic; the rest follow population.
    const allDistricts = [...districtsOf.values()].flat();
    const totalWeight = SIDO.reduce((s, x) => s + x.weight, 0);
    const clinicRows: (typeof clinics.$inferInsert)[] = [];
    const addClinic = (d: (typeof allDistricts)[number]) => {
      const r = random();
      const vaccineCode = r < 0.45 ? "pfizer" : r < 0.8 ? "moderna" : r < 0.97 ? "az" : "janssen";
      const stem = d.name.length > 2 ? d.name.slice(0, -1) : d.name;
      const name = random() < 0.3 ? `${stem}${pick(NAME_KINDS)}` : `${pick(NAME_PREFIXES)}${pick(NAME_KINDS)}`;
      const phone = `${d.sido.areaCode}-${100 + Math.floor(random() * 900)}-${String(Math.floor(random() * 10000)).padStart(4, "0")}`;
      const address = `${d.sido.name} ${d.name} ${pick(ROADS)} ${1 + Math.floor(random() * 300)}`;
      clinicRows.push({ name, address, phone, regionCode: d.code, vaccineCode });
    };
    for (const d of allDistricts) addClinic(d);
    for (const sido of SIDO) {
      const share = Math.round(((clinicCount - allDistricts.length) * sido.weight) / totalWeight);
      const list = districtsOf.get(sido.code)!;
      for (let i = 0; i < share; i++) addClinic(pick(list));
    }
    for (let i = 0; i < clinicRows.length; i += 1000) await tx.insert(clinics).values(clinicRows.slice(i, i + 1000));

    // Each clinic's places per half hour; every 40th clinic closed one open day from a week ahead on (announced
    // closures); then the slots of each clinic's working days among the open days from today (Seoul) for `days` days.
    await tx.execute(sql`update clinics set slot_capacity = 4 + id % 7`);
    const today = seoulDate(opts.now);
    const openDates = Array.from({ length: days }, (_, i) => addDays(today, i)).filter(isOpenDay);
    const laterDates = openDates.filter((d) => d >= addDays(today, 7));
    const ids = await tx.select({ id: clinics.id }).from(clinics).where(sql`${clinics.id} % 40 = 0`).orderBy(clinics.id);
    const closureRows = laterDates.length ? ids.map(({ id }) => ({ clinicId: id, date: pick(laterDates), reason: "휴진" })) : [];
    if (closureRows.length) await tx.insert(clinicClosures).values(closureRows);
    if (openDates.length) {
      await tx.execute(sql`
        insert into slots (clinic_id, starts_at, vaccine_code, capacity)
        select c.id,
               ((d + ${FIRST_SLOT_MINUTE} * interval '1 minute' + k * ${SLOT_MINUTES} * interval '1 minute') at time zone 'Asia/Seoul'),
               c.vaccine_code,
               c.slot_capacity
        from clinics c
        cross join unnest(${`{${openDates.join(",")}}`}::date[]) as d
        cross join generate_series(0, ${SLOTS_PER_DAY - 1}::int) as k
        where not exists (select 1 from clinic_closures cc where cc.clinic_id = c.id and cc.date = d)`);
    }

    const kst = (s: string) => new Date(`${s}+09:00`);
    const windows: (typeof cohortWindows.$inferInsert)[] = [
      {
        name: "Ages 55–59",
        nameKo: "55~59세",
        birthFrom: "1962-01-01",
        birthTo: "1966-12-31",
        opensAt: kst("2021-07-14T20:00"),
        closesAt: kst("2021-07-24T18:00"),
        vaccineCode: "moderna",
      },
      {
        name: "Ages 53–54",
        nameKo: "53~54세",
        birthFrom: "1967-01-01",
        birthTo: "1968-12-31",
        opensAt: kst("2021-07-19T20:00"),
        closesAt: kst("2021-07-20T18:00"),
        vaccineCode: "pfizer",
      },
      {
        name: "Ages 50–52",
        nameKo: "50~52세",
        birthFrom: "1969-01-01",
        birthTo: "1971-12-31",
        opensAt: kst("2021-07-20T20:00"),
        closesAt: kst("2021-07-21T18:00"),
        vaccineCode: "pfizer",
      },
      {
        name: "Ages 50–54",
        nameKo: "50~54세",
        birthFrom: "1967-01-01",
        birthTo: "1971-12-31",
        opensAt: kst("2021-07-21T20:00"),
        closesAt: kst("2021-07-24T18:00"),
        vaccineCode: "pfizer",
      },
    ];
    // Ages 18–49, '10부제': on day D of 9–18 August, 20:00 to 18:00 the next day, birth days ending in D mod 10.
    for (let day = 9; day <= 18; day++) {
      const dd = String(day).padStart(2, "0");
      const next = String(day + 1).padStart(2, "0");
      windows.push({
        name: `Ages 18–49, birth days ending in ${day % 10}`,
        nameKo: `18~49세 (생일 끝자리 ${day % 10})`,
        birthFrom: "1972-01-01",
        birthTo: "2003-12-31",
        birthDayDigit: day % 10,
        opensAt: kst(`2021-08-${dd}T20:00`),
        closesAt: kst(`2021-08-${next}T18:00`),
        vaccineCode: null,
        allowProxy: false,
      });
    }
    const adultBy = `${Number(today.slice(0, 4)) - 18}${today.slice(4)}`;
    windows.push({
      name: "Demo: every adult",
      nameKo: "데모: 모든 성인",
      birthFrom: "1900-01-01",
      birthTo: adultBy,
      opensAt: new Date(opts.now.getTime() - 3600_000),
      closesAt: new Date(opts.now.getTime() + days * 86_400_000),
      vaccineCode: null,
    });
    await tx.insert(cohortWindows).values(windows);

    return { regions: regionRows.length, clinics: clinicRows.length, slots: await tx.$count(slots), cohortWindows: windows.length };
  });
}
