/** A whole resident number ("670821-1112233" or 13 digits) pasted into either of its two boxes fills both. */
export function startRrnPaste(): void {
  const front = document.getElementById("rrn1");
  const back = document.getElementById("rrn2");
  if (!(front instanceof HTMLInputElement) || !(back instanceof HTMLInputElement)) return;
  const paste = (e: ClipboardEvent) => {
    const text = e.clipboardData?.getData("text") || "";
    const m = /^\s*(\d{6})\s*-?\s*(\d{7})\s*$/.exec(text);
    if (!m) return;
    e.preventDefault();
    front.value = m[1]!;
    back.value = m[2]!;
    back.focus();
  };
  front.addEventListener("paste", paste);
  back.addEventListener("paste", paste);
}
