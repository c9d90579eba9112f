import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LeadInput } from '../../shared/domain/lead.ts';
import { decideAll, formatDecisions, maskEmail, type PreviewDecision } from '../../shared/domain/preview.ts';
import { examplePolicy } from '../helpers/policy-builder.ts';

const example = examplePolicy();

function lead(overrides: Partial<LeadInput> = {}): LeadInput {
  return {
    email: 'jane@acme.example',
    channel: 'form',
    intent: 'demo',
    submittedAt: '2026-11-23T15:05:00Z',
    partial: false,
    ...overrides,
  };
}

function sampleLeads(): LeadInput[] {
  return readFileSync(new URL('../../config/sample-leads.jsonl', import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .map((line) => ({ partial: false, ...JSON.parse(line) }) as LeadInput);
}

describe('decideAll', () => {
  it('decides the sample leads: tier, owner, deadline and alert', () => {
    // Prepare
    const leads = sampleLeads();

    // Act
    const rows = decideAll(example, leads);

    // Assess
    expect(rows.map((r) => [r.lead, r.tier, r.owner, r.team, r.dueAt, r.window, r.alert])).toEqual([
      [
        'j***@example.com',
        'hand-raiser',
        'Anna Schmidt',
        'emea-sdr',
        '2026-11-23T08:20:00.000Z',
        '5m',
        false,
      ],
      [
        'l***@globex.example',
        'high-intent',
        'Kai Nguyen',
        'apac-sdr',
        '2026-11-23T02:45:00.000Z',
        '15m',
        false,
      ],
      [
        's***@bigbank.example',
        'hand-raiser',
        'Morgan Lee',
        'enterprise-ae',
        '2026-11-23T15:10:00.000Z',
        '5m',
        false,
      ],
      [
        'p***@smallshop.example',
        'high-intent',
        'Sam Carter',
        'na-sdr',
        '2026-11-23T22:55:00.000Z',
        '15m',
        false,
      ],
      ['c***@gmail.com', 'nurture', 'Luca Rossi', 'emea-sdr', '2026-11-22T10:00:00.000Z', '1d', false],
      ['phone lead', 'incomplete', 'Chloé Martin', 'emea-sdr', '2026-11-23T13:59:00.000Z', '4h', false],
      ['k***@acme.example', 'nurture', 'Anna Schmidt', 'emea-sdr', '2026-11-25T11:00:00.000Z', '1d', false],
      [
        'n***@northpole.example',
        'hand-raiser',
        'Luca Rossi',
        'emea-sdr',
        '2026-12-28T08:05:00.000Z',
        '3d 22h',
        false,
      ],
    ]);
  });

  it('gives the qualification reasons, then the routing trail', () => {
    // Prepare
    const leads = sampleLeads().slice(4, 5);

    // Act
    const [row] = decideAll(example, leads);

    // Assess
    expect(row?.why).toEqual([
      'intent content → nurture (1d round the clock)',
      'no match: existing-owner, named-accounts, enterprise',
      'rule emea: matched → team emea-sdr',
      '  nobody on shift in emea-sdr; next on duty at 2026-11-23T08:00:00.000Z',
      'chose Anna Schmidt (1001): next in rotation',
      // A round-the-clock tier given to an off-duty rep: the policy's offDuty choice (ladder) is named.
      '  Anna Schmidt is on duty at 2026-11-23T08:00Z, after the deadline 2026-11-22T10:00Z: the ladder runs then',
    ]);
  });

  it('never gives a hand-raiser to a rep whose PTO starts before the deadline (issue 15 reproduction)', () => {
    // Prepare: Friday evening, nobody on shift; Chloé's PTO starts Monday 2026-12-21, the first opening.
    const leads = ['18:00', '18:01', '18:02'].map((hhmm) =>
      lead({ country: 'DE', submittedAt: `2026-12-18T${hhmm}:00Z` }),
    );

    // Act
    const rows = decideAll(example, leads);

    // Assess
    expect(rows.map((r) => r.owner)).toEqual(['Anna Schmidt', 'Luca Rossi', 'Anna Schmidt']);
    expect(rows.map((r) => r.dueAt)).toEqual(Array(3).fill('2026-12-21T08:05:00.000Z'));
    expect(rows[2]?.why.map((w) => w.trim())).toContain(
      'skipped Chloé Martin (1003): PTO from 2026-12-20T23:00Z begins before the deadline 2026-12-21T08:05Z',
    );
  });

  it('carries the round-robin cursor, weights and open counts from lead to lead', () => {
    // Prepare
    const emea = Array.from({ length: 4 }, () => lead({ country: 'DE' }));
    const na = Array.from({ length: 4 }, () => lead({ country: 'US' }));
    const enterprise = Array.from({ length: 3 }, () => lead({ country: 'US', employees: 5000 }));

    // Act
    const owners = (leads: LeadInput[]) => decideAll(example, leads).map((r) => r.owner);

    // Assess
    expect(owners(emea)).toEqual(['Anna Schmidt', 'Luca Rossi', 'Chloé Martin', 'Anna Schmidt']);
    expect(owners(na)).toEqual(['Sam Carter', 'Riley Jones', 'Alex Kim', 'Sam Carter']);
    expect(owners(enterprise)).toEqual(['Morgan Lee', 'Jordan Diaz', 'Morgan Lee']);
  });

  it('routes at `at` when given and starts the clock there too', () => {
    // Prepare: submitted on a Saturday, previewed on Monday morning.
    const leads = [lead({ country: 'DE', submittedAt: '2026-11-28T12:00:00Z' })];

    // Act
    const [asSubmitted] = decideAll(example, leads);
    const [onMonday] = decideAll(example, leads, { at: Date.parse('2026-11-30T09:00:00Z') });

    // Assess
    // Hand-raisers go to whoever is on duty next when nobody is on shift (onShift: preferred).
    expect(asSubmitted?.owner).toBe('Anna Schmidt');
    expect(asSubmitted?.why.map((w) => w.trim())).toContain(
      'nobody on shift in emea-sdr; next on duty at 2026-11-30T08:00:00.000Z',
    );
    expect(asSubmitted?.alert).toBe(false);
    expect(onMonday?.owner).toBe('Anna Schmidt');
    expect(onMonday?.why.some((w) => w.includes('nobody on shift'))).toBe(false);
    expect(onMonday?.alert).toBe(false);
    expect(onMonday?.dueAt).toBe('2026-11-30T09:05:00.000Z');
  });

  it('uses the account-owner lookup for named accounts', () => {
    // Prepare
    const leads = [lead({ email: 'cfo@initech.example', country: 'DE' })];

    // Act
    const [row] = decideAll(example, leads, {
      accountOwnerOf: (d) => (d === 'initech.example' ? '4002' : undefined),
    });

    // Assess
    expect(row?.owner).toBe('Jordan Diaz');
    expect(row?.team).toBe('enterprise-ae');
    expect(row?.why.slice(1)).toEqual([
      'no match: existing-owner',
      'rule named-accounts: account owner Jordan Diaz (4002)',
    ]);
  });

  it("labels a lead without email or phone as 'lead'", () => {
    // Prepare
    const leads = [lead({ email: undefined, partial: true })];

    // Act
    const [row] = decideAll(example, leads);

    // Assess
    expect(row?.lead).toBe('lead');
  });
});

describe('maskEmail', () => {
  it.each([
    ['jane.doe@example.com', 'j***@example.com'],
    ['j@x.example', 'j***@x.example'],
    ['no-at-sign', '***'],
    ['@example.com', '***'],
  ])('%s → %s', (email, want) => {
    // Prepare
    const input = email;

    // Act
    const masked = maskEmail(input);

    // Assess
    expect(masked).toBe(want);
  });
});

describe('formatDecisions', () => {
  it('prints one aligned row per lead, its reasons, and shadow / alert markers', () => {
    // Prepare
    const base: PreviewDecision = {
      lead: 'j***@example.com',
      submittedAt: '2026-11-23T08:15:00Z',
      tier: 'hand-raiser',
      owner: 'Anna Schmidt',
      team: 'emea-sdr',
      mode: 'live',
      dueAt: '2026-11-23T08:20:00.000Z',
      window: '5m',
      alert: false,
      why: ['intent demo → hand-raiser (5m business time)', '  skipped X (1): on PTO'],
    };
    const rows: PreviewDecision[] = [
      base,
      { ...base, lead: 'phone lead', owner: 'queue unassigned', mode: 'shadow', alert: true, why: [] },
    ];

    // Act
    const text = formatDecisions(rows);

    // Assess
    expect(text.split('\n')).toEqual([
      '#  lead              tier         owner                              due (UTC)         wall time',
      '-  ----------------  -----------  ---------------------------------  ----------------  ---------',
      '1  j***@example.com  hand-raiser  Anna Schmidt                       2026-11-23 08:20  5m',
      '   why: intent demo → hand-raiser (5m business time)',
      '   why: skipped X (1): on PTO',
      '2  phone lead        hand-raiser  queue unassigned [shadow] [ALERT]  2026-11-23 08:20  5m',
    ]);
  });

  it('prints only the header for no leads', () => {
    // Prepare
    const rows: PreviewDecision[] = [];

    // Act
    const text = formatDecisions(rows);

    // Assess
    expect(text).toBe(
      '#  lead  tier  owner  due (UTC)  wall time\n-  ----  ----  -----  ---------  ---------',
    );
  });
});
