/**
 * Every notification reaches someone, in the right words: leads outside every team (nobody eligible, an
 * existing owner outside the teams) are heard by the ops team's managers, through the SNS emulator's
 * filter policies, and managers get a manager's text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, ownersOf } from '../../infra/local/stack.ts';
import { handleBreach } from '../../shared/app/breach.ts';
import { syncBatch } from '../../shared/app/crm-sync.ts';
import { runRoute } from '../../shared/http/chain.ts';
import { captureRoute } from '../../shared/http/routes.ts';
import { postEvent } from '../helpers/http-event.ts';
import { manualClock, NOW, startStack } from '../helpers/live.ts';
import { basePolicy, member } from '../helpers/policy-builder.ts';

const policy = basePolicy({
  routing: {
    rules: [
      { id: 'existing-owner', match: { existingOwner: true }, target: { existingOwner: true } },
      // Not a catch-all: a pricing inquiry matches no rule, so it belongs to no team.
      { id: 'demos', match: { intent: ['demo'] }, target: { team: 'sales' } },
    ],
  },
  teams: {
    sales: {
      calendar: 'utc',
      managers: [{ name: 'Mae Manager', email: 'mae.manager@example.com' }],
      members: [member('1', { email: 'rep.1@example.com' }), member('2', { email: 'rep.2@example.com' })],
    },
  },
  escalation: { verifyInHubSpot: false, ladder: [{ action: 'reassign', notify: ['rep', 'manager'] }] },
});
/** An AE who owns contacts in HubSpot and is in no leadclock team. */
const OUTSIDER = { id: '7777', email: 'olga.outside@example.com', firstName: 'Olga', lastName: 'Outside' };

describe('notification audiences', () => {
  const clock = manualClock(NOW);
  let stack: LocalStack;
  let n = 0;
  beforeAll(async () => {
    stack = await startStack({
      policy,
      clock,
      consumeSync: false,
      sandbox: { owners: [...ownersOf(policy), OUTSIDER] },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function capture(body: Record<string, unknown>): Promise<{ leadId: string; ownerId?: string }> {
    clock.set(NOW);
    const res = await runRoute(
      captureRoute(stack.rt),
      postEvent(
        '/leads',
        { email: `aud.${++n}@notify.example`, intent: 'demo', channel: 'form', ...body },
        { authorization: `Bearer ${stack.ingestKey}` },
      ),
    );
    expect(res.statusCode).toBe(202);
    return JSON.parse(res.body ?? '{}');
  }
  const sync = (leadId: string) =>
    syncBatch(stack.rt, [
      {
        id: `m-${leadId}`,
        body: JSON.stringify({ leadId, reason: 'assigned', attempt: 1 }),
        receiveCount: 1,
      },
    ]);

  it('delivers the "nobody eligible" alert of a lead outside every team to the ops manager, in a manager’s words', async () => {
    // Prepare: no rule takes the lead, so it falls to the default queue outside every team. (A lead of a
    // team that nobody in it can take waits in the team's waiting room and pages no one, issue 14.)
    const lead = await capture({ firstName: 'Nobody', lastName: 'Eligible', intent: 'pricing' });
    expect(await stack.rt.store.getLead(lead.leadId)).toMatchObject({ status: 'unroutable', alert: true });
    expect((await stack.rt.store.getLead(lead.leadId))?.teamId).toBeUndefined();

    // Act
    expect(await sync(lead.leadId)).toEqual([]);

    // Assess
    const alerts = stack.sns
      .outbox()
      .filter((m) => m.attributes.type?.StringValue === 'alert' && m.message.includes('Nobody'));
    expect(alerts).toHaveLength(1);
    // The Slack channel (AWS Chatbot, issue 15) subscribes to every message; of the people, the ops manager only.
    const people = alerts[0]!.deliveredTo.filter((e) => e !== 'https://global.sns-api.chatbot.amazonaws.com');
    expect(people).toEqual(['mae.manager@example.com']);
    const body = JSON.parse(alerts[0]!.message).email as string;
    expect(body).not.toContain('a new lead is yours');
    expect(body).toContain('Nobody was eligible');
  });

  it('delivers the breach page of an existing-owner lead (owner outside every team) to the ops manager', async () => {
    // Prepare
    const lead = await capture({ firstName: 'Existing', lastName: 'Owner', existingOwnerId: OUTSIDER.id });
    expect(lead.ownerId).toBe(OUTSIDER.id);
    await sync(lead.leadId);
    clock.set(NOW + 3 * 3_600_000);

    // Act
    const outcome = await handleBreach(stack.rt, { leadId: lead.leadId, attempt: 1 });

    // Assess
    expect(outcome.kind).toBe('breached');
    const pages = stack.sns
      .outbox()
      .filter((m) => m.attributes.type?.StringValue === 'breach' && m.message.includes('Existing'));
    expect(pages).toHaveLength(1);
    expect(pages[0]!.deliveredTo).toContain('mae.manager@example.com');
  });
});
