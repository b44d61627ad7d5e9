/**
 * Requests in flight at this origin process, and the most seen at once since the last reset: the load
 * harness reads the peak to state, measured, how many concurrent requests the origin actually carried.
 * Also counts identity rejections by code (per process, since start), which never reach the database.
 */
import type { MiddlewareHandler } from "hono";

export class Gauge {
  inFlight = 0;
  peak = 0;
  readonly identityRejections = new Map<string, number>();

  middleware(): MiddlewareHandler {
    return async (_c, next) => {
      this.inFlight++;
      if (this.inFlight > this.peak) this.peak = this.inFlight;
      try {
        await next();
      } finally {
        this.inFlight--;
      }
    };
  }

  rejected(code: string): void {
    this.identityRejections.set(code, (this.identityRejections.get(code) ?? 0) + 1);
  }

  resetPeak(): void {
    this.peak = this.inFlight;
  }
}
