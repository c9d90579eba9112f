import fc from 'fast-check';
import { DateTime, IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  ALWAYS,
  add,
  type BusinessCalendar,
  compileCalendar,
  elapsed,
  isOpen,
  nextOpening,
} from '../../shared/domain/clock.ts';
import type { CalendarSpec, Weekday } from '../../shared/domain/policy.ts';

const MIN = 60_000;
const DAY = 86_400_000;
const DAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const FROM = Date.parse('2026-01-01T00:00:00Z');
const TO = Date.parse('2028-01-01T00:00:00Z');
/** Runs per property and calendar; sized so the whole file stays well under a few seconds. */
const RUNS = 60;

/** Every instant in [from, to) at which the zone's UTC offset changes, to the millisecond (at most one a day). */
function transitionsOf(zone: string, from: number, to: number): number[] {
  const z = IANAZone.create(zone);
  const out: number[] = [];
  for (let t = from; t < to; t += DAY) {
    const after = z.offset(t + DAY);
    if (z.offset(t) === after) continue;
    let lo = t;
    let hi = t + DAY;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (z.offset(mid) === after) hi = mid;
      else lo = mid;
    }
    out.push(hi);
  }
  return out;
}

const every = (list: readonly Weekday[], spans: string[]): CalendarSpec['hours'] =>
  Object.fromEntries(list.map((d) => [d, spans]));
const WEEKDAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri'];

/** Calendars that stress the clock: split days, night shifts, intervals touching the DST switch, holidays. */
const SPECS: Record<string, CalendarSpec> = {
  'berlin-office': {
    timeZone: 'Europe/Berlin',
    hours: { ...every(WEEKDAYS, ['09:00-12:30', '13:30-18:00']), sun: ['01:00-04:00'] },
    holidays: ['01-01', '05-01', '12-25', '12-26', '2026-04-03', '2027-03-26'],
  },
  'berlin-dst-edges': {
    timeZone: 'Europe/Berlin',
    hours: {
      sat: ['22:00-02:00'],
      sun: ['12:00-13:00', '02:00-04:00', '22:00-01:00'],
      mon: ['01:00-02:30', '03:00-05:00', '09:00-17:00'],
      wed: ['00:00-24:00'],
      thu: ['01:00-04:00'],
    },
    holidays: ['2027-03-28', '12-24'],
  },
  'ny-split': {
    timeZone: 'America/New_York',
    hours: {
      ...every(WEEKDAYS, ['08:00-12:00', '13:00-17:30']),
      sat: ['10:00-14:00'],
      sun: ['01:00-04:00'],
    },
    holidays: ['07-04', '12-25', '2026-11-26', '2027-11-25'],
  },
  'ny-gap-edges': {
    timeZone: 'America/New_York',
    hours: {
      sat: ['23:00-01:30'],
      sun: ['03:00-03:30', '01:30-02:30', '23:30-00:30'],
      mon: ['00:30-02:00'],
    },
    holidays: ['2027-11-07'],
  },
  'ny-24h': {
    timeZone: 'America/New_York',
    hours: every(DAYS, ['00:00-24:00']),
    holidays: ['01-01', '2027-03-14'],
  },
  'sydney-nights': {
    timeZone: 'Australia/Sydney',
    hours: {
      ...every(['mon', 'tue', 'wed', 'thu'], ['07:00-12:30', '13:30-18:00']),
      fri: ['07:00-12:30', '13:30-18:00', '22:00-02:00'],
      sat: ['10:00-12:00'],
      sun: ['01:00-04:00', '22:00-01:00'],
    },
    holidays: ['01-26', '04-25', '2026-12-25'],
  },
  'sydney-24h': {
    timeZone: 'Australia/Sydney',
    hours: every(DAYS, ['00:00-24:00']),
    holidays: ['12-25'],
  },
  'lord-howe-half-hour-dst': {
    timeZone: 'Australia/Lord_Howe',
    hours: { ...every(WEEKDAYS, ['09:00-17:00']), sun: ['01:00-03:00'] },
    holidays: [],
  },
  'santiago-midnight-switch': {
    timeZone: 'America/Santiago',
    hours: { ...every(WEEKDAYS, ['09:00-18:00']), sat: ['20:00-00:30'], sun: ['00:30-10:00'] },
    holidays: [],
  },
};

interface Case {
  name: string;
  cal: BusinessCalendar;
  spec?: CalendarSpec;
  transitions: number[];
}

const CASES: Case[] = [
  ...Object.entries(SPECS).map(([name, spec]) => ({
    name,
    cal: compileCalendar(name, spec),
    spec,
    transitions: transitionsOf(spec.timeZone, FROM, TO),
  })),
  {
    name: 'always',
    cal: ALWAYS,
    transitions: [
      ...transitionsOf('Europe/Berlin', FROM, TO),
      ...transitionsOf('America/New_York', FROM, TO),
      ...transitionsOf('Australia/Sydney', FROM, TO),
    ],
  },
];

/** Instants: arbitrary ones over 2026-2027, and ones within three days of a transition (ms- and minute-aligned). */
const instantNear = (transitions: number[]) =>
  transitions.length === 0
    ? fc.integer({ min: FROM, max: TO })
    : fc.oneof(
        { weight: 1, arbitrary: fc.integer({ min: FROM, max: TO }) },
        {
          weight: 2,
          arbitrary: fc
            .tuple(fc.constantFrom(...transitions), fc.integer({ min: -3 * DAY, max: 3 * DAY }))
            .map(([x, dt]) => x + dt),
        },
        {
          weight: 2,
          arbitrary: fc
            .tuple(fc.constantFrom(...transitions), fc.integer({ min: -72 * 60, max: 72 * 60 }))
            .map(([x, m]) => x + m * MIN),
        },
      );

/** Durations: milliseconds to minutes, whole minutes up to two days, anything up to 20 days. */
const duration = fc.oneof(
  fc.integer({ min: 1, max: 10 * MIN }),
  fc.integer({ min: 1, max: 48 * 60 }).map((m) => m * MIN),
  fc.integer({ min: 1, max: 20 * DAY }),
);

const toMinutes = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
};

/**
 * An independent reading of a calendar: open when the local wall clock is inside an interval of today (not a
 * holiday) or inside the after-midnight part of an interval of yesterday (not a holiday). Undefined for the
 * second pass through a repeated fall-back hour, where a wall-clock reading is ambiguous.
 */
function openByWallClock(t: number, spec: CalendarSpec): boolean | undefined {
  const z = IANAZone.create(spec.timeZone);
  const now = z.offset(t);
  const earlier = z.offset(t - DAY);
  if (earlier > now && z.offset(t - (earlier - now) * MIN) === earlier) return undefined;
  const w = DateTime.fromMillis(t, { zone: spec.timeZone });
  const minute = w.hour * 60 + w.minute + (w.second * 1000 + w.millisecond) / MIN;
  const today = w.toISODate() as string;
  const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - DAY).toISOString().slice(0, 10);
  const holiday = (iso: string) => spec.holidays.includes(iso) || spec.holidays.includes(iso.slice(5));
  const spans = (day: Weekday) =>
    (spec.hours[day] ?? []).map((text) => {
      const [a, b] = text.split('-') as [string, string];
      const s = toMinutes(a);
      const e = toMinutes(b);
      return { s, e: e > s ? e : e + 1440 };
    });
  const day = DAYS[w.weekday - 1] as Weekday;
  const dayBefore = DAYS[(w.weekday + 5) % 7] as Weekday;
  if (!holiday(today) && spans(day).some(({ s, e }) => s <= minute && minute < e)) return true;
  if (!holiday(yesterday) && spans(dayBefore).some(({ e }) => minute < e - 1440)) return true;
  return false;
}

describe('instant generation', () => {
  it('targets the real 2026 and 2027 DST transitions of New York, Berlin and Sydney', () => {
    // Prepare
    const zones = ['America/New_York', 'Europe/Berlin', 'Australia/Sydney'];
    // Act
    const found = zones.map((z) => transitionsOf(z, FROM, TO).map((t) => new Date(t).toISOString()));
    // Assess
    expect(found).toEqual([
      [
        '2026-03-08T07:00:00.000Z',
        '2026-11-01T06:00:00.000Z',
        '2027-03-14T07:00:00.000Z',
        '2027-11-07T06:00:00.000Z',
      ],
      [
        '2026-03-29T01:00:00.000Z',
        '2026-10-25T01:00:00.000Z',
        '2027-03-28T01:00:00.000Z',
        '2027-10-31T01:00:00.000Z',
      ],
      [
        '2026-04-04T16:00:00.000Z',
        '2026-10-03T16:00:00.000Z',
        '2027-04-03T16:00:00.000Z',
        '2027-10-02T16:00:00.000Z',
      ],
    ]);
  });
});

describe.each(CASES)('business clock on $name', ({ cal, spec, transitions }) => {
  const instant = instantNear(transitions);

  it('is monotonic in the duration: d1 ≤ d2 ⇒ add(t, d1) ≤ add(t, d2)', () => {
    fc.assert(
      fc.property(instant, fc.nat(20 * DAY), fc.nat(20 * DAY), (t, x, y) => {
        // Prepare
        const [d1, d2] = x <= y ? [x, y] : [y, x];
        // Act
        const a = add(t, d1, cal);
        const b = add(t, d2, cal);
        // Assess
        expect(a).toBeLessThanOrEqual(b);
      }),
      { numRuns: RUNS },
    );
  });

  it('is monotonic in the start: t1 ≤ t2 ⇒ add(t1, d) ≤ add(t2, d)', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 3 * DAY }), duration, (t1, gap, d) => {
        // Prepare
        const t2 = t1 + gap;
        // Act
        const a = add(t1, d, cal);
        const b = add(t2, d, cal);
        // Assess
        expect(a).toBeLessThanOrEqual(b);
      }),
      { numRuns: RUNS },
    );
  });

  it('is additive: add(add(t, a), b) = add(t, a + b)', () => {
    fc.assert(
      fc.property(instant, duration, duration, (t, a, b) => {
        // Prepare: a and b are positive.
        // Act
        const stepwise = add(add(t, a, cal), b, cal);
        const atOnce = add(t, a + b, cal);
        // Assess
        expect(stepwise).toBe(atOnce);
      }),
      { numRuns: RUNS },
    );
  });

  it('measures back what it added: elapsed(t, add(t, d)) = d', () => {
    fc.assert(
      fc.property(instant, fc.oneof(duration, fc.constant(0)), (t, d) => {
        // Prepare: t and d are generated.
        // Act
        const deadline = add(t, d, cal);
        // Assess
        expect(elapsed(t, deadline, cal)).toBe(d);
      }),
      { numRuns: RUNS },
    );
  });

  it('puts a deadline inside open hours or exactly at the end of an interval', () => {
    fc.assert(
      fc.property(instant, duration, (t, d) => {
        // Prepare: d > 0.
        // Act
        const deadline = add(t, d, cal);
        // Assess
        expect(deadline).toBeGreaterThan(t);
        expect(isOpen(deadline - 1, cal)).toBe(true);
        expect(isOpen(nextOpening(t, cal), cal)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('is open exactly when the next opening is the instant itself', () => {
    fc.assert(
      fc.property(instant, (t) => {
        // Prepare: t is generated.
        // Act
        const open = isOpen(t, cal);
        const opening = nextOpening(t, cal);
        // Assess
        expect(opening === t).toBe(open);
        expect(elapsed(t, opening, cal)).toBe(0);
      }),
      { numRuns: RUNS },
    );
  });

  it('splits elapsed time at any midpoint and never counts more than wall time', () => {
    fc.assert(
      fc.property(instant, fc.nat(3 * DAY), fc.nat(3 * DAY), (t1, x, y) => {
        // Prepare
        const t2 = t1 + Math.min(x, y);
        const t3 = t1 + Math.max(x, y);
        // Act
        const whole = elapsed(t1, t3, cal);
        const parts = elapsed(t1, t2, cal) + elapsed(t2, t3, cal);
        const backwards = elapsed(t3, t1, cal);
        // Assess
        expect(parts).toBe(whole);
        expect(backwards).toBe(0 - whole); // 0 - 0 is +0, as elapsed returns for an empty span
        expect(whole).toBeGreaterThanOrEqual(0);
        expect(whole).toBeLessThanOrEqual(t3 - t1);
      }),
      { numRuns: RUNS },
    );
  });

  it('agrees with isOpen minute by minute: elapsed counts the open minutes', () => {
    fc.assert(
      fc.property(instant, fc.nat(24 * 60), (t, minutes) => {
        // Prepare: minute-aligned bounds (every switch and interval bound is on a whole minute).
        const start = Math.floor(t / MIN) * MIN;
        const end = start + minutes * MIN;
        let open = 0;
        for (let m = start; m < end; m += MIN) if (isOpen(m, cal)) open += MIN;
        // Act
        const counted = elapsed(start, end, cal);
        // Assess
        expect(counted).toBe(open);
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
  });

  if (spec !== undefined) {
    it('is open exactly when the local wall clock reads inside an interval of a working day', () => {
      fc.assert(
        fc.property(instant, (t) => {
          // Prepare
          const expected = openByWallClock(t, spec);
          // Act
          const open = isOpen(t, cal);
          // Assess
          if (expected !== undefined) expect(open).toBe(expected);
        }),
        { numRuns: RUNS * 3 },
      );
    });
  }
});

const ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Australia/Sydney',
  'Australia/Lord_Howe',
  'America/Santiago',
  'Asia/Kolkata',
  'Pacific/Chatham',
  'Europe/London',
] as const;

/** A random weekly calendar: up to three intervals a day on a 15-minute grid, listed in a rotated (unsorted) order. */
const randomSpec: fc.Arbitrary<CalendarSpec> = fc
  .record({
    timeZone: fc.constantFrom(...ZONES),
    week: fc.array(fc.tuple(fc.uniqueArray(fc.integer({ min: 0, max: 96 }), { maxLength: 6 }), fc.nat(5)), {
      minLength: 7,
      maxLength: 7,
    }),
    holidays: fc.subarray(['01-01', '03-29', '04-05', '10-25', '11-01', '2026-03-08', '2027-10-03']),
  })
  .map(({ timeZone, week, holidays }) => {
    const hhmm = (q: number) =>
      `${String(Math.floor(q / 4)).padStart(2, '0')}:${String((q % 4) * 15).padStart(2, '0')}`;
    const hours: CalendarSpec['hours'] = {};
    week.forEach(([marks, rotate], d) => {
      const sorted = [...marks].sort((a, b) => a - b);
      const spans: string[] = [];
      for (let i = 0; i + 1 < sorted.length; i += 2)
        spans.push(`${hhmm(sorted[i] as number)}-${hhmm(sorted[i + 1] as number)}`);
      const k = spans.length ? rotate % spans.length : 0;
      hours[DAYS[d] as Weekday] = [...spans.slice(k), ...spans.slice(0, k)];
    });
    return { timeZone, hours, holidays };
  })
  .filter((spec) => Object.values(spec.hours).some((spans) => spans.length > 0));

const INSTANT_IN_ZONE = new Map(ZONES.map((z) => [z, instantNear(transitionsOf(z, FROM, TO))]));
const randomCase = randomSpec.chain((spec) =>
  fc.record({
    spec: fc.constant(spec),
    t: INSTANT_IN_ZONE.get(spec.timeZone as (typeof ZONES)[number]) as fc.Arbitrary<number>,
    d: duration,
  }),
);

describe('business clock on random calendars in zones with DST, half-hour DST and none', () => {
  it('measures back what it added and puts the deadline in open hours', () => {
    fc.assert(
      fc.property(randomCase, ({ spec, t, d }) => {
        // Prepare
        const cal = compileCalendar('random', spec);
        // Act
        const deadline = add(t, d, cal);
        // Assess
        expect(elapsed(t, deadline, cal)).toBe(d);
        expect(isOpen(deadline - 1, cal)).toBe(true);
        expect(add(add(t, Math.floor(d / 2), cal), d - Math.floor(d / 2), cal)).toBe(deadline);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('is open exactly when the local wall clock reads inside an interval of a working day', () => {
    fc.assert(
      fc.property(randomCase, ({ spec, t }) => {
        // Prepare
        const cal = compileCalendar('random', spec);
        const expected = openByWallClock(t, spec);
        // Act
        const open = isOpen(t, cal);
        // Assess
        if (expected !== undefined) expect(open).toBe(expected);
      }),
      { numRuns: RUNS * 3 },
    );
  });
});
