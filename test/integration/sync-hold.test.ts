/**
 * crm-sync without a HubSpot token (issue 16): the batch is held on the real SQS wire protocol (our
 * emulator), without burning the receive count that would dead-letter it after 10 tries.
 */
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { SqsEmulator } from '../../infra/local/aws/sqs.ts';
import { SqsSyncQueue } from '../../shared/adapters/sqs-sync-queue.ts';
import type { Log, MetricName } from '../../shared/app/ports.ts';
import { HOLD_DELAY_SECONDS, holdSyncBatch, TOKEN_NOT_SET } from '../../shared/app/sync-hold.ts';

const running: SqsEmulator[] = [];
afterEach(async () => {
  for (const e of running.splice(0)) await e.close();
});

function recordingLog() {
  const lines: { level: string; message: string; data?: Record<string, unknown> }[] = [];
  const at =
    (level: string) =>
    (message: string, data?: Record<string, unknown>): void => {
      lines.push({ level, message, data });
    };
  const log: Log = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { log, lines };
}

describe('holding sync requests while the HubSpot token is not set', () => {
  it('re-queues each request delayed by 15 minutes with a fresh receive count, logs and counts it', async () => {
    // Prepare: a queue with a redrive policy, one request received 9 times (one short of the DLQ)
    const clock = { now: Date.UTC(2030, 0, 1) };
    const emu = await SqsEmulator.start({ now: () => clock.now });
    running.push(emu);
    const client = new SQSClient({
      endpoint: emu.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'sync' }));
    const url = QueueUrl as string;
    const body = JSON.stringify({ leadId: 'L1', reason: 'assigned', attempt: 1 });
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
    let received = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        VisibilityTimeout: 0,
      }),
    );
    const original = received.Messages?.[0];
    const { log, lines } = recordingLog();
    const counted: MetricName[] = [];
    // Act: hold it, then report it done as the Lambda event source would (delete)
    const failed = await holdSyncBatch(
      { queue: new SqsSyncQueue(client, url), log, metrics: { count: (n) => counted.push(n), seconds() {} } },
      [
        { id: original?.MessageId as string, body: original?.Body as string, receiveCount: 9 },
        { id: 'garbage', body: 'not json', receiveCount: 1 },
      ],
    );
    await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: original?.ReceiptHandle }));
    // Assess: the unreadable body is left to SQS; the request waits 15 minutes, then comes back as new
    expect(failed).toEqual(['garbage']);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'error', message: TOKEN_NOT_SET }));
    expect(counted).toEqual(['HubSpotTokenMissing']);
    const attrs = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
    );
    expect(attrs.Attributes?.ApproximateNumberOfMessagesDelayed).toBe('1');
    received = await client.send(new ReceiveMessageCommand({ QueueUrl: url }));
    expect(received.Messages ?? []).toEqual([]);
    clock.now += HOLD_DELAY_SECONDS * 1000;
    received = await client.send(
      new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
    );
    expect(
      received.Messages?.map((m) => [JSON.parse(m.Body as string), m.Attributes?.ApproximateReceiveCount]),
    ).toEqual([[JSON.parse(body), '1']]);
  });

  it('reports the whole batch failed when SQS refuses the re-send, so nothing is dropped', async () => {
    const { log } = recordingLog();
    const failed = await holdSyncBatch(
      {
        queue: {
          send: async () => {
            throw new Error('SQS down');
          },
        },
        log,
      },
      [{ id: 'a', body: JSON.stringify({ leadId: 'L1', reason: 'assigned', attempt: 1 }), receiveCount: 1 }],
    );
    expect(failed).toEqual(['a']);
  });
});
