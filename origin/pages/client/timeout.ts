/**
 * The timeout dialog on the booking steps after identity (book/parts.tsx): opened when two minutes are
 * left on `#session-timer`; "continue" extends the session with a fetch of /book/extend and moves every
 * session timer on the page to the new end; at 0:00 the page is asked for again, and the server answers
 * with what ended. Without `showModal` (an old browser) the page keeps its timer and the server's answers.
 */
/** What POST /book/extend answers a script: the new end, the seconds left to it, and whether it may extend again. */
export interface Extended {
  expiresAt: string;
  secondsLeft: number;
  extendable: boolean;
}

/** A dialog element the browser can show modally (not every old browser knows <dialog>, or its class). */
function isModalDialog(el: HTMLElement | null): el is HTMLDialogElement {
  return el !== null && typeof (el as Partial<HTMLDialogElement>).showModal === "function";
}

export function startTimeoutDialog(): void {
  const dialog = document.getElementById("timeout");
  const timer = document.getElementById("session-timer");
  if (!isModalDialog(dialog) || !timer) return;
  const t0 = Date.now();
  const elapsed = () => Math.floor((Date.now() - t0) / 1000);
  const reload = () => location.replace(location.pathname + location.search);
  let shown = false;
  setInterval(() => {
    const left = Number(timer.getAttribute("data-left")) - elapsed();
    if (left <= 120 && left > 0 && !shown && !dialog.open) {
      shown = true;
      dialog.showModal();
    }
    if (left <= 0) reload();
  }, 1000);
  const close = document.getElementById("timeout-close");
  if (close) close.addEventListener("click", () => dialog.close());
  const form = document.getElementById("timeout-form");
  if (!form) return;
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    fetch("/book/extend", { method: "POST", headers: { accept: "application/json" }, credentials: "same-origin" })
      .then((r) => (r.ok ? (r.json() as Promise<Extended>) : Promise.reject(r)))
      .then((extended) => {
        // The timers count from the page's load: the new end, plus the time the page has been open.
        const moved = String(extended.secondsLeft + elapsed());
        const timers = document.querySelectorAll("#session-timer,#timeout [data-left]");
        for (let i = 0; i < timers.length; i++) timers[i]!.setAttribute("data-left", moved);
        shown = false;
        if (!extended.extendable) {
          const more = document.getElementById("timeout-continue");
          if (more?.parentNode) more.parentNode.removeChild(more);
        }
        dialog.close();
      })
      .catch(reload);
  });
}
