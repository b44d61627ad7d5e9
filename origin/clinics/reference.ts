/**
 * Regions and vaccines, cached in the process for a minute: they change rarely, every search validates
 * against them and every search page shows them, and keeping them here leaves each search a single SQL
 * statement. One cache per app, shared by the API and the pages.
 */
import type { Db } from "../db";
import { type RegionTree, regionTree, vaccineNames } from "./queries";

const TTL_MS = 60_000;

export interface Reference {
  regions: RegionTree[];
  /** every region code, to the 시/군/구 codes it stands for (a 시/군/구 stands for itself) */
  districtsOf: Map<string, string[]>;
  /** vaccine code → its names, for pages */
  vaccines: Map<string, { en: string; ko: string }>;
}

export type ReferenceData = () => Promise<Reference>;

export function referenceData(db: Db, clock: () => number): ReferenceData {
  let cached: { at: number; value: Promise<Reference> } | null = null;
  return (): Promise<Reference> => {
    const now = clock();
    if (!cached || now - cached.at > TTL_MS) {
      const value = Promise.all([regionTree(db), vaccineNames(db)]).then(([regions, vaccines]) => ({
        regions,
        districtsOf: new Map(
          regions.flatMap((r) => [
            [r.code, r.districts.map((d) => d.code)] as [string, string[]],
            ...r.districts.map((d) => [d.code, [d.code]] as [string, string[]]),
          ]),
        ),
        vaccines,
      }));
      value.catch(() => (cached = null));
      cached = { at: now, value };
    }
    return cached.value;
  };
}
