import { createHash, randomUUID } from 'node:crypto';
import {
  type EmulatorRequest,
  type EmulatorResponse,
  type ListenOptions,
  type RunningServer,
  Sleeper,
  startServer,
} from './http.ts';

/** Options for {@link SqsEmulator.start}. */
export interface SqsEmulatorOptions extends ListenOptions {
  region?: string;
  accountId?: string;
  /** Emulator clock in epoch ms (visibility, delays, retention); defaults to Date.now. */
  now?: () => number;
  /** Source of randomness for fault injection; defaults to Math.random. */
  random?: () => number;
  /** Share (0..1) of API calls answered with RequestThrottled, which the SDK retries. */
  throttleRate?: number;
  /** How often long polls and consumers look for messages (default 20 ms). */
  pollIntervalMs?: number;
}

/** In-process queue settings; the millisecond fields exist so tests need not wait whole seconds. */
export interface SqsQueueOptions {
  /** Queue attributes exactly as CreateQueue takes them (string values). */
  attributes?: Record<string, string>;
  /** Overrides VisibilityTimeout with millisecond precision. */
  visibilityTimeoutMs?: number;
  /** Overrides DelaySeconds with millisecond precision. */
  delayMs?: number;
}

/** A message attribute as SQS takes and returns it (BinaryValue is base64). */
export interface SqsMessageAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

/** Inspection view of a stored message. */
export interface SqsMessageSnapshot {
  messageId: string;
  body: string;
  messageAttributes: Record<string, SqsMessageAttribute>;
  receiveCount: number;
  state: 'visible' | 'inflight' | 'delayed';
  sentAt: number;
}

/** Message counts of one queue. */
export interface SqsQueueCounts {
  visible: number;
  inFlight: number;
  delayed: number;
}

/** A record as Lambda's SQS event source delivers it. */
export interface SqsEventRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: {
    ApproximateReceiveCount: string;
    SentTimestamp: string;
    SenderId: string;
    ApproximateFirstReceiveTimestamp: string;
  };
  messageAttributes: Record<
    string,
    {
      stringValue?: string;
      binaryValue?: string;
      stringListValues: string[];
      binaryListValues: string[];
      dataType: string;
    }
  >;
  md5OfBody: string;
  md5OfMessageAttributes?: string;
  eventSource: 'aws:sqs';
  eventSourceARN: string;
  awsRegion: string;
}

/** A Lambda partial batch response. */
export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/** A function attached to a queue like a Lambda SQS trigger. */
export type SqsBatchHandler = (event: {
  Records: SqsEventRecord[];
}) => Promise<SqsBatchResponse | undefined> | Promise<void>;

/** Event source mapping settings, named after Lambda's. */
export interface SqsConsumerOptions {
  /** Records per invocation (default 10; above 10 needs a batching window, as in Lambda). */
  batchSize?: number;
  /** How long to gather records before invoking (default 0: invoke with what is there). */
  maxBatchingWindowMs?: number;
  /** Concurrent invocations (default 2). */
  maxConcurrency?: number;
  /**
   * Honour `batchItemFailures` (default true, because every leadclock consumer uses partial batch
   * responses; Lambda's own default is off, which deletes the whole batch on success).
   */
  reportBatchItemFailures?: boolean;
}

/** One consumer invocation, for tests. */
export interface SqsInvocationRecord {
  queueName: string;
  messageIds: string[];
  outcome: 'ok' | 'partial' | 'error';
  /** Message ids left for redelivery. */
  failed: string[];
  error?: string;
}

/** A running event source mapping. */
export interface SqsConsumerHandle {
  /** Stops polling and resolves once the running invocations have finished. */
  stop(): Promise<void>;
}

interface StoredMessage {
  id: string;
  body: string;
  md5Body: string;
  attributes: Record<string, SqsMessageAttribute>;
  md5Attributes: string | undefined;
  sentAt: number;
  delayedUntil: number;
  inflightUntil: number;
  receiveCount: number;
  firstReceiveAt: number | undefined;
  receipt: string | undefined;
}

interface Queue {
  name: string;
  url: string;
  arn: string;
  attributes: Record<string, string>;
  visibilityMs: number;
  delayMs: number;
  redrive: { deadLetterTargetArn: string; maxReceiveCount: number } | undefined;
  messages: StoredMessage[];
  createdAt: number;
  modifiedAt: number;
  lastPurgeAt: number | undefined;
}

interface Consumer {
  queueName: string;
  handler: SqsBatchHandler;
  batchSize: number;
  windowMs: number;
  concurrency: number;
  reportFailures: boolean;
  stopped: boolean;
  loops: Promise<void>[];
  active: number;
}

type Json = Record<string, unknown>;

class SqsError extends Error {
  readonly status: number;
  readonly type: string;
  readonly queryCode: string;
  readonly sender: boolean;
  constructor(status: number, type: string, message: string, queryCode: string = type) {
    super(message);
    this.status = status;
    this.type = type;
    this.queryCode = queryCode;
    this.sender = status < 500;
  }
}

const nonExistentQueue = (): SqsError =>
  new SqsError(
    400,
    'QueueDoesNotExist',
    'The specified queue does not exist.',
    'AWS.SimpleQueueService.NonExistentQueue',
  );
const invalidValue = (message: string): SqsError => new SqsError(400, 'InvalidParameterValue', message);
const receiptInvalid = (handle: string): SqsError =>
  new SqsError(
    404,
    'ReceiptHandleIsInvalid',
    `The input receipt handle "${handle}" is not a valid receipt handle.`,
  );

// Stricter than today's 1 MiB ceiling on purpose: what passes here also passes on queues still at 256 KiB.
const DEFAULT_MAX_MESSAGE_BYTES = 262_144;
const MAX_BATCH_BYTES = 262_144;
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const BATCH_ID = /^[A-Za-z0-9_-]{1,80}$/;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_\-.]{1,256}$/;
/** SQS accepts #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF only. */
function hasInvalidBodyChar(body: string): boolean {
  for (const char of body) {
    const c = char.codePointAt(0) ?? 0;
    const ok =
      c === 0x9 ||
      c === 0xa ||
      c === 0xd ||
      (c >= 0x20 && c <= 0xd7ff) ||
      (c >= 0xe000 && c <= 0xfffd) ||
      (c >= 0x10000 && c <= 0x10ffff);
    if (!ok) return true;
  }
  return false;
}
const SYSTEM_ATTRIBUTES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
];
const SETTABLE_ATTRIBUTES: Record<string, [number, number] | 'string'> = {
  DelaySeconds: [0, 900],
  MaximumMessageSize: [1024, 1_048_576],
  MessageRetentionPeriod: [60, 1_209_600],
  ReceiveMessageWaitTimeSeconds: [0, 20],
  VisibilityTimeout: [0, 43_200],
  KmsDataKeyReusePeriodSeconds: [60, 86_400],
  RedrivePolicy: 'string',
  RedriveAllowPolicy: 'string',
  Policy: 'string',
  KmsMasterKeyId: 'string',
  SqsManagedSseEnabled: 'string',
};
const QUEUE_DEFAULTS: Record<string, string> = {
  DelaySeconds: '0',
  MaximumMessageSize: String(DEFAULT_MAX_MESSAGE_BYTES),
  MessageRetentionPeriod: '345600',
  ReceiveMessageWaitTimeSeconds: '0',
  VisibilityTimeout: '30',
};

const md5 = (data: string | Buffer): string => createHash('md5').update(data).digest('hex');

/** The MD5 SQS reports for message attributes (sorted names; length-prefixed name, type, transport, value). */
function md5OfAttributes(attributes: Record<string, SqsMessageAttribute>): string | undefined {
  const names = Object.keys(attributes).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  if (names.length === 0) return undefined;
  const parts: Buffer[] = [];
  const withLength = (bytes: Buffer): void => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  };
  for (const name of names) {
    const attribute = attributes[name] as SqsMessageAttribute;
    withLength(Buffer.from(name, 'utf8'));
    withLength(Buffer.from(attribute.DataType, 'utf8'));
    if (attribute.DataType.startsWith('Binary')) {
      parts.push(Buffer.from([2]));
      withLength(Buffer.from(attribute.BinaryValue ?? '', 'base64'));
    } else {
      parts.push(Buffer.from([1]));
      withLength(Buffer.from(attribute.StringValue ?? '', 'utf8'));
    }
  }
  return md5(Buffer.concat(parts));
}

function attributesBytes(attributes: Record<string, SqsMessageAttribute>): number {
  let total = 0;
  for (const [name, a] of Object.entries(attributes)) {
    total += Buffer.byteLength(name) + Buffer.byteLength(a.DataType);
    total += a.StringValue === undefined ? 0 : Buffer.byteLength(a.StringValue);
    total += a.BinaryValue === undefined ? 0 : Buffer.from(a.BinaryValue, 'base64').length;
  }
  return total;
}

function str(body: Json, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw invalidValue(`Value for parameter ${key} is invalid. Reason: must be a string.`);
  return value;
}

function int(body: Json, key: string, min: number, max: number, reason: string): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidValue(`Value ${String(value)} for parameter ${key} is invalid. Reason: ${reason}`);
  }
  return value;
}

function stringList(body: Json, key: string): string[] {
  const value = body[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw invalidValue(`Value for parameter ${key} is invalid. Reason: must be a list of strings.`);
  }
  return value;
}

function encodeReceipt(queueName: string, messageId: string, nonce: string): string {
  return Buffer.from(JSON.stringify([queueName, messageId, nonce])).toString('base64url');
}

function decodeReceipt(handle: string): [string, string, string] | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(handle, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 3 && parsed.every((p) => typeof p === 'string')) {
      return parsed as [string, string, string];
    }
  } catch {
    // fall through: not one of ours
  }
  return undefined;
}

/**
 * SQS emulator speaking the AWS JSON 1.0 protocol (query-compatible errors) to `@aws-sdk/client-sqs`,
 * plus an in-process event source mapping that mimics Lambda's SQS trigger.
 *
 * Deviations from AWS, on purpose: standard queues only (FIFO is refused); messages come back in send
 * order; a stale receipt handle (the message was received again since) never deletes, where AWS
 * sometimes still does; the in-process API accepts millisecond visibility timeouts and delays; the
 * default and batch size limits stay at 256 KiB.
 */
export class SqsEmulator {
  /** Base URL to pass as the SDK `endpoint`. */
  readonly url: string;
  /** Every consumer invocation, oldest first. */
  readonly invocations: SqsInvocationRecord[] = [];

  readonly #server: RunningServer;
  readonly #region: string;
  readonly #accountId: string;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #throttleRate: number;
  readonly #pollMs: number;
  readonly #queues = new Map<string, Queue>();
  readonly #consumers = new Set<Consumer>();
  readonly #sleeper = new Sleeper();
  #closed = false;

  private constructor(server: RunningServer, options: SqsEmulatorOptions) {
    this.#server = server;
    this.url = server.url;
    this.#region = options.region ?? 'us-east-1';
    this.#accountId = options.accountId ?? '000000000000';
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#throttleRate = options.throttleRate ?? 0;
    this.#pollMs = options.pollIntervalMs ?? 20;
  }

  /** Starts the emulator on a loopback port. */
  static async start(options: SqsEmulatorOptions = {}): Promise<SqsEmulator> {
    let emulator: SqsEmulator | undefined;
    const server = await startServer((request) => emulator!.#handle(request), options);
    emulator = new SqsEmulator(server, options);
    return emulator;
  }

  /** Creates a queue (idempotent for identical attributes) and returns its URL. */
  createQueue(name: string, options: SqsQueueOptions = {}): string {
    const queue = this.#createQueue(name, options.attributes ?? {});
    if (options.visibilityTimeoutMs !== undefined) queue.visibilityMs = options.visibilityTimeoutMs;
    if (options.delayMs !== undefined) queue.delayMs = options.delayMs;
    return queue.url;
  }

  /** Changes a queue's default visibility timeout with millisecond precision. */
  setVisibilityTimeoutMs(queueName: string, ms: number): void {
    this.#queue(queueName).visibilityMs = ms;
  }

  /** URL of an existing queue. */
  queueUrl(queueName: string): string {
    return this.#queue(queueName).url;
  }

  /** ARN of an existing queue. */
  queueArn(queueName: string): string {
    return this.#queue(queueName).arn;
  }

  /** Sends a message in-process (same validation as SendMessage) and returns its id. */
  send(
    queueName: string,
    body: string,
    options: { attributes?: Record<string, SqsMessageAttribute>; delayMs?: number } = {},
  ): string {
    const queue = this.#queue(queueName);
    return this.#enqueue(queue, body, options.attributes ?? {}, options.delayMs).id;
  }

  /** Messages currently held by a queue, in send order. */
  messages(queueName: string): SqsMessageSnapshot[] {
    const queue = this.#queue(queueName);
    this.#expire(queue);
    return queue.messages.map((m) => ({
      messageId: m.id,
      body: m.body,
      messageAttributes: structuredClone(m.attributes),
      receiveCount: m.receiveCount,
      state: this.#state(m),
      sentAt: m.sentAt,
    }));
  }

  /** Visible / in-flight / delayed counts of a queue. */
  counts(queueName: string): SqsQueueCounts {
    const queue = this.#queue(queueName);
    this.#expire(queue);
    const counts: SqsQueueCounts = { visible: 0, inFlight: 0, delayed: 0 };
    for (const m of queue.messages) {
      const state = this.#state(m);
      if (state === 'visible') counts.visible++;
      else if (state === 'inflight') counts.inFlight++;
      else counts.delayed++;
    }
    return counts;
  }

  /** Attaches a Lambda-like consumer that polls `queueName` until stopped. */
  attachConsumer(
    queueName: string,
    handler: SqsBatchHandler,
    options: SqsConsumerOptions = {},
  ): SqsConsumerHandle {
    this.#queue(queueName);
    const batchSize = options.batchSize ?? 10;
    const windowMs = options.maxBatchingWindowMs ?? 0;
    const concurrency = options.maxConcurrency ?? 2;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
      throw new Error('batchSize must be an integer between 1 and 10000');
    }
    if (batchSize > 10 && windowMs <= 0) {
      throw new Error(
        'batchSize above 10 requires maxBatchingWindowMs > 0 (Lambda requires a batching window)',
      );
    }
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new Error('maxConcurrency must be a positive integer');
    const consumer: Consumer = {
      queueName,
      handler,
      batchSize,
      windowMs,
      concurrency,
      reportFailures: options.reportBatchItemFailures ?? true,
      stopped: false,
      loops: [],
      active: 0,
    };
    this.#consumers.add(consumer);
    for (let i = 0; i < concurrency; i++) consumer.loops.push(this.#consumerLoop(consumer));
    return {
      stop: async () => {
        consumer.stopped = true;
        await Promise.all(consumer.loops);
        this.#consumers.delete(consumer);
      },
    };
  }

  /** Stops every consumer, waiting for running invocations to finish. */
  async stopConsumers(): Promise<void> {
    const consumers = [...this.#consumers];
    for (const consumer of consumers) consumer.stopped = true;
    await Promise.all(consumers.flatMap((c) => c.loops));
    for (const consumer of consumers) this.#consumers.delete(consumer);
  }

  /**
   * Resolves once the watched queues hold no visible, delayed or in-flight message and no invocation is
   * running; rejects after `timeoutMs`. Watches `queueNames`, else the queues with a consumer, else all.
   */
  async drain(timeoutMs = 5_000, queueNames?: string[]): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const watched =
        queueNames ??
        (this.#consumers.size > 0
          ? [...new Set([...this.#consumers].map((c) => c.queueName))]
          : [...this.#queues.keys()]);
      const busy = [...this.#consumers].some((c) => c.active > 0);
      const pending = watched
        .map((name) => ({ name, counts: this.counts(name) }))
        .filter(({ counts }) => counts.visible + counts.inFlight + counts.delayed > 0);
      if (!busy && pending.length === 0) return;
      if (Date.now() >= deadline || this.#closed) {
        const detail = pending.map(({ name, counts }) => `${name} ${JSON.stringify(counts)}`).join('; ');
        throw new Error(
          `SQS drain timed out after ${timeoutMs} ms: ${detail || 'an invocation is still running'}`,
        );
      }
      await this.#sleeper.sleep(Math.min(this.#pollMs, 10));
    }
  }

  /** Stops consumers and long polls, then closes the server. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const consumer of this.#consumers) consumer.stopped = true;
    this.#sleeper.cancelAll();
    await this.stopConsumers();
    await this.#server.close();
  }

  // ---- storage -------------------------------------------------------------------------------------

  #queue(name: string): Queue {
    const queue = this.#queues.get(name);
    if (!queue) throw nonExistentQueue();
    return queue;
  }

  #queueFromUrl(url: string | undefined): Queue {
    if (url === undefined || url === '') {
      throw new SqsError(400, 'MissingParameter', 'The request must contain the parameter QueueUrl.');
    }
    const name =
      url
        .split('/')
        .filter((s) => s.length > 0)
        .pop() ?? '';
    return this.#queue(name);
  }

  #state(m: StoredMessage): 'visible' | 'inflight' | 'delayed' {
    const now = this.#now();
    if (m.inflightUntil > now) return 'inflight';
    if (m.delayedUntil > now) return 'delayed';
    return 'visible';
  }

  #expire(queue: Queue): void {
    const retentionMs = Number(queue.attributes.MessageRetentionPeriod) * 1000;
    const oldest = this.#now() - retentionMs;
    if (queue.messages.some((m) => m.sentAt < oldest)) {
      queue.messages = queue.messages.filter((m) => m.sentAt >= oldest);
    }
  }

  #validateQueueAttributes(attributes: Record<string, string>): void {
    for (const [name, value] of Object.entries(attributes)) {
      if (
        name === 'FifoQueue' ||
        name === 'ContentBasedDeduplication' ||
        name === 'DeduplicationScope' ||
        name === 'FifoThroughputLimit'
      ) {
        throw new SqsError(
          400,
          'InvalidAttributeName',
          `Unknown Attribute ${name}. (FIFO queues are not emulated.)`,
        );
      }
      const rule = SETTABLE_ATTRIBUTES[name];
      if (rule === undefined) throw new SqsError(400, 'InvalidAttributeName', `Unknown Attribute ${name}.`);
      if (rule !== 'string') {
        const n = Number(value);
        if (!/^\d+$/.test(value) || n < rule[0] || n > rule[1]) {
          throw new SqsError(400, 'InvalidAttributeValue', `Invalid value for the parameter ${name}.`);
        }
      }
    }
    if (attributes.RedrivePolicy !== undefined && attributes.RedrivePolicy !== '') {
      this.#parseRedrive(attributes.RedrivePolicy);
    }
  }

  #parseRedrive(raw: string): { deadLetterTargetArn: string; maxReceiveCount: number } {
    const fail = (reason: string): SqsError =>
      new SqsError(
        400,
        'InvalidAttributeValue',
        `Value ${raw} for parameter RedrivePolicy is invalid. Reason: ${reason}`,
      );
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw fail('Redrive policy is not a valid JSON map.');
    }
    if (typeof parsed !== 'object' || parsed === null) throw fail('Redrive policy is not a valid JSON map.');
    const { deadLetterTargetArn, maxReceiveCount } = parsed as Record<string, unknown>;
    const count = typeof maxReceiveCount === 'string' ? Number(maxReceiveCount) : maxReceiveCount;
    if (typeof deadLetterTargetArn !== 'string')
      throw fail('Redrive policy does not contain mandatory attribute: deadLetterTargetArn.');
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 1000) {
      throw fail('Invalid value for maxReceiveCount: must be an integer from 1 to 1000.');
    }
    const target = [...this.#queues.values()].find((q) => q.arn === deadLetterTargetArn);
    if (!target) throw fail('Dead letter target does not exist.');
    return { deadLetterTargetArn, maxReceiveCount: count };
  }

  #createQueue(name: string, attributes: Record<string, string>): Queue {
    if (!QUEUE_NAME.test(name)) {
      if (name.endsWith('.fifo')) {
        throw new SqsError(400, 'InvalidParameterValue', 'FIFO queues are not emulated.');
      }
      throw invalidValue(
        'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
      );
    }
    this.#validateQueueAttributes(attributes);
    const existing = this.#queues.get(name);
    if (existing) {
      const differs = Object.entries(attributes).some(([k, v]) => existing.attributes[k] !== v);
      if (differs) {
        throw new SqsError(
          400,
          'QueueNameExists',
          'A queue already exists with the same name and a different value for attribute(s)',
          'QueueAlreadyExists',
        );
      }
      return existing;
    }
    const now = this.#now();
    const merged = { ...QUEUE_DEFAULTS, ...attributes };
    const queue: Queue = {
      name,
      url: `${this.url}/${this.#accountId}/${name}`,
      arn: `arn:aws:sqs:${this.#region}:${this.#accountId}:${name}`,
      attributes: merged,
      visibilityMs: Number(merged.VisibilityTimeout) * 1000,
      delayMs: Number(merged.DelaySeconds) * 1000,
      redrive: merged.RedrivePolicy ? this.#parseRedrive(merged.RedrivePolicy) : undefined,
      messages: [],
      createdAt: now,
      modifiedAt: now,
      lastPurgeAt: undefined,
    };
    this.#queues.set(name, queue);
    return queue;
  }

  #validateMessageAttributes(attributes: Record<string, SqsMessageAttribute>): void {
    const names = Object.keys(attributes);
    if (names.length > 10) {
      throw invalidValue(`Number of message attributes [${names.length}] exceeds the allowed maximum [10].`);
    }
    for (const name of names) {
      const a = attributes[name] as SqsMessageAttribute;
      if (
        !ATTRIBUTE_NAME.test(name) ||
        name.startsWith('.') ||
        name.endsWith('.') ||
        name.includes('..') ||
        /^(aws|amazon)\./i.test(name)
      ) {
        throw invalidValue(`Message (user) attribute name '${name}' is invalid.`);
      }
      const base = /^(String|Number|Binary)(\..+)?$/.exec(a.DataType ?? '')?.[1];
      if (base === undefined) {
        throw invalidValue(
          `The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
        );
      }
      const value = base === 'Binary' ? a.BinaryValue : a.StringValue;
      if (value === undefined || value === '') {
        throw invalidValue(
          `Message (user) attribute '${name}' must contain a non-empty value of type '${base}'.`,
        );
      }
      if (base === 'Number' && !Number.isFinite(Number(value))) {
        throw invalidValue(`Can't cast the value of message (user) attribute '${name}' to a number.`);
      }
    }
  }

  #enqueue(
    queue: Queue,
    body: string | undefined,
    attributes: Record<string, SqsMessageAttribute>,
    delayMs: number | undefined,
  ): StoredMessage {
    if (body === undefined || body === '') {
      throw new SqsError(400, 'MissingParameter', 'The request must contain the parameter MessageBody.');
    }
    if (hasInvalidBodyChar(body)) {
      throw new SqsError(
        400,
        'InvalidMessageContents',
        'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
      );
    }
    this.#validateMessageAttributes(attributes);
    const limit = Number(queue.attributes.MaximumMessageSize);
    if (Buffer.byteLength(body) + attributesBytes(attributes) > limit) {
      throw invalidValue(
        `One or more parameters are invalid. Reason: Message must be shorter than ${limit} bytes.`,
      );
    }
    const now = this.#now();
    const message: StoredMessage = {
      id: randomUUID(),
      body,
      md5Body: md5(body),
      attributes: structuredClone(attributes),
      md5Attributes: md5OfAttributes(attributes),
      sentAt: now,
      delayedUntil: now + (delayMs ?? queue.delayMs),
      inflightUntil: 0,
      receiveCount: 0,
      firstReceiveAt: undefined,
      receipt: undefined,
    };
    queue.messages.push(message);
    return message;
  }

  /** Takes up to `max` visible messages, moving over-received ones to the DLQ as SQS does on receive. */
  #take(queue: Queue, max: number, visibilityMs: number): { message: StoredMessage; receipt: string }[] {
    this.#expire(queue);
    const now = this.#now();
    const taken: { message: StoredMessage; receipt: string }[] = [];
    for (const message of [...queue.messages]) {
      if (taken.length >= max) break;
      if (this.#state(message) !== 'visible') continue;
      if (queue.redrive && message.receiveCount >= queue.redrive.maxReceiveCount) {
        const dlq = [...this.#queues.values()].find((q) => q.arn === queue.redrive?.deadLetterTargetArn);
        if (dlq) {
          queue.messages = queue.messages.filter((m) => m !== message);
          dlq.messages.push({ ...message, inflightUntil: 0, delayedUntil: 0, receipt: undefined });
          continue;
        }
      }
      message.receiveCount++;
      message.firstReceiveAt ??= now;
      message.inflightUntil = now + visibilityMs;
      message.receipt = randomUUID();
      taken.push({ message, receipt: encodeReceipt(queue.name, message.id, message.receipt) });
    }
    return taken;
  }

  /** Resolves the message a receipt handle points at; undefined when gone or superseded. */
  #byReceipt(queue: Queue, handle: string): StoredMessage | undefined {
    const decoded = decodeReceipt(handle);
    if (!decoded || decoded[0] !== queue.name) throw receiptInvalid(handle);
    const [, messageId, nonce] = decoded;
    const message = queue.messages.find((m) => m.id === messageId);
    return message && message.receipt === nonce ? message : undefined;
  }

  #deleteByReceipt(queue: Queue, handle: string): void {
    const message = this.#byReceipt(queue, handle);
    if (message) queue.messages = queue.messages.filter((m) => m !== message);
  }

  // ---- consumers -----------------------------------------------------------------------------------

  async #consumerLoop(consumer: Consumer): Promise<void> {
    while (!consumer.stopped && !this.#closed) {
      const queue = this.#queues.get(consumer.queueName);
      if (!queue) return;
      const batch = this.#take(queue, consumer.batchSize, queue.visibilityMs);
      if (consumer.windowMs > 0 && batch.length < consumer.batchSize) {
        const until = Date.now() + consumer.windowMs;
        while (
          batch.length < consumer.batchSize &&
          Date.now() < until &&
          !consumer.stopped &&
          !this.#closed
        ) {
          await this.#sleeper.sleep(Math.min(this.#pollMs, Math.max(1, until - Date.now())));
          batch.push(...this.#take(queue, consumer.batchSize - batch.length, queue.visibilityMs));
        }
      }
      if (batch.length === 0) {
        await this.#sleeper.sleep(this.#pollMs);
        continue;
      }
      consumer.active++;
      try {
        await this.#invoke(consumer, queue, batch);
      } finally {
        consumer.active--;
      }
    }
  }

  #record(queue: Queue, message: StoredMessage, receipt: string): SqsEventRecord {
    const messageAttributes: SqsEventRecord['messageAttributes'] = {};
    for (const [name, a] of Object.entries(message.attributes)) {
      messageAttributes[name] = {
        ...(a.StringValue === undefined ? {} : { stringValue: a.StringValue }),
        ...(a.BinaryValue === undefined ? {} : { binaryValue: a.BinaryValue }),
        stringListValues: [],
        binaryListValues: [],
        dataType: a.DataType,
      };
    }
    return {
      messageId: message.id,
      receiptHandle: receipt,
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentAt),
        SenderId: this.#accountId,
        ApproximateFirstReceiveTimestamp: String(message.firstReceiveAt ?? message.sentAt),
      },
      messageAttributes,
      md5OfBody: message.md5Body,
      ...(message.md5Attributes === undefined ? {} : { md5OfMessageAttributes: message.md5Attributes }),
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: this.#region,
    };
  }

  async #invoke(
    consumer: Consumer,
    queue: Queue,
    batch: { message: StoredMessage; receipt: string }[],
  ): Promise<void> {
    const records = batch.map(({ message, receipt }) => this.#record(queue, message, receipt));
    const messageIds = records.map((r) => r.messageId);
    let response: SqsBatchResponse | undefined;
    try {
      response = (await consumer.handler({ Records: records })) ?? undefined;
    } catch (error) {
      // Lambda leaves a failed batch alone; the visibility timeout brings every message back.
      const message = error instanceof Error ? error.message : String(error);
      this.invocations.push({
        queueName: queue.name,
        messageIds,
        outcome: 'error',
        failed: messageIds,
        error: message,
      });
      return;
    }
    const failures = consumer.reportFailures ? (response?.batchItemFailures ?? []) : [];
    const failedIds = failures.map((f) => f?.itemIdentifier);
    if (failedIds.some((id) => typeof id !== 'string' || !messageIds.includes(id))) {
      // Lambda treats an empty or unknown itemIdentifier as a failure of the whole batch.
      this.invocations.push({
        queueName: queue.name,
        messageIds,
        outcome: 'error',
        failed: messageIds,
        error: 'invalid batchItemFailures itemIdentifier',
      });
      return;
    }
    for (const { message, receipt } of batch) {
      if (!failedIds.includes(message.id)) this.#deleteByReceipt(queue, receipt);
    }
    this.invocations.push({
      queueName: queue.name,
      messageIds,
      outcome: failedIds.length > 0 ? 'partial' : 'ok',
      failed: failedIds as string[],
    });
  }

  // ---- wire protocol -------------------------------------------------------------------------------

  async #handle(request: EmulatorRequest): Promise<EmulatorResponse> {
    const requestId = randomUUID();
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('AmazonSQS.') ? target.slice('AmazonSQS.'.length) : '';
    try {
      if (this.#throttleRate > 0 && this.#random() < this.#throttleRate) {
        throw new SqsError(403, 'RequestThrottled', 'Rate exceeded', 'RequestThrottled');
      }
      let body: Json = {};
      if (request.body.trim() !== '') {
        const parsed: unknown = JSON.parse(request.body);
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) body = parsed as Json;
      }
      const result = await this.#dispatch(operation, body);
      return {
        status: 200,
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId },
        body: JSON.stringify(result),
      };
    } catch (error) {
      const e =
        error instanceof SqsError
          ? error
          : error instanceof SyntaxError
            ? new SqsError(400, 'SerializationException', 'Request body is not valid JSON')
            : undefined;
      if (!e) throw error;
      return {
        status: e.status,
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-requestid': requestId,
          'x-amzn-query-error': `${e.queryCode};${e.sender ? 'Sender' : 'Receiver'}`,
        },
        body: JSON.stringify({ __type: `com.amazonaws.sqs#${e.type}`, message: e.message }),
      };
    }
  }

  async #dispatch(operation: string, body: Json): Promise<Json> {
    switch (operation) {
      case 'CreateQueue': {
        const name = str(body, 'QueueName');
        if (name === undefined)
          throw new SqsError(400, 'MissingParameter', 'The request must contain the parameter QueueName.');
        const attributes = (body.Attributes ?? {}) as Record<string, string>;
        return { QueueUrl: this.#createQueue(name, attributes).url };
      }
      case 'GetQueueUrl':
        return { QueueUrl: this.#queue(str(body, 'QueueName') ?? '').url };
      case 'ListQueues': {
        const prefix = str(body, 'QueueNamePrefix') ?? '';
        const urls = [...this.#queues.values()].filter((q) => q.name.startsWith(prefix)).map((q) => q.url);
        return urls.length > 0 ? { QueueUrls: urls } : {};
      }
      case 'DeleteQueue':
        this.#queues.delete(this.#queueFromUrl(str(body, 'QueueUrl')).name);
        return {};
      case 'GetQueueAttributes':
        return this.#getAttributes(
          this.#queueFromUrl(str(body, 'QueueUrl')),
          stringList(body, 'AttributeNames'),
        );
      case 'SetQueueAttributes': {
        const queue = this.#queueFromUrl(str(body, 'QueueUrl'));
        const attributes = (body.Attributes ?? {}) as Record<string, string>;
        this.#validateQueueAttributes(attributes);
        Object.assign(queue.attributes, attributes);
        if (attributes.VisibilityTimeout !== undefined)
          queue.visibilityMs = Number(attributes.VisibilityTimeout) * 1000;
        if (attributes.DelaySeconds !== undefined) queue.delayMs = Number(attributes.DelaySeconds) * 1000;
        if (attributes.RedrivePolicy !== undefined) {
          queue.redrive =
            attributes.RedrivePolicy === '' ? undefined : this.#parseRedrive(attributes.RedrivePolicy);
        }
        queue.modifiedAt = this.#now();
        return {};
      }
      case 'PurgeQueue': {
        const queue = this.#queueFromUrl(str(body, 'QueueUrl'));
        const now = this.#now();
        if (queue.lastPurgeAt !== undefined && now - queue.lastPurgeAt < 60_000) {
          throw new SqsError(
            403,
            'PurgeQueueInProgress',
            `Only one PurgeQueue operation on ${queue.name} is allowed every 60 seconds.`,
            'AWS.SimpleQueueService.PurgeQueueInProgress',
          );
        }
        queue.lastPurgeAt = now;
        queue.messages = [];
        return {};
      }
      case 'SendMessage':
        return this.#sendMessage(this.#queueFromUrl(str(body, 'QueueUrl')), body);
      case 'SendMessageBatch':
        return this.#sendMessageBatch(body);
      case 'ReceiveMessage':
        return this.#receiveMessage(body);
      case 'DeleteMessage': {
        const queue = this.#queueFromUrl(str(body, 'QueueUrl'));
        this.#deleteByReceipt(queue, this.#receiptParam(body));
        return {};
      }
      case 'DeleteMessageBatch':
        return this.#deleteMessageBatch(body);
      case 'ChangeMessageVisibility': {
        const queue = this.#queueFromUrl(str(body, 'QueueUrl'));
        const handle = this.#receiptParam(body);
        const seconds = int(
          body,
          'VisibilityTimeout',
          0,
          43_200,
          'Must be between 0 and 43200, if provided.',
        );
        if (seconds === undefined) {
          throw new SqsError(
            400,
            'MissingParameter',
            'The request must contain the parameter VisibilityTimeout.',
          );
        }
        this.#changeVisibility(queue, handle, seconds);
        return {};
      }
      default:
        throw new SqsError(
          400,
          'InvalidAction',
          `The action ${operation || '(none)'} is not valid for this endpoint.`,
        );
    }
  }

  #receiptParam(body: Json): string {
    const handle = str(body, 'ReceiptHandle');
    if (handle === undefined || handle === '') {
      throw new SqsError(400, 'MissingParameter', 'The request must contain the parameter ReceiptHandle.');
    }
    return handle;
  }

  #changeVisibility(queue: Queue, handle: string, seconds: number): void {
    const message = this.#byReceipt(queue, handle);
    if (!message) {
      throw invalidValue(
        `Value ${handle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
      );
    }
    if (this.#state(message) !== 'inflight') {
      throw new SqsError(
        400,
        'MessageNotInflight',
        'The message referred to isn\u2019t in flight.',
        'AWS.SimpleQueueService.MessageNotInflight',
      );
    }
    message.inflightUntil = this.#now() + seconds * 1000;
  }

  #getAttributes(queue: Queue, names: string[]): Json {
    const counts = this.counts(queue.name);
    const all: Record<string, string> = {
      ...queue.attributes,
      VisibilityTimeout: String(Math.round(queue.visibilityMs / 1000)),
      DelaySeconds: String(Math.round(queue.delayMs / 1000)),
      QueueArn: queue.arn,
      ApproximateNumberOfMessages: String(counts.visible),
      ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
      ApproximateNumberOfMessagesDelayed: String(counts.delayed),
      CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(queue.modifiedAt / 1000)),
      SqsManagedSseEnabled: queue.attributes.SqsManagedSseEnabled ?? 'true',
    };
    if (all.RedrivePolicy === '') delete all.RedrivePolicy;
    if (names.length === 0) return {};
    const wanted = names.includes('All') ? Object.keys(all) : names;
    const attributes: Record<string, string> = {};
    for (const name of wanted) {
      const value = all[name];
      if (value !== undefined) attributes[name] = value;
      else if (!(name in SETTABLE_ATTRIBUTES))
        throw new SqsError(400, 'InvalidAttributeName', `Unknown Attribute ${name}.`);
    }
    return { Attributes: attributes };
  }

  #messageAttributesParam(value: unknown): Record<string, SqsMessageAttribute> {
    if (value === undefined || value === null) return {};
    if (typeof value !== 'object' || Array.isArray(value))
      throw invalidValue('MessageAttributes must be a map.');
    return value as Record<string, SqsMessageAttribute>;
  }

  #sendMessage(queue: Queue, body: Json): Json {
    const delaySeconds = int(body, 'DelaySeconds', 0, 900, 'Must be >= 0 and <= 900, if provided.');
    const message = this.#enqueue(
      queue,
      str(body, 'MessageBody'),
      this.#messageAttributesParam(body.MessageAttributes),
      delaySeconds === undefined ? undefined : delaySeconds * 1000,
    );
    return {
      MessageId: message.id,
      MD5OfMessageBody: message.md5Body,
      ...(message.md5Attributes === undefined ? {} : { MD5OfMessageAttributes: message.md5Attributes }),
    };
  }

  #batchEntries(body: Json): Json[] {
    const entries = body.Entries;
    if (!Array.isArray(entries) || entries.length === 0) {
      throw new SqsError(
        400,
        'EmptyBatchRequest',
        'There should be at least one SendMessageBatchRequestEntry in the request.',
        'AWS.SimpleQueueService.EmptyBatchRequest',
      );
    }
    if (entries.length > 10) {
      throw new SqsError(
        400,
        'TooManyEntriesInBatchRequest',
        `Maximum number of entries per request are 10. You have sent ${entries.length}.`,
        'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
      );
    }
    const ids = entries.map((e: Json) => e?.Id);
    if (ids.some((id) => typeof id !== 'string' || !BATCH_ID.test(id))) {
      throw new SqsError(
        400,
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
        'AWS.SimpleQueueService.InvalidBatchEntryId',
      );
    }
    if (new Set(ids).size !== ids.length) {
      throw new SqsError(
        400,
        'BatchEntryIdsNotDistinct',
        `Id ${String(ids.find((id, i) => ids.indexOf(id) !== i))} repeated.`,
        'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
      );
    }
    return entries as Json[];
  }

  #sendMessageBatch(body: Json): Json {
    const queue = this.#queueFromUrl(str(body, 'QueueUrl'));
    const entries = this.#batchEntries(body);
    let total = 0;
    for (const entry of entries) {
      const messageBody = entry.MessageBody;
      total += typeof messageBody === 'string' ? Buffer.byteLength(messageBody) : 0;
      total += attributesBytes(this.#messageAttributesParam(entry.MessageAttributes));
    }
    if (total > MAX_BATCH_BYTES) {
      throw new SqsError(
        400,
        'BatchRequestTooLong',
        `Batch requests cannot be longer than ${MAX_BATCH_BYTES} bytes. You have sent ${total} bytes.`,
        'AWS.SimpleQueueService.BatchRequestTooLong',
      );
    }
    const successful: Json[] = [];
    const failed: Json[] = [];
    for (const entry of entries) {
      try {
        const result = this.#sendMessage(queue, entry);
        successful.push({ Id: entry.Id, ...result });
      } catch (error) {
        if (!(error instanceof SqsError)) throw error;
        failed.push({
          Id: entry.Id,
          SenderFault: error.sender,
          Code: error.queryCode,
          Message: error.message,
        });
      }
    }
    return { Successful: successful, Failed: failed };
  }

  #deleteMessageBatch(body: Json): Json {
    const queue = this.#queueFromUrl(str(body, 'QueueUrl'));
    const entries = this.#batchEntries(body);
    const successful: Json[] = [];
    const failed: Json[] = [];
    for (const entry of entries) {
      try {
        this.#deleteByReceipt(queue, this.#receiptParam(entry));
        successful.push({ Id: entry.Id });
      } catch (error) {
        if (!(error instanceof SqsError)) throw error;
        failed.push({
          Id: entry.Id,
          SenderFault: error.sender,
          Code: error.queryCode,
          Message: error.message,
        });
      }
    }
    return { Successful: successful, Failed: failed };
  }

  async #receiveMessage(body: Json): Promise<Json> {
    const queue = this.#queueFromUrl(str(body, 'QueueUrl'));
    const max = int(body, 'MaxNumberOfMessages', 1, 10, 'Must be between 1 and 10, if provided.') ?? 1;
    const visibility = int(body, 'VisibilityTimeout', 0, 43_200, 'Must be between 0 and 43200, if provided.');
    const wait =
      int(body, 'WaitTimeSeconds', 0, 20, 'Must be >= 0 and <= 20, if provided.') ??
      Number(queue.attributes.ReceiveMessageWaitTimeSeconds);
    const systemNames = [
      ...stringList(body, 'AttributeNames'),
      ...stringList(body, 'MessageSystemAttributeNames'),
    ];
    const attributeNames = stringList(body, 'MessageAttributeNames');
    const visibilityMs = visibility === undefined ? queue.visibilityMs : visibility * 1000;
    const deadline = Date.now() + wait * 1000;
    let taken = this.#take(queue, max, visibilityMs);
    while (
      taken.length === 0 &&
      Date.now() < deadline &&
      !this.#closed &&
      this.#queues.get(queue.name) === queue
    ) {
      await this.#sleeper.sleep(Math.min(this.#pollMs, Math.max(1, deadline - Date.now())));
      taken = this.#take(queue, max, visibilityMs);
    }
    if (taken.length === 0) return {};
    const wantsAll = systemNames.includes('All');
    return {
      Messages: taken.map(({ message, receipt }) => {
        const system: Record<string, string> = {
          SenderId: this.#accountId,
          SentTimestamp: String(message.sentAt),
          ApproximateReceiveCount: String(message.receiveCount),
          ApproximateFirstReceiveTimestamp: String(message.firstReceiveAt ?? message.sentAt),
        };
        const attributes = Object.fromEntries(
          SYSTEM_ATTRIBUTES.filter((n) => wantsAll || systemNames.includes(n)).map((n) => [n, system[n]]),
        );
        const messageAttributes = Object.fromEntries(
          Object.entries(message.attributes).filter(([name]) =>
            attributeNames.some(
              (pattern) =>
                pattern === 'All' ||
                pattern === '.*' ||
                pattern === name ||
                (pattern.endsWith('.*') && name.startsWith(pattern.slice(0, -1))),
            ),
          ),
        );
        return {
          MessageId: message.id,
          ReceiptHandle: receipt,
          MD5OfBody: message.md5Body,
          Body: message.body,
          ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
          ...(Object.keys(messageAttributes).length > 0
            ? {
                MessageAttributes: messageAttributes,
                MD5OfMessageAttributes: md5OfAttributes(messageAttributes),
              }
            : {}),
        };
      }),
    };
  }
}

/** Starts an SQS emulator; shorthand for {@link SqsEmulator.start}. */
export const startSqsEmulator = (options?: SqsEmulatorOptions): Promise<SqsEmulator> =>
  SqsEmulator.start(options);
