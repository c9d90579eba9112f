import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';
import { emfMetrics } from '../../shared/adapters/emf-metrics.ts';
import { handleBreach } from '../../shared/app/breach.ts';
import { captureLead } from '../../shared/app/capture.ts';
import { applyChange } from '../../shared/app/lead-events.ts';
import type { MetricName, Metrics } from '../../shared/app/ports.ts';
import { compilePolicy } from '../../shared/domain/compile.ts';
import { parseLeadInput } from '../../shared/domain/lead-input.ts';
import { parsePolicy } from '../../shared/domain/policy.ts';
import { eventHandler } from '../../shared/http/chain.ts';
import { markTold } from '../helpers/live.ts';
import { memoryLog } from '../helpers/wait.ts';

const NOW = Date.parse('2030-01-07T09:00:00Z');
const policy = compilePolicy(parsePolicy(readFileSync('config/policy.example.yaml', 'utf8')));

function recorder(): Metrics & { seen: [MetricName, number][] } {
  const seen: [MetricName, number][] = [];
  return { seen, count: (n, v = 1) => void seen.push([n, v]), seconds: (n, v) => void seen.push([n, v]) };
}

describe('business metrics', () => {
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

  it('counts captures, met and missed first touches with their speed, and breaches', async () => {
    // Prepare
    const m = recorder();
    const rt = { ...stack.rt, metrics: m };
    const lead = (i: number) => ({
      email: `m${i}@metrics-${i}.example`,
      channel: 'form' as const,
      intent: 'demo' as const,
      partial: false,
      submittedAt: new Date(NOW).toISOString(),
      country: 'DE',
    });

    // Act
    const a = await captureLead(rt, lead(1));
    const b = await captureLead(rt, lead(2));
    await applyChange(rt, a.leadId, { kind: 'touch', at: new Date(NOW + 60_000).toISOString(), via: 'api' });
    await markTold(stack, b.leadId);
    await handleBreach(
      { ...rt, clock: { now: () => Date.parse(b.dueAt) + 1000 } },
      { leadId: b.leadId, attempt: 1 },
    );

    // Assess: Monday 10:00 Berlin, a 5-minute window, touched after one business minute.
    expect(m.seen).toEqual([
      ['LeadsCaptured', 1],
      ['LeadsCaptured', 1],
      ['SlaMet', 1],
      ['SpeedToLeadSeconds', 60],
      ['Breaches', 1],
    ]);
  });

  it('counts a lead whose intent neither leadclock nor the policy knows, and says so in the why', async () => {
    // Prepare
    const m = recorder();
    const rt = { ...stack.rt, metrics: m };
    const parsed = parseLeadInput(
      { email: 'u@unmapped.example', country: 'DE', intent: 'Partnership enquiry' },
      new Date(NOW),
    );
    if (!('lead' in parsed)) throw new Error('fixture lead did not parse');

    // Act
    const r = await captureLead(rt, parsed.lead);
    const stored = await stack.rt.store.getLead(r.leadId);

    // Assess
    expect(m.seen).toEqual([
      ['LeadsCaptured', 1],
      ['IntentUnmapped', 1],
    ]);
    expect(stored?.input.rawIntent).toBe('Partnership enquiry');
    expect(r.tier).toBe('nurture');
  });

  it('publishes EMF in namespace leadclock when a function handler returns', async () => {
    // Prepare
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const logSpy = vi
      .spyOn(console, 'log')
      .mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
    const handler = eventHandler(async () => {
      emfMetrics.count('Parked');
      return 'done';
    });

    // Act
    await handler({}, { functionName: 'test', awsRequestId: 'r1' } as never);
    spy.mockRestore();
    logSpy.mockRestore();

    // Assess
    const emf = lines
      .map((l) => l.trim())
      .filter((l) => l.startsWith('{') && l.includes('"_aws"'))
      .map((l) => JSON.parse(l));
    expect(emf).toHaveLength(1);
    expect(emf[0]._aws.CloudWatchMetrics[0].Namespace).toBe('leadclock');
    expect(emf[0]._aws.CloudWatchMetrics[0].Metrics).toEqual([{ Name: 'Parked', Unit: 'Count' }]);
    expect(emf[0].Parked).toBe(1);
  });
});
