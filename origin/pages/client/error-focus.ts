/**
 * A form that came back with errors puts its summary in front of the person: focused, so a screen reader
 * reads it and the page scrolls to it. The page marks itself `data-focus-errors` when it came back so.
 */
export function focusErrorSummary(): void {
  if (!document.body.hasAttribute("data-focus-errors")) return;
  const s = document.getElementById("error-summary");
  if (s) s.focus();
}
