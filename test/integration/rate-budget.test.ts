/**
 * One HubSpot budget per portal: breach workers, crm-sync and the other functions draw from one token
 * bucket in DynamoDB (dynalite) and stay under the sandbox's per-portal limits, honour `Retry-After`, and
 * keep to the search limit.
 */
import { createHash } from 'node:crypto';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable, type LocalDynamo, startDynalite } from '../../infra/local/dynamo.ts';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../infra/local/hubspot/sandbox.ts';
import { DynamoRateBudget } from '../../shared/adapters/dynamodb-rate-budget.ts';
import { HubSpotCrm } from '../../shared/adapters/hubspot/crm.ts';
import { type PacingStats, RequestBudget } from '../../shared/adapters/hubspot/pacing.ts';
import { setupProperties } from '../../shared/adapters/hubspot/setup.ts';
import type { Crm, MetricName, Metrics } from '../../shared/app/ports.ts';
import { readSettings } from '../../shared/wiring/config.ts';
import { hubspotCrm } from '../../shared/wiring/hubspot.ts';

const TABLE = 'leadclock';

/** The most requests in any window of `ms` among `times` (sorted or not). */
function busiestWindow(times: readonly number[], ms: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while ((sorted[j] as number) - (sorted[i] as number) >= ms) i++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

function countingMetrics(): Metrics & { counts: Partial<Record<MetricName, number>> } {
  const counts: Partial<Record<MetricName, number>> = {};
  return {
    counts,
    count: (name, value = 1) => {
      counts[name] = (counts[name] ?? 0) + value;
    },
    seconds() {},
  };
}

describe('one HubSpot budget per portal, shared through DynamoDB', () => {
  let dynamo: LocalDynamo;
  let client: DynamoDBClient;
  beforeAll(async () => {
    dynamo = await startDynalite();
    client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await ensureTable(client, TABLE);
  });
  afterAll(async () => {
    client?.destroy();
    await dynamo?.close();
  });

  /** A function's HubSpot adapter as its cold start wires it: the shared bucket, counting 429s. */
  function worker(sandbox: HubSpotSandbox, budget: string, metrics: Metrics = countingMetrics()) {
    const settings = readSettings(
      {
        LEADCLOCK_POLICY: 'config/policy.example.yaml',
        TABLE_NAME: TABLE,
        HUBSPOT_BASE_URL: sandbox.url,
        HUBSPOT_BUDGET: budget,
        HUBSPOT_TIMEOUT_MS: '5000',
        HUBSPOT_ACCESS_TOKEN: sandbox.token,
      },
      ['hubspot'],
    );
    const hubspotStats: PacingStats = { requests: 0, rateLimited: 0, retries: 0, failures: 0 };
    const crm = hubspotCrm(client)({
      settings,
      secrets: { hubspotAccessToken: sandbox.token, hubspotClientSecrets: [], ingestKeys: [] },
      hubspotStats,
      metrics,
    }) as Crm;
    return { crm, stats: hubspotStats };
  }

  it('keeps five instances together within one budget window, wherever their tokens are spent', async () => {
    // Prepare: five processes of one portal, 20 requests per second between them.
    const stamps: number[] = [];
    const budgets = Array.from(
      { length: 5 },
      () =>
        new DynamoRateBudget({
          client,
          table: TABLE,
          scope: 'test:window',
          general: { max: 20, intervalMs: 1000 },
          search: { max: 4, intervalMs: 1000 },
        }),
    );
    // Act: each wants 12 requests at once.
    await Promise.all(
      budgets.flatMap((b) =>
        Array.from({ length: 12 }, async () => {
          await b.take();
          stamps.push(Date.now());
        }),
      ),
    );
    // Assess
    expect(stamps).toHaveLength(60);
    expect(busiestWindow(stamps, 1000)).toBeLessThanOrEqual(20);
  });

  it('lets 4 breach workers and crm-sync share the portal: no verification given up, under 1% 429s', async () => {
    // Prepare: a portal of 60 per second; leadclock's budget is 55 of them, shared by five workers.
    const sandbox = await startHubSpotSandbox({ rateLimit: { max: 60, intervalMs: 1000 } });
    try {
      const contacts = Array.from(
        { length: 40 },
        (_, i) => sandbox.createContact({ email: `wave${i}@example.com` }).id,
      );
      await setupProperties(sandbox.url, sandbox.token);
      // The setup's requests leave the one-second window before the wave starts.
      await new Promise((r) => setTimeout(r, 1100));
      const before = sandbox.requests.length;
      const breach = Array.from({ length: 4 }, () => worker(sandbox, '55/1s'));
      const sync = worker(sandbox, '55/1s');
      let givenUp = 0;
      // Act: each breach worker verifies 10 leads one after another (as one Lambda instance does), while
      // crm-sync upserts contacts and looks tasks up.
      await Promise.all([
        ...breach.map(async (w, k) => {
          for (const id of contacts.slice(k * 10, k * 10 + 10))
            await w.crm.contactActivity(id).catch(() => givenUp++);
        }),
        (async () => {
          for (let i = 0; i < 10; i++) {
            await sync.crm.upsertContacts([{ email: `sync${i}@example.com`, properties: {} }]);
            await sync.crm.findTasks([{ key: `key-${i}`, contactId: contacts[i] as string }]);
          }
        })(),
      ]);
      // Assess
      const wave = sandbox.requests.slice(before);
      const rateLimited = wave.filter((r) => r.status === 429).length;
      expect(givenUp).toBe(0);
      expect(wave.length).toBeGreaterThanOrEqual(180);
      expect(rateLimited).toBeLessThanOrEqual(wave.length * 0.01);
      expect(
        busiestWindow(
          wave.filter((r) => r.status !== 429).map((r) => r.at),
          1000,
        ),
      ).toBeLessThanOrEqual(60);
    } finally {
      await sandbox.close();
    }
  });

  it('is what keeps them under the limit: the same workers each with a budget of their own get 429s', async () => {
    // Prepare
    const sandbox = await startHubSpotSandbox({ rateLimit: { max: 60, intervalMs: 1000 } });
    try {
      const contacts = Array.from(
        { length: 40 },
        (_, i) => sandbox.createContact({ email: `solo${i}@example.com` }).id,
      );
      const metrics = countingMetrics();
      const own = Array.from(
        { length: 4 },
        () =>
          new HubSpotCrm({
            baseUrl: sandbox.url,
            accessToken: sandbox.token,
            pacing: { budget: new RequestBudget(55, 1000), onRateLimited: () => metrics.count('HubSpot429') },
          }),
      );
      // Act
      await Promise.all(
        own.map(async (crm, k) => {
          for (const id of contacts.slice(k * 10, k * 10 + 10))
            await crm.contactActivity(id).catch(() => undefined);
        }),
      );
      // Assess: every 429 is counted as the HubSpot429 metric.
      expect(sandbox.counts.rateLimited).toBeGreaterThan(0);
      expect(metrics.counts.HubSpot429).toBe(sandbox.counts.rateLimited);
    } finally {
      await sandbox.close();
    }
  });

  it("honours a 429's Retry-After in every function of the portal, and counts the 429", async () => {
    // Prepare: another app of the portal has spent the window (4 per 3 s) just before.
    const sandbox = await startHubSpotSandbox({ rateLimit: { max: 4, intervalMs: 3000 } });
    try {
      for (let i = 0; i < 4; i++)
        await fetch(`${sandbox.url}/crm/v3/owners`, {
          headers: { authorization: `Bearer ${sandbox.token}` },
        });
      const metrics = countingMetrics();
      const a = worker(sandbox, '100/1s', metrics);
      const b = worker(sandbox, '100/1s');
      // Act: a is refused; b starts right after, in another "function".
      const first = a.crm.owners();
      while (sandbox.counts.rateLimited === 0) await new Promise((r) => setTimeout(r, 5));
      const second = b.crm.owners();
      await Promise.all([first, second]);
      // Assess
      const refused = sandbox.requests.find((r) => r.status === 429);
      expect(refused?.policy).toBe('TEN_SECONDLY_ROLLING');
      const retryAfterMs = 3000 - ((refused?.at ?? 0) - (sandbox.requests[0]?.at ?? 0));
      const later = sandbox.requests.filter((r) => r.at > (refused?.at ?? 0));
      expect(later.length).toBeGreaterThanOrEqual(4);
      // Retry-After is whole seconds, rounded up from the window's end: nobody came back sooner.
      for (const r of later) expect(r.at - (refused?.at ?? 0)).toBeGreaterThanOrEqual(retryAfterMs - 5);
      expect(later.every((r) => r.status === 200)).toBe(true);
      expect(metrics.counts.HubSpot429).toBe(1);
      const item = await client.send(
        new GetItemCommand({
          TableName: TABLE,
          Key: { PK: { S: `RATE#hubspot:${bucketScope(sandbox.token)}` }, SK: { S: 'BUCKET#general' } },
          ConsistentRead: true,
        }),
      );
      expect(Number(item.Item?.pausedUntil?.N)).toBeGreaterThanOrEqual((refused?.at ?? 0) + 1000);
    } finally {
      await sandbox.close();
    }
  });

  it('keeps searches to the search limit across functions', async () => {
    // Prepare: the search limit is 5 per second; the general one is far away.
    const sandbox = await startHubSpotSandbox();
    try {
      await setupProperties(sandbox.url, sandbox.token);
      const workers = Array.from({ length: 3 }, () => worker(sandbox, '150/10s'));
      // Act: 12 searches at once from three functions.
      await Promise.all(
        workers.flatMap((w) =>
          Array.from({ length: 4 }, (_, i) => w.crm.companyOwners(`2030-01-0${i + 1}T00:00:00Z`)),
        ),
      );
      // Assess
      const searches = sandbox.requests.filter((r) => r.path.endsWith('/search'));
      expect(searches).toHaveLength(12);
      expect(searches.every((r) => r.status === 200)).toBe(true);
      expect(
        busiestWindow(
          searches.map((r) => r.at),
          1000,
        ),
      ).toBeLessThanOrEqual(5);
    } finally {
      await sandbox.close();
    }
  });
});

function bucketScope(token: string): string {
  // The wiring's scope without a portal id: a digest of the app's token.
  return createHash('sha256').update(token).digest('hex').slice(0, 16);
}
