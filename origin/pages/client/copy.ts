/**
 * The reservation number's copy button (book/done.tsx): shown only where the browser has a clipboard; it
 * copies the button's `data-copy` and says `data-copied` in the live region next to it.
 */
export function startCopyButton(): void {
  const button = document.getElementById("copy");
  if (!button || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", () => {
    navigator.clipboard.writeText(button.getAttribute("data-copy") || "").then(() => {
      const status = document.getElementById("copy-status");
      if (status) status.textContent = button.getAttribute("data-copied") || "";
    });
  });
}
