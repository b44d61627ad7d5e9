/**
 * Step 4a, /book/search: date (open days only) → 시/도 → 시/군/구 → vaccine → clinics with free places, the
 * earliest free time first, PAGE_SIZE a page. Without JavaScript "show districts" reloads the form with the
 * chosen 시/도's districts; with it the district list follows the 시/도 at once (from the page's own data).
 */
import { Hono } from "hono";
import { isOpenDay } from "../../clinics/calendar";
import { addDays, seoulDate } from "../../clinics/dates";
import { currentEligibility } from "../../identity/eligibility";
import type { OriginEnv } from "../../types";
import { answer } from "../api";
import { DISTRICTS_DATA_ID, type DistrictLists } from "../client/districts";
import { errorText, formatDate } from "../i18n";
import { ErrorSummary, JsonData, Page, pageCtx } from "../layout";
import { type Book, eligibilityText } from "./context";
import { ForWhom } from "./parts";

const PAGE_SIZE = 20;

export function searchStep(b: Book) {
  const { db, config } = b;
  return new Hono<OriginEnv>().get("/book/search", async (c) => {
    const p = pageCtx(c);
    const s = await b.session(c);
    if (s instanceof Response) return s;
    const { t, lang } = p;
    const today = seoulDate(b.now());
    // Only days clinics work: the calendar's one rule (no weekends, no public holidays).
    const dates = Array.from({ length: config.bookingHorizonDays }, (_, i) => addDays(today, i)).filter(isOpenDay);
    const asked = c.req.query("date") ?? "";
    const date = dates.includes(asked) ? asked : (dates[0] ?? today);
    const sido = c.req.query("sido") ?? "";
    const sigungu = c.req.query("sigungu") ?? "";
    const { regions, vaccines } = await b.reference();
    const region = regions.find((r) => r.code === sido);
    const district = region?.districts.find((d) => d.code === sigungu);
    const label = (x: { name: string; nameEn: string }) => (lang === "en" ? x.nameEn : x.name);

    const eligibility = await currentEligibility(db, s.subjectBirthDate, b.now());
    // The booking window may fix the vaccine; otherwise the person may filter by one (or see all).
    const fixedVaccine = eligibility.eligible ? eligibility.window.vaccine : null;
    const vaccineChoices = fixedVaccine ? [fixedVaccine] : [...vaccines.keys()];
    const chosenVaccine = c.req.query("vaccine") ?? "";
    const vaccine = fixedVaccine ?? (vaccines.has(chosenVaccine) ? chosenVaccine : null);
    const find = c.req.query("find") !== undefined;
    const result =
      region && find
        ? await answer(
            await b
              .api(c)
              .clinics.clinics.$get({ query: { date, region: district?.code ?? region.code, ...(vaccine ? { vaccine } : {}) } }),
          )
        : null;
    const error =
      find && !region ? t.errors.region_required : result && !result.ok ? errorText(t, result.body.code, result.body.message) : undefined;
    const found = result?.ok ? result.body.clinics : [];
    // A long list is hard to read: PAGE_SIZE clinics at a time, with links to the next and previous ones.
    const pages = Math.max(1, Math.ceil(found.length / PAGE_SIZE));
    const pageNo = Math.min(pages, Math.max(1, Number(c.req.query("page")) || 1));
    const clinics = found.slice((pageNo - 1) * PAGE_SIZE, pageNo * PAGE_SIZE);
    const pageLink = (n: number) =>
      `/book/search?${new URLSearchParams({ date, sido, sigungu, vaccine: vaccine ?? "", find: "1", page: String(n) })}#results`;
    const back = new URLSearchParams({ date, sido, sigungu, vaccine: vaccine ?? "" }).toString();
    const districtLists: DistrictLists = Object.fromEntries(
      regions.map((r) => [r.code, r.districts.map((d) => [d.code, label(d)] as [string, string])]),
    );
    return c.html(
      <Page c={c} p={p} title={t.searchTitle} step={4} script="book">
        <ForWhom b={b} p={p} s={s} />
        {!eligibility.eligible ? <p class="warn">{eligibilityText(t, eligibility, lang)}</p> : null}
        <ErrorSummary t={t} errors={error ? { sido: error } : {}} />
        <p>{t.searchLead}</p>
        <form method="get" action="/book/search" class="card">
          <label for="date">{t.date}</label>
          <p class="hint" id="date-hint">
            {t.openDaysHint}
          </p>
          <select id="date" name="date" aria-describedby="date-hint">
            {dates.map((d) => (
              <option value={d} selected={d === date}>
                {formatDate(d, lang)}
              </option>
            ))}
          </select>
          <label for="sido">{t.sido}</label>
          <select id="sido" name="sido" aria-invalid={error && !region ? "true" : undefined}>
            <option value="">{t.choose}</option>
            {regions.map((r) => (
              <option value={r.code} selected={r.code === sido}>
                {label(r)}
              </option>
            ))}
          </select>
          <button type="submit" id="show-districts" name="districts" value="1" class="secondary">
            {t.showDistricts}
          </button>
          <label for="sigungu">{t.sigungu}</label>
          <select id="sigungu" name="sigungu">
            <option value="">{t.allSigungu}</option>
            {(region?.districts ?? []).map((d) => (
              <option value={d.code} selected={d.code === sigungu}>
                {label(d)}
              </option>
            ))}
          </select>
          <label for="vaccine">{t.vaccine}</label>
          <select id="vaccine" name="vaccine">
            {fixedVaccine ? null : <option value="">{t.allVaccines}</option>}
            {vaccineChoices.map((v) => (
              <option value={v} selected={v === vaccine}>
                {vaccines.get(v)?.[lang] ?? v}
              </option>
            ))}
          </select>
          <div>
            <button type="submit" name="find" value="1" class="big">
              {t.findClinics}
            </button>
          </div>
        </form>
        {result?.ok ? (
          <section aria-labelledby="results" class="card">
            <h2 id="results" tabindex={-1}>
              {found.length ? t.clinicsFound(found.length) : t.noClinics}
            </h2>
            {found.length ? <p class="hint">{t.sortedHint}</p> : null}
            {pages > 1 ? <p>{t.pageOf(pageNo, pages)}</p> : null}
            <ul class="plain">
              {clinics.map((cl) => (
                <li class="clinic">
                  <h3>
                    <a href={`/book/clinic/${cl.id}?${back}`}>{cl.name}</a>
                  </h3>
                  <p style="margin:.2rem 0">{cl.address}</p>
                  <p style="margin:.2rem 0">
                    <strong>{t.freePlaces(cl.freeSlots)}</strong> · {t.firstTime(cl.firstFreeTime)} · {t.vaccine}{" "}
                    {vaccines.get(cl.vaccine)?.[lang] ?? cl.vaccine}
                  </p>
                </li>
              ))}
            </ul>
            {pages > 1 ? (
              <nav class="pager" aria-label={t.pageOf(pageNo, pages)}>
                {pageNo > 1 ? <a href={pageLink(pageNo - 1)}>{t.prevPage}</a> : <span />}
                {pageNo < pages ? <a href={pageLink(pageNo + 1)}>{t.nextPage}</a> : <span />}
              </nav>
            ) : null}
          </section>
        ) : null}
        <JsonData id={DISTRICTS_DATA_ID} value={districtLists} />
      </Page>,
    );
  });
}
