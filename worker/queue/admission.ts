/**
 * The admission schedule of one queue counter, and the one formula that says who may enter.
 *
 * A counter stores O(1) numbers, never a list of people:
 *   issued      the last sequence number handed out (tickets are 1, 2, 3, ...)
 *   anchorSeq   the serving cursor at the last re-anchor
 *   anchorAt    when that was (ms, the counter's clock; in the future while a scheduled opening is ahead)
 *   ratePerSec  admissions per second the operator set (for this shard: a lane of K shards gives each rate/K)
 *   paused      operator's stop: the cursor holds still
 *   speed       numbers the cursor passes per admitted person: 1, or more when places ahead were abandoned
 *               (liveness.ts measures it from per-interval counts; the counter re-anchors when it changes)
 *   held        the lane is at its cap of active passes (`maxActive`): the cursor holds still, as when
 *               paused, until a pass ends or expires (one out, one in)
 *   soldOut     the booking window open now has no places left (the origin says so, queue-counter.ts asks it):
 *               the cursor holds still, nobody new is admitted, and people keep their places until places
 *               come back (cancellations, more capacity, the next window); `nextOpensAt` says when that opens
 *
 *   serving(t) = paused, held or soldOut ? anchorSeq : min(issued, anchorSeq + floor(rate · speed · max(0, t − anchorAt)))
 *
 * A ticket whose place <= serving(t) is admitted. A ticket's place is its number, except in a pre-queue:
 *   opensAt     a scheduled opening (ms; 0 when none). Until then the anchor sits at opensAt, so the
 *               formula admits nobody, and every arrival joins the pre-queue: numbers preFrom+1, ...
 *   preTo       -1 while the pre-queue is open. At the opening the counter seals it (preTo = issued) and
 *               reveals the seed: places preFrom+1 .. preTo are dealt to those numbers in the random order
 *               the seed draws (prequeue.ts), whose hash (commitment) was published before anyone arrived.
 *               Everyone who arrives after the opening takes a number after preTo: first come, first served.
 *
 * The schedule is re-anchored (anchorSeq = serving(now), anchorAt = now) on every change of rate, pause,
 * speed, cap or sold-out state, so a change never makes the cursor jump, and when the queue has run dry, so
 * capacity left idle is never banked: after a quiet hour a surge is let in at the set rate, not all at once.
 * A dry queue is noticed lazily, by the next arrival, which is equivalent to re-anchoring at the moment it ran
 * dry. After the counter has heard nothing for more than RESUME_GAP_MS while people waited (it, or every
 * edge, was down), it resumes from where the cursor stood then, plus at most that gap's worth (`resume`): an
 * outage never lets its capacity in at once, and the cursor never steps back, so nobody already admitted is
 * sent back.
 *
 * Also kept, each a few numbers:
 *   active      passes this counter minted that have not ended or expired (as of its last write)
 *   marks       the cursor sampled every MARK_EVERY_MS over the last grace period ([cursor, at, ...]): whether
 *               a place was passed long ago (`passedBefore`), so a place passed long ago rejoins at the cursor
 *   rejoinNext  the last place given to someone rejoining at the cursor: rejoiners are spaced one per place
 *   autopilot   whether the lane's rate is the autopilot's (queue/autopilot.ts): the edge measures the lane's
 *               forwarded requests only then
 *
 * Everything here is pure: the Durable Object persists the schedule, the edge evaluates it from a cached
 * snapshot, and tests drive it with any clock.
 */

export interface Schedule {
  issued: number;
  anchorSeq: number;
  anchorAt: number;
  ratePerSec: number;
  paused: boolean;
  speed: number;
  /** share of the numbers still waiting whose holders are live (1 when nobody is known to have left) */
  liveShare: number;
  opensAt: number;
  preFrom: number;
  preTo: number;
  /** SHA-256 of the pre-queue's seed, hex ("" when no opening was ever scheduled) */
  commitment: string;
  /** the seed, hex: "" until the opening reveals it */
  seed: string;
  /** bumped by the counter on every write: the edge keeps the newest copy it has seen */
  rev: number;
  /** operators' switch under attack: a new place needs a proof of work of this many bits (0: off) */
  powBits: number;
  /** the most passes of this counter live at once (null: no cap) */
  maxActive: number | null;
  /** passes of this counter minted and not yet ended or expired, when the counter last wrote this */
  active: number;
  /** the cursor holds because `active` reached `maxActive` */
  held: boolean;
  /** the cursor sampled over the last grace period: [cursor, at, cursor, at, ...], oldest first */
  marks: number[];
  /** the last place handed to someone rejoining at the cursor (0: none yet) */
  rejoinNext: number;
  /** the open booking window has no places left: the cursor holds (`markSoldOut`) */
  soldOut: boolean;
  /** when the next booking window opens (ms; 0: none known) */
  nextOpensAt: number;
  /** the lane's rate is chosen by the autopilot (queue/autopilot.ts): the edge measures its forwarded requests */
  autopilot: boolean;
}

/** The operator's upper bound on a rate: anything above it is a typo, not a plan. */
export const MAX_RATE_PER_SEC = 100_000;
/** The operator's upper bound on a cap of active passes. */
export const MAX_ACTIVE = 10_000_000;

export function initialSchedule(ratePerSec: number, now: number): Schedule {
  return {
    issued: 0,
    anchorSeq: 0,
    anchorAt: now,
    ratePerSec,
    paused: false,
    speed: 1,
    liveShare: 1,
    opensAt: 0,
    preFrom: 0,
    preTo: 0,
    commitment: "",
    seed: "",
    rev: 0,
    powBits: 0,
    maxActive: null,
    active: 0,
    held: false,
    marks: [],
    rejoinNext: 0,
    soldOut: false,
    nextOpensAt: 0,
    autopilot: false,
  };
}

/** A stored schedule that lacks some fields (openings, liveness, the cap), completed with their defaults. */
export function upgradeSchedule(
  stored: Partial<Schedule> & Pick<Schedule, "issued" | "anchorSeq" | "anchorAt" | "ratePerSec" | "paused">,
): Schedule {
  return { ...initialSchedule(stored.ratePerSec, stored.anchorAt), ...stored };
}

/** The cursor the formula gives before it is capped at `issued`. */
export function uncapped(s: Schedule, t: number): number {
  if (s.paused || s.held || s.soldOut) return s.anchorSeq;
  const elapsedSec = Math.max(0, t - s.anchorAt) / 1000;
  return s.anchorSeq + Math.floor(s.ratePerSec * s.speed * elapsedSec);
}

/** The admission cursor at time t: every ticket whose place <= serving(t) is admitted. */
export function serving(s: Schedule, t: number): number {
  return Math.min(s.issued, uncapped(s, t));
}

/** The pre-queue is still open (a scheduled opening has not happened yet): arrivals' places are not dealt. */
export function preQueueOpen(s: Schedule): boolean {
  return s.preTo < 0;
}

/** A ticket number inside the sealed pre-queue, whose place the seed decides. */
export function inPreQueue(s: Schedule, seq: number): boolean {
  return seq > s.preFrom && (s.preTo < 0 || seq <= s.preTo);
}

/**
 * At or after the opening, the pre-queue is sealed: its size is what was issued before this moment, and
 * the seed is revealed (the counter passes it in; it never leaves the counter earlier).
 */
export function seal(s: Schedule, t: number, seed: string): Schedule {
  if (!preQueueOpen(s) || t < s.opensAt) return s;
  return { ...s, preTo: s.issued, seed };
}

/**
 * A new arrival takes the next number. If the queue had run dry (the formula has passed `issued`, so at
 * least one admission's worth of capacity is free right now), the schedule is re-anchored on the new
 * arrival: they go in at once, and the capacity left idle before them is dropped. Before a scheduled
 * opening nobody is admitted (the anchor is in the future), so this never fires then.
 */
export function arrive(s: Schedule, t: number): { schedule: Schedule; seq: number } {
  const seq = s.issued + 1;
  if (!s.paused && !s.held && !s.soldOut && t >= s.anchorAt && uncapped(s, t) > s.issued) {
    return { seq, schedule: { ...s, issued: seq, anchorSeq: seq, anchorAt: t } };
  }
  return { seq, schedule: { ...s, issued: seq } };
}

export interface ScheduleChange {
  ratePerSec?: number;
  paused?: boolean;
  powBits?: number;
  /** the cap on this counter's live passes; null removes it */
  maxActive?: number | null;
  /** whether the autopilot chooses the lane's rate (the leader sets it with the rate) */
  autopilot?: boolean;
}

/** The hardest proof of work operators may ask: 2^24 hashes is several seconds on an old phone already. */
export const MAX_POW_BITS = 24;

/**
 * An operator's change of rate or pause, re-anchored at the current cursor so it never jumps. An anchor
 * in the future (a scheduled opening) stays where it is: nobody is admitted before the opening.
 */
export function reconfigure(s: Schedule, t: number, change: ScheduleChange): Schedule {
  return {
    ...s,
    anchorSeq: serving(s, t),
    anchorAt: Math.max(t, s.anchorAt),
    ratePerSec: change.ratePerSec ?? s.ratePerSec,
    paused: change.paused ?? s.paused,
    powBits: change.powBits ?? s.powBits,
    maxActive: change.maxActive === undefined ? s.maxActive : change.maxActive,
    autopilot: change.autopilot ?? s.autopilot,
  };
}

/** The lane is full: as many passes live as its cap allows. */
export function atCap(s: Schedule): boolean {
  return s.maxActive !== null && s.active >= s.maxActive;
}

/** Holds the cursor at the cap, or lets it move again below it; re-anchored, so it never jumps. */
export function hold(s: Schedule, t: number, held: boolean): Schedule {
  if (s.held === held) return s;
  return { ...s, anchorSeq: serving(s, t), anchorAt: Math.max(t, s.anchorAt), held };
}

/**
 * Holds the cursor while the open booking window has no places left, or lets it move again once places
 * come back; re-anchored, so it never jumps. `nextOpensAt`: when the next window opens (0: none known).
 */
export function markSoldOut(s: Schedule, t: number, soldOut: boolean, nextOpensAt: number): Schedule {
  if (s.soldOut === soldOut) return s.nextOpensAt === nextOpensAt ? s : { ...s, nextOpensAt };
  return { ...s, anchorSeq: serving(s, t), anchorAt: Math.max(t, s.anchorAt), soldOut, nextOpensAt };
}

/** No word from anyone for longer than this while people wait: the counter or the edge was down. */
export const RESUME_GAP_MS = 5_000;

/**
 * The schedule after a silence: `lastSeen` is when the counter was last called. If more than `gapMs` has
 * passed since (or since the anchor, if later) and the cursor would move further than it could in `gapMs`
 * (or than one place), it is re-anchored there now: admission goes on at the set rate from where it stood.
 */
export function resume(s: Schedule, lastSeen: number, t: number, gapMs = RESUME_GAP_MS): Schedule {
  const stood = Math.max(lastSeen, s.anchorAt);
  if (t - stood <= gapMs || s.paused || s.held || s.soldOut) return s;
  const limit = Math.max(serving(s, stood + gapMs), Math.min(s.issued, serving(s, stood) + 1));
  if (serving(s, t) <= limit) return s;
  return { ...s, anchorSeq: limit, anchorAt: t };
}

export const MARK_EVERY_MS = 30_000;

/** Samples the cursor at most every MARK_EVERY_MS, keeping what `keepMs` back needs (and one older mark). */
export function markCursor(s: Schedule, t: number, keepMs: number): Schedule {
  const m = s.marks;
  if (m.length > 0 && t - m[m.length - 1]! < MARK_EVERY_MS) return s;
  const next = [...m, serving(s, t), t];
  let from = 0;
  while (from + 2 < next.length && next[from + 3]! <= t - keepMs) from += 2;
  return { ...s, marks: from === 0 ? next : next.slice(from) };
}

/** Whether the cursor had certainly passed `place` by time `at` (from the marks, or the current anchor). */
export function passedBefore(s: Schedule, place: number, at: number): boolean {
  if (at >= s.anchorAt && (place <= s.anchorSeq || serving(s, at) >= place)) return true;
  for (let i = 0; i + 1 < s.marks.length; i += 2) if (s.marks[i + 1]! <= at && s.marks[i]! >= place) return true;
  return false;
}

/**
 * A place for someone coming back long after the cursor passed them: right behind the people now at the
 * front, one place further for each earlier rejoiner still ahead, never past the last number issued (a line
 * that has run dry lets them in at once). Admitted together with whoever holds that place.
 */
export function rejoin(s: Schedule, t: number): { schedule: Schedule; place: number } {
  const cursor = serving(s, t);
  const place = Math.min(s.issued, Math.max(cursor + 1, s.rejoinNext + 1));
  return { place, schedule: { ...s, rejoinNext: place } };
}

/** A new estimate of how many numbers the cursor should pass per live person, re-anchored so it never jumps. */
export function respeed(s: Schedule, t: number, speed: number, liveShare: number): Schedule {
  if (speed === s.speed) return liveShare === s.liveShare ? s : { ...s, liveShare };
  return { ...s, anchorSeq: serving(s, t), anchorAt: Math.max(t, s.anchorAt), speed, liveShare };
}

export type OpeningRefusal = "opening_in_progress";

/**
 * Schedules (or moves) the opening. A pre-queue starts at the current number and takes every arrival
 * until `opensAt`; the commitment to its seed is published now. Moving an opening that has not happened
 * keeps its pre-queue and its seed. A new opening is refused while people from the previous pre-queue
 * are still waiting for their drawn places (their places must not change).
 */
export function scheduleOpening(s: Schedule, t: number, opensAt: number, commitment: string): Schedule | OpeningRefusal {
  const at = Math.max(t, opensAt);
  if (preQueueOpen(s)) return { ...s, opensAt: at, anchorAt: at };
  if (s.preTo > s.preFrom && serving(s, t) < s.preTo) return "opening_in_progress";
  return { ...s, anchorSeq: serving(s, t), anchorAt: at, opensAt: at, preFrom: s.issued, preTo: -1, commitment, seed: "", soldOut: false };
}

export type QueueState = "waiting" | "admitted" | "paused" | "before_open" | "sold_out";

/** What `/_wr/status` answers: a person's place, computed at the edge from schedule snapshots. */
export interface QueueStatus {
  state: QueueState;
  /** my number in line (0 in a pre-queue until its places are drawn at the opening) */
  seq: number;
  /** 1 means next to enter; 0 once admitted, and before the opening */
  position: number;
  ahead: number;
  behind: number;
  /** null while paused, at rate 0 or before the opening: nobody can say */
  etaSeconds: number | null;
  serving: number;
  issued: number;
  ratePerSec: number;
  pollAfterMs: number;
  /** seconds until a scheduled opening (server clock); null when none is ahead */
  opensInSeconds: number | null;
  /** people in the pre-queue so far (0 when none is open) */
  preQueued: number;
  /** the open booking window has no places left: nobody is admitted until places come back */
  soldOut: boolean;
  /** when the next booking window opens (ISO), when known */
  nextOpensAt: string | null;
}

/**
 * The status as JSON text, the same as JSON.stringify(status) (every field is a finite number, a boolean,
 * null, one of five fixed words or an ISO time): written out directly because polls are the hottest path
 * of the edge and a generic stringify costs about a tenth of a poll's time.
 */
export function statusJson(s: QueueStatus): string {
  return `{"state":"${s.state}","seq":${s.seq},"position":${s.position},"ahead":${s.ahead},"behind":${s.behind},"etaSeconds":${s.etaSeconds},"serving":${s.serving},"issued":${s.issued},"ratePerSec":${s.ratePerSec},"pollAfterMs":${s.pollAfterMs},"opensInSeconds":${s.opensInSeconds},"preQueued":${s.preQueued},"soldOut":${s.soldOut},"nextOpensAt":${s.nextOpensAt === null ? "null" : `"${s.nextOpensAt}"`}}`;
}

export const POLL_MIN_MS = 1_000;
export const POLL_MAX_MS = 30_000;
/** While paused (or at rate 0) nobody can enter: the front of the line checks back every 5 s at most. */
const POLL_WHILE_STOPPED_MS = 5_000;
/** Sold out: places come back rarely (cancellations); a page checks back every 30 s, or at the next opening if sooner. */
export const POLL_WHILE_SOLD_OUT_MS = 30_000;

/**
 * A poll interval that grows with the wait: about a tenth of the remaining wait, so people near the
 * front see the door open within a second and people far back poll rarely (bounded 1 s .. `maxMs`, which
 * is 30 s, or less when abandonment is judged over a shorter grace period: every live page must check in).
 */
export function pollAfterMs(etaSeconds: number, maxMs = POLL_MAX_MS): number {
  return Math.min(maxMs, Math.max(POLL_MIN_MS, Math.round((etaSeconds * 1000) / 10)));
}

/** Stopped: poll as the wait would be at the set rate once resumed, but not more often than every 5 s. */
function stoppedPollMs(position: number, ratePerSec: number, maxMs: number): number {
  const etaIfResumed = ratePerSec > 0 ? position / ratePerSec : Number.POSITIVE_INFINITY;
  return Math.min(maxMs, Math.max(POLL_WHILE_STOPPED_MS, pollAfterMs(etaIfResumed, maxMs)));
}

/**
 * Before the opening: the place is not drawn yet. Pages check in at about half the time left (every
 * second near the end), and once it has passed, within a second, spread so they do not all come at once.
 */
export function beforeOpenStatus(s: Schedule, t: number, maxPollMs = POLL_MAX_MS): QueueStatus {
  const leftMs = Math.max(0, s.opensAt - t);
  return {
    state: "before_open",
    seq: 0,
    position: 0,
    ahead: 0,
    behind: 0,
    etaSeconds: null,
    serving: serving(s, t),
    issued: s.issued,
    ratePerSec: s.ratePerSec,
    pollAfterMs: Math.min(maxPollMs, Math.max(POLL_MIN_MS, Math.round(leftMs / 2))),
    opensInSeconds: Math.ceil(leftMs / 1000),
    preQueued: s.issued - s.preFrom,
    soldOut: false,
    nextOpensAt: null,
  };
}

/** A sold-out line's poll interval: 30 s, or until the next window opens if that is sooner (and never past `maxPollMs`). */
function soldOutPollMs(s: Schedule, t: number, maxPollMs: number): number {
  const untilOpening = s.nextOpensAt > t ? s.nextOpensAt - t : Number.POSITIVE_INFINITY;
  return Math.min(maxPollMs, POLL_WHILE_SOLD_OUT_MS, Math.max(POLL_MIN_MS, untilOpening));
}

/**
 * A ticket's status in one counter, by its place. `holdsPass`: the visitor was admitted earlier and still
 * holds a valid pass (a pause does not undo it). People ahead count only live ones (`liveShare`).
 */
export function queueStatus(s: Schedule, place: number, t: number, holdsPass = false, maxPollMs = POLL_MAX_MS): QueueStatus {
  const cursor = serving(s, t);
  // A snapshot may predate a ticket issued a moment ago: never report fewer issued than the ticket proves.
  const issued = Math.max(s.issued, place);
  // A place the cursor has reached still waits at the front while the lane is at its cap or sold out.
  const admitted = holdsPass || (place <= cursor && !atCap(s) && !s.soldOut);
  const gap = admitted ? 0 : Math.max(0, place - cursor - 1);
  const ahead = s.liveShare === 1 ? gap : Math.round(gap * s.liveShare);
  let etaSeconds: number | null = 0;
  if (!admitted) {
    etaSeconds = null;
    if (!s.paused && !s.soldOut && s.ratePerSec > 0) {
      // When uncapped(t') reaches place: anchorSeq + rate·speed·(t' − anchorAt) >= place (held: as if it moved on now).
      const admitAt = (s.held ? t : s.anchorAt) + ((place - s.anchorSeq) / (s.ratePerSec * s.speed)) * 1000;
      etaSeconds = Math.max(1, Math.ceil((admitAt - t) / 1000));
    }
  }
  const soldOut = !admitted && s.soldOut;
  return {
    state: admitted ? "admitted" : soldOut ? "sold_out" : s.paused ? "paused" : "waiting",
    seq: place,
    position: admitted ? 0 : ahead + 1,
    ahead,
    behind: issued - place,
    etaSeconds,
    serving: cursor,
    issued,
    ratePerSec: s.ratePerSec,
    pollAfterMs: admitted
      ? 0
      : soldOut
        ? soldOutPollMs(s, t, maxPollMs)
        : etaSeconds !== null
          ? pollAfterMs(etaSeconds, maxPollMs)
          : stoppedPollMs(ahead + 1, s.ratePerSec, maxPollMs),
    opensInSeconds: s.opensAt > t ? Math.ceil((s.opensAt - t) / 1000) : null,
    preQueued: 0,
    soldOut: s.soldOut,
    nextOpensAt: s.nextOpensAt > 0 ? new Date(s.nextOpensAt).toISOString() : null,
  };
}

/**
 * A lane of K shards: each counter admits its own share of the rate, so a ticket's place in the whole
 * lane is where the other shards' cursors will be when its own turn comes. From the K snapshots: the
 * moment T this ticket's shard reaches it; in each other shard j, everyone up to serving_j(T) is ahead of
 * it and everyone after is behind. With K = 1 this is `queueStatus` unchanged.
 */
export function laneStatus(shards: Schedule[], shard: number, place: number, t: number, maxPollMs = POLL_MAX_MS): QueueStatus {
  const own = shards[shard]!;
  const mine = queueStatus(own, place, t, false, maxPollMs);
  if (shards.length === 1) return mine;
  const at = mine.etaSeconds === null ? null : t + mine.etaSeconds * 1000;
  let ahead = mine.ahead;
  let behind = mine.behind;
  let cursor = mine.serving;
  let issued = mine.issued;
  let rate = mine.ratePerSec;
  for (let j = 0; j < shards.length; j++) {
    if (j === shard) continue;
    const s = shards[j]!;
    const now = serving(s, t);
    // Where shard j stands when my turn comes; with no time to go by (paused), as many numbers on as mine.
    const cut = Math.min(s.issued, at === null || mine.state === "admitted" ? now + (place - mine.serving) : uncapped(s, at));
    ahead += Math.round(Math.max(0, cut - now) * s.liveShare);
    behind += s.issued - Math.max(cut, now);
    cursor += now;
    issued += s.issued;
    rate += s.ratePerSec;
  }
  return {
    ...mine,
    seq: mine.state === "admitted" ? mine.seq : cursor + ahead + 1,
    position: mine.state === "admitted" ? 0 : ahead + 1,
    ahead: mine.state === "admitted" ? 0 : ahead,
    behind,
    serving: cursor,
    issued,
    ratePerSec: rate,
  };
}
