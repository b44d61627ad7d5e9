/**
 * The booking pages' script (pages/book/): each part looks for its elements and does nothing without
 * them, and every page works without it (plain forms; the server counts the same times down).
 */
import { startCopyButton } from "./client/copy";
import { startCountdowns } from "./client/countdown";
import { startDistrictList } from "./client/districts";
import { focusErrorSummary } from "./client/error-focus";
import { startRrnPaste } from "./client/rrn-paste";
import { startEach } from "./client/start";
import { startTimeoutDialog } from "./client/timeout";

startEach([startRrnPaste, startDistrictList, startCopyButton, startCountdowns, startTimeoutDialog, focusErrorSummary]);
