/**
 * The proof-of-work page's script (pages/refusal-page.tsx): finds a nonce n such that
 * SHA-256("<challenge>~<n>") starts with the asked number of zero bits, hashing in batches of 64 with
 * WebCrypto, then puts "<challenge>~<n>" in the proof cookie and reloads. The challenge and the bits come
 * from the card's data- attributes (#wr-pow); a browser without WebCrypto is told so.
 */
import { leadingZeroBits, POW_COOKIE } from "../edge/proof-of-work";

const card = document.getElementById("wr-pow");
if (card) solve(card);

function solve(root: HTMLElement): void {
  const token = root.getAttribute("data-challenge") || "";
  const bits = +(root.getAttribute("data-bits") ?? 0);
  const bar = document.getElementById("wr-pow-progress") as HTMLProgressElement | null;
  const subtle = window.crypto?.subtle;
  if (!subtle || !window.TextEncoder || !window.Promise) {
    const unsupported = document.getElementById("wr-pow-unsupported");
    if (unsupported) unsupported.hidden = false;
    return;
  }
  const enc = new TextEncoder();
  const expected = 2 ** bits;
  let n = 0;
  function step(): void {
    const batch: Promise<ArrayBuffer>[] = [];
    for (let i = 0; i < 64; i++) batch.push(subtle.digest("SHA-256", enc.encode(token + "~" + (n + i))));
    Promise.all(batch).then((digests) => {
      for (let i = 0; i < digests.length; i++) {
        if (leadingZeroBits(new Uint8Array(digests[i]!)) >= bits) {
          // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is missing on the old phones this page serves
          document.cookie = POW_COOKIE + "=" + token + "~" + (n + i) + "; path=/; max-age=300; SameSite=Lax";
          location.reload();
          return;
        }
      }
      n += digests.length;
      if (bar) bar.value = Math.min(0.99, 1 - Math.exp(-n / expected));
      setTimeout(step, 0);
    });
  }
  step();
}
