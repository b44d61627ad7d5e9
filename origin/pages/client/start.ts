/** Runs each part of a page's script on its own, so one that fails (an old browser without some API) leaves the others working. */
export function startEach(parts: (() => void)[]): void {
  for (let i = 0; i < parts.length; i++) {
    try {
      parts[i]!();
    } catch (err) {
      setTimeout(() => {
        throw err;
      }, 0);
    }
  }
}
