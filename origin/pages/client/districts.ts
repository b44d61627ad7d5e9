/**
 * The search form's district list: with JavaScript it follows the chosen 시/도 at once, from the page's
 * own data block, and the "show districts" button (which reloads the form without JavaScript) is hidden.
 */

/** The id of the page's JSON block: 시/도 code → its 시/군/구 as [code, name] in the reader's language. */
export const DISTRICTS_DATA_ID = "district-data";

export type DistrictLists = Record<string, [string, string][]>;

export function startDistrictList(): void {
  const data = document.getElementById(DISTRICTS_DATA_ID);
  const sido = document.getElementById("sido");
  const sigungu = document.getElementById("sigungu");
  if (!data || !(sido instanceof HTMLSelectElement) || !(sigungu instanceof HTMLSelectElement)) return;
  const lists = JSON.parse(data.textContent || "{}") as DistrictLists;
  const button = document.getElementById("show-districts");
  if (button) button.hidden = true;
  sido.addEventListener("change", () => {
    const list = lists[sido.value] || [];
    while (sigungu.options.length > 1) sigungu.remove(1);
    for (let i = 0; i < list.length; i++) {
      const option = document.createElement("option");
      option.value = list[i]![0];
      option.textContent = list[i]![1];
      sigungu.appendChild(option);
    }
  });
}
