import { describe, expect, it } from 'vitest';
import { safeSubject } from '../../shared/adapters/sns-notifier.ts';
import type { LeadInput } from '../../shared/domain/lead.ts';
import { assignmentMessage, breachMessage, type MessageLead } from '../../shared/domain/messages.ts';

const lead = (input: Partial<LeadInput>): MessageLead => ({
  leadId: 'L1',
  input: {
    email: 'jane@acme.example',
    phone: '+49 30 1234567',
    channel: 'form',
    intent: 'demo',
    partial: false,
    submittedAt: '2030-01-07T09:00:00Z',
    ...input,
  },
  tier: 'hand-raiser',
  dueAt: '2030-01-07T09:05:00Z',
  reasons: [],
  trail: [],
  timeZone: 'UTC',
});
const breach = {
  lateMs: 61_000,
  rung: 1,
  previousOwner: 'Anna Schmidt',
  newOwner: 'Luca Rossi',
  action: 'reassign',
};

describe('notification text: a long or hostile name never pushes out the deadline or the phone number', () => {
  it.each([
    ['Greek', 'Ω'.repeat(128)],
    ['ligatures that fold longer', 'ﬃ'.repeat(128)],
    ['ellipses', '…'.repeat(128)],
    ['ASCII', 'W'.repeat(128)],
    ['header lines', 'Eve\r\nBcc: all@corp.example\u2028Subject: hi'],
  ])('%s', (_what, firstName) => {
    // Prepare
    const l = lead({ firstName, company: 'Ω'.repeat(256), formTitle: 'Ω'.repeat(256) });

    // Act
    const a = assignmentMessage(l);
    const b = breachMessage(l, breach);

    // Assess
    expect(safeSubject(a.subject)).toMatch(/^[\x20-\x7E]{1,100}$/);
    expect(safeSubject(a.subject)).toMatch(/, call by Mon 09:05 UTC$/);
    expect(a.sms.length).toBeLessThanOrEqual(160);
    expect(a.sms).toMatch(/ by Mon 09:05 UTC \(hand-raiser\): .*\. \+49 30 1234567$/);
    expect(safeSubject(b.subject)).toMatch(/^SLA breach \(rung 1\): .*, hand-raiser, 1m 1s late$/);
    expect(b.sms.length).toBeLessThanOrEqual(160);
    expect(b.sms).toMatch(/ \(hand-raiser\) 1m 1s late\. Had: Anna Schmidt\. Now: Luca Rossi\.$/);
    expect(`${a.subject}${a.sms}${b.subject}${b.sms}`).not.toMatch(/[\r\n\u2028\u2029]/);
  });

  it('keeps replacement patterns in a name as written, and turns line separators into spaces', () => {
    // Prepare
    const l = lead({ firstName: "$& $' $1", lastName: 'Doe', company: 'Acme\u2028Inc' });

    // Act
    const a = assignmentMessage(l);

    // Assess
    expect(a.subject).toBe("New hand-raiser lead: $& $' $1 Doe, Acme Inc, call by Mon 09:05 UTC");
    expect(a.sms).toBe(
      "Call $& $' $1 Doe, Acme Inc by Mon 09:05 UTC (hand-raiser): demo via form. +49 30 1234567",
    );
  });
});
