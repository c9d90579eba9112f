import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';
import { loadPolicy } from '../../shared/domain/compile.ts';
import { runRoute } from '../../shared/http/chain.ts';
import { captureRoute } from '../../shared/http/routes.ts';
import { fixture, signedEvent } from '../helpers/http-event.ts';

const NOW = Date.parse('2030-01-07T09:00:00Z'); // Monday 10:00 in Berlin
const policy = loadPolicy(readFileSync('config/policy.example.yaml', 'utf8'));
const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe('live path: capture → route → timer → CRM sync', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({
      policy,
      clock: { now: () => NOW },
      scheduler: { autoFire: false },
      log: silent,
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('routes a signed HubSpot workflow payload, arms the timer, and syncs owner, properties, task and notification', async () => {
    // Prepare
    const contact = stack.sandbox!.createContact({
      email: 'jane.doe@example.com',
      firstname: 'Jane',
      lastname: 'Doe',
      company: 'Example Corp',
    });
    const body = fixture('workflow-webhook-contact.json') as Record<string, any>;
    body.vid = Number(contact.id);
    body['canonical-vid'] = Number(contact.id);
    body['form-submissions'][0].timestamp = NOW - 30_000;
    const event = signedEvent('/leads', body, stack.clientSecret, NOW);

    // Act
    const res = await runRoute(captureRoute(stack.rt), event);
    await stack.sqs.drain(10_000);

    // Assess
    expect(res.statusCode).toBe(202);
    const out = JSON.parse(res.body ?? '{}');
    expect(out).toMatchObject({
      status: 'routed',
      tier: 'hand-raiser',
      ownerId: '1001',
      queue: null,
      dueAt: '2030-01-07T09:04:30.000Z',
    });
    const schedule = stack.scheduler.get('leadclock', `lc-${out.leadId}-1`);
    expect(schedule?.expression).toBe('at(2030-01-07T09:04:30)');
    expect(schedule).toMatchObject({
      timezone: 'UTC',
      actionAfterCompletion: 'DELETE',
      flexibleTimeWindow: { Mode: 'OFF' },
    });
    expect(JSON.parse(schedule?.target.Input ?? '{}')).toEqual({ leadId: out.leadId, attempt: 1 });
    const synced = stack.sandbox!.contact(contact.id)!;
    expect(synced.properties).toMatchObject({
      hubspot_owner_id: '1001',
      leadclock_tier: 'hand-raiser',
      leadclock_sla_status: 'open',
      leadclock_lead_id: out.leadId,
    });
    const tasks = stack.sandbox!.tasksFor(contact.id);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.properties).toMatchObject({
      hubspot_owner_id: '1001',
      hs_task_type: 'CALL',
      hs_task_priority: 'HIGH',
      leadclock_task_key: `${out.leadId}:1`,
    });
    expect(Date.parse(tasks[0]!.properties.hs_timestamp!)).toBe(Date.parse('2030-01-07T09:04:30.000Z'));
    const notes = stack.sns.deliveries('anna.schmidt@example.com');
    expect(notes).toHaveLength(1);
  });
});
