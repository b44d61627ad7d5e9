/**
 * Countdowns (hold time, code validity, the wait before a new code, the session): the server states the
 * seconds left in `data-left`, and this only subtracts the time elapsed since the page loaded, so a wrong
 * clock on the person's computer changes nothing. `data-enable` names a button kept disabled until 0:00
 * (without JavaScript it stays enabled and the server answers a press too early), `data-disable` the
 * controls disabled at 0:00 and `data-expired` the message shown then (without JavaScript the server says
 * the same on the next press). `data-left` is read on every tick, so a timer moved on (the session
 * extended) counts from its new value.
 */
import { formatLeft } from "../countdown";

export function startCountdowns(): void {
  const t0 = Date.now();
  const els = document.querySelectorAll<HTMLElement>("[data-left]");
  if (!els.length) return;
  const tick = () => {
    const elapsed = Math.floor((Date.now() - t0) / 1000);
    for (let i = 0; i < els.length; i++) {
      const el = els[i]!;
      const left = Math.max(0, Number(el.getAttribute("data-left")) - elapsed);
      el.textContent = formatLeft(left);
      const expired = el.getAttribute("data-expired");
      if (left === 0 && expired) {
        const message = document.getElementById(expired);
        if (message) message.hidden = false;
      }
      const disable = el.getAttribute("data-disable");
      if (left === 0 && disable) {
        const ids = disable.split(" ");
        for (let j = 0; j < ids.length; j++) {
          const control = document.getElementById(ids[j]!);
          if (control instanceof HTMLInputElement || control instanceof HTMLButtonElement) control.disabled = true;
        }
      }
      const enable = el.getAttribute("data-enable");
      if (enable) {
        const button = document.getElementById(enable);
        if (button instanceof HTMLButtonElement) button.disabled = left > 0;
      }
    }
  };
  tick();
  setInterval(tick, 1000);
}
