/**
 * A ceiling on request bodies, for every route and page: no form or JSON body the origin takes comes near
 * it, and a bigger one is refused with 413 `body_too_large` (a page for page requests) before any handler
 * reads it. A declared Content-Length over the limit is refused without reading a byte; a body without one
 * (chunked) is counted as it arrives and refused at the first byte past the limit, so at most the limit is
 * ever held in memory. The rest of a refused body is discarded unread by the Node server.
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit as honoBodyLimit } from "hono/body-limit";
import { AppError } from "../../lib/errors";

/** 64 KiB: the largest form or JSON body any route takes is well under 2 KiB. */
export const MAX_BODY_BYTES = 64 * 1024;

export function bodyLimit(maxBytes = MAX_BODY_BYTES): MiddlewareHandler {
  return honoBodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new AppError("body_too_large", 413, `The request body is larger than ${Math.floor(maxBytes / 1024)} KB; nothing was done.`, {
        limitBytes: maxBytes,
      });
    },
  });
}
