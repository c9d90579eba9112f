import { Settings } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ALWAYS,
  add,
  ClosedCalendarError,
  compileCalendar,
  elapsed,
  isOpen,
  localDate,
  nextOpening,
  startOfLocalDay,
} from '../../shared/domain/clock.ts';
import type { CalendarSpec, Weekday } from '../../shared/domain/policy.ts';

const MIN = 60_000;
const HOUR = 3_600_000;

/** Epoch ms of an ISO instant written with its offset, so every expectation reads as local time. */
const at = (iso: string): number => {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`bad instant ${iso}`);
  return t;
};

const days = (list: readonly Weekday[], spans: string[]): CalendarSpec['hours'] =>
  Object.fromEntries(list.map((d) => [d, spans]));
const WEEKDAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri'];
const EVERY_DAY: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const berlinOffice = compileCalendar('berlin', {
  timeZone: 'Europe/Berlin',
  hours: days(WEEKDAYS, ['09:00-18:00']),
  holidays: ['01-01', '05-01', '12-25', '12-26', '2026-04-03', '2026-04-06'],
});
const sydneyLunch = compileCalendar('sydney', {
  timeZone: 'Australia/Sydney',
  hours: days(WEEKDAYS, ['08:30-12:30', '13:30-17:30']),
  holidays: [],
});
const roundTheClock = (timeZone: string) =>
  compileCalendar(`24h-${timeZone}`, { timeZone, hours: days(EVERY_DAY, ['00:00-24:00']), holidays: [] });

describe('add', () => {
  it('starts a clock that starts before opening at the opening', () => {
    // Prepare: Tuesday 07:00 in Berlin, two hours before opening.
    const start = at('2026-03-10T07:00:00+01:00');
    // Act
    const deadline = add(start, 5 * MIN, berlinOffice);
    // Assess
    expect(deadline).toBe(at('2026-03-10T09:05:00+01:00'));
  });

  it('starts a clock that starts at closing time at the next opening (the end instant is closed)', () => {
    // Prepare: Tuesday 18:00 sharp.
    const start = at('2026-03-10T18:00:00+01:00');
    // Act
    const deadline = add(start, 5 * MIN, berlinOffice);
    // Assess
    expect(deadline).toBe(at('2026-03-11T09:05:00+01:00'));
  });

  it('moves a Friday-evening lead to Monday morning', () => {
    // Prepare: Friday 18:30, after closing.
    const start = at('2026-03-06T18:30:00+01:00');
    // Act
    const deadline = add(start, 5 * MIN, berlinOffice);
    // Assess
    expect(deadline).toBe(at('2026-03-09T09:05:00+01:00'));
  });

  it('splits a window across the weekend: 2 minutes on Friday, 3 on Monday', () => {
    // Prepare: Friday 17:58, two minutes before closing.
    const start = at('2026-03-06T17:58:00+01:00');
    // Act
    const deadline = add(start, 5 * MIN, berlinOffice);
    // Assess
    expect(deadline).toBe(at('2026-03-09T09:03:00+01:00'));
  });

  it('lands exactly on closing time when the window uses up the day', () => {
    // Prepare: Friday 17:55 and a 5-minute window.
    const start = at('2026-03-06T17:55:00+01:00');
    // Act
    const deadline = add(start, 5 * MIN, berlinOffice);
    // Assess
    expect(deadline).toBe(at('2026-03-06T18:00:00+01:00'));
  });

  it('skips a yearly holiday (05-01, a Friday in 2026)', () => {
    // Prepare: Thursday 2026-04-30 17:55, five minutes before closing.
    const start = at('2026-04-30T17:55:00+02:00');
    // Act
    const deadline = add(start, 10 * MIN, berlinOffice);
    // Assess: 5 min on Thursday, holiday Friday, weekend, 5 min on Monday.
    expect(deadline).toBe(at('2026-05-04T09:05:00+02:00'));
  });

  it('skips fixed holidays (Good Friday and Easter Monday 2026)', () => {
    // Prepare: Thursday 2026-04-02 17:00.
    const start = at('2026-04-02T17:00:00+02:00');
    // Act
    const deadline = add(start, 2 * HOUR, berlinOffice);
    // Assess: 1 h on Thursday, then Friday 04-03, the weekend and Monday 04-06 are closed.
    expect(deadline).toBe(at('2026-04-07T10:00:00+02:00'));
  });

  it('skips a yearly holiday in the following year too (2027-01-01)', () => {
    // Prepare: Thursday 2026-12-31 17:30.
    const start = at('2026-12-31T17:30:00+01:00');
    // Act
    const deadline = add(start, HOUR, berlinOffice);
    // Assess
    expect(deadline).toBe(at('2027-01-04T09:30:00+01:00'));
  });

  it('pauses over a lunch break on a two-interval day', () => {
    // Prepare: Sydney Monday 12:00, half an hour before lunch.
    const start = at('2026-06-01T12:00:00+10:00');
    // Act
    const deadline = add(start, HOUR, sydneyLunch);
    // Assess: 30 min before lunch, 30 min after 13:30.
    expect(deadline).toBe(at('2026-06-01T14:00:00+10:00'));
  });

  it('starts a clock that starts during lunch after lunch', () => {
    // Prepare: Sydney Monday 12:45.
    const start = at('2026-06-01T12:45:00+10:00');
    // Act
    const deadline = add(start, 15 * MIN, sydneyLunch);
    // Assess
    expect(deadline).toBe(at('2026-06-01T13:45:00+10:00'));
  });

  it('runs through an interval that crosses midnight', () => {
    // Prepare: a Tuesday night shift 22:00-02:00 in Berlin; Tuesday 23:00.
    const nights = compileCalendar('nights', {
      timeZone: 'Europe/Berlin',
      hours: { tue: ['22:00-02:00'] },
      holidays: [],
    });
    const start = at('2026-01-13T23:00:00+01:00');
    // Act
    const withinNight = add(start, 2 * HOUR, nights);
    const intoNextWeek = add(start, 4 * HOUR, nights);
    // Assess
    expect(withinNight).toBe(at('2026-01-14T01:00:00+01:00'));
    expect(intoNextWeek).toBe(at('2026-01-20T23:00:00+01:00'));
  });

  it('counts the after-midnight part of a night shift from the day it started on', () => {
    // Prepare: the same Tuesday night shift; Wednesday 01:30, inside Tuesday's shift.
    const nights = compileCalendar('nights', {
      timeZone: 'Europe/Berlin',
      hours: { tue: ['22:00-02:00'] },
      holidays: [],
    });
    const start = at('2026-01-14T01:30:00+01:00');
    // Act
    const atEnd = add(start, 30 * MIN, nights);
    const pastEnd = add(start, 31 * MIN, nights);
    // Assess
    expect(atEnd).toBe(at('2026-01-14T02:00:00+01:00'));
    expect(pastEnd).toBe(at('2026-01-20T22:01:00+01:00'));
  });

  it('runs a Sunday-night shift into Monday morning', () => {
    // Prepare: Sunday 22:00-06:00 in New York; Sunday 23:00.
    const weekendNights = compileCalendar('sun-nights', {
      timeZone: 'America/New_York',
      hours: { sun: ['22:00-06:00'] },
      holidays: [],
    });
    const start = at('2026-01-18T23:00:00-05:00');
    // Act
    const deadline = add(start, 8 * HOUR, weekendNights);
    // Assess: 7 h to Monday 06:00, then 1 h from the next Sunday 22:00.
    expect(deadline).toBe(at('2026-01-25T23:00:00-05:00'));
  });

  it('drops the intervals that start on a holiday, including its night into the next day', () => {
    // Prepare: nights 22:00-02:00 every day, 2026-12-25 a holiday; Thursday 12-24 23:00.
    const nights = compileCalendar('nights', {
      timeZone: 'Europe/Berlin',
      hours: days(EVERY_DAY, ['22:00-02:00']),
      holidays: ['12-25'],
    });
    const start = at('2026-12-24T23:00:00+01:00');
    // Act
    const deadline = add(start, 4 * HOUR, nights);
    // Assess: 3 h of the 24th's night (to 02:00 on the 25th), none on the 25th, 1 h from 22:00 on the 26th.
    expect(deadline).toBe(at('2026-12-26T23:00:00+01:00'));
  });

  it('walks the intervals of a day in time order whatever order the policy lists them in', () => {
    // Prepare: Monday written afternoon first; Monday 08:00 UTC.
    const unsorted = compileCalendar('unsorted', {
      timeZone: 'UTC',
      hours: { mon: ['13:00-17:00', '09:00-12:00'] },
      holidays: [],
    });
    const start = at('2026-01-05T08:00:00Z');
    // Act
    const inMorning = add(start, HOUR, unsorted);
    const afterLunch = add(start, 4 * HOUR, unsorted);
    // Assess
    expect(inMorning).toBe(at('2026-01-05T10:00:00Z'));
    expect(afterLunch).toBe(at('2026-01-05T14:00:00Z'));
  });

  it('computes a long window on a sparse calendar instead of refusing it', () => {
    // Prepare: open one hour a week; a 200-hour window needs 200 weeks (more than 800 days).
    const sparse = compileCalendar('sparse', {
      timeZone: 'UTC',
      hours: { mon: ['09:00-10:00'] },
      holidays: [],
    });
    const start = at('2026-01-05T08:00:00Z');
    // Act
    const deadline = add(start, 200 * HOUR, sparse);
    // Assess: the 200th Monday counting 2026-01-05 as the first.
    expect(deadline).toBe(at('2029-10-29T10:00:00Z'));
  });

  it('returns the start itself for a zero window inside hours', () => {
    // Prepare: Wednesday 11:11 in Berlin.
    const start = at('2026-03-11T11:11:00+01:00');
    // Act
    const deadline = add(start, 0, berlinOffice);
    // Assess
    expect(deadline).toBe(start);
  });

  it('refuses a negative duration', () => {
    // Prepare
    const start = at('2026-03-11T11:11:00+01:00');
    // Act
    const act = () => add(start, -1, berlinOffice);
    // Assess
    expect(act).toThrow(new RangeError('duration must not be negative'));
  });

  it('raises ClosedCalendarError for a calendar that never opens', () => {
    // Prepare: a calendar without hours.
    const closed = compileCalendar('closed', { timeZone: 'Europe/Berlin', hours: {}, holidays: [] });
    const start = at('2026-03-11T11:11:00+01:00');
    // Act
    const act = () => add(start, MIN, closed);
    // Assess
    expect(act).toThrow(ClosedCalendarError);
    expect(act).toThrow("calendar 'closed' has no open time for 800 days in a row");
    expect(() => nextOpening(start, closed)).toThrow(ClosedCalendarError);
  });

  it('runs the round-the-clock calendar in wall-clock time', () => {
    // Prepare: a Saturday night.
    const start = at('2026-03-07T23:00:00+01:00');
    // Act
    const deadline = add(start, 24 * HOUR, ALWAYS);
    // Assess
    expect(deadline).toBe(at('2026-03-08T23:00:00+01:00'));
    expect(elapsed(start, deadline, ALWAYS)).toBe(24 * HOUR);
    expect(isOpen(start, ALWAYS)).toBe(true);
  });
});

describe('daylight saving time', () => {
  afterEach(() => {
    Settings.now = () => Date.now();
  });

  it.each([
    ['Europe/Berlin', '2026-03-29', '2026-03-30', 23],
    ['Europe/Berlin', '2026-10-25', '2026-10-26', 25],
    ['America/New_York', '2026-03-08', '2026-03-09', 23],
    ['America/New_York', '2026-11-01', '2026-11-02', 25],
    ['Australia/Sydney', '2026-10-04', '2026-10-05', 23],
    ['Australia/Sydney', '2026-04-05', '2026-04-06', 25],
    ['Europe/Berlin', '2027-03-28', '2027-03-29', 23],
    ['America/New_York', '2027-11-07', '2027-11-08', 25],
  ])('a 00:00-24:00 day in %s from %s to %s has %i hours', (zone, day, next, hours) => {
    // Prepare
    const cal = roundTheClock(zone);
    const midnight = startOfLocalDay(day, zone);
    const nextMidnight = startOfLocalDay(next, zone);
    // Act
    const open = elapsed(midnight, nextMidnight, cal);
    const deadline = add(midnight, hours * HOUR, cal);
    // Assess
    expect(open).toBe(hours * HOUR);
    expect(deadline).toBe(nextMidnight);
  });

  it('counts a full day of wall time on the spring-forward day (24 h of open time ends an hour later)', () => {
    // Prepare: Berlin, midnight before the switch.
    const cal = roundTheClock('Europe/Berlin');
    const midnight = at('2026-03-29T00:00:00+01:00');
    // Act
    const deadline = add(midnight, 24 * HOUR, cal);
    // Assess
    expect(deadline).toBe(at('2026-03-30T01:00:00+02:00'));
  });

  it.each([
    ['Europe/Berlin', '2026-03-29T01:00:00+01:00', '2026-03-29T04:00:00+02:00', 2],
    ['Europe/Berlin', '2026-10-25T01:00:00+02:00', '2026-10-25T04:00:00+01:00', 4],
    ['America/New_York', '2026-03-08T01:00:00-05:00', '2026-03-08T04:00:00-04:00', 2],
    ['America/New_York', '2026-11-01T01:00:00-04:00', '2026-11-01T04:00:00-05:00', 4],
  ])(
    'a Sunday 01:00-04:00 interval in %s opening at %s closes at %s after %i hours',
    (zone, opens, closes, hours) => {
      // Prepare
      const cal = compileCalendar('switch-hour', {
        timeZone: zone,
        hours: { sun: ['01:00-04:00'] },
        holidays: [],
      });
      const saturdayNoon = at(opens) - 13 * HOUR;
      // Act
      const opening = nextOpening(saturdayNoon, cal);
      const deadline = add(saturdayNoon, hours * HOUR, cal);
      const open = elapsed(saturdayNoon, at(closes) + 12 * HOUR, cal);
      // Assess
      expect(opening).toBe(at(opens));
      expect(deadline).toBe(at(closes));
      expect(open).toBe(hours * HOUR);
    },
  );

  it('ends an interval that ends inside the spring-forward gap at the switch, not an hour later', () => {
    // Prepare: Berlin Sunday 01:00-02:30 and 03:00-05:00; on 2026-03-29 02:00-03:00 does not exist.
    const cal = compileCalendar('gap', {
      timeZone: 'Europe/Berlin',
      hours: { sun: ['01:00-02:30', '03:00-05:00'] },
      holidays: [],
    });
    const saturday = at('2026-03-28T12:00:00+01:00');
    const monday = at('2026-03-30T00:00:00+02:00');
    // Act
    const open = elapsed(saturday, monday, cal);
    const deadline = add(saturday, 90 * MIN, cal);
    // Assess: 01:00-02:00 CET, then 03:00-05:00 CEST.
    expect(open).toBe(3 * HOUR);
    expect(deadline).toBe(at('2026-03-29T03:30:00+02:00'));
    expect(isOpen(at('2026-03-29T03:15:00+02:00'), cal)).toBe(true);
  });

  it('opens an interval that starts inside the spring-forward gap at the switch', () => {
    // Prepare: New York Sunday 02:30-06:00; on 2026-03-08 02:00-03:00 does not exist.
    const cal = compileCalendar('gap-start', {
      timeZone: 'America/New_York',
      hours: { sun: ['02:30-06:00'] },
      holidays: [],
    });
    // Act
    const opening = nextOpening(at('2026-03-08T00:00:00-05:00'), cal);
    // Assess
    expect(opening).toBe(at('2026-03-08T03:00:00-04:00'));
  });

  it('resolves a wall time in the fall-back hour to its first occurrence whatever the date today', () => {
    // Prepare: Berlin Sunday 02:30-04:00; on 2026-10-25 02:00-03:00 happens twice.
    const spec: CalendarSpec = { timeZone: 'Europe/Berlin', hours: { sun: ['02:30-04:00'] }, holidays: [] };
    const saturday = at('2026-10-24T12:00:00+02:00');
    // Act: compile while "now" is in summer and in winter (Luxon guesses ambiguous offsets from now).
    Settings.now = () => at('2026-07-15T12:00:00Z');
    const summer = nextOpening(saturday, compileCalendar('summer', spec));
    Settings.now = () => at('2026-01-15T12:00:00Z');
    const winterCal = compileCalendar('winter', spec);
    const winter = nextOpening(saturday, winterCal);
    // Assess
    expect(summer).toBe(at('2026-10-25T02:30:00+02:00'));
    expect(winter).toBe(at('2026-10-25T02:30:00+02:00'));
    expect(elapsed(saturday, at('2026-10-26T00:00:00+01:00'), winterCal)).toBe(150 * MIN);
  });

  it('handles a zone whose clocks skip midnight (America/Santiago, 2026-09-06)', () => {
    // Prepare: a round-the-clock Sunday; midnight does not exist that day, the day starts at 01:00 -03.
    const cal = compileCalendar('santiago', {
      timeZone: 'America/Santiago',
      hours: { sun: ['00:00-24:00'] },
      holidays: [],
    });
    // Act
    const opening = nextOpening(at('2026-09-05T12:00:00-04:00'), cal);
    const open = elapsed(at('2026-09-05T12:00:00-04:00'), at('2026-09-08T00:00:00-03:00'), cal);
    // Assess
    expect(opening).toBe(at('2026-09-06T01:00:00-03:00'));
    expect(open).toBe(23 * HOUR);
  });
});

describe('elapsed', () => {
  it('counts only open time across a weekend', () => {
    // Prepare: Friday 17:00 to Monday 10:00 in Berlin.
    const friday = at('2026-03-06T17:00:00+01:00');
    const monday = at('2026-03-09T10:00:00+01:00');
    // Act
    const forward = elapsed(friday, monday, berlinOffice);
    const backward = elapsed(monday, friday, berlinOffice);
    // Assess
    expect(forward).toBe(2 * HOUR);
    expect(backward).toBe(-2 * HOUR);
  });

  it('is zero over closed time', () => {
    // Prepare: Saturday to Sunday.
    const saturday = at('2026-03-07T10:00:00+01:00');
    const sunday = at('2026-03-08T20:00:00+01:00');
    // Act
    const open = elapsed(saturday, sunday, berlinOffice);
    // Assess
    expect(open).toBe(0);
  });

  it('counts a whole week of a two-interval calendar', () => {
    // Prepare: Sydney, Monday 00:00 to the next Monday 00:00 (no DST change in June).
    const monday = at('2026-06-01T00:00:00+10:00');
    // Act
    const open = elapsed(monday, monday + 7 * 24 * HOUR, sydneyLunch);
    // Assess: 5 days × 8 h.
    expect(open).toBe(40 * HOUR);
  });
});

describe('isOpen, nextOpening and localDate', () => {
  it('treats an interval as half-open: the opening instant is open, the closing instant is not', () => {
    // Prepare
    const opening = at('2026-03-10T09:00:00+01:00');
    const closing = at('2026-03-10T18:00:00+01:00');
    // Act
    const states = [opening - 1, opening, closing - 1, closing].map((t) => isOpen(t, berlinOffice));
    // Assess
    expect(states).toEqual([false, true, true, false]);
  });

  it('gives the instant itself when open and the next opening when closed', () => {
    // Prepare
    const open = at('2026-03-10T10:00:00+01:00');
    const closed = at('2026-03-07T10:00:00+01:00');
    // Act
    const whenOpen = nextOpening(open, berlinOffice);
    const whenClosed = nextOpening(closed, berlinOffice);
    // Assess
    expect(whenOpen).toBe(open);
    expect(whenClosed).toBe(at('2026-03-09T09:00:00+01:00'));
  });

  it('gives the local date in the calendar zone', () => {
    // Prepare: 23:30 UTC on 2026-03-06.
    const t = at('2026-03-06T23:30:00Z');
    const newYork = compileCalendar('ny', { timeZone: 'America/New_York', hours: {}, holidays: [] });
    // Act
    const inBerlin = localDate(t, berlinOffice);
    const inNewYork = localDate(t, newYork);
    // Assess
    expect(inBerlin).toBe('2026-03-07');
    expect(inNewYork).toBe('2026-03-06');
  });
});

describe('startOfLocalDay resolves the day from the date itself', () => {
  it.each([
    // Havana falls back at 01:00 CDT to 00:00 CST: midnight happens twice; the day starts at the first.
    ['2026-11-01', '2026-11-01T04:00:00.000Z'],
    // Havana springs forward at 00:00 CST to 01:00 CDT: midnight never happens; the day starts at the switch.
    ['2026-03-08', '2026-03-08T05:00:00.000Z'],
  ])('America/Havana %s starts at %s whatever the season the process runs in', (day, want) => {
    // Prepare: the process clock in winter, then in summer.
    const seasons = ['2026-01-15T12:00:00Z', '2026-07-15T12:00:00Z'];
    const saved = Settings.now;
    const starts: string[] = [];
    try {
      for (const season of seasons) {
        Settings.now = () => Date.parse(season);
        // Act
        starts.push(new Date(startOfLocalDay(day, 'America/Havana')).toISOString());
      }
    } finally {
      Settings.now = saved;
    }
    // Assess
    expect(starts).toEqual([want, want]);
  });
});
