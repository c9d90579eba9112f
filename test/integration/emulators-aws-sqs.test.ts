import {
  BatchEntryIdsNotDistinct,
  BatchRequestTooLong,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  EmptyBatchRequest,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  MessageNotInflight,
  PurgeQueueCommand,
  PurgeQueueInProgress,
  QueueDoesNotExist,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  RequestThrottled,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  TooManyEntriesInBatchRequest,
} from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { SqsEmulator, type SqsEmulatorOptions, type SqsEventRecord } from '../../infra/local/aws/sqs.ts';

const running: SqsEmulator[] = [];

async function setup(options: SqsEmulatorOptions = {}): Promise<{ emu: SqsEmulator; client: SQSClient }> {
  const emu = await SqsEmulator.start(options);
  running.push(emu);
  const client = new SQSClient({
    endpoint: emu.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  return { emu, client };
}

/** An emulator whose clock only the test moves. */
async function setupWithClock(): Promise<{ emu: SqsEmulator; client: SQSClient; clock: { now: number } }> {
  const clock = { now: Date.UTC(2030, 0, 1) };
  const { emu, client } = await setup({ now: () => clock.now });
  return { emu, client, clock };
}

async function attributes(client: SQSClient, QueueUrl: string): Promise<Record<string, string>> {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }),
  );
  return Attributes ?? {};
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((emu) => emu.close()));
});

describe('SQS emulator API', () => {
  it('sends, receives and deletes a message with attributes (MD5s checked by the SDK)', async () => {
    // Prepare
    const { client } = await setup();
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'crm-sync' }));
    const { QueueUrl: looked } = await client.send(new GetQueueUrlCommand({ QueueName: 'crm-sync' }));

    // Act
    const sent = await client.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: '{"leadId":"l-1"}',
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'contact-update' },
          attempt: { DataType: 'Number', StringValue: '1' },
          blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
        },
      }),
    );
    const received = await client.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        MessageAttributeNames: ['All'],
      }),
    );
    const message = received.Messages?.[0];
    await client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message?.ReceiptHandle }));
    const after = await attributes(client, QueueUrl ?? '');

    // Assess
    expect(QueueUrl).toBe(`${running[0]?.url}/000000000000/crm-sync`);
    expect(looked).toBe(QueueUrl);
    expect(received.Messages).toHaveLength(1);
    expect(message).toMatchObject({
      MessageId: sent.MessageId,
      Body: '{"leadId":"l-1"}',
      Attributes: { ApproximateReceiveCount: '1' },
      MessageAttributes: {
        kind: { DataType: 'String', StringValue: 'contact-update' },
        attempt: { DataType: 'Number', StringValue: '1' },
        blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
      },
    });
    expect(message?.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
    expect(after).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });
  });

  it.each([
    [{ timestamp: { DataType: 'Number', StringValue: '1493147359900' } }, '235c5c510d26fb653d073faed50ae77c'],
    [
      { SellerName: { DataType: 'String', StringValue: 'Example Store' } },
      'cd28f3b68aeee4b2eac9c66f2f694b58',
    ],
    [
      {
        ordinal: { DataType: 'Number', StringValue: '1' },
        category: { DataType: 'String', StringValue: 'test' },
      },
      'd21ae90c49061e927f57df5f5d72be1f',
    ],
  ])(
    'reports the MD5 of message attributes the way SQS computes it (%#)',
    async (MessageAttributes, expected) => {
      // Prepare
      const { client, emu } = await setup();
      const QueueUrl = emu.createQueue('q');

      // Act
      const sent = await client.send(
        new SendMessageCommand({ QueueUrl, MessageBody: 'b', MessageAttributes }),
      );

      // Assess
      expect(sent.MD5OfMessageAttributes).toBe(expected);
    },
  );

  it('hides a received message for the visibility timeout, then redelivers it with a new receipt handle', async () => {
    // Prepare
    const { client, clock } = await setupWithClock();
    const { QueueUrl } = await client.send(
      new CreateQueueCommand({ QueueName: 'q', Attributes: { VisibilityTimeout: '30' } }),
    );
    await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'hello' }));
    const receive = () =>
      client.send(
        new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
      );

    // Act
    const first = await receive();
    const hidden = await receive();
    const counts = await attributes(client, QueueUrl ?? '');
    clock.now += 29_999;
    const stillHidden = await receive();
    clock.now += 1;
    const second = await receive();
    await client.send(
      new DeleteMessageCommand({ QueueUrl, ReceiptHandle: first.Messages?.[0]?.ReceiptHandle }),
    );
    const afterStaleDelete = await attributes(client, QueueUrl ?? '');

    // Assess
    expect(first.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('1');
    expect(hidden.Messages).toBeUndefined();
    expect(counts).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '1',
    });
    expect(stillHidden.Messages).toBeUndefined();
    expect(second.Messages?.[0]).toMatchObject({
      MessageId: first.Messages?.[0]?.MessageId,
      Body: 'hello',
      Attributes: { ApproximateReceiveCount: '2' },
    });
    expect(second.Messages?.[0]?.ReceiptHandle).not.toBe(first.Messages?.[0]?.ReceiptHandle);
    expect(afterStaleDelete.ApproximateNumberOfMessagesNotVisible).toBe('1');
  });

  it('moves a message to the dead-letter queue once its receive count exceeds maxReceiveCount', async () => {
    // Prepare
    const { client, clock } = await setupWithClock();
    const { QueueUrl: dlqUrl } = await client.send(new CreateQueueCommand({ QueueName: 'crm-sync-dlq' }));
    const dlqArn = (await attributes(client, dlqUrl ?? '')).QueueArn;
    const { QueueUrl } = await client.send(
      new CreateQueueCommand({
        QueueName: 'crm-sync',
        Attributes: {
          VisibilityTimeout: '1',
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }),
        },
      }),
    );
    const sent = await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'poison' }));
    const receive = (url: string | undefined) =>
      client.send(new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ['All'] }));

    // Act
    const first = await receive(QueueUrl);
    clock.now += 1_000;
    const second = await receive(QueueUrl);
    clock.now += 1_000;
    const third = await receive(QueueUrl);
    const dead = await receive(dlqUrl);

    // Assess
    expect(dlqArn).toBe('arn:aws:sqs:us-east-1:000000000000:crm-sync-dlq');
    expect([first, second].map((r) => r.Messages?.[0]?.Attributes?.ApproximateReceiveCount)).toEqual([
      '1',
      '2',
    ]);
    expect(third.Messages).toBeUndefined();
    expect(dead.Messages?.[0]).toMatchObject({ MessageId: sent.MessageId, Body: 'poison' });
    expect(await attributes(client, QueueUrl ?? '')).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });
  });

  it('holds a delayed message back until DelaySeconds have passed', async () => {
    // Prepare
    const { client, clock } = await setupWithClock();
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'delayed' }));

    // Act
    await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'later', DelaySeconds: 5 }));
    const early = await client.send(new ReceiveMessageCommand({ QueueUrl }));
    const counts = await attributes(client, QueueUrl ?? '');
    clock.now += 5_000;
    const onTime = await client.send(new ReceiveMessageCommand({ QueueUrl }));

    // Assess
    expect(early.Messages).toBeUndefined();
    expect(counts.ApproximateNumberOfMessagesDelayed).toBe('1');
    expect(onTime.Messages?.[0]?.Body).toBe('later');
  });

  it('makes a message visible again with ChangeMessageVisibility(0)', async () => {
    // Prepare
    const { client } = await setup();
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'q' }));
    await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'retry me' }));
    const first = await client.send(new ReceiveMessageCommand({ QueueUrl }));
    const handle = first.Messages?.[0]?.ReceiptHandle;

    // Act
    await client.send(
      new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: handle, VisibilityTimeout: 0 }),
    );
    const notInFlight = await client
      .send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: handle, VisibilityTimeout: 10 }))
      .catch((e: unknown) => e);
    const again = await client.send(new ReceiveMessageCommand({ QueueUrl }));

    // Assess
    expect(notInFlight).toBeInstanceOf(MessageNotInflight);
    expect(again.Messages?.[0]?.Body).toBe('retry me');
  });

  it('raises QueueDoesNotExist and ReceiptHandleIsInvalid as the SDK expects', async () => {
    // Prepare
    const { client, emu } = await setup();
    const QueueUrl = emu.createQueue('q');

    // Act
    const missing = await client
      .send(new SendMessageCommand({ QueueUrl: `${emu.url}/000000000000/nope`, MessageBody: 'x' }))
      .catch((e: unknown) => e);
    const missingName = await client
      .send(new GetQueueUrlCommand({ QueueName: 'nope' }))
      .catch((e: unknown) => e);
    const badHandle = await client
      .send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: 'not-a-handle' }))
      .catch((e: unknown) => e);

    // Assess
    expect(missing).toBeInstanceOf(QueueDoesNotExist);
    expect(missing).toMatchObject({
      Code: 'AWS.SimpleQueueService.NonExistentQueue',
      message: 'The specified queue does not exist.',
      $metadata: { httpStatusCode: 400 },
    });
    expect(missingName).toBeInstanceOf(QueueDoesNotExist);
    expect(badHandle).toBeInstanceOf(ReceiptHandleIsInvalid);
    expect(badHandle).toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it('validates batches: empty, more than 10, duplicate ids, over 256 KiB', async () => {
    // Prepare
    const { client, emu } = await setup();
    const QueueUrl = emu.createQueue('q');
    const entries = (n: number, size = 1) =>
      Array.from({ length: n }, (_, i) => ({ Id: `m${i}`, MessageBody: 'x'.repeat(size) }));
    const send = (Entries: { Id: string; MessageBody: string }[]) =>
      client.send(new SendMessageBatchCommand({ QueueUrl, Entries })).catch((e: unknown) => e);

    // Act
    const empty = await send([]);
    const tooMany = await send(entries(11));
    const duplicate = await send([
      { Id: 'a', MessageBody: '1' },
      { Id: 'a', MessageBody: '2' },
    ]);
    const tooLong = await send(entries(2, 131_073));
    const ok = await client.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [...entries(9), { Id: 'bad-body', MessageBody: '' }],
      }),
    );

    // Assess
    expect(empty).toBeInstanceOf(EmptyBatchRequest);
    expect(tooMany).toBeInstanceOf(TooManyEntriesInBatchRequest);
    expect(duplicate).toBeInstanceOf(BatchEntryIdsNotDistinct);
    expect(tooLong).toBeInstanceOf(BatchRequestTooLong);
    expect(ok.Successful).toHaveLength(9);
    expect(ok.Failed).toEqual([
      expect.objectContaining({ Id: 'bad-body', SenderFault: true, Code: 'MissingParameter' }),
    ]);
    expect(emu.counts('q')).toEqual({ visible: 9, inFlight: 0, delayed: 0 });
  });

  it('rejects MaxNumberOfMessages outside 1–10', async () => {
    // Prepare
    const { client, emu } = await setup();
    const QueueUrl = emu.createQueue('q');

    // Act
    const error = await client
      .send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 11 }))
      .catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'InvalidParameterValue', $metadata: { httpStatusCode: 400 } });
  });

  it('deletes in batches and reports invalid handles per entry', async () => {
    // Prepare
    const { client, emu } = await setup();
    const QueueUrl = emu.createQueue('q');
    emu.send('q', 'a');
    emu.send('q', 'b');
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }),
    );

    // Act
    const result = await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl,
        Entries: [
          ...Messages.map((m, i) => ({ Id: `e${i}`, ReceiptHandle: m.ReceiptHandle })),
          { Id: 'junk', ReceiptHandle: 'junk' },
        ],
      }),
    );

    // Assess
    expect(Messages.map((m) => m.Body)).toEqual(['a', 'b']);
    expect(result.Successful?.map((s) => s.Id)).toEqual(['e0', 'e1']);
    expect(result.Failed).toEqual([
      expect.objectContaining({ Id: 'junk', Code: 'ReceiptHandleIsInvalid', SenderFault: true }),
    ]);
    expect(emu.counts('q')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('purges a queue once per 60 seconds', async () => {
    // Prepare
    const { client, emu } = await setup();
    const QueueUrl = emu.createQueue('q');
    emu.send('q', 'a');

    // Act
    await client.send(new PurgeQueueCommand({ QueueUrl }));
    const second = await client.send(new PurgeQueueCommand({ QueueUrl })).catch((e: unknown) => e);

    // Assess
    expect(emu.counts('q')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(second).toBeInstanceOf(PurgeQueueInProgress);
  });

  it('answers RequestThrottled on the configured share of calls', async () => {
    // Prepare
    const rolls = [0.2, 0.8];
    const { client, emu } = await setup({ throttleRate: 0.5, random: () => rolls.shift() ?? 1 });
    const QueueUrl = emu.createQueue('q');

    // Act
    const throttled = await client
      .send(new SendMessageCommand({ QueueUrl, MessageBody: 'a' }))
      .catch((e: unknown) => e);
    const accepted = await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'b' }));

    // Assess
    expect(throttled).toBeInstanceOf(RequestThrottled);
    expect(accepted.MessageId).toBeDefined();
    expect(emu.messages('q').map((m) => m.body)).toEqual(['b']);
  });

  it('long-polls until a message arrives', async () => {
    // Prepare
    const { client, emu } = await setup();
    const QueueUrl = emu.createQueue('q');
    setTimeout(() => emu.send('q', 'late arrival'), 150);
    const startedAt = Date.now();

    // Act
    const result = await client.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 2 }));

    // Assess
    expect(result.Messages?.[0]?.Body).toBe('late arrival');
    expect(Date.now() - startedAt).toBeLessThan(1_000);
  });
});

describe('SQS emulator event source mapping', () => {
  it('deletes the successes of a partial batch failure and redelivers only the failed item', async () => {
    // Prepare
    const { client, emu } = await setup();
    const QueueUrl = emu.createQueue('crm-sync', { visibilityTimeoutMs: 200 });
    await client.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: ['a', 'b', 'c'].map((body) => ({ Id: body, MessageBody: body })),
      }),
    );
    const seen: { body: string; receiveCount: string }[][] = [];
    let failedOnce = false;

    // Act
    emu.attachConsumer(
      'crm-sync',
      async ({ Records }) => {
        seen.push(Records.map((r) => ({ body: r.body, receiveCount: r.attributes.ApproximateReceiveCount })));
        const b = Records.find((r) => r.body === 'b');
        if (b && !failedOnce) {
          failedOnce = true;
          return { batchItemFailures: [{ itemIdentifier: b.messageId }] };
        }
        return { batchItemFailures: [] };
      },
      { maxConcurrency: 1 },
    );
    await emu.drain(2_000);

    // Assess
    expect(seen).toEqual([
      [
        { body: 'a', receiveCount: '1' },
        { body: 'b', receiveCount: '1' },
        { body: 'c', receiveCount: '1' },
      ],
      [{ body: 'b', receiveCount: '2' }],
    ]);
    expect(emu.invocations.map((i) => [i.outcome, i.failed.length])).toEqual([
      ['partial', 1],
      ['ok', 0],
    ]);
  });

  it('gives Lambda-shaped records', async () => {
    // Prepare
    const { emu } = await setup();
    emu.createQueue('crm-sync');
    const id = emu.send('crm-sync', '{"x":1}', {
      attributes: { kind: { DataType: 'String', StringValue: 'task' } },
    });
    let record: SqsEventRecord | undefined;

    // Act
    emu.attachConsumer('crm-sync', async ({ Records }) => {
      record = Records[0];
    });
    await emu.drain(1_000);

    // Assess
    expect(record).toMatchObject({
      messageId: id,
      body: '{"x":1}',
      attributes: { ApproximateReceiveCount: '1', SenderId: '000000000000' },
      messageAttributes: {
        kind: { stringValue: 'task', stringListValues: [], binaryListValues: [], dataType: 'String' },
      },
      md5OfBody: 'ac3ef48caa08fa3ed5e025da69edc645',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:crm-sync',
      awsRegion: 'us-east-1',
    });
    expect(record?.receiptHandle).toEqual(expect.any(String));
  });

  it('redelivers a whole batch when the handler throws, until the redrive policy dead-letters it', async () => {
    // Prepare
    const { emu } = await setup();
    emu.createQueue('dlq');
    emu.createQueue('src', {
      visibilityTimeoutMs: 100,
      attributes: {
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: emu.queueArn('dlq'), maxReceiveCount: 2 }),
      },
    });
    emu.send('src', 'one');
    emu.send('src', 'two');
    let calls = 0;

    // Act
    emu.attachConsumer(
      'src',
      async () => {
        calls++;
        throw new Error('HubSpot 502');
      },
      { maxConcurrency: 1 },
    );
    await emu.drain(2_000);

    // Assess
    expect(calls).toBe(2);
    expect(emu.invocations.map((i) => [i.outcome, i.messageIds.length, i.error])).toEqual([
      ['error', 2, 'HubSpot 502'],
      ['error', 2, 'HubSpot 502'],
    ]);
    expect(emu.messages('dlq').map((m) => [m.body, m.receiveCount])).toEqual([
      ['one', 2],
      ['two', 2],
    ]);
  });

  it('treats an unknown itemIdentifier as a failure of the whole batch', async () => {
    // Prepare
    const { emu } = await setup();
    emu.createQueue('q', { visibilityTimeoutMs: 100 });
    emu.send('q', 'one');
    emu.send('q', 'two');
    const sizes: number[] = [];

    // Act
    emu.attachConsumer(
      'q',
      async ({ Records }) => {
        sizes.push(Records.length);
        return sizes.length === 1 ? { batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] } : undefined;
      },
      { maxConcurrency: 1 },
    );
    await emu.drain(2_000);

    // Assess
    expect(sizes).toEqual([2, 2]);
  });

  it('ignores batchItemFailures when reportBatchItemFailures is off, as Lambda does', async () => {
    // Prepare
    const { emu } = await setup();
    emu.createQueue('q', { visibilityTimeoutMs: 100 });
    emu.send('q', 'one');
    let calls = 0;

    // Act
    emu.attachConsumer(
      'q',
      async ({ Records }) => {
        calls++;
        return { batchItemFailures: Records.map((r) => ({ itemIdentifier: r.messageId })) };
      },
      { reportBatchItemFailures: false },
    );
    await emu.drain(1_000);

    // Assess
    expect(calls).toBe(1);
    expect(emu.counts('q')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('gathers up to batchSize records within the batching window', async () => {
    // Prepare
    const { emu } = await setup();
    emu.createQueue('q');
    for (let i = 0; i < 25; i++) emu.send('q', `m${i}`);
    const sizes: number[] = [];

    // Act
    emu.attachConsumer(
      'q',
      async ({ Records }) => {
        sizes.push(Records.length);
      },
      { batchSize: 100, maxBatchingWindowMs: 100, maxConcurrency: 1 },
    );
    await emu.drain(2_000);

    // Assess
    expect(sizes).toEqual([25]);
    expect(() => emu.attachConsumer('q', async () => undefined, { batchSize: 11 })).toThrow(
      /batching window/,
    );
  });

  it('runs at most maxConcurrency invocations at once', async () => {
    // Prepare
    const { emu } = await setup();
    emu.createQueue('q');
    for (let i = 0; i < 6; i++) emu.send('q', `m${i}`);
    let active = 0;
    let peak = 0;

    // Act
    emu.attachConsumer(
      'q',
      async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setTimeout(resolve, 30));
        active--;
      },
      { batchSize: 1, maxConcurrency: 2 },
    );
    await emu.drain(2_000);

    // Assess
    expect(peak).toBe(2);
    expect(emu.invocations).toHaveLength(6);
  });

  it('closes promptly with a consumer attached and a long poll pending', async () => {
    // Prepare
    const { client, emu } = await setup();
    const QueueUrl = emu.createQueue('q');
    emu.attachConsumer('q', async () => undefined);
    const poll = client
      .send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }))
      .catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const startedAt = Date.now();

    // Act
    await emu.close();
    await poll;

    // Assess
    expect(Date.now() - startedAt).toBeLessThan(500);
  });
});
