/** Live-path benchmarks against the local emulators: capture latency under concurrency, and HubSpot requests per lead in a burst. */
import { readFileSync } from 'node:fs';
import { startLocalStack } from '../../infra/local/stack.ts';
import { loadPolicy } from '../../shared/domain/policy.ts';
import { runRoute } from '../../shared/http/chain.ts';
import type { HttpApiEvent } from '../../shared/http/request.ts';
import { captureRoute } from '../../shared/http/routes.ts';
import { summary } from './stats.ts';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const NOW = Date.parse('2030-01-07T09:00:00Z');

function leadEvent(i: number, key: string): HttpApiEvent {
  const body = JSON.stringify({
    email: `bench${i}@company${i % 97}.example`,
    firstName: 'Bench',
    lastName: `Lead ${i}`,
    company: `Company ${i % 97}`,
    country: ['DE', 'US', 'JP', 'FR'][i % 4],
    intent: ['demo', 'contact', 'content', 'pricing'][i % 4],
    channel: 'form',
    sourceEventId: `bench-${i}`,
  });
  return {
    version: '2.0',
    rawPath: '/leads',
    rawQueryString: '',
    headers: { host: 'localhost', 'content-type': 'application/json', authorization: `Bearer ${key}` },
    requestContext: { http: { method: 'POST', path: '/leads' } },
    body,
    isBase64Encoded: false,
  };
}

/** Capture handler time, 50 requests in flight at once, and the CRM sync of a 1,000-lead burst. */
export async function benchLive(): Promise<Record<string, unknown>> {
  const policy = loadPolicy(readFileSync('config/policy.example.yaml', 'utf8'));
  // Raise caps so a burst measures throughput, not the fallback queue.
  for (const t of policy.teams.values()) for (const m of t.members) m.maxOpen = 100_000;
  const stack = await startLocalStack({
    policy,
    clock: { now: () => NOW },
    scheduler: { autoFire: false },
    consumeSync: false,
    log: silent,
    hubspotBudget: '190/10s',
    sandbox: { rateLimit: { max: 190, intervalMs: 10_000 } },
  });
  try {
    const route = captureRoute(stack.rt);
    // Warm up connections and code paths.
    for (let i = 0; i < 50; i++) await runRoute(route, leadEvent(1_000_000 + i, stack.ingestKey));
    // One request at a time: what one Lambda instance sees per request.
    const sequential: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t0 = performance.now();
      await runRoute(route, leadEvent(2_000_000 + i, stack.ingestKey));
      sequential.push(performance.now() - t0);
    }
    const times: number[] = [];
    let next = 0;
    const total = 1000;
    const worker = async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        const r = await runRoute(route, leadEvent(i, stack.ingestKey));
        times.push(performance.now() - t0);
        if (r.statusCode !== 202) throw new Error(`capture answered ${r.statusCode}: ${r.body}`);
      }
    };
    const wall0 = performance.now();
    await Promise.all(Array.from({ length: 50 }, worker));
    const wallMs = performance.now() - wall0;

    // The burst: 1,000 captured leads (plus the warm-up) synced through the real consumer.
    const before = stack.sandbox!.counts.total;
    const t0 = performance.now();
    stack.sqs.attachConsumer(
      'leadclock-crm-sync',
      async (event) => {
        const { syncBatch } = await import('../../shared/app/crm-sync.ts');
        const failed = await syncBatch(
          stack.rt,
          event.Records.map((r) => ({
            id: r.messageId,
            body: r.body,
            receiveCount: Number(r.attributes.ApproximateReceiveCount ?? 1),
          })),
        );
        return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
      },
      { batchSize: 100, maxBatchingWindowMs: 200, maxConcurrency: 2 },
    );
    await stack.sqs.drain(120_000, ['leadclock-crm-sync']);
    const syncMs = performance.now() - t0;
    const requests = stack.sandbox!.counts.total - before;
    const synced = stack.sandbox!.tasks().length;
    return {
      capture: {
        requests: total,
        concurrency: 50,
        serverMillis: summary(times),
        serverMillisOneAtATime: summary(sequential),
        throughputPerSecond: Math.round((total / wallMs) * 1000),
        note: 'handler, dynalite and the emulators share one process: at 50 in flight the time is mostly queueing for dynalite (about 12 DynamoDB and AWS calls a capture)',
      },
      crmSync: {
        leads: synced,
        hubspotRequests: requests,
        leadsPerHubspotRequest: Number((synced / requests).toFixed(1)),
        seconds: Number((syncMs / 1000).toFixed(1)),
        rateLimited: stack.sandbox!.counts.rateLimited,
      },
    };
  } finally {
    await stack.close();
  }
}
