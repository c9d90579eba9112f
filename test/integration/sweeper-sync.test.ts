/**
 * The sweeper finds stuck CRM syncs by their sync state (a sparse index), whatever the lead's age: a lead
 * submitted on Friday and touched on Tuesday, whose sync then failed, is re-queued.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { applyChange } from '../../shared/app/lead-events.ts';
import { STUCK_SYNC_MS, sweep } from '../../shared/app/sweeper.ts';
import { runRoute } from '../../shared/http/chain.ts';
import { captureRoute } from '../../shared/http/routes.ts';
import { postEvent } from '../helpers/http-event.ts';
import { manualClock, startStack } from '../helpers/live.ts';
import { basePolicy } from '../helpers/policy-builder.ts';

const policy = basePolicy({
  escalation: { verifyInHubSpot: false, ladder: [{ action: 'reassign', notify: [] }] },
});
const FRIDAY = Date.parse('2030-01-04T10:00:00Z');
const TUESDAY = Date.parse('2030-01-08T10:00:00Z');

describe('sweeper: stuck CRM syncs', () => {
  const clock = manualClock(FRIDAY);
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startStack({ policy, clock, consumeSync: false });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('re-queues the sync of a lead submitted last Friday and touched on Tuesday, whose sync failed', async () => {
    // Prepare: captured Friday and synced; touched Tuesday, and that status sync is lost.
    const res = await runRoute(
      captureRoute(stack.rt),
      postEvent(
        '/leads',
        { email: 'friday@stuck.example', intent: 'demo', channel: 'form' },
        { authorization: `Bearer ${stack.ingestKey}` },
      ),
    );
    const { leadId } = JSON.parse(res.body ?? '{}');
    await stack.rt.store.updateLead(leadId, {}, { sync: 'synced', syncedAt: new Date(FRIDAY).toISOString() });
    clock.set(TUESDAY);
    await applyChange(stack.rt, leadId, { kind: 'touch', at: new Date(TUESDAY).toISOString(), via: 'api' });
    expect((await stack.rt.store.getLead(leadId))?.sync).toBe('queued');
    const later = TUESDAY + STUCK_SYNC_MS + 60_000;

    // Act
    const report = await sweep({ ...stack.rt, clock: { now: () => later } });

    // Assess
    expect(report.syncsRequeued).toBe(1);
    expect(await stack.rt.store.getLead(leadId)).toMatchObject({
      sync: 'queued',
      syncRequestedAt: new Date(later).toISOString(),
    });
  });

  it('leaves a synced lead out of the sync index, and a fresh request alone', async () => {
    // Prepare: nothing stuck now (the lead above was just re-queued).
    const now = TUESDAY + STUCK_SYNC_MS + 120_000;

    // Act
    const report = await sweep({ ...stack.rt, clock: { now: () => now } });

    // Assess
    expect(report.syncsRequeued).toBe(0);
  });
});
