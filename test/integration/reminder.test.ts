import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';
import { handleBreach } from '../../shared/app/breach.ts';
import { captureLead, firstFire } from '../../shared/app/capture.ts';
import { basePolicy, member } from '../helpers/policy-builder.ts';
import { memoryLog } from '../helpers/wait.ts';

/** Monday 09:00 UTC: the UTC office is open; a one-hour window ends at 10:00, half way is 09:30. */
const NOW = Date.parse('2030-01-07T09:00:00Z');
const policy = basePolicy({
  tiers: [{ id: 'standard', window: 'PT1H', remindAt: 0.5 }],
  teams: {
    sales: {
      calendar: 'utc',
      managers: [{ name: 'Mara', email: 'mara@example.com' }],
      members: [member('1', { email: 'one@example.com' }), member('2', { email: 'two@example.com' })],
    },
  },
});

describe('a reminder to the rep before the deadline (one timer per lead)', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({
      policy,
      clock: { now: () => NOW },
      scheduler: { autoFire: false },
      consumeSync: false,
      log: memoryLog(),
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('fires at half the window, reminds the owner once, then waits for the deadline', async () => {
    // Prepare
    const r = await captureLead(stack.rt, {
      email: 'remind.me@acme.example',
      channel: 'form',
      intent: 'demo',
      partial: false,
      submittedAt: new Date(NOW).toISOString(),
    });
    const lead = await stack.rt.store.getLead(r.leadId);
    const at = (iso: string) => ({ ...stack.rt, clock: { now: () => Date.parse(iso) } });

    // Act: the timer fires at the reminder, twice (at-least-once delivery).
    const first = await handleBreach(at('2030-01-07T09:30:20Z'), { leadId: r.leadId, attempt: 1 });
    const again = await handleBreach(at('2030-01-07T09:30:40Z'), { leadId: r.leadId, attempt: 1 });

    // Assess
    expect(lead?.remindAt).toBe('2030-01-07T09:30:00.000Z');
    expect(firstFire(lead as NonNullable<typeof lead>, NOW)).toBe(Date.parse('2030-01-07T09:30:00Z'));
    expect(first).toEqual({ kind: 'early', dueAt: '2030-01-07T10:00:00.000Z' });
    expect(again).toEqual({ kind: 'early', dueAt: '2030-01-07T10:00:00.000Z' });
    const reminders = stack.sns.outbox().filter((m) => m.attributes.type?.StringValue === 'reminder');
    expect(reminders).toHaveLength(1);
    expect(reminders[0]?.deliveredTo).toContain(
      lead?.ownerId === '1' ? 'one@example.com' : 'two@example.com',
    );
    expect(reminders[0]?.deliveredTo).not.toContain('mara@example.com');
    const events = (await stack.rt.store.listEvents(r.leadId)).filter((e) => e.type === 'reminded');
    expect(events).toHaveLength(1);
  });

  it('sets no reminder when the tier has none, or when it would fall within two minutes of the deadline', async () => {
    // Prepare
    const { reminderTime } = await import('../../shared/domain/escalation.ts');
    const tier = policy.defaultTier;
    const cal = policy.calendars.get('utc');
    if (!cal) throw new Error('no utc calendar');

    // Act
    const fridayEvening = reminderTime(
      tier,
      Date.parse('2030-01-04T16:30:00Z'),
      Date.parse('2030-01-07T09:30:00Z'),
      cal,
    );
    const tooClose = reminderTime(tier, NOW, NOW + 180_000, cal);
    const none = reminderTime({ ...tier, remindAt: undefined }, NOW, NOW + 3_600_000, cal);

    // Assess: half of the hour of open time (30 min on Friday, 30 on Monday) is used up at Friday's close,
    // counted in open time, not at the wall-clock midpoint on Sunday.
    expect(new Date(fridayEvening as number).toISOString()).toBe('2030-01-04T17:00:00.000Z');
    expect(tooClose).toBeUndefined();
    expect(none).toBeUndefined();
  });
});
