/** Who a proxy (대리예약) may be to the person they book for, with the words pages and messages use. */
export const RELATIONSHIP_LABELS = {
  parent: { ko: "부모", en: "Parent" },
  grandparent: { ko: "조부모", en: "Grandparent" },
  spouse: { ko: "배우자", en: "Spouse" },
  child: { ko: "자녀", en: "Child" },
  sibling: { ko: "형제자매", en: "Sibling" },
  relative: { ko: "친척", en: "Relative" },
  guardian: { ko: "보호자", en: "Guardian" },
  other: { ko: "지인", en: "Other" },
} as const;

export type Relationship = keyof typeof RELATIONSHIP_LABELS;
export const RELATIONSHIPS = Object.keys(RELATIONSHIP_LABELS) as Relationship[];

export function isRelationship(value: unknown): value is Relationship {
  return typeof value === "string" && Object.hasOwn(RELATIONSHIP_LABELS, value);
}
