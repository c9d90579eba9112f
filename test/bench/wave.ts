/**
 * The morning wave: `leads` hand-raisers captured overnight (Monday 02:00 in Berlin), all due in the same
 * minute when the EMEA team's day starts (09:05 Berlin). Their timers fire into the timer queue (the
 * Scheduler's SQS target) together, and sla-breach consumes it as deployed: batches of up to 100 with a 2 s
 * batching window, at most `workers` batches at once (BREACH_MAX_CONCURRENCY), while crm-sync keeps
 * running. Each batch verifies its leads in HubSpot with batch reads (`Crm.contactActivities`), then
 * escalates each (reassign, new task, new timer, pages). Every HubSpot caller has a runtime of its own, as
 * each Lambda instance does, and they share one budget through the table; the sandbox enforces 190
 * requests / 10 s and 5 searches/s per portal with 150 ms latency.
 *
 * A breach that throws (an unverifiable breach within the grace period) is reported as a batch item
 * failure and delivered again after the visibility timeout (6 min, as deployed); a failed HubSpot check
 * puts its timer back a minute later instead, which this bench (its clock stands still) does not fire. `verificationsGivenUp`
 * counts HubSpot checks that failed after every retry of leadclock's own pacing.
 */
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL, startLocalStack } from '../../infra/local/stack.ts';
import type { PacingStats } from '../../shared/adapters/hubspot/pacing.ts';
import { handleBreachMessages } from '../../shared/app/breach.ts';
import { logger } from '../../shared/app/logging.ts';
import type { Log } from '../../shared/app/ports.ts';
import { loadPolicy } from '../../shared/domain/policy.ts';
import { runRoute } from '../../shared/http/chain.ts';
import { captureRoute } from '../../shared/http/routes.ts';
import { buildRuntime, type Runtime } from '../../shared/wiring/build.ts';
import { readSettings } from '../../shared/wiring/config.ts';
import { postEvent } from '../helpers/http-event.ts';

const silent: Log = { debug() {}, info() {}, warn() {}, error() {} };
/** Monday 2030-01-07 01:00 UTC: 02:00 in Berlin, overnight. */
const NIGHT = Date.parse('2030-01-07T01:00:00Z');
const HUBSPOT_LIMIT = { max: 190, intervalMs: 10_000 };
/** The portal budget every function shares: 10 under the limit for the time between counting and arrival. */
const BUDGET = '180/10s';
const REGION = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** Wave options. */
export interface WaveOptions {
  leads: number;
  /** Concurrent sla-breach instances (default 4, the reserved concurrency). */
  workers?: number;
}

const round = (x: number, digits = 1) => Number(x.toFixed(digits));

/** Runs the wave and returns its figures. */
export async function benchWave(o: WaveOptions): Promise<Record<string, unknown>> {
  logger.setLogLevel('SILENT');
  const workers = o.workers ?? 4;
  const policyPath = 'config/policy.example.yaml';
  const policy = loadPolicy(readFileSync(policyPath, 'utf8'));
  // Caps raised: the wave measures breach handling, not the fallback queue.
  for (const t of policy.teams.values()) for (const m of t.members) m.maxOpen = 1_000_000;
  let now = NIGHT;
  const clock = { now: () => now };
  const stack = await startLocalStack({
    policy,
    policyPath,
    clock,
    log: silent,
    dynamoThread: true,
    scheduler: { autoFire: false },
    hubspotBudget: BUDGET,
    sandbox: { rateLimit: HUBSPOT_LIMIT, latencyMs: 150 },
    // As deployed (infra/stateless-stack.ts): crm-sync's event source waits up to 5 s to fill a batch.
    syncBatchingWindowMs: 5_000,
    // The bench attaches sla-breach itself: one runtime per concurrent batch, as Lambda instances.
    consumeBreaches: false,
    // As deployed: six times the 60 s function timeout (a failed breach comes back after it).
    breachVisibilityMs: 360_000,
  });
  const sandbox = stack.sandbox!;
  const clients: { destroy(): void }[] = [];
  try {
    // Overnight: capture every lead, and let crm-sync put them in HubSpot.
    const capture = captureRoute(stack.rt);
    const leadIds: string[] = [];
    let dueAt: string | undefined;
    const dueTimes = new Set<string>();
    for (let i = 0; i < o.leads; i += 50) {
      const answers = await Promise.all(
        Array.from({ length: Math.min(50, o.leads - i) }, (_, k) =>
          runRoute(
            capture,
            postEvent(
              '/leads',
              {
                email: `wave${i + k}@company${i + k}.example`,
                firstName: 'Wave',
                lastName: `L${i + k}`,
                company: `Company ${i + k}`,
                country: 'DE',
                intent: 'demo',
                channel: 'form',
                sourceEventId: `wave-${i + k}`,
              },
              { authorization: `Bearer ${stack.ingestKey}` },
            ),
          ),
        ),
      );
      for (const a of answers) {
        const body = JSON.parse(a.body ?? '{}') as { leadId?: string; dueAt?: string };
        if (a.statusCode !== 202 || !body.leadId) throw new Error(`capture refused: ${a.body}`);
        leadIds.push(body.leadId);
        if (body.dueAt) {
          dueTimes.add(body.dueAt.slice(0, 16));
          dueAt ??= body.dueAt;
        }
      }
    }
    await stack.sqs.drain(600_000, [LOCAL.syncQueue]);
    const unsynced = (await Promise.all(leadIds.map((id) => stack.rt.store.getLead(id)))).filter(
      (l) => !l?.hubspotContactId,
    ).length;

    // The due minute: four breach instances, crm-sync still running.
    now = Date.parse(dueAt as string) + 20_000;
    const endpoints = stack.env;
    const breachRuntimes: Runtime[] = Array.from({ length: workers }, () => {
      const c = {
        dynamo: new DynamoDBClient({ endpoint: stack.dynamo.endpoint, region: REGION, credentials }),
        scheduler: new SchedulerClient({ endpoint: stack.scheduler.url, region: REGION, credentials }),
        sns: new SNSClient({ endpoint: stack.sns.url, region: REGION, credentials }),
        sqs: new SQSClient({ endpoint: stack.sqs.url, region: REGION, credentials }),
      };
      clients.push(...Object.values(c));
      return buildRuntime(
        readSettings(endpoints, ['store', 'timers', 'queue', 'notifier', 'hubspot']),
        c,
        { hubspotAccessToken: endpoints.HUBSPOT_ACCESS_TOKEN, hubspotClientSecrets: [], ingestKeys: [] },
        { policy, clock, log: silent },
      );
    });
    let givenUp = 0;
    const outcomes: Record<string, number> = {};
    const batchSizes: number[] = [];
    for (const rt of breachRuntimes) {
      const one = rt.crm.contactActivity.bind(rt.crm);
      const many = rt.crm.contactActivities.bind(rt.crm);
      rt.crm.contactActivity = async (contactId) => {
        try {
          return await one(contactId);
        } catch (e) {
          givenUp++;
          throw e;
        }
      };
      rt.crm.contactActivities = async (contactIds) => {
        try {
          return await many(contactIds);
        } catch (e) {
          givenUp += contactIds.length;
          throw e;
        }
      };
    }
    const requestsBefore = sandbox.requests.length;
    const syncBudgetBefore = { ...(stack.rt.hubspotStats.budget ?? { reads: 0, writes: 0, conflicts: 0 }) };
    // Each batch runs on a free runtime, as each concurrent batch runs in its own Lambda instance.
    const free = [...breachRuntimes];
    let retried = 0;
    const started = Date.now();
    let lastEscalatedAt = started;
    for (const leadId of leadIds) stack.sqs.send(LOCAL.timerQueue, JSON.stringify({ leadId, attempt: 1 }));
    stack.sqs.attachConsumer(
      LOCAL.timerQueue,
      async (event) => {
        const rt = free.pop() as Runtime;
        try {
          batchSizes.push(event.Records.length);
          const failed = await handleBreachMessages(
            rt,
            event.Records.map((r) => ({ id: r.messageId, body: r.body })),
          );
          retried += failed.length;
          if (failed.length < event.Records.length) lastEscalatedAt = Date.now();
          return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
        } finally {
          free.push(rt);
        }
      },
      { batchSize: 100, maxBatchingWindowMs: 2_000, maxConcurrency: workers },
    );
    await stack.sqs.drain(1_800_000, [LOCAL.timerQueue]);
    for (const id of leadIds) {
      const l = await stack.rt.store.getLead(id);
      const kind = !l
        ? 'missing'
        : l.breachCount > 0
          ? `breached → ${l.status}`
          : `not breached: ${l.status}`;
      outcomes[kind] = (outcomes[kind] ?? 0) + 1;
    }
    const escalatedMs = lastEscalatedAt - started;
    let syncDrainedMs: number | null = null;
    try {
      await stack.sqs.drain(600_000, [LOCAL.syncQueue]);
      syncDrainedMs = Date.now() - started;
    } catch {
      syncDrainedMs = null;
    }
    const wave = sandbox.requests.slice(requestsBefore);
    const rateLimited = wave.filter((r) => r.status === 429).length;
    const stats = [...breachRuntimes.map((rt) => rt.hubspotStats), stack.rt.hubspotStats];
    const sum = (pick: (s: PacingStats) => number) => stats.reduce((n, s) => n + pick(s), 0);
    const wallSeconds = (Date.now() - started) / 1000;
    const dynamo = {
      reads: sum((s) => s.budget?.reads ?? 0) - syncBudgetBefore.reads,
      writes: sum((s) => s.budget?.writes ?? 0) - syncBudgetBefore.writes,
      conflicts: sum((s) => s.budget?.conflicts ?? 0) - syncBudgetBefore.conflicts,
    };
    const breached = Object.entries(outcomes)
      .filter(([k]) => k.startsWith('breached'))
      .reduce((n, [, v]) => n + v, 0);
    return {
      wave: {
        leads: o.leads,
        breachWorkers: workers,
        hubspot: { limit: '190/10s', searchLimit: '5/s', latencyMs: 150, budget: BUDGET },
        dueMinutes: [...dueTimes],
        leadsWithoutContactBeforeWave: unsynced,
        escalatedWithinSeconds: round(escalatedMs / 1000),
        rateLimitedPercent: wave.length ? round((rateLimited / wave.length) * 100, 2) : 0,
        verificationsGivenUp: givenUp,
        outcomes,
        breachRunsRetried: retried,
        reassignmentSyncDrainedSeconds: syncDrainedMs === null ? null : round(syncDrainedMs / 1000),
        breachBatches: batchSizes.length,
        meanBreachBatch: batchSizes.length
          ? round(batchSizes.reduce((a, b) => a + b, 0) / batchSizes.length)
          : null,
        // sla-breach's own HubSpot calls (verification), apart from crm-sync's reassignment syncs.
        verificationRequests: breachRuntimes.reduce((n, rt) => n + rt.hubspotStats.requests, 0),
        hubspotRequests: wave.length,
        hubspotRequestsPerBreach: breached ? round(wave.length / breached, 2) : null,
        hubspotRequestsPerSecond: round(wave.length / wallSeconds, 1),
        rateLimited429: rateLimited,
        notifications: stack.sns.outbox().length,
        // The shared budget's own DynamoDB traffic: each read 1 RCU (strongly consistent), each write and
        // each write refused by its condition 1 WCU.
        budgetDynamo: {
          ...dynamo,
          capacityUnitsPerHubSpotRequest: wave.length
            ? round((dynamo.reads + dynamo.writes + dynamo.conflicts) / wave.length, 2)
            : null,
        },
        goals: {
          escalatedWithin120s: breached === o.leads && escalatedMs <= 120_000,
          rateLimitedAtMost1Percent: rateLimited <= wave.length * 0.01,
          noVerificationGivenUp: givenUp === 0,
        },
      },
    };
  } finally {
    for (const c of clients) c.destroy();
    await stack.close();
  }
}
