import {
  CreateTopicCommand,
  InternalErrorException,
  InvalidParameterException,
  InvalidParameterValueException,
  type MessageAttributeValue,
  NotFoundException,
  PublishBatchCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it } from 'vitest';
import { SnsEmulator, type SnsEmulatorOptions } from '../../infra/local/aws/sns.ts';
import {
  matchesFilterPolicy,
  parseFilterPolicy,
  type SnsAttributeValue,
} from '../../infra/local/aws/sns-filter.ts';

const running: SnsEmulator[] = [];

async function setup(
  options: SnsEmulatorOptions = {},
  maxAttempts = 1,
): Promise<{ emu: SnsEmulator; client: SNSClient; topicArn: string }> {
  const emu = await SnsEmulator.start(options);
  running.push(emu);
  const client = new SNSClient({
    endpoint: emu.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts,
  });
  const { TopicArn } = await client.send(new CreateTopicCommand({ Name: 'leadclock-notify' }));
  return { emu, client, topicArn: TopicArn ?? '' };
}

const str = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });
const num = (value: number): MessageAttributeValue => ({ DataType: 'Number', StringValue: String(value) });

afterEach(async () => {
  await Promise.all(running.splice(0).map((emu) => emu.close()));
});

describe('SNS emulator', () => {
  it('creates topics idempotently with the real ARN shape', async () => {
    // Prepare
    const { client, topicArn, emu } = await setup();

    // Act
    const again = await client.send(new CreateTopicCommand({ Name: 'leadclock-notify' }));

    // Assess
    expect(topicArn).toBe('arn:aws:sns:us-east-1:000000000000:leadclock-notify');
    expect(again.TopicArn).toBe(topicArn);
    expect(emu.topics()).toEqual([topicArn]);
  });

  it('routes a publish with attributes to the subscribers whose filter policy matches, and only those', async () => {
    // Prepare
    const { client, topicArn, emu } = await setup();
    await client.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sms',
        Endpoint: '+15550001111',
        Attributes: {
          FilterPolicy: JSON.stringify({ channel: ['sms'], rung: [{ numeric: ['>=', 1] }] }),
          FilterPolicyScope: 'MessageAttributes',
        },
      }),
    );
    await client.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'email',
        Endpoint: 'manager@example.com',
        Attributes: { FilterPolicy: JSON.stringify({ channel: ['email'] }) },
      }),
    );
    emu.subscribe(topicArn, {
      protocol: 'email',
      endpoint: 'audit@example.com',
      filterPolicy: { team: [{ prefix: 'emea-' }], channel: [{ 'anything-but': ['email'] }] },
    });

    // Act
    const { MessageId } = await client.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: 'SLA breached: lead 42',
        Message: 'Lead 42 was not touched within 5 minutes',
        MessageAttributes: { channel: str('sms'), rung: num(2), team: str('emea-smb') },
      }),
    );

    // Assess
    expect(MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(emu.outbox()).toEqual([
      {
        messageId: MessageId,
        topicArn,
        subject: 'SLA breached: lead 42',
        message: 'Lead 42 was not touched within 5 minutes',
        attributes: {
          channel: { DataType: 'String', StringValue: 'sms' },
          rung: { DataType: 'Number', StringValue: '2' },
          team: { DataType: 'String', StringValue: 'emea-smb' },
        },
        deliveredTo: ['+15550001111', 'audit@example.com'],
        at: expect.any(Number),
      },
    ]);
    expect(emu.deliveries('+15550001111')).toEqual([
      expect.objectContaining({
        messageId: MessageId,
        protocol: 'sms',
        message: 'Lead 42 was not touched within 5 minutes',
      }),
    ]);
    expect(emu.deliveries('manager@example.com')).toEqual([]);
  });

  it('delivers nothing to a filtered subscriber when a numeric condition fails, and stops after Unsubscribe', async () => {
    // Prepare
    const { client, topicArn, emu } = await setup();
    const { SubscriptionArn } = await client.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sms',
        Endpoint: '+15550002222',
        Attributes: { FilterPolicy: JSON.stringify({ rung: [{ numeric: ['>', 1, '<=', 3] }] }) },
        ReturnSubscriptionArn: true,
      }),
    );

    // Act
    await client.send(
      new PublishCommand({ TopicArn: topicArn, Message: 'rung 1', MessageAttributes: { rung: num(1) } }),
    );
    await client.send(
      new PublishCommand({ TopicArn: topicArn, Message: 'rung 3', MessageAttributes: { rung: num(3) } }),
    );
    await client.send(new UnsubscribeCommand({ SubscriptionArn }));
    await client.send(
      new PublishCommand({ TopicArn: topicArn, Message: 'rung 2', MessageAttributes: { rung: num(2) } }),
    );

    // Assess
    expect(SubscriptionArn).toMatch(new RegExp(`^${topicArn}:[0-9a-f-]{36}$`));
    expect(emu.deliveries('+15550002222').map((d) => d.message)).toEqual(['rung 3']);
    expect(emu.outbox().map((o) => o.deliveredTo)).toEqual([[], ['+15550002222'], []]);
  });

  it('rejects a subject with a line break, or too long, with InvalidParameter (400)', async () => {
    // Prepare
    const { client, topicArn, emu } = await setup();

    // Act
    const newline = await client
      .send(new PublishCommand({ TopicArn: topicArn, Subject: 'SLA\nbreached', Message: 'm' }))
      .catch((e: unknown) => e);
    const long = await client
      .send(new PublishCommand({ TopicArn: topicArn, Subject: 's'.repeat(101), Message: 'm' }))
      .catch((e: unknown) => e);
    const leadingSpace = await client
      .send(new PublishCommand({ TopicArn: topicArn, Subject: ' SLA', Message: 'm' }))
      .catch((e: unknown) => e);

    // Assess
    for (const error of [newline, long, leadingSpace]) {
      expect(error).toBeInstanceOf(InvalidParameterException);
      expect(error).toMatchObject({
        message: 'Invalid parameter: Subject',
        $metadata: { httpStatusCode: 400 },
      });
    }
    expect(emu.outbox()).toEqual([]);
  });

  it('rejects an unknown topic with NotFound (404) and a malformed ARN with InvalidParameter', async () => {
    // Prepare
    const { client } = await setup();

    // Act
    const unknown = await client
      .send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:nope', Message: 'm' }))
      .catch((e: unknown) => e);
    const malformed = await client
      .send(new PublishCommand({ TopicArn: 'nope', Message: 'm' }))
      .catch((e: unknown) => e);

    // Assess
    expect(unknown).toBeInstanceOf(NotFoundException);
    expect(unknown).toMatchObject({ message: 'Topic does not exist', $metadata: { httpStatusCode: 404 } });
    expect(malformed).toBeInstanceOf(InvalidParameterException);
  });

  it('rejects an empty or oversized message and invalid message attributes', async () => {
    // Prepare
    const { client, topicArn } = await setup();
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, str('v')]));

    // Act
    const empty = await client
      .send(new PublishCommand({ TopicArn: topicArn, Message: '' }))
      .catch((e: unknown) => e);
    const huge = await client
      .send(new PublishCommand({ TopicArn: topicArn, Message: 'x'.repeat(262_145) }))
      .catch((e: unknown) => e);
    const tooMany = await client
      .send(new PublishCommand({ TopicArn: topicArn, Message: 'm', MessageAttributes: eleven }))
      .catch((e: unknown) => e);
    const badType = await client
      .send(
        new PublishCommand({
          TopicArn: topicArn,
          Message: 'm',
          MessageAttributes: { a: { DataType: 'Text', StringValue: 'v' } },
        }),
      )
      .catch((e: unknown) => e);
    const atLimit = await client.send(
      new PublishCommand({ TopicArn: topicArn, Message: 'x'.repeat(262_144) }),
    );

    // Assess
    expect(empty).toMatchObject({
      name: 'InvalidParameterException',
      message: 'Invalid parameter: Empty message',
    });
    expect(huge).toMatchObject({
      name: 'InvalidParameterException',
      message: 'Invalid parameter: Message too long',
    });
    expect(tooMany).toBeInstanceOf(InvalidParameterValueException);
    expect(badType).toBeInstanceOf(InvalidParameterValueException);
    expect(atLimit.MessageId).toBeDefined();
  });

  it('rejects an invalid filter policy at Subscribe', async () => {
    // Prepare
    const { client, topicArn } = await setup();
    const subscribe = (policy: string) =>
      client
        .send(
          new SubscribeCommand({
            TopicArn: topicArn,
            Protocol: 'email',
            Endpoint: 'a@example.com',
            Attributes: { FilterPolicy: policy },
          }),
        )
        .catch((e: unknown) => e);

    // Act
    const notJson = await subscribe('{channel:');
    const nested = await subscribe('{"a":{"b":["c"]}}');
    const unknownOperator = await subscribe('{"a":[{"regex":"x"}]}');

    // Assess
    for (const error of [notJson, nested, unknownOperator]) {
      expect(error).toBeInstanceOf(InvalidParameterException);
      expect((error as Error).message).toMatch(/^Invalid parameter: FilterPolicy: /);
    }
  });

  it('publishes a batch, reporting per-entry failures', async () => {
    // Prepare
    const { client, topicArn, emu } = await setup();
    emu.subscribe(topicArn, { protocol: 'sms', endpoint: '+15550003333' });

    // Act
    const result = await client.send(
      new PublishBatchCommand({
        TopicArn: topicArn,
        PublishBatchRequestEntries: [
          { Id: 'ok', Message: 'first', MessageAttributes: { channel: str('sms') } },
          { Id: 'bad', Message: 'second', Subject: 'two\nlines' },
        ],
      }),
    );

    // Assess
    expect(result.Successful?.map((s) => s.Id)).toEqual(['ok']);
    expect(result.Failed).toEqual([
      { Id: 'bad', Code: 'InvalidParameter', Message: 'Invalid parameter: Subject', SenderFault: true },
    ]);
    expect(emu.deliveries('+15550003333').map((d) => [d.message, d.attributes.channel?.StringValue])).toEqual(
      [['first', 'sms']],
    );
  });

  it('injects InternalError (500) on the configured share of publishes, which the SDK retries', async () => {
    // Prepare
    const rolls = [0.1, 0.1, 0.9];
    const lines: string[] = [];
    const { client, topicArn, emu } = await setup(
      { failRate: 0.5, random: () => rolls.shift() ?? 0, log: (line) => lines.push(line) },
      2,
    );

    // Act
    const failed = await client
      .send(new PublishCommand({ TopicArn: topicArn, Message: 'one' }))
      .catch((e: unknown) => e);
    const recovered = await client.send(
      new PublishCommand({ TopicArn: topicArn, Subject: 'Hi', Message: 'two' }),
    );

    // Assess
    expect(failed).toBeInstanceOf(InternalErrorException);
    expect(failed).toMatchObject({ $metadata: { httpStatusCode: 500, attempts: 2 } });
    expect(recovered.MessageId).toBeDefined();
    expect(emu.outbox().map((o) => o.message)).toEqual(['two']);
    expect(lines).toEqual(['[sns] leadclock-notify "Hi" → no subscriber: two']);
  });

  it('resolves MessageStructure=json per protocol', async () => {
    // Prepare
    const { client, topicArn, emu } = await setup();
    emu.subscribe(topicArn, { protocol: 'sms', endpoint: '+15550004444' });
    emu.subscribe(topicArn, { protocol: 'email', endpoint: 'rep@example.com' });

    // Act
    await client.send(
      new PublishCommand({
        TopicArn: topicArn,
        MessageStructure: 'json',
        Message: JSON.stringify({ default: 'Lead 7 is waiting', sms: 'Lead 7!' }),
      }),
    );

    // Assess
    expect(emu.deliveries('+15550004444').map((d) => d.message)).toEqual(['Lead 7!']);
    expect(emu.deliveries('rep@example.com').map((d) => d.message)).toEqual(['Lead 7 is waiting']);
  });
});

describe('SNS filter policies', () => {
  const attrs = (entries: Record<string, [string, string]>): Record<string, SnsAttributeValue> =>
    Object.fromEntries(
      Object.entries(entries).map(([k, [type, value]]) => [k, { DataType: type, StringValue: value }]),
    );
  const matches = (policy: object, attributes: Record<string, SnsAttributeValue>): boolean =>
    matchesFilterPolicy(parseFilterPolicy(JSON.stringify(policy), 'MessageAttributes'), 'MessageAttributes', {
      body: '',
      attributes,
    });

  it.each([
    ['exact string', { c: ['sms', 'email'] }, { c: ['String', 'email'] }, true],
    ['exact string miss', { c: ['sms'] }, { c: ['String', 'email'] }, false],
    ['string does not match a Number', { n: ['1'] }, { n: ['Number', '1'] }, false],
    ['exact number', { n: [1] }, { n: ['Number', '1.0'] }, true],
    ['numeric range', { n: [{ numeric: ['>', 0, '<', 10] }] }, { n: ['Number', '10'] }, false],
    ['anything-but', { c: [{ 'anything-but': ['sms'] }] }, { c: ['String', 'email'] }, true],
    ['anything-but needs the key', { c: [{ 'anything-but': ['sms'] }] }, {}, false],
    [
      'anything-but prefix',
      { c: [{ 'anything-but': { prefix: 'int-' } }] },
      { c: ['String', 'int-x'] },
      false,
    ],
    ['prefix', { t: [{ prefix: 'emea' }] }, { t: ['String', 'emea-smb'] }, true],
    ['suffix', { t: [{ suffix: 'smb' }] }, { t: ['String', 'emea-smb'] }, true],
    ['equals-ignore-case', { t: [{ 'equals-ignore-case': 'EMEA' }] }, { t: ['String', 'emea'] }, true],
    ['exists true', { t: [{ exists: true }] }, { t: ['String', 'x'] }, true],
    ['exists false', { t: [{ exists: false }] }, { t: ['String', 'x'] }, false],
    ['exists false, absent', { t: [{ exists: false }] }, {}, true],
    ['String.Array any element', { c: ['sms'] }, { c: ['String.Array', '["email","sms"]'] }, true],
    ['AND across keys', { c: ['sms'], t: ['emea'] }, { c: ['String', 'sms'], t: ['String', 'apac'] }, false],
    ['$or', { $or: [{ c: ['sms'] }, { t: ['emea'] }] }, { t: ['String', 'emea'] }, true],
  ] as const)('%s', (_name, policy, attributes, expected) => {
    // Prepare
    const input = attrs(attributes as Record<string, [string, string]>);

    // Act
    const result = matches(policy, input);

    // Assess
    expect(result).toBe(expected);
  });

  it('matches nested keys of a JSON body with the MessageBody scope', () => {
    // Prepare
    const policy = parseFilterPolicy(
      JSON.stringify({ lead: { tier: ['A'], score: [{ numeric: ['>=', 80] }] } }),
      'MessageBody',
    );

    // Act
    const hit = matchesFilterPolicy(policy, 'MessageBody', {
      body: '{"lead":{"tier":"A","score":91}}',
      attributes: {},
    });
    const miss = matchesFilterPolicy(policy, 'MessageBody', {
      body: '{"lead":{"tier":"B","score":91}}',
      attributes: {},
    });

    // Assess
    expect([hit, miss]).toEqual([true, false]);
  });
});
