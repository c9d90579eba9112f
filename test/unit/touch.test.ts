import { describe, expect, it } from 'vitest';
import {
  type ContactFacts,
  classifyEngagement,
  type EngagementFacts,
  earliestTouch,
  type TouchSettings,
} from '../../shared/domain/touch.ts';

const SETTINGS: TouchSettings = {
  activities: ['call', 'email'],
  leadStatuses: ['ATTEMPTED_TO_CONTACT', 'CONNECTED', 'IN_PROGRESS'],
};
const ASSIGNED = '2030-01-07T09:00:00.000Z';
const NOW = Date.parse('2030-01-07T10:00:00Z');

const call = (id: string, at: string, extra: Record<string, string> = {}): EngagementFacts => ({
  kind: 'call',
  id,
  properties: { hs_timestamp: at, hs_call_direction: 'OUTBOUND', hs_engagement_source: 'CRM_UI', ...extra },
});
const facts = (over: Partial<ContactFacts> = {}): ContactFacts => ({
  engagements: [],
  leadStatusHistory: [],
  ...over,
});

describe('classifyEngagement', () => {
  it.each([
    ['an outbound call a rep logged', call('1', ASSIGNED), 'touch'],
    ['an inbound call', call('2', ASSIGNED, { hs_call_direction: 'INBOUND' }), 'ignored'],
    [
      'a one-to-one email a rep sent',
      { kind: 'email', id: '3', properties: { hs_timestamp: ASSIGNED, hs_email_direction: 'EMAIL' } },
      'touch',
    ],
    [
      "the contact's reply",
      {
        kind: 'email',
        id: '4',
        properties: { hs_timestamp: ASSIGNED, hs_email_direction: 'INCOMING_EMAIL' },
      },
      'ignored',
    ],
    [
      'a sequence email',
      {
        kind: 'email',
        id: '5',
        properties: {
          hs_timestamp: ASSIGNED,
          hs_email_direction: 'EMAIL',
          hs_engagement_source: 'SEQUENCES',
        },
      },
      'ignored',
    ],
    [
      'a meeting the contact booked through a meetings link',
      {
        kind: 'meeting',
        id: '6',
        properties: { hs_timestamp: ASSIGNED, hs_meeting_source: 'MEETINGS_PUBLIC' },
      },
      'meeting_booked',
    ],
    [
      'a meeting a rep logged, when the policy does not count meetings',
      { kind: 'meeting', id: '7', properties: { hs_timestamp: ASSIGNED, hs_engagement_source: 'CRM_UI' } },
      'ignored',
    ],
  ] as const)('%s → %s', (_name, engagement, kind) => {
    // Act
    const meaning = classifyEngagement(engagement as EngagementFacts, SETTINGS);

    // Assess
    expect(meaning.kind).toBe(kind);
  });

  it('counts sequence emails when the policy allows automated emails', () => {
    // Prepare
    const email: EngagementFacts = {
      kind: 'email',
      id: '5',
      properties: { hs_timestamp: ASSIGNED, hs_email_direction: 'EMAIL', hs_engagement_source: 'SEQUENCES' },
    };

    // Act
    const meaning = classifyEngagement(email, { ...SETTINGS, automatedEmails: true });

    // Assess
    expect(meaning).toEqual({ kind: 'touch', at: ASSIGNED });
  });
});

describe('earliestTouch', () => {
  it('takes the earliest qualifying activity after assignment, not the latest', () => {
    // Prepare
    const contact = facts({
      engagements: [
        call('1', '2030-01-07T09:40:00Z'),
        call('2', '2030-01-07T09:10:00Z'),
        call('3', '2030-01-07T08:50:00Z'),
      ],
    });

    // Act
    const at = earliestTouch(contact, SETTINGS, ASSIGNED, NOW);

    // Assess
    expect(at).toBe('2030-01-07T09:10:00.000Z');
  });

  it('never counts a future time (a booked meeting starts later; a call timed ahead)', () => {
    // Prepare
    const contact = facts({
      engagements: [call('1', '2030-01-08T09:00:00Z')],
      firstEngagementAt: '2030-01-09T09:00:00Z',
    });

    // Act
    const at = earliestTouch(contact, SETTINGS, ASSIGNED, NOW);

    // Assess
    expect(at).toBeUndefined();
  });

  it('reads the owner first engagement date, and a lead status only when a user set it', () => {
    // Prepare
    const byWorkflow = facts({
      leadStatusHistory: [
        {
          value: 'ATTEMPTED_TO_CONTACT',
          timestamp: '2030-01-07T09:05:00Z',
          sourceType: 'AUTOMATION_PLATFORM',
        },
      ],
    });
    const byUser = facts({
      leadStatusHistory: [
        { value: 'CONNECTED', timestamp: '2030-01-07T09:30:00Z', sourceType: 'CRM_UI', sourceId: 'userId:7' },
        { value: 'NEW', timestamp: '2030-01-07T09:20:00Z', sourceType: 'CRM_UI' },
      ],
      firstEngagementAt: '2030-01-07T09:45:00Z',
      firstEngagementType: 'CALL',
    });

    // Act
    const results = [
      earliestTouch(byWorkflow, SETTINGS, ASSIGNED, NOW),
      earliestTouch(byUser, SETTINGS, ASSIGNED, NOW),
    ];

    // Assess
    expect(results).toEqual([undefined, '2030-01-07T09:30:00.000Z']);
  });
});
