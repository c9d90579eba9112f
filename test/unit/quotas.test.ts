import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { localDate } from '../../shared/domain/clock.ts';
import type { LeadInput } from '../../shared/domain/lead.ts';
import { decideAll } from '../../shared/domain/preview.ts';
import { emptyRoutingState, route } from '../../shared/domain/routing.ts';
import { basePolicy, leadFacts, member } from '../helpers/policy-builder.ts';

const input = (submittedAt: string): LeadInput => ({
  email: 'jane@acme.example',
  channel: 'form',
  intent: 'demo',
  partial: false,
  submittedAt,
});

describe('daily quotas, in the rep’s own day', () => {
  const policy = basePolicy({
    tiers: [{ id: 'standard', window: 'PT1H', onShift: 'ignored' }],
    teams: {
      sales: {
        calendar: 'utc',
        maxPerDay: 5,
        members: [member('1', { calendar: 'tokyo', maxPerDay: 2 }), member('2')],
      },
    },
  });
  const decide = (iso: string, counts: Record<string, number>) =>
    route(policy, {
      lead: leadFacts(),
      tier: policy.defaultTier,
      now: Date.parse(iso),
      state: { ...emptyRoutingState(), dayCounts: { '1': counts } },
    });

  it('skips a rep at quota until their own midnight, not UTC’s', () => {
    // Act: 23:00 in Tokyo on the 23rd, then 00:30 in Tokyo on the 24th (still the 23rd in UTC).
    const late = decide('2026-11-23T14:00:00Z', { '2026-11-23': 2 });
    const next = decide('2026-11-23T15:30:00Z', { '2026-11-23': 2 });

    // Assess
    expect(late.ownerId).toBe('2');
    expect(late.trail).toContain('  skipped Rep 1 (1): daily quota reached (2/2 on 2026-11-23, their day)');
    expect(next.ownerId).toBe('1');
    expect(next.quota).toEqual({ day: '2026-11-24', max: 2 });
  });

  it('takes the team’s quota when the member has none', () => {
    // Act
    const d = route(policy, {
      lead: leadFacts(),
      tier: policy.defaultTier,
      now: Date.parse('2026-11-23T10:00:00Z'),
      state: { ...emptyRoutingState(), cursors: { sales: 1 } },
    });

    // Assess
    expect(d.ownerId).toBe('2');
    expect(d.quota).toEqual({ day: '2026-11-23', max: 5 });
  });

  it('never gives a rep more than their quota in one of their days (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3 * 86_400 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 4 }),
        (offsets, quota) => {
          // Prepare
          const p = basePolicy({
            tiers: [{ id: 'standard', window: 'PT1H', onShift: 'ignored' }],
            teams: {
              sales: {
                calendar: 'utc',
                maxPerDay: quota,
                members: [member('1', { calendar: 'tokyo' }), member('2', { calendar: 'new-york' })],
              },
            },
          });
          const start = Date.parse('2026-11-23T00:00:00Z');
          const leads = [...offsets]
            .sort((a, b) => a - b)
            .map((s) => input(new Date(start + s * 1000).toISOString()));

          // Act
          const rows = decideAll(p, leads);

          // Assess
          const perDay = new Map<string, number>();
          rows.forEach((r, i) => {
            if (r.owner.startsWith('queue')) return;
            const m = p.teams.get('sales')?.members.find((x) => x.name === r.owner);
            if (!m) throw new Error(`unexpected owner ${r.owner}`);
            const key = `${m.ownerId}:${localDate(Date.parse(leads[i]?.submittedAt as string), m.calendar)}`;
            perDay.set(key, (perDay.get(key) ?? 0) + 1);
          });
          for (const n of perDay.values()) expect(n).toBeLessThanOrEqual(quota);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('make-up after absence, bounded', () => {
  // Open-lead caps out of the way: the preview never closes a lead.
  const defaults = { calendar: 'utc', queue: 'unassigned', maxOpen: 1000 };
  const policy = basePolicy({
    defaults,
    tiers: [{ id: 'standard', window: 'PT1H', onShift: 'ignored' }],
    teams: {
      sales: {
        calendar: 'utc',
        makeUp: { extraPerDay: 2 },
        members: [member('1'), member('2', { pto: [{ from: '2026-11-23', to: '2026-11-24' }] })],
      },
    },
  });
  /** Hourly leads: ten on each PTO day, then ten on each of the next two days. */
  const hours = (day: string) =>
    Array.from({ length: 10 }, (_, h) => input(`${day}T${String(8 + h).padStart(2, '0')}:00:00Z`));

  it('owes a returning rep the leads they missed, and pays at most two a day', () => {
    // Act
    const rows = decideAll(policy, [
      ...hours('2026-11-23'),
      ...hours('2026-11-24'),
      ...hours('2026-11-25'),
      ...hours('2026-11-26'),
    ]);
    const owners = (day: number) => rows.slice(day * 10, day * 10 + 10).map((r) => r.owner.slice(4));

    // Assess: away two days (20 leads owed, kept at the cap of 20); back, two extra a day, no flood.
    expect(owners(0)).toEqual(Array(10).fill('1'));
    expect(owners(1)).toEqual(Array(10).fill('1'));
    expect(owners(2)).toEqual(['2', '2', '2', '1', '2', '1', '2', '1', '2', '1']);
    expect(owners(3)).toEqual(['2', '2', '2', '1', '2', '1', '2', '1', '2', '1']);
    expect(rows[20]?.why).toContain('chose Rep 2 (2): make-up after absence (20 owed; 2 of 2 left today)');
  });

  it('gives no make-up without the option: the rotation simply resumes', () => {
    // Prepare
    const plain = basePolicy({
      defaults,
      tiers: [{ id: 'standard', window: 'PT1H', onShift: 'ignored' }],
      teams: {
        sales: {
          calendar: 'utc',
          members: [member('1'), member('2', { pto: [{ from: '2026-11-23', to: '2026-11-23' }] })],
        },
      },
    });

    // Act
    const rows = decideAll(plain, [...hours('2026-11-23'), ...hours('2026-11-24')]);

    // Assess
    expect(rows.slice(10).map((r) => r.owner.slice(4))).toEqual([
      '2',
      '1',
      '2',
      '1',
      '2',
      '1',
      '2',
      '1',
      '2',
      '1',
    ]);
  });

  it('never pays more than extraPerDay make-up leads to anyone in one of their days (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 6 * 86_400 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 4 }),
        (offsets, extra, ptoDays) => {
          // Prepare
          const p = basePolicy({
            defaults,
            tiers: [{ id: 'standard', window: 'PT1H', onShift: 'ignored' }],
            teams: {
              sales: {
                calendar: 'utc',
                makeUp: { extraPerDay: extra },
                members: [
                  member('1', { calendar: 'berlin' }),
                  member('2', {
                    calendar: 'tokyo',
                    pto: [{ from: '2026-11-23', to: `2026-11-${23 + ptoDays}` }],
                  }),
                  member('3', { calendar: 'new-york' }),
                ],
              },
            },
          });
          const start = Date.parse('2026-11-23T00:00:00Z');
          const leads = [...offsets]
            .sort((a, b) => a - b)
            .map((s) => input(new Date(start + s * 1000).toISOString()));

          // Act
          const rows = decideAll(p, leads);

          // Assess
          const perDay = new Map<string, number>();
          rows.forEach((r, i) => {
            if (!r.why.some((w) => w.includes('make-up after absence'))) return;
            const m = p.teams.get('sales')?.members.find((x) => x.name === r.owner);
            const key = `${m?.ownerId}:${localDate(Date.parse(leads[i]?.submittedAt as string), m?.calendar ?? p.defaultCalendar)}`;
            perDay.set(key, (perDay.get(key) ?? 0) + 1);
          });
          for (const n of perDay.values()) expect(n).toBeLessThanOrEqual(extra);
        },
      ),
      { numRuns: 100 },
    );
  });
});
