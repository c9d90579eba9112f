/**
 * The business-time clock: `add(start, duration, calendar)` gives an SLA deadline and
 * `elapsed(start, end, calendar)` the business time between two instants. Instants are epoch milliseconds.
 *
 * Zone arithmetic is Luxon's. Each local day's open intervals are turned into epoch intervals once and
 * memoised, so add/elapsed are plain number comparisons on the hot path.
 */
import { DateTime, IANAZone } from 'luxon';
import type { CalendarSpec, Weekday } from './policy-schema.ts';

const DAY_MS = 86_400_000;
const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
/** Memo entries per calendar before the memo is dropped; ~11 years of days, a few MB at most. */
const MEMO_LIMIT = 4096;
/** A calendar with no open time for this many consecutive days is refused rather than looped on. */
const SEARCH_LIMIT_DAYS = 800;

/** A compiled calendar: open intervals per local day, in epoch milliseconds. */
export interface BusinessCalendar {
  readonly id: string;
  readonly timeZone: string;
  /** True for a round-the-clock calendar: every instant is open. */
  readonly always: boolean;
  /** Open intervals `[start0, end0, start1, end1, …]` of the local day `dayNumber` (days since 1970-01-01). */
  intervals(dayNumber: number): readonly number[];
}

/** The round-the-clock calendar, for tiers whose window runs in wall-clock time. */
export const ALWAYS: BusinessCalendar = {
  id: 'always',
  timeZone: 'UTC',
  always: true,
  intervals: (n) => [n * DAY_MS, (n + 1) * DAY_MS],
};

/** Raised when a calendar has no open time to run a clock in. */
export class ClosedCalendarError extends Error {
  override readonly name = 'ClosedCalendarError';
}

/** Compiles a policy calendar (assumed validated) into a BusinessCalendar. */
export function compileCalendar(id: string, spec: CalendarSpec): BusinessCalendar {
  const zone = spec.timeZone;
  const fixedHolidays = new Set(spec.holidays.filter((h) => h.length === 10));
  const yearlyHolidays = new Set(spec.holidays.filter((h) => h.length === 5));
  const spans = WEEKDAYS.map((d) =>
    (spec.hours[d] ?? []).map((text) => {
      const [a, b] = text.split('-') as [string, string];
      const [sh, sm] = a.split(':').map(Number) as [number, number];
      const [eh, em] = b.split(':').map(Number) as [number, number];
      const start = sh * 60 + sm;
      const end = eh * 60 + em;
      return { start, end: end > start ? end : end + 1440 };
    }),
  )
    // add() walks a day's intervals in order, so a day written as ['13:00-17:00', '09:00-12:00'] is sorted.
    .map((day) => day.sort((x, y) => x.start - y.start));
  const memo = new Map<number, readonly number[]>();

  const build = (n: number): readonly number[] => {
    const iso = new Date(n * DAY_MS).toISOString().slice(0, 10);
    if (fixedHolidays.has(iso) || yearlyHolidays.has(iso.slice(5))) return [];
    const out: number[] = [];
    for (const span of spans[(((n + 3) % 7) + 7) % 7] ?? []) {
      const start = wallTime(n, span.start, zone);
      const end = wallTime(n, span.end, zone);
      if (end > start) out.push(start, end);
    }
    return out;
  };

  return {
    id,
    timeZone: zone,
    always: false,
    intervals(n) {
      let iv = memo.get(n);
      if (iv === undefined) {
        if (memo.size >= MEMO_LIMIT) memo.clear();
        iv = build(n);
        memo.set(n, iv);
      }
      return iv;
    },
  };
}

/**
 * Epoch ms of the wall time `minutes` after midnight of local day `n` (past 1440 for intervals that cross
 * midnight). A wall time inside a DST gap moves forward to the first valid instant (the transition); one
 * inside an overlap takes the earlier offset. Luxon's fromObject is not used: it resolves an overlap with
 * the offset in effect *now*, so the answer would change with the season the process runs in.
 */
function wallTime(n: number, minutes: number, zone: string): number {
  const local = n * DAY_MS + minutes * 60_000; // the wall time read as if it were UTC
  const z = IANAZone.create(zone);
  const before = z.offset(local - DAY_MS);
  const after = z.offset(local + DAY_MS);
  // The larger offset gives the earlier instant, so it is tried first.
  for (const o of before >= after ? [before, after] : [after, before]) {
    const t = local - o * 60_000;
    if (z.offset(t) === o) return t;
  }
  // A gap: read with the new offset the wall time falls before the switch, with the old one after it.
  let lo = local - after * 60_000;
  let hi = local - before * 60_000;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (z.offset(mid) === after) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The first local day whose intervals could contain `t`: UTC offsets span −12h…+14h and intervals may cross one midnight. */
function firstDay(t: number): number {
  return Math.floor(t / DAY_MS) - 2;
}

/**
 * The instant `durationMs` of open time after `start`. A start outside hours starts at the next opening;
 * a deadline that uses up an interval exactly falls on that interval's end.
 */
export function add(start: number, durationMs: number, cal: BusinessCalendar): number {
  if (durationMs < 0) throw new RangeError('duration must not be negative');
  if (cal.always) return start + durationMs;
  let remaining = durationMs;
  let t = start;
  // The limit counts closed days in a row, so a long window on a sparse calendar is not refused.
  let lastOpenDay = firstDay(start);
  for (let n = lastOpenDay; n < lastOpenDay + SEARCH_LIMIT_DAYS; n++) {
    const iv = cal.intervals(n);
    if (iv.length > 0) lastOpenDay = n;
    for (let i = 0; i < iv.length; i += 2) {
      const e = iv[i + 1] as number;
      if (e <= t) continue;
      const from = Math.max(iv[i] as number, t);
      if (from + remaining <= e) return from + remaining;
      remaining -= e - from;
      t = e;
    }
  }
  throw new ClosedCalendarError(
    `calendar '${cal.id}' has no open time for ${SEARCH_LIMIT_DAYS} days in a row`,
  );
}

/** Open time between `start` and `end` (negative when end is before start). */
export function elapsed(start: number, end: number, cal: BusinessCalendar): number {
  // 0 - x, not -x: an empty span is +0 either way round.
  if (end < start) return 0 - elapsed(end, start, cal);
  if (cal.always) return end - start;
  let total = 0;
  const last = Math.floor(end / DAY_MS) + 1;
  for (let n = firstDay(start); n <= last; n++) {
    const iv = cal.intervals(n);
    for (let i = 0; i < iv.length; i += 2) {
      const s = Math.max(iv[i] as number, start);
      const e = Math.min(iv[i + 1] as number, end);
      if (e > s) total += e - s;
    }
  }
  return total;
}

/** Whether `t` is within open hours (intervals are half-open: the end instant is closed). */
export function isOpen(t: number, cal: BusinessCalendar): boolean {
  if (cal.always) return true;
  const first = firstDay(t);
  for (let n = first; n <= first + 3; n++) {
    const iv = cal.intervals(n);
    for (let i = 0; i < iv.length; i += 2) {
      if ((iv[i] as number) <= t && t < (iv[i + 1] as number)) return true;
    }
  }
  return false;
}

/** `t` if open, else the next opening. */
export function nextOpening(t: number, cal: BusinessCalendar): number {
  return add(t, 0, cal);
}

/** The local calendar date (`YYYY-MM-DD`) of `t` in the calendar's zone. */
export function localDate(t: number, cal: BusinessCalendar): string {
  return DateTime.fromMillis(t, { zone: cal.timeZone }).toISODate() ?? '';
}

/**
 * Epoch ms of the first instant of the local date `isoDate` in `timeZone`, from the offsets in force on
 * that date: an ambiguous midnight (America/Havana falls back at 01:00 to 00:00) takes the earlier instant,
 * a skipped one (Havana springs forward at 00:00) the transition. Luxon's zone-aware parse is not used: it
 * guesses the offset in force when the process runs.
 */
export function startOfLocalDay(isoDate: string, timeZone: string): number {
  return wallTime(Math.floor(Date.parse(`${isoDate}T00:00:00Z`) / DAY_MS), 0, timeZone);
}
