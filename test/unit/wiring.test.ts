/** Per-function wiring: a function validates, builds and constructs only the ports it wires. */
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { DynamoLeadStore } from '../../shared/adapters/dynamodb-store.ts';
import { HubSpotCrm } from '../../shared/adapters/hubspot/crm.ts';
import { SchedulerTimers } from '../../shared/adapters/scheduler-timers.ts';
import { SnsNotifier } from '../../shared/adapters/sns-notifier.ts';
import { SqsSyncQueue } from '../../shared/adapters/sqs-sync-queue.ts';
import { loadPolicy } from '../../shared/domain/policy.ts';
import { httpAuth } from '../../shared/wiring/auth.ts';
import { buildRuntime } from '../../shared/wiring/build.ts';
import { readSettings } from '../../shared/wiring/config.ts';
import { hubspotCrm } from '../../shared/wiring/hubspot.ts';
import { runtimeFromEnv } from '../../shared/wiring/runtime.ts';
import { dynamoStore } from '../../shared/wiring/store.ts';

const ENV = {
  LEADCLOCK_POLICY: 'config/policy.example.yaml',
  AWS_REGION: 'eu-central-1',
  TABLE_NAME: 'leadclock',
  SCHEDULE_GROUP: 'leadclock',
  BREACH_TARGET_ARN: 'arn:aws:lambda:eu-central-1:1:function:sla-breach',
  SCHEDULER_ROLE_ARN: 'arn:aws:iam::1:role/scheduler',
  SYNC_QUEUE_URL: 'https://sqs.eu-central-1.amazonaws.com/1/sync',
  NOTIFY_TOPIC_ARN: 'arn:aws:sns:eu-central-1:1:notify',
  HUBSPOT_ACCESS_TOKEN: 'token',
  INGEST_KEYS: 'ingest-key-0123456789',
  HUBSPOT_PORTAL_ID: '123',
};
const POLICY = loadPolicy(readFileSync(ENV.LEADCLOCK_POLICY, 'utf8'), ENV.LEADCLOCK_POLICY);
const clients = {
  dynamo: new DynamoDBClient({ region: 'eu-central-1' }),
  scheduler: new SchedulerClient({ region: 'eu-central-1' }),
  sns: new SNSClient({ region: 'eu-central-1' }),
  sqs: new SQSClient({ region: 'eu-central-1' }),
};
afterAll(() => {
  for (const c of Object.values(clients)) c.destroy();
});

describe('runtimeFromEnv', () => {
  it('builds only the ports a function wires; the others throw when used', async () => {
    // Act
    const rt = await runtimeFromEnv({ store: dynamoStore(clients.dynamo), auth: httpAuth() }, ENV);
    // Assess
    expect(rt.store).toBeInstanceOf(DynamoLeadStore);
    expect(rt.auth).toEqual({
      clientSecrets: [],
      ingestKeys: ['ingest-key-0123456789'],
      viewerKeys: [],
      adminKeys: [],
      allowLegacySignatures: false,
      queryKeyParam: 'key',
      publicBaseUrl: undefined,
    });
    expect(rt.policy.doc).toEqual(POLICY.doc);
    expect(rt.hubspotAppUrl).toBe('https://app.hubspot.com/contacts/123');
    expect(() => rt.timers.arm).toThrow('the Scheduler is not configured for this function');
    expect(() => rt.queue.send).toThrow('SYNC_QUEUE_URL is not configured for this function');
    expect(() => rt.notifier.publish).toThrow('NOTIFY_TOPIC_ARN is not configured for this function');
    expect(() => rt.crm.owners).toThrow('HubSpot (HUBSPOT_ACCESS_TOKEN) is not configured for this function');
  });

  it('checks the settings of exactly the needs it wires', async () => {
    // Prepare
    const { TABLE_NAME: _, HUBSPOT_ACCESS_TOKEN: __, ...env } = ENV;
    // Act
    const wired = runtimeFromEnv({ store: dynamoStore(clients.dynamo), hubspot: hubspotCrm() }, env);
    const unwired = runtimeFromEnv({ auth: httpAuth() }, env);
    // Assess
    await expect(wired).rejects.toThrow(
      'leadclock configuration is invalid:\n' +
        '  env.TABLE_NAME: is required (for store)\n' +
        '  env.HUBSPOT_ACCESS_TOKEN: is required (or SECRETS_ARN)',
    );
    await expect(unwired).resolves.toBeDefined();
  });

  it('gives the HubSpot adapter the counters the runtime exposes', async () => {
    const rt = await runtimeFromEnv({ hubspot: hubspotCrm() }, ENV);
    expect(rt.crm).toBeInstanceOf(HubSpotCrm);
    // With TABLE_NAME the portal's budget is the shared DynamoDB bucket, whose traffic is counted too.
    expect(rt.hubspotStats).toEqual({
      requests: 0,
      rateLimited: 0,
      retries: 0,
      failures: 0,
      budget: { reads: 0, writes: 0, conflicts: 0 },
    });
  });
});

describe('buildRuntime', () => {
  it('wires every port on the given clients (the local runtime and the tests)', () => {
    // Act
    const rt = buildRuntime(
      readSettings(ENV, []),
      clients,
      { hubspotAccessToken: 'token', hubspotClientSecrets: ['secret'], ingestKeys: [] },
      { policy: POLICY },
    );
    // Assess
    expect(rt.store).toBeInstanceOf(DynamoLeadStore);
    expect(rt.timers).toBeInstanceOf(SchedulerTimers);
    expect(rt.queue).toBeInstanceOf(SqsSyncQueue);
    expect(rt.notifier).toBeInstanceOf(SnsNotifier);
    expect(rt.crm).toBeInstanceOf(HubSpotCrm);
    expect(rt.auth.clientSecrets).toEqual(['secret']);
  });

  it('leaves what the settings do not configure unconfigured', () => {
    const rt = buildRuntime(
      readSettings({ LEADCLOCK_POLICY: 'policy.json' }, []),
      clients,
      { hubspotClientSecrets: [], ingestKeys: [] },
      { policy: POLICY },
    );
    expect(() => rt.store.getLead).toThrow('TABLE_NAME is not configured for this function');
    expect(() => rt.crm.owners).toThrow('HubSpot (HUBSPOT_ACCESS_TOKEN) is not configured for this function');
  });
});
