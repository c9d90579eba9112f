import { randomUUID } from 'node:crypto';
import {
  type EmulatorRequest,
  type EmulatorResponse,
  type ListenOptions,
  type RunningServer,
  startServer,
} from './http.ts';
import {
  FilterPolicyError,
  type FilterPolicyScope,
  matchesFilterPolicy,
  parseFilterPolicy,
  type SnsAttributeValue,
} from './sns-filter.ts';

export type { FilterPolicyScope, SnsAttributeValue } from './sns-filter.ts';

/** Options for {@link SnsEmulator.start}. */
export interface SnsEmulatorOptions extends ListenOptions {
  region?: string;
  accountId?: string;
  /** Clock for outbox timestamps; defaults to Date.now. */
  now?: () => number;
  /** Source of randomness for fault injection; defaults to Math.random. */
  random?: () => number;
  /** Share (0..1) of Publish / PublishBatch calls that fail with `failWith`. */
  failRate?: number;
  /** The injected failure: InternalError (500) or Throttled (429); both are retried by the SDK. */
  failWith?: 'InternalError' | 'Throttled';
  /** One line per publish, for the local console. */
  log?: (line: string) => void;
}

/** A subscription made in-process (no confirmation step). */
export interface SnsSubscribeOptions {
  protocol: string;
  endpoint: string;
  /** Filter policy as an object or its JSON text. */
  filterPolicy?: object | string;
  filterPolicyScope?: FilterPolicyScope;
  /** Called for every delivery to this subscription. */
  onMessage?: (delivery: SnsDelivery) => void;
}

/** One published message as recorded in the outbox. */
export interface SnsOutboxEntry {
  messageId: string;
  topicArn: string;
  subject?: string;
  message: string;
  messageStructure?: string;
  attributes: Record<string, SnsAttributeValue>;
  /** Endpoints of the subscriptions whose filter matched. */
  deliveredTo: string[];
  at: number;
}

/** What one subscriber received. */
export interface SnsDelivery {
  messageId: string;
  topicArn: string;
  subscriptionArn: string;
  protocol: string;
  endpoint: string;
  subject?: string;
  /** The protocol-specific text when MessageStructure=json, otherwise the message. */
  message: string;
  attributes: Record<string, SnsAttributeValue>;
}

interface Topic {
  name: string;
  arn: string;
  attributes: Record<string, string>;
}

interface Subscription {
  arn: string;
  topicArn: string;
  protocol: string;
  endpoint: string;
  attributes: Record<string, string>;
  policy: ReturnType<typeof parseFilterPolicy> | undefined;
  scope: FilterPolicyScope;
  onMessage: ((delivery: SnsDelivery) => void) | undefined;
  /** Email subscriptions wait for the address to click the confirmation link; SNS delivers nothing before. */
  pending?: boolean;
}

/**
 * The account's SMS state. Defaults are a new account's: in the SMS sandbox with no verified destination
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-sms-sandbox.html), a 1 USD monthly spend limit and no
 * delivery-status logging (https://docs.aws.amazon.com/sdkfornet/v4/apidocs/items/SNS/TSetSMSAttributesRequest.html).
 */
export interface SmsAccountState {
  inSandbox: boolean;
  /** Sandbox destination numbers and whether each was verified with its one-time password. */
  sandboxNumbers: Record<string, 'Pending' | 'Verified'>;
  /** GetSMSAttributes' map: MonthlySpendLimit, DeliveryStatusIAMRole, DeliveryStatusSuccessSamplingRate, … */
  attributes: Record<string, string>;
}

/** SMS attributes SetSMSAttributes accepts (SNS API reference, SetSMSAttributes). */
const SMS_ATTRIBUTES = new Set([
  'MonthlySpendLimit',
  'DeliveryStatusIAMRole',
  'DeliveryStatusSuccessSamplingRate',
  'DefaultSenderID',
  'DefaultSMSType',
  'UsageReportS3Bucket',
]);

class SnsError extends Error {
  readonly status: number;
  readonly code: string;
  readonly sender: boolean;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.sender = status < 500;
  }
}

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const MAX_PAYLOAD_BYTES = 262_144;
const PROTOCOLS = new Set([
  'http',
  'https',
  'email',
  'email-json',
  'sms',
  'sqs',
  'application',
  'lambda',
  'firehose',
]);
const TOPIC_ARN = /^arn:aws(-[a-z]+)?:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256}(\.fifo)?)$/;
const BATCH_ID = /^[A-Za-z0-9_-]{1,80}$/;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_\-.]{1,256}$/;
// SNS: printable ASCII starting with a letter, digit or punctuation; no line breaks or control characters.
const SUBJECT = /^[A-Za-z0-9!-/:-@[-`{-~][ -~]*$/;

const invalid = (message: string): SnsError =>
  new SnsError(400, 'InvalidParameter', `Invalid parameter: ${message}`);
const invalidValue = (message: string): SnsError => new SnsError(400, 'ParameterValueInvalid', message);

const escapeXml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );

/** Groups `Prefix.entry.N.Field` / `Prefix.member.N.Field` params into one record per N, in order. */
function indexedEntries(params: URLSearchParams, prefix: string): Record<string, string>[] {
  const byIndex = new Map<number, Record<string, string>>();
  for (const [key, value] of params) {
    if (!key.startsWith(`${prefix}.`)) continue;
    const match = /^(?:entry|member)\.(\d+)\.(.+)$/.exec(key.slice(prefix.length + 1));
    if (!match) continue;
    const index = Number(match[1]);
    const record = byIndex.get(index) ?? {};
    record[match[2] as string] = value;
    byIndex.set(index, record);
  }
  return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, record]) => record);
}

function keyValueMap(params: URLSearchParams, prefix: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const entry of indexedEntries(params, prefix)) {
    if (entry.key !== undefined) map[entry.key] = entry.value ?? '';
  }
  return map;
}

function parseMessageAttributes(entries: Record<string, string>[]): Record<string, SnsAttributeValue> {
  const attributes: Record<string, SnsAttributeValue> = {};
  for (const entry of entries) {
    const name = entry.Name ?? '';
    attributes[name] = {
      DataType: entry['Value.DataType'] ?? '',
      ...(entry['Value.StringValue'] === undefined ? {} : { StringValue: entry['Value.StringValue'] }),
      ...(entry['Value.BinaryValue'] === undefined ? {} : { BinaryValue: entry['Value.BinaryValue'] }),
    };
  }
  return attributes;
}

function validateAttributes(attributes: Record<string, SnsAttributeValue>): void {
  const names = Object.keys(attributes);
  if (names.length > 10) {
    throw invalidValue(`Number of message attributes [${names.length}] exceeds the allowed maximum [10].`);
  }
  for (const name of names) {
    const attribute = attributes[name] as SnsAttributeValue;
    if (
      !ATTRIBUTE_NAME.test(name) ||
      name.startsWith('.') ||
      name.endsWith('.') ||
      name.includes('..') ||
      /^(aws|amazon)\./i.test(name)
    ) {
      throw invalidValue(`The message attribute name '${name}' is invalid.`);
    }
    const type = attribute.DataType;
    const base = /^(String\.Array|String|Number|Binary)(\..+)?$/.exec(type)?.[1];
    if (base === undefined) {
      throw invalidValue(
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
    if (base === 'Binary') {
      if (attribute.BinaryValue === undefined || attribute.BinaryValue === '') {
        throw invalidValue(
          `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${type}'.`,
        );
      }
      continue;
    }
    const value = attribute.StringValue;
    if (value === undefined || value === '') {
      throw invalidValue(
        `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${type}'.`,
      );
    }
    if (
      base === 'Number' &&
      (!/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value.trim()) || !Number.isFinite(Number(value)))
    ) {
      throw invalidValue(`Could not cast message attribute '${name}' value to number.`);
    }
    if (base === 'String.Array') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        parsed = undefined;
      }
      if (!Array.isArray(parsed)) {
        throw invalidValue(
          `The message attribute '${name}' with type 'String.Array' has an invalid value '${value}'.`,
        );
      }
    }
  }
}

function attributesBytes(attributes: Record<string, SnsAttributeValue>): number {
  let total = 0;
  for (const [name, a] of Object.entries(attributes)) {
    total += Buffer.byteLength(name) + Buffer.byteLength(a.DataType);
    total += a.StringValue === undefined ? 0 : Buffer.byteLength(a.StringValue);
    total += a.BinaryValue === undefined ? 0 : Buffer.from(a.BinaryValue, 'base64').length;
  }
  return total;
}

/**
 * SNS emulator speaking the awsQuery protocol to `@aws-sdk/client-sns`, with an outbox instead of real
 * deliveries.
 *
 * Deviations from AWS, on purpose: subscriptions are confirmed at once (email and http would wait for a
 * confirmation click), Subscribe always returns the subscription ARN, nothing leaves the process, and
 * FIFO topics are accepted but not ordered or de-duplicated.
 */
export class SnsEmulator {
  /** Base URL to pass as the SDK `endpoint`. */
  readonly url: string;

  readonly #server: RunningServer;
  readonly #region: string;
  readonly #accountId: string;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #failRate: number;
  readonly #failWith: 'InternalError' | 'Throttled';
  readonly #log: ((line: string) => void) | undefined;
  readonly #topics = new Map<string, Topic>();
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #outbox: SnsOutboxEntry[] = [];
  readonly #deliveries: SnsDelivery[] = [];
  #sms: SmsAccountState = {
    inSandbox: true,
    sandboxNumbers: {},
    attributes: { MonthlySpendLimit: '1', DefaultSMSType: 'Promotional' },
  };

  private constructor(server: RunningServer, options: SnsEmulatorOptions) {
    this.#server = server;
    this.url = server.url;
    this.#region = options.region ?? 'us-east-1';
    this.#accountId = options.accountId ?? '000000000000';
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#failRate = options.failRate ?? 0;
    this.#failWith = options.failWith ?? 'InternalError';
    this.#log = options.log;
  }

  /** Starts the emulator on a loopback port. */
  static async start(options: SnsEmulatorOptions = {}): Promise<SnsEmulator> {
    let emulator: SnsEmulator | undefined;
    const server = await startServer((request) => emulator!.#handle(request), options);
    emulator = new SnsEmulator(server, options);
    return emulator;
  }

  /** Creates a topic (idempotent, like CreateTopic) and returns its ARN. */
  createTopic(name: string, attributes: Record<string, string> = {}): string {
    if (!/^[A-Za-z0-9_-]{1,256}(\.fifo)?$/.test(name)) {
      throw invalid('Topic Name');
    }
    const arn = `arn:aws:sns:${this.#region}:${this.#accountId}:${name}`;
    const existing = this.#topics.get(arn);
    if (existing) return existing.arn;
    this.#topics.set(arn, { name, arn, attributes: { ...attributes } });
    return arn;
  }

  /** Subscribes in-process (auto-confirmed) and returns the subscription ARN. */
  subscribe(topicArn: string, options: SnsSubscribeOptions): string {
    const attributes: Record<string, string> = {};
    if (options.filterPolicy !== undefined) {
      attributes.FilterPolicy =
        typeof options.filterPolicy === 'string'
          ? options.filterPolicy
          : JSON.stringify(options.filterPolicy);
    }
    if (options.filterPolicyScope !== undefined) attributes.FilterPolicyScope = options.filterPolicyScope;
    return this.#subscribe(topicArn, options.protocol, options.endpoint, attributes, options.onMessage);
  }

  /**
   * Marks a subscription as waiting for (or done with) its confirmation. The emulator confirms at once;
   * this reproduces an email address that has not clicked AWS's link yet (it then receives nothing).
   */
  setPending(subscriptionArn: string, pending: boolean): void {
    const sub = this.#subscriptions.get(subscriptionArn);
    if (!sub) throw new Error(`no subscription ${subscriptionArn}`);
    sub.pending = pending;
  }

  /** ARN of the subscription of `endpoint` to `topicArn`, if any. */
  subscriptionArnOf(topicArn: string, endpoint: string): string | undefined {
    for (const sub of this.#subscriptions.values())
      if (sub.topicArn === topicArn && sub.endpoint.toLowerCase() === endpoint.toLowerCase()) return sub.arn;
    return undefined;
  }

  /** The account's SMS state (sandbox, verified numbers, spend limit, delivery-status role). */
  get sms(): SmsAccountState {
    return structuredClone(this.#sms);
  }

  /** Changes the account's SMS state, as the console or a support case would. */
  setSms(change: Partial<SmsAccountState>): void {
    this.#sms = {
      inSandbox: change.inSandbox ?? this.#sms.inSandbox,
      sandboxNumbers: { ...this.#sms.sandboxNumbers, ...change.sandboxNumbers },
      attributes: { ...this.#sms.attributes, ...change.attributes },
    };
  }

  /** Removes a subscription; unknown ARNs are ignored, as SNS does. */
  unsubscribe(subscriptionArn: string): void {
    this.#subscriptions.delete(subscriptionArn);
  }

  /** Every accepted publish, oldest first. */
  outbox(): SnsOutboxEntry[] {
    return structuredClone(this.#outbox);
  }

  /** What the subscriber(s) with `endpoint` received, oldest first. */
  deliveries(endpoint: string): SnsDelivery[] {
    return structuredClone(this.#deliveries.filter((d) => d.endpoint === endpoint));
  }

  /** ARNs of the existing topics. */
  topics(): string[] {
    return [...this.#topics.keys()];
  }

  /** Forgets the outbox and deliveries, keeping topics and subscriptions. */
  clearOutbox(): void {
    this.#outbox.length = 0;
    this.#deliveries.length = 0;
  }

  /** Closes the server. */
  async close(): Promise<void> {
    await this.#server.close();
  }

  async #handle(request: EmulatorRequest): Promise<EmulatorResponse> {
    const requestId = randomUUID();
    const params = new URLSearchParams(request.body);
    const action = params.get('Action') ?? request.query.get('Action') ?? '';
    try {
      if (request.method !== 'POST' && request.method !== 'GET') {
        throw new SnsError(405, 'InvalidAction', 'Only POST is supported');
      }
      const result = this.#dispatch(action, params);
      return {
        status: 200,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body:
          `<${action}Response xmlns="${XMLNS}"><${action}Result>${result}</${action}Result>` +
          `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
      };
    } catch (error) {
      if (!(error instanceof SnsError)) throw error;
      return {
        status: error.status,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body:
          `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${error.sender ? 'Sender' : 'Receiver'}</Type>` +
          `<Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
          `<RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    }
  }

  #dispatch(action: string, params: URLSearchParams): string {
    switch (action) {
      case 'CreateTopic': {
        const name = params.get('Name') ?? '';
        const arn = this.createTopic(name, keyValueMap(params, 'Attributes'));
        return `<TopicArn>${escapeXml(arn)}</TopicArn>`;
      }
      case 'DeleteTopic': {
        const arn = this.#topicArnParam(params.get('TopicArn'));
        this.#topics.delete(arn);
        for (const [subArn, sub] of this.#subscriptions)
          if (sub.topicArn === arn) this.#subscriptions.delete(subArn);
        return '';
      }
      case 'ListTopics':
        return `<Topics>${this.topics()
          .map((arn) => `<member><TopicArn>${escapeXml(arn)}</TopicArn></member>`)
          .join('')}</Topics>`;
      case 'Subscribe': {
        const topicArn = this.#topicArnParam(params.get('TopicArn'));
        const arn = this.#subscribe(
          topicArn,
          params.get('Protocol') ?? '',
          params.get('Endpoint') ?? '',
          keyValueMap(params, 'Attributes'),
          undefined,
        );
        return `<SubscriptionArn>${escapeXml(arn)}</SubscriptionArn>`;
      }
      case 'Unsubscribe': {
        const arn = params.get('SubscriptionArn') ?? '';
        if (!arn.startsWith('arn:')) throw invalid('SubscriptionArn');
        this.unsubscribe(arn);
        return '';
      }
      case 'ListSubscriptionsByTopic':
        return this.#listSubscriptions(params);
      case 'GetSMSAttributes': {
        const wanted = [...params.entries()]
          .filter(([k]) => /^attributes\.member\.\d+$/.test(k))
          .map(([, v]) => v);
        const entries = Object.entries(this.#sms.attributes).filter(
          ([k]) => wanted.length === 0 || wanted.includes(k),
        );
        return `<attributes>${entries
          .map(([k, v]) => `<entry><key>${escapeXml(k)}</key><value>${escapeXml(v)}</value></entry>`)
          .join('')}</attributes>`;
      }
      case 'SetSMSAttributes': {
        const attributes = keyValueMap(params, 'attributes');
        for (const k of Object.keys(attributes))
          if (!SMS_ATTRIBUTES.has(k)) throw invalid(`attributes Reason: Unknown attribute ${k}`);
        this.setSms({ attributes });
        return '';
      }
      case 'GetSMSSandboxAccountStatus':
        return `<IsInSandbox>${this.#sms.inSandbox}</IsInSandbox>`;
      case 'ListSMSSandboxPhoneNumbers':
        return `<PhoneNumbers>${Object.entries(this.#sms.sandboxNumbers)
          .map(
            ([n, st]) => `<member><PhoneNumber>${escapeXml(n)}</PhoneNumber><Status>${st}</Status></member>`,
          )
          .join('')}</PhoneNumbers>`;
      case 'Publish':
        this.#maybeFail();
        return `<MessageId>${this.#publish(params, '')}</MessageId>`;
      case 'PublishBatch':
        this.#maybeFail();
        return this.#publishBatch(params);
      default:
        throw new SnsError(400, 'InvalidAction', `The action ${action} is not valid for this endpoint.`);
    }
  }

  /**
   * ListSubscriptionsByTopic: 100 a page with NextToken; a subscription still waiting for its
   * confirmation is listed with SubscriptionArn `PendingConfirmation`, as SNS lists it.
   */
  #listSubscriptions(params: URLSearchParams): string {
    const topicArn = this.#topicArnParam(params.get('TopicArn'));
    const all = [...this.#subscriptions.values()].filter((s) => s.topicArn === topicArn);
    const start = Number(params.get('NextToken') ?? '0');
    if (!Number.isInteger(start) || start < 0) throw invalid('NextToken');
    const page = all.slice(start, start + 100);
    const next = start + 100 < all.length ? `<NextToken>${start + 100}</NextToken>` : '';
    return `<Subscriptions>${page
      .map(
        (s) =>
          `<member><TopicArn>${escapeXml(s.topicArn)}</TopicArn><Protocol>${escapeXml(s.protocol)}</Protocol>` +
          `<SubscriptionArn>${escapeXml(s.pending ? 'PendingConfirmation' : s.arn)}</SubscriptionArn>` +
          `<Owner>${this.#accountId}</Owner><Endpoint>${escapeXml(s.endpoint)}</Endpoint></member>`,
      )
      .join('')}</Subscriptions>${next}`;
  }

  #maybeFail(): void {
    if (this.#failRate <= 0 || this.#random() >= this.#failRate) return;
    if (this.#failWith === 'Throttled') throw new SnsError(429, 'Throttled', 'Rate exceeded');
    throw new SnsError(500, 'InternalError', 'Internal Error');
  }

  #topicArnParam(value: string | null): string {
    if (value === null || value === '') throw invalid('TopicArn');
    if (!TOPIC_ARN.test(value)) throw invalid('TopicArn');
    if (!this.#topics.has(value)) throw new SnsError(404, 'NotFound', 'Topic does not exist');
    return value;
  }

  #subscribe(
    topicArn: string,
    protocol: string,
    endpoint: string,
    attributes: Record<string, string>,
    onMessage: ((delivery: SnsDelivery) => void) | undefined,
  ): string {
    if (!this.#topics.has(topicArn)) throw new SnsError(404, 'NotFound', 'Topic does not exist');
    if (!PROTOCOLS.has(protocol)) {
      throw invalid(`Amazon SNS does not support this protocol string: ${protocol}`);
    }
    if (endpoint === '') throw invalid('Endpoint');
    if (protocol === 'sms' && !/^\+?[1-9]\d{1,14}$/.test(endpoint)) throw invalid('Invalid SMS endpoint');
    if ((protocol === 'email' || protocol === 'email-json') && !/^[^@\s]+@[^@\s]+$/.test(endpoint)) {
      throw invalid('Email address');
    }
    for (const name of Object.keys(attributes)) {
      if (
        ![
          'FilterPolicy',
          'FilterPolicyScope',
          'RawMessageDelivery',
          'RedrivePolicy',
          'DeliveryPolicy',
        ].includes(name)
      ) {
        throw invalid(`Attributes Reason: Unknown attribute ${name}`);
      }
    }
    const scopeRaw = attributes.FilterPolicyScope ?? 'MessageAttributes';
    if (scopeRaw !== 'MessageAttributes' && scopeRaw !== 'MessageBody') {
      throw invalid(`Attributes Reason: FilterPolicyScope: Invalid value [${scopeRaw}].`);
    }
    const scope: FilterPolicyScope = scopeRaw;
    let policy: ReturnType<typeof parseFilterPolicy> | undefined;
    if (attributes.FilterPolicy !== undefined && attributes.FilterPolicy !== '') {
      try {
        policy = parseFilterPolicy(attributes.FilterPolicy, scope);
      } catch (error) {
        if (error instanceof FilterPolicyError) throw invalid(`FilterPolicy: ${error.message}`);
        throw error;
      }
    }
    for (const existing of this.#subscriptions.values()) {
      if (
        existing.topicArn === topicArn &&
        existing.protocol === protocol &&
        existing.endpoint === endpoint
      ) {
        if (JSON.stringify(existing.attributes) !== JSON.stringify(attributes)) {
          throw invalid('Attributes Reason: Subscription already exists with different attributes');
        }
        if (onMessage) existing.onMessage = onMessage;
        return existing.arn;
      }
    }
    const arn = `${topicArn}:${randomUUID()}`;
    this.#subscriptions.set(arn, { arn, topicArn, protocol, endpoint, attributes, policy, scope, onMessage });
    return arn;
  }

  /** Validates one message (Publish or a batch entry, whose fields sit under `prefix`) and delivers it. */
  #publish(params: URLSearchParams, prefix: string, topicArnOverride?: string): string {
    const field = (name: string): string | null => params.get(`${prefix}${name}`);
    const phoneNumber = prefix === '' ? field('PhoneNumber') : null;
    const topicArnRaw = topicArnOverride ?? field('TopicArn') ?? field('TargetArn');
    if (topicArnRaw === null && phoneNumber === null) {
      throw invalid('TopicArn or TargetArn Reason: no value for required parameter');
    }
    const topicArn = topicArnRaw === null ? undefined : this.#topicArnParam(topicArnRaw);
    if (phoneNumber !== null && topicArn === undefined && !/^\+[1-9]\d{1,14}$/.test(phoneNumber)) {
      throw invalid('PhoneNumber Reason: +1 is not valid to publish to');
    }
    const message = field('Message');
    if (message === null || message === '') throw invalid('Empty message');
    const subject = field('Subject');
    if (subject !== null && (subject.length === 0 || subject.length > 100 || !SUBJECT.test(subject))) {
      throw invalid('Subject');
    }
    const attributes = parseMessageAttributes(indexedEntries(params, `${prefix}MessageAttributes`));
    validateAttributes(attributes);
    if (Buffer.byteLength(message) + attributesBytes(attributes) > MAX_PAYLOAD_BYTES) {
      throw invalid('Message too long');
    }
    const structure = field('MessageStructure');
    let perProtocol: Record<string, unknown> | undefined;
    if (structure !== null) {
      if (structure !== 'json') throw invalid('MessageStructure');
      try {
        const parsed: unknown = JSON.parse(message);
        perProtocol =
          typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
      } catch {
        throw invalid('Message Structure - JSON message body failed to parse');
      }
      if (typeof perProtocol?.default !== 'string') {
        throw invalid('Message Structure - No default entry in JSON message body');
      }
    }

    const messageId = randomUUID();
    const deliveredTo: string[] = [];
    const targets: Subscription[] =
      topicArn === undefined
        ? [
            {
              arn: `arn:aws:sns:${this.#region}:${this.#accountId}:sms-direct`,
              topicArn: '',
              protocol: 'sms',
              endpoint: phoneNumber ?? '',
              attributes: {},
              policy: undefined,
              scope: 'MessageAttributes',
              onMessage: undefined,
            },
          ]
        : [...this.#subscriptions.values()].filter((s) => s.topicArn === topicArn);
    for (const sub of targets) {
      if (sub.pending) continue;
      if (!matchesFilterPolicy(sub.policy, sub.scope, { body: message, attributes })) continue;
      const text =
        perProtocol === undefined ? message : String(perProtocol[sub.protocol] ?? perProtocol.default);
      const delivery: SnsDelivery = {
        messageId,
        topicArn: topicArn ?? '',
        subscriptionArn: sub.arn,
        protocol: sub.protocol,
        endpoint: sub.endpoint,
        ...(subject === null ? {} : { subject }),
        message: text,
        attributes: structuredClone(attributes),
      };
      this.#deliveries.push(delivery);
      deliveredTo.push(sub.endpoint);
      sub.onMessage?.(structuredClone(delivery));
    }
    this.#outbox.push({
      messageId,
      topicArn: topicArn ?? '',
      ...(subject === null ? {} : { subject }),
      message,
      ...(structure === null ? {} : { messageStructure: structure }),
      attributes,
      deliveredTo,
      at: this.#now(),
    });
    if (this.#log) {
      const target = topicArn?.split(':').pop() ?? phoneNumber ?? '';
      const attrs = Object.entries(attributes)
        .map(([k, v]) => `${k}=${v.StringValue ?? '<binary>'}`)
        .join(',');
      const preview = message.length > 60 ? `${message.slice(0, 57)}...` : message;
      this.#log(
        `[sns] ${target}${subject === null ? '' : ` "${subject}"`}${attrs ? ` {${attrs}}` : ''} → ` +
          `${deliveredTo.length ? deliveredTo.join(', ') : 'no subscriber'}: ${preview.replace(/\s+/g, ' ')}`,
      );
    }
    return messageId;
  }

  #publishBatch(params: URLSearchParams): string {
    const topicArn = this.#topicArnParam(params.get('TopicArn'));
    const indices = new Set<number>();
    for (const key of params.keys()) {
      const match = /^PublishBatchRequestEntries\.member\.(\d+)\./.exec(key);
      if (match) indices.add(Number(match[1]));
    }
    const ordered = [...indices].sort((a, b) => a - b);
    if (ordered.length === 0) {
      throw new SnsError(400, 'EmptyBatchRequest', 'The batch request doesn\u2019t contain any entries.');
    }
    if (ordered.length > 10) {
      throw new SnsError(
        400,
        'TooManyEntriesInBatchRequest',
        'The batch request contains more entries than permissible.',
      );
    }
    const ids = ordered.map((i) => params.get(`PublishBatchRequestEntries.member.${i}.Id`) ?? '');
    if (new Set(ids).size !== ids.length) {
      throw new SnsError(
        400,
        'BatchEntryIdsNotDistinct',
        'Two or more batch entries in the request have the same Id.',
      );
    }
    if (ids.some((id) => !BATCH_ID.test(id))) {
      throw new SnsError(
        400,
        'InvalidBatchEntryId',
        'The Id of a batch entry in a batch request doesn\u2019t abide by the specification.',
      );
    }
    let total = 0;
    for (const i of ordered) {
      const prefix = `PublishBatchRequestEntries.member.${i}.`;
      total += Buffer.byteLength(params.get(`${prefix}Message`) ?? '');
      total += attributesBytes(parseMessageAttributes(indexedEntries(params, `${prefix}MessageAttributes`)));
    }
    if (total > MAX_PAYLOAD_BYTES) {
      throw new SnsError(
        400,
        'BatchRequestTooLong',
        'The length of all the messages put together is more than the limit.',
      );
    }
    const successful: string[] = [];
    const failed: string[] = [];
    ordered.forEach((index, n) => {
      const id = escapeXml(ids[n] ?? '');
      try {
        const messageId = this.#publish(params, `PublishBatchRequestEntries.member.${index}.`, topicArn);
        successful.push(`<member><Id>${id}</Id><MessageId>${messageId}</MessageId></member>`);
      } catch (error) {
        if (!(error instanceof SnsError)) throw error;
        failed.push(
          `<member><Id>${id}</Id><Code>${escapeXml(error.code)}</Code>` +
            `<Message>${escapeXml(error.message)}</Message><SenderFault>${error.sender}</SenderFault></member>`,
        );
      }
    });
    return `<Successful>${successful.join('')}</Successful><Failed>${failed.join('')}</Failed>`;
  }
}

/** Starts an SNS emulator; shorthand for {@link SnsEmulator.start}. */
export const startSnsEmulator = (options?: SnsEmulatorOptions): Promise<SnsEmulator> =>
  SnsEmulator.start(options);
