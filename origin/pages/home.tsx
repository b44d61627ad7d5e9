/**
 * The home page: who may book when, in plain words (from the cohort windows in the database), a big
 * button into the booking journey, and the lookup/cancel link next to it, where everyone finds it.
 */
import { Hono } from "hono";
import type { ReferenceData } from "../clinics/reference";
import { type CohortWindow, cohortWindowList } from "../identity/eligibility";
import type { Deps, OriginEnv } from "../types";
import { formatDate, formatInstant } from "./i18n";
import { Page, pageCtx } from "./layout";

export function homePage(deps: Deps, clock: () => number, reference: ReferenceData) {
  return new Hono<OriginEnv>().get("/", async (c) => {
    const p = pageCtx(c);
    const { t, lang } = p;
    const now = new Date(clock());
    const windows = (await cohortWindowList(deps.db)).sort((a, b) => +a.opensAt - +b.opensAt);
    const { vaccines } = await reference();
    const state = (w: CohortWindow) => (now < w.opensAt ? t.windowUpcoming : now < w.closesAt ? t.windowOpen : t.windowClosed);
    const current = windows.filter((w) => now < w.closesAt);
    const past = windows.filter((w) => now >= w.closesAt).reverse();
    const Table = (props: { list: CohortWindow[]; labelledBy: string }) => (
      <table aria-labelledby={props.labelledBy}>
        <thead>
          <tr>
            <th scope="col">{t.windowWho}</th>
            <th scope="col">{t.windowWhen}</th>
            <th scope="col">{t.windowVaccine}</th>
          </tr>
        </thead>
        <tbody>
          {props.list.map((w) => (
            <tr>
              <td>
                <strong>{lang === "ko" ? w.nameKo : w.name}</strong>
                <br />
                {t.bornBetween(formatDate(w.birthFrom, lang), formatDate(w.birthTo, lang))}
                {w.birthDayDigit !== null ? `, ${t.birthDigit(w.birthDayDigit)}` : ""}
                {!w.allowProxy ? (
                  <>
                    <br />
                    {t.windowNoProxy}
                  </>
                ) : null}
              </td>
              <td>
                <strong>{state(w)}</strong>
                <br />
                {formatInstant(w.opensAt.toISOString(), lang)} ~ {formatInstant(w.closesAt.toISOString(), lang)}
              </td>
              <td>{w.vaccineCode ? (vaccines.get(w.vaccineCode)?.[lang] ?? w.vaccineCode) : t.windowAnyVaccine}</td>
            </tr>
          ))}
        </tbody>
      </table>
    );
    return c.html(
      <Page c={c} p={p} title={t.homeTitle}>
        <p>{t.homeLead}</p>
        <p>
          <a class="button big" href="/book">
            {t.bookNow}
          </a>
          <a class="button secondary big" href="/lookup">
            {t.lookupLink}
          </a>
        </p>
        <h2 id="schedule">{t.windowsHeading}</h2>
        <div class="card">{current.length ? <Table list={current} labelledBy="schedule" /> : <p>{t.noWindows}</p>}</div>
        {past.length ? (
          <details class="card">
            <summary id="past-schedule">{t.pastWindows}</summary>
            <Table list={past} labelledBy="past-schedule" />
          </details>
        ) : null}
      </Page>,
    );
  });
}
