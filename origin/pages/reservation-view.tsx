/** A reservation's facts as the done and lookup pages show them: who, which vaccine, where, both doses. */
import { isRelationship, RELATIONSHIP_LABELS } from "../booking/relationships";
import type { ReservationView } from "../booking/reservations";
import { formatInstant } from "./i18n";
import type { PageCtx } from "./layout";

export function ReservationFacts(props: { p: PageCtx; view: ReservationView }) {
  const { t, lang } = props.p;
  const r = props.view;
  const clinic = r.first.clinic;
  const status = (s: "active" | "cancelled") => (s === "active" ? t.statusActive : t.statusCancelled);
  return (
    <dl class="facts card">
      <dt>{t.subject}</dt>
      <dd>
        {r.subject.name} ({r.subject.rrn})
        {r.relationship && isRelationship(r.relationship) ? ` · ${t.relLabel}: ${RELATIONSHIP_LABELS[r.relationship][lang]}` : ""}
      </dd>
      <dt>{t.vaccine}</dt>
      <dd>{lang === "ko" ? r.vaccine.nameKo : r.vaccine.name}</dd>
      <dt>{t.clinic}</dt>
      <dd>
        {clinic.name}
        <br />
        {clinic.address} · {clinic.phone}
      </dd>
      <dt>{t.firstDose}</dt>
      <dd id="first-dose">
        {formatInstant(r.first.startsAt, lang)} ({status(r.first.status)})
      </dd>
      <dt>{t.secondDose}</dt>
      <dd id="second-dose">{r.second ? `${formatInstant(r.second.startsAt, lang)} (${status(r.second.status)})` : t.singleDose}</dd>
      <dt>{t.channel}</dt>
      <dd>{t.channels[r.notifyChannel]}</dd>
    </dl>
  );
}
