/**
 * The promise under faults (issue 8, part 2): each fault injected on its own while 40 leads are
 * captured over HTTP; then the clock moves past the short deadlines and the sweeper runs. Every
 * accepted lead must end with an owner, a task and a timer, with no duplicate task, no lost rep
 * notification and no breach before a deadline. `npm run bench -- faults` runs the same cases bigger.
 */
import { describe, expect, it } from 'vitest';
import { type FaultCase, type FaultFigures, runFaultCase } from '../bench/faults.ts';

const LEADS = 40;

function invariants(r: FaultFigures) {
  return {
    accepted: r.accepted,
    withOwnerTaskTimer: r.withOwnerTaskTimer,
    missing: r.missing,
    duplicateTasks: r.duplicateTasks,
    duplicateContacts: r.duplicateContacts,
    notificationsLost: r.notificationsLost,
    falseBreaches: r.falseBreaches,
    pagesLost: r.pagesLost,
  };
}

const HOLDS = {
  accepted: LEADS,
  withOwnerTaskTimer: LEADS,
  missing: { record: 0, owner: 0, task: 0, timer: 0 },
  duplicateTasks: 0,
  duplicateContacts: 0,
  notificationsLost: 0,
  falseBreaches: 0,
  pagesLost: 0,
};

/** Breaches the 16-minute step causes: Berlin-routed demo and contact requests (their deadlines passed). */
const DUE_BREACHES = 4;

async function run(
  fault: FaultCase,
  syncVisibilityMs = 3000,
  hubspotTimeoutMs = 1000,
): Promise<FaultFigures> {
  return runFaultCase(fault, {
    leads: LEADS,
    seconds: 2,
    seed: 20300107,
    concurrency: 8,
    syncVisibilityMs,
    hubspotLatencyMs: 30,
    hubspotTimeoutMs,
  });
}

describe('faults, one at a time, lose nothing', () => {
  it('HubSpot answering 15% 5xx and 15% timeouts', { timeout: 60_000 }, async () => {
    // Prepare / Act: timeouts of 500 ms keep a batch retrying through several of them well inside the
    // visibility, as a Lambda's timeout keeps it inside in AWS.
    const r = await run('hubspot', 10_000, 500);

    // Assess
    expect((r.injected.hubspot5xx ?? 0) + (r.injected.hubspotTimeouts ?? 0)).toBeGreaterThan(0);
    expect(invariants(r)).toEqual(HOLDS);
    expect(r.breaches).toBe(DUE_BREACHES);
  });

  it('SNS failing 20% of publishes', { timeout: 60_000 }, async () => {
    // Prepare / Act
    const r = await run('sns');

    // Assess
    expect(r.injected.sns).toBeGreaterThan(0);
    expect(invariants(r)).toEqual(HOLDS);
    expect(r.breaches).toBe(DUE_BREACHES);
  });

  it('the Scheduler throttling 10% of calls', { timeout: 60_000 }, async () => {
    // Prepare / Act
    const r = await run('scheduler');

    // Assess
    expect(r.injected.scheduler).toBeGreaterThan(0);
    expect(invariants(r)).toEqual(HOLDS);
    expect(r.breaches).toBe(DUE_BREACHES);
  });

  it('a crm-sync worker killed mid-batch, after HubSpot or SNS and before DynamoDB', {
    timeout: 60_000,
  }, async () => {
    // Prepare / Act
    const r = await run('worker-kill');

    // Assess
    expect(r.injected.killedAfter_upsertContacts).toBeGreaterThan(0);
    expect(r.injected.killedAfter_createTasks).toBeGreaterThan(0);
    expect(r.injected.killedAfter_publish).toBeGreaterThan(0);
    expect(invariants(r)).toEqual(HOLDS);
    expect(r.syncDeadLetters).toBe(0);
    expect(r.breaches).toBe(DUE_BREACHES);
  });

  it('dynalite restarting on the same data while leads arrive', { timeout: 60_000 }, async () => {
    // Prepare / Act
    const r = await run('dynalite-restart');

    // Assess
    expect(r.injected.restarts).toBe(1);
    expect(r.captureServerErrors).toBeGreaterThan(0);
    expect(invariants(r)).toEqual(HOLDS);
    expect(r.breaches).toBe(DUE_BREACHES);
  });
});
