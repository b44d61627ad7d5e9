/**
 * The Korean texts people receive. Each names the clinic, both doses' dates and times and the
 * reservation number, so the message alone is enough to turn up at the right place and time.
 */
import { formatReservationNumber } from "../booking/numbers";
import { isRelationship, RELATIONSHIP_LABELS } from "../booking/relationships";
import { seoulDate, seoulTime } from "../clinics/dates";

const WEEKDAYS = ["일", "월", "화", "수", "목", "금", "토"];

/** 2021년 7월 26일(월) 14:30 */
export function koreanDateTime(t: Date): string {
  const [y, m, d] = seoulDate(t).split("-").map(Number) as [number, number, number];
  const dow = WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()];
  return `${y}년 ${m}월 ${d}일(${dow}) ${seoulTime(t)}`;
}

export interface MessageFacts {
  number: string;
  subjectName: string;
  relationship: string | null;
  vaccineKo: string;
  clinic: { name: string; address: string; phone: string };
  first: Date;
  second: Date | null;
}

function who(f: MessageFacts): string {
  return f.relationship
    ? `${f.subjectName}님(${isRelationship(f.relationship) ? RELATIONSHIP_LABELS[f.relationship].ko : f.relationship}, 대리예약)`
    : `${f.subjectName}님`;
}

function doses(f: MessageFacts): string[] {
  return [`1차 접종: ${koreanDateTime(f.first)}`, f.second ? `2차 접종: ${koreanDateTime(f.second)}` : "2차 접종: 없음(1회 접종 백신)"];
}

function clinicLines(f: MessageFacts): string[] {
  return [`의료기관: ${f.clinic.name}`, `주소: ${f.clinic.address}`, `전화: ${f.clinic.phone}`];
}

export function bookedText(f: MessageFacts): string {
  return [
    "[코로나19 예방접종 사전예약 완료]",
    `${who(f)}의 예약이 완료되었습니다.`,
    `예약번호: ${formatReservationNumber(f.number)}`,
    `백신: ${f.vaccineKo}`,
    ...clinicLines(f),
    ...doses(f),
    "신분증을 가지고 예약 시간 10분 전까지 오세요. 조회·취소는 사전예약 누리집의 '예약 조회/취소'에서 할 수 있습니다.",
  ].join("\n");
}

export function cancelledText(f: MessageFacts): string {
  return [
    "[코로나19 예방접종 예약 취소]",
    `${who(f)}의 예약(예약번호 ${formatReservationNumber(f.number)})이 취소되었습니다.`,
    ...clinicLines(f).slice(0, 1),
    ...doses(f).map((l) => `${l} (취소)`),
  ].join("\n");
}

export function secondDoseChangedText(f: MessageFacts & { previous: Date }): string {
  return [
    "[코로나19 예방접종 2차 접종 일정 변경]",
    `${who(f)}의 2차 접종 일정이 변경되었습니다.`,
    `예약번호: ${formatReservationNumber(f.number)}`,
    ...clinicLines(f),
    `1차 접종: ${koreanDateTime(f.first)}`,
    `2차 접종: ${koreanDateTime(f.second!)} (변경 전: ${koreanDateTime(f.previous)})`,
  ].join("\n");
}
