import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';
import { syncAccounts } from '../../shared/app/accounts-sync.ts';
import { captureLead } from '../../shared/app/capture.ts';
import { loadPolicy } from '../../shared/domain/policy.ts';
import { memoryLog } from '../helpers/wait.ts';

const NOW = Date.parse('2030-01-07T09:00:00Z'); // Monday 10:00 in Berlin: the EMEA team is on shift
const policy = loadPolicy(readFileSync('config/policy.example.yaml', 'utf8'));

describe('accounts sync', () => {
  let stack: LocalStack;
  const hubspot = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${stack.sandbox!.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${stack.sandbox!.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(r.ok).toBe(true);
    return (await r.json()) as { id: string };
  };
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

  it('caches company owners for named-account routing and picks up an owner change on the next run', async () => {
    // Prepare
    const company = await hubspot('POST', '/crm/v3/objects/companies', {
      properties: { name: 'Named Co', domain: 'named-co.example', hubspot_owner_id: '1003' },
    });

    // Act
    const first = await syncAccounts(stack.rt, Date.now());
    const cachedFirst = await stack.rt.store.getAccountOwner('named-co.example');
    await hubspot('PATCH', `/crm/v3/objects/companies/${company.id}`, {
      properties: { hubspot_owner_id: '1002' },
    });
    // The incremental run reads search, which trails writes by a few seconds (the next run, 15 minutes on,
    // has long caught up; its window overlaps the last one by a minute).
    await new Promise((resolve) => setTimeout(resolve, 3_100));
    const second = await syncAccounts(stack.rt, Date.now());
    const cachedSecond = await stack.rt.store.getAccountOwner('named-co.example');
    const lead = await captureLead(stack.rt, {
      email: 'buyer@named-co.example',
      channel: 'form',
      intent: 'demo',
      partial: false,
      submittedAt: new Date(NOW).toISOString(),
      country: 'DE',
    });

    // Assess
    expect(first.full).toBe(true);
    expect(second.full).toBe(false);
    expect(cachedFirst).toBe('1003');
    expect(cachedSecond).toBe('1002');
    expect(lead.ownerId).toBe('1002');
    const stored = await stack.rt.store.getLead(lead.leadId);
    expect(stored?.ruleId).toBe('named-accounts');
  });

  it('takes owners archived in HubSpot out of every pool', async () => {
    // Prepare: the example team rotates 1001 → 1002 → 1003; 1001 leaves the company.
    stack.sandbox!.upsertOwner({
      id: '1001',
      email: 'anna.schmidt@example.com',
      firstName: 'Anna',
      lastName: 'Schmidt',
      archived: true,
    });

    // Act
    const report = await syncAccounts(stack.rt, Date.now());
    const owners = [];
    for (let i = 0; i < 4; i++) {
      const r = await captureLead(stack.rt, {
        email: `rotation${i}@archive-test-${i}.example`,
        channel: 'form',
        intent: 'demo',
        partial: false,
        submittedAt: new Date(NOW).toISOString(),
        country: 'DE',
      });
      owners.push(r.ownerId);
    }

    // Assess
    expect(report.inactive).toBe(1);
    expect(owners).not.toContain('1001');
    expect(new Set(owners)).toEqual(new Set(['1002', '1003']));
  });
});
