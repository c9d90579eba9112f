/**
 * `npm run replay -- sync|timers` (issue 16, recovery) on the SQS and Scheduler emulators through the
 * real SDK clients: every readable message is replayed and only then deleted; unreadable ones stay.
 */
import { CreateScheduleGroupCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { SchedulerEmulator } from '../../infra/local/aws/scheduler.ts';
import { SqsEmulator } from '../../infra/local/aws/sqs.ts';
import { SchedulerTimers } from '../../shared/adapters/scheduler-timers.ts';
import { replaySync, replayTimers, timerInput } from '../../shared/cli/recovery.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});
const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };

async function sqsSetup() {
  const emu = await SqsEmulator.start();
  closers.push(() => emu.close());
  const client = new SQSClient({ endpoint: emu.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  return { emu, client };
}

const depth = async (client: SQSClient, QueueUrl: string) =>
  Number(
    (
      await client.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
      )
    ).Attributes?.ApproximateNumberOfMessages,
  );

describe('replay', () => {
  it('sync: moves every dead-lettered sync request back onto the sync queue, unchanged', async () => {
    const { emu, client } = await sqsSetup();
    const dlq = emu.createQueue('sync-dlq');
    const queue = emu.createQueue('sync');
    const bodies = Array.from({ length: 23 }, (_, i) =>
      JSON.stringify({ leadId: `L${i}`, reason: 'assigned', attempt: 1 }),
    );
    for (const MessageBody of bodies)
      await client.send(new SendMessageCommand({ QueueUrl: dlq, MessageBody }));
    const report = await replaySync(client, { deadLetterQueueUrl: dlq, queueUrl: queue });
    expect(report).toEqual({ replayed: 23, skipped: [] });
    expect(await depth(client, dlq)).toBe(0);
    const moved: string[] = [];
    for (;;) {
      const r = await client.send(
        new ReceiveMessageCommand({ QueueUrl: queue, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
      );
      if (!r.Messages?.length) break;
      moved.push(...r.Messages.map((m) => m.Body as string));
    }
    expect(moved.sort()).toEqual([...bodies].sort());
  });

  it('timers: re-arms Scheduler inputs and failed sla-breach records a minute ahead; leaves the unreadable', async () => {
    const { emu: sqsEmu, client: sqs } = await sqsSetup();
    const scheduler = await SchedulerEmulator.start({ autoFire: false });
    closers.push(() => scheduler.close());
    const schedulerClient = new SchedulerClient({
      endpoint: scheduler.url,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
    await schedulerClient.send(new CreateScheduleGroupCommand({ Name: 'leadclock' }));
    const dlq = sqsEmu.createQueue('timer-dlq');
    const bodies = [
      JSON.stringify({ leadId: 'L1', attempt: 1 }),
      JSON.stringify({
        version: '1.0',
        requestContext: { condition: 'RetriesExhausted' },
        requestPayload: { leadId: 'L2', attempt: 2 },
        responseContext: { statusCode: 200, functionError: 'Unhandled' },
      }),
      'not json',
    ];
    for (const MessageBody of bodies) await sqs.send(new SendMessageCommand({ QueueUrl: dlq, MessageBody }));
    const now = Date.parse('2030-01-07T09:00:30Z');
    const timers = new SchedulerTimers(schedulerClient, {
      groupName: 'leadclock',
      targetArn: 'arn:aws:lambda:us-east-1:000000000000:function:sla-breach',
      roleArn: 'arn:aws:iam::000000000000:role/scheduler',
      deadLetterArn: sqsEmu.queueArn('timer-dlq'),
    });
    const report = await replayTimers(sqs, dlq, timers, now);
    expect(report.replayed).toBe(2);
    expect(report.skipped).toEqual([
      { messageId: expect.any(String), reason: expect.stringMatching(/not a leadclock timer/) },
    ]);
    const armed = scheduler.schedules().map((s) => [JSON.parse(s.target.Input ?? '{}'), s.dueAt]);
    expect(armed).toEqual(
      expect.arrayContaining([
        [expect.objectContaining({ leadId: 'L1', attempt: 1 }), Date.parse('2030-01-07T09:02:00Z')],
        [expect.objectContaining({ leadId: 'L2', attempt: 2 }), Date.parse('2030-01-07T09:02:00Z')],
      ]),
    );
    expect(armed).toHaveLength(2);
  });

  it('puts HubSpot values into the secret, keeping the ingest key, and the old client secret when rotating', async () => {
    const { updatedSecret } = await import('../../shared/cli/secret.ts');
    const current = { ingestKey: 'k', hubspotClientSecret: 'old' };
    expect(
      updatedSecret(current, { hubspotAccessToken: 'pat-1', hubspotClientSecret: 'new' }, false),
    ).toEqual({
      ingestKey: 'k',
      hubspotAccessToken: 'pat-1',
      hubspotClientSecret: 'new',
    });
    expect(updatedSecret(current, { hubspotClientSecret: 'new' }, true)).toEqual({
      ingestKey: 'k',
      hubspotClientSecret: 'new',
      hubspotClientSecretPrevious: 'old',
    });
  });

  it('reads a timer from either shape, and nothing else', () => {
    expect(timerInput('{"leadId":"a","attempt":1}')).toEqual({ leadId: 'a', attempt: 1 });
    expect(timerInput('{"requestPayload":{"leadId":"b","attempt":3}}')).toEqual({ leadId: 'b', attempt: 3 });
    expect(timerInput('{"leadId":"","attempt":1}')).toBeUndefined();
    expect(timerInput('{"leadId":"a","attempt":"1"}')).toBeUndefined();
    expect(timerInput('[]')).toBeUndefined();
  });
});
