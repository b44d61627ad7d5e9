/** The lookup pages' script (pages/lookup.tsx): a pasted resident number fills both boxes; a refused form's summary takes the focus. */
import { focusErrorSummary } from "./client/error-focus";
import { startRrnPaste } from "./client/rrn-paste";
import { startEach } from "./client/start";

startEach([startRrnPaste, focusErrorSummary]);
