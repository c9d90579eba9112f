import { randomUUID } from 'node:crypto';
import {
  type EmulatorRequest,
  type EmulatorResponse,
  type ListenOptions,
  type RunningServer,
  Sleeper,
  startServer,
} from './http.ts';

/** Called when a schedule targeting the registered ARN fires; throwing makes the emulator retry. */
export type ScheduleTargetHandler = (input: string, meta: ScheduleFireMeta) => Promise<void> | void;

/** Context passed to a target handler. */
export interface ScheduleFireMeta {
  scheduleName: string;
  groupName: string;
  scheduleArn: string;
  /** 1-based invocation attempt for this delivery. */
  attempt: number;
  /** ISO time the schedule was due. */
  scheduledTime: string;
}

/** Options for {@link SchedulerEmulator.start}. */
export interface SchedulerEmulatorOptions extends ListenOptions {
  region?: string;
  accountId?: string;
  /** Emulator clock in epoch ms; defaults to Date.now. */
  now?: () => number;
  /** Source of randomness for fault injection; defaults to Math.random. */
  random?: () => number;
  /**
   * Where in its window a schedule fires (0..1, default Math.random): AWS invokes an `at()` schedule
   * anywhere within its minute, so 0 fires at hh:mm:00, before the seconds of the expression.
   */
  jitter?: () => number;
  /**
   * Length of the window a schedule fires in, in ms (default 60 000: AWS's one-minute precision). A shorter
   * one scales the minute down for second-long SLA demos and tests; the fire is still anywhere within it.
   */
  precisionMs?: number;
  /** Fire due `at()` schedules on a timer (default true); false means tests call fireDue / fireNow. */
  autoFire?: boolean;
  /** How often the auto-fire loop checks the clock (default 100 ms). */
  tickMs?: number;
  /** Retry back-off is `retryBaseDelayMs × attempt` (default 200 ms; AWS backs off far longer). */
  retryBaseDelayMs?: number;
  /** Invoke every target twice, as the at-least-once contract allows. */
  deliverTwice?: boolean;
  /** Share (0..1) of API calls answered with ThrottlingException (HTTP 429). */
  throttleRate?: number;
  /** One line per firing, for the local console. */
  log?: (line: string) => void;
}

/** The Target of a schedule, as the API accepts and returns it. */
export interface ScheduleTarget {
  Arn: string;
  RoleArn: string;
  Input?: string;
  RetryPolicy?: { MaximumEventAgeInSeconds?: number; MaximumRetryAttempts?: number };
  DeadLetterConfig?: { Arn?: string };
  [other: string]: unknown;
}

/** Read-only view of a stored schedule for tests. */
export interface ScheduleSnapshot {
  name: string;
  groupName: string;
  arn: string;
  expression: string;
  timezone: string;
  state: 'ENABLED' | 'DISABLED';
  description?: string;
  target: ScheduleTarget;
  flexibleTimeWindow: { Mode: string; MaximumWindowInMinutes?: number };
  actionAfterCompletion: 'NONE' | 'DELETE';
  /** Epoch ms an `at()` schedule is due; undefined for rate/cron. */
  dueAt?: number;
  /** Epoch ms the emulator will fire it: anywhere within the window of `dueAt` (its minute by default). */
  fireAt?: number;
  /** Whether the current `at()` time has already fired. */
  fired: boolean;
  createdAt: number;
  updatedAt: number;
}

/** One target invocation attempt. */
export interface FiredRecord {
  scheduleName: string;
  groupName: string;
  scheduleArn: string;
  targetArn: string;
  input: string;
  /** 1 normally; 2 for the duplicate sent when deliverTwice is on. */
  delivery: number;
  attempt: number;
  at: number;
  ok: boolean;
  error?: string;
}

/** An event that exhausted its retries and went to the target's dead-letter queue. */
export interface DeadLetterRecord {
  scheduleName: string;
  groupName: string;
  scheduleArn: string;
  targetArn: string;
  deadLetterArn: string;
  input: string;
  attempts: number;
  error: string;
  at: number;
}

interface StoredSchedule {
  name: string;
  groupName: string;
  arn: string;
  expression: string;
  timezone?: string;
  state: 'ENABLED' | 'DISABLED';
  description?: string;
  startDate?: number;
  endDate?: number;
  kmsKeyArn?: string;
  target: ScheduleTarget;
  flexibleTimeWindow: { Mode: string; MaximumWindowInMinutes?: number };
  actionAfterCompletion: 'NONE' | 'DELETE';
  dueAt?: number;
  fireAt?: number;
  firedFor?: number;
  generation: number;
  createdAt: number;
  updatedAt: number;
}

interface StoredGroup {
  name: string;
  arn: string;
  createdAt: number;
}

type Json = Record<string, unknown>;

class SchedulerError extends Error {
  readonly status: number;
  readonly type: string;
  constructor(status: number, type: string, message: string) {
    super(message);
    this.status = status;
    this.type = type;
  }
}

const NAME_PATTERN = /^[0-9a-zA-Z\-_.]+$/;
const AT_PATTERN = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;
const RATE_PATTERN = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON_PATTERN = /^cron\((.+)\)$/;
const CRON_FIELD = /^[0-9A-Za-z,\-*/?#]+$/;
const DEFAULT_MAX_RETRIES = 185;
const DEFAULT_MAX_EVENT_AGE_S = 86_400;

const validation = (value: unknown, field: string, constraint: string): SchedulerError =>
  new SchedulerError(
    400,
    'ValidationException',
    `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: ${constraint}`,
  );

function optString(body: Json, key: string, field: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw validation(value, field, 'Member must be a string');
  return value;
}

function optNumber(body: Json, key: string, field: string): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw validation(value, field, 'Member must be a number');
  }
  return value;
}

function optObject(body: Json, key: string, field: string): Json | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value))
    throw validation(value, field, 'Member must be a structure');
  return value as Json;
}

function checkName(value: string, field: string): void {
  if (value.length < 1 || value.length > 64) {
    throw validation(value, field, 'Member must have length between 1 and 64');
  }
  if (!NAME_PATTERN.test(value)) {
    throw validation(value, field, 'Member must satisfy regular expression pattern: [0-9a-zA-Z-_.]+');
  }
}

function checkLength(value: string | undefined, field: string, min: number, max: number): void {
  if (value === undefined) return;
  if (value.length < min || value.length > max) {
    throw validation(value, field, `Member must have length between ${min} and ${max}`);
  }
}

function checkRange(value: number | undefined, field: string, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    const bound = value < min ? `greater than or equal to ${min}` : `less than or equal to ${max}`;
    throw validation(value, field, `Member must have value ${bound}`);
  }
}

/** One formatter per zone: building an Intl.DateTimeFormat costs far more than using one. */
const formatters = new Map<string, Intl.DateTimeFormat | undefined>();

function formatter(zone: string): Intl.DateTimeFormat | undefined {
  if (formatters.has(zone)) return formatters.get(zone);
  let f: Intl.DateTimeFormat | undefined;
  try {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  } catch {
    f = undefined;
  }
  formatters.set(zone, f);
  return f;
}

function isValidTimeZone(zone: string): boolean {
  return formatter(zone) !== undefined;
}

/** Offset of `zone` from UTC at instant `epochMs`, in ms. */
function zoneOffsetMs(epochMs: number, zone: string): number {
  const parts = (formatter(zone) as Intl.DateTimeFormat).formatToParts(new Date(epochMs));
  const part = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(
    part('year'),
    part('month') - 1,
    part('day'),
    part('hour'),
    part('minute'),
    part('second'),
  );
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/** Parses an `at()` expression as wall time in `zone`; undefined when the date is not real. */
function parseAt(expression: string, zone: string): number | undefined {
  const match = AT_PATTERN.exec(expression);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(wall);
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    check.getUTCHours() !== hour ||
    check.getUTCMinutes() !== minute ||
    check.getUTCSeconds() !== second
  ) {
    return undefined;
  }
  // Two passes settle the offset across DST transitions.
  let epoch = wall - zoneOffsetMs(wall, zone);
  epoch = wall - zoneOffsetMs(epoch, zone);
  return epoch;
}

function isValidCron(body: string): boolean {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6 || !fields.every((f) => CRON_FIELD.test(f))) return false;
  // EventBridge requires exactly one of day-of-month / day-of-week to be '?'.
  return (fields[2] === '?') !== (fields[4] === '?');
}

const epochSeconds = (ms: number | undefined): number | undefined =>
  ms === undefined ? undefined : ms / 1000;

/**
 * EventBridge Scheduler emulator speaking restJson1 to `@aws-sdk/client-scheduler`.
 *
 * Deviations from AWS, on purpose:
 * - `at()` schedules fire anywhere within their minute, as AWS's 60-second precision allows, including
 *   before the seconds of the expression (docs/aws-emulators.md). `precisionMs` scales that minute down
 *   for second-long SLA demos; FLEXIBLE windows fire anywhere within MaximumWindowInMinutes.
 * - Retries back off `retryBaseDelayMs × attempt` instead of AWS's minutes-long exponential back-off.
 * - rate()/cron() schedules are validated and stored but never fire.
 * - A target ARN without a registered handler counts as a failed invocation (as a missing Lambda would).
 * - A target without Input receives '{}'.
 */
export class SchedulerEmulator {
  /** Base URL to pass as the SDK `endpoint`. */
  readonly url: string;
  /** Every target invocation attempt, oldest first. */
  readonly fired: FiredRecord[] = [];
  /** Events that exhausted their retries on a target with a DeadLetterConfig. */
  readonly deadLetters: DeadLetterRecord[] = [];

  readonly #server: RunningServer;
  readonly #region: string;
  readonly #accountId: string;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #jitter: () => number;
  readonly #precisionMs: number;
  readonly #retryBaseDelayMs: number;
  readonly #deliverTwice: boolean;
  readonly #throttleRate: number;
  readonly #log: ((line: string) => void) | undefined;
  readonly #autoFire: boolean;
  readonly #groups = new Map<string, StoredGroup>();
  readonly #schedules = new Map<string, StoredSchedule>();
  readonly #targets = new Map<string, ScheduleTargetHandler>();
  readonly #tokens = new Map<string, { fingerprint: string; response: EmulatorResponse }>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #sleeper = new Sleeper();
  #ticker: NodeJS.Timeout | undefined;
  #kick: NodeJS.Immediate | undefined;
  #closed = false;

  private constructor(server: RunningServer, options: SchedulerEmulatorOptions) {
    this.#server = server;
    this.url = server.url;
    this.#region = options.region ?? 'us-east-1';
    this.#accountId = options.accountId ?? '000000000000';
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#jitter = options.jitter ?? Math.random;
    this.#precisionMs = options.precisionMs ?? 60_000;
    this.#retryBaseDelayMs = options.retryBaseDelayMs ?? 200;
    this.#deliverTwice = options.deliverTwice ?? false;
    this.#throttleRate = options.throttleRate ?? 0;
    this.#log = options.log;
    this.#autoFire = options.autoFire ?? true;
    this.#groups.set('default', { name: 'default', arn: this.#groupArn('default'), createdAt: this.#now() });
    if (this.#autoFire) {
      this.#ticker = setInterval(() => void this.fireDue(), options.tickMs ?? 100);
      this.#ticker.unref();
    }
  }

  /** Starts the emulator on a loopback port. */
  static async start(options: SchedulerEmulatorOptions = {}): Promise<SchedulerEmulator> {
    let emulator: SchedulerEmulator | undefined;
    const server = await startServer((request) => emulator!.#handle(request), options);
    emulator = new SchedulerEmulator(server, options);
    return emulator;
  }

  /** Routes firings of schedules whose Target.Arn is `arn` to `handler`; returns an unregister function. */
  registerTarget(arn: string, handler: ScheduleTargetHandler): () => void {
    this.#targets.set(arn, handler);
    return () => {
      if (this.#targets.get(arn) === handler) this.#targets.delete(arn);
    };
  }

  /** All stored schedules, sorted by group then name. */
  schedules(): ScheduleSnapshot[] {
    return [...this.#schedules.values()]
      .sort((a, b) => a.groupName.localeCompare(b.groupName) || a.name.localeCompare(b.name))
      .map((s) => this.#snapshot(s));
  }

  /** One stored schedule, or undefined. */
  get(groupName: string, name: string): ScheduleSnapshot | undefined {
    const stored = this.#schedules.get(this.#key(groupName, name));
    return stored && this.#snapshot(stored);
  }

  /** Fires every enabled `at()` schedule due at or before `at` (default: now); resolves when all settle. */
  async fireDue(at: number = this.#now()): Promise<number> {
    if (this.#closed) return 0;
    const due = [...this.#schedules.values()].filter(
      (s) =>
        s.state === 'ENABLED' &&
        s.dueAt !== undefined &&
        s.fireAt !== undefined &&
        s.fireAt <= at &&
        s.firedFor !== s.dueAt,
    );
    await Promise.all(due.map((s) => this.#fire(s)));
    return due.length;
  }

  /** Fires one schedule immediately, whatever its expression; resolves when its deliveries settle. */
  async fireNow(name: string, groupName = 'default'): Promise<void> {
    const stored = this.#schedules.get(this.#key(groupName, name));
    if (!stored) throw new Error(`schedule ${groupName}/${name} does not exist`);
    await this.#fire(stored);
  }

  /** Resolves once no firing (including retries) is in progress. */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  /** Stops firing, cancels retries and closes the server. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#ticker) clearInterval(this.#ticker);
    if (this.#kick) clearImmediate(this.#kick);
    this.#sleeper.cancelAll();
    await Promise.all([...this.#inFlight]);
    await this.#server.close();
  }

  #key(groupName: string, name: string): string {
    return `${groupName}\u0000${name}`;
  }

  #groupArn(name: string): string {
    return `arn:aws:scheduler:${this.#region}:${this.#accountId}:schedule-group/${name}`;
  }

  #scheduleArn(groupName: string, name: string): string {
    return `arn:aws:scheduler:${this.#region}:${this.#accountId}:schedule/${groupName}/${name}`;
  }

  #snapshot(s: StoredSchedule): ScheduleSnapshot {
    return {
      name: s.name,
      groupName: s.groupName,
      arn: s.arn,
      expression: s.expression,
      timezone: s.timezone ?? 'UTC',
      state: s.state,
      ...(s.description === undefined ? {} : { description: s.description }),
      target: structuredClone(s.target),
      flexibleTimeWindow: { ...s.flexibleTimeWindow },
      actionAfterCompletion: s.actionAfterCompletion,
      ...(s.dueAt === undefined ? {} : { dueAt: s.dueAt }),
      ...(s.fireAt === undefined ? {} : { fireAt: s.fireAt }),
      fired: s.dueAt !== undefined && s.firedFor === s.dueAt,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
    };
  }

  async #handle(request: EmulatorRequest): Promise<EmulatorResponse> {
    const requestId = randomUUID();
    try {
      if (this.#throttleRate > 0 && this.#random() < this.#throttleRate) {
        throw new SchedulerError(429, 'ThrottlingException', 'Rate exceeded');
      }
      const response = this.#route(request);
      return { ...response, headers: { ...response.headers, 'x-amzn-requestid': requestId } };
    } catch (error) {
      if (error instanceof SchedulerError) {
        return {
          status: error.status,
          headers: {
            'content-type': 'application/json',
            'x-amzn-errortype': error.type,
            'x-amzn-requestid': requestId,
          },
          body: JSON.stringify({ Message: error.message }),
        };
      }
      throw error;
    }
  }

  #route(request: EmulatorRequest): EmulatorResponse {
    const { method, path } = request;
    const segments = path.split('/').filter((s) => s.length > 0);
    const [collection, rawName] = segments;
    let name: string | undefined;
    try {
      name = rawName === undefined ? undefined : decodeURIComponent(rawName);
    } catch {
      throw new SchedulerError(
        400,
        'ValidationException',
        'The resource name is not valid percent-encoding.',
      );
    }
    if (segments.length > 2) throw new SchedulerError(404, 'UnknownOperationException', 'Unknown operation');
    if (collection === 'schedules') {
      if (name === undefined) {
        if (method === 'GET') return this.#listSchedules(request.query);
      } else if (method === 'POST') {
        return this.#idempotent('CreateSchedule', name, request, (body) =>
          this.#putSchedule(name, body, false),
        );
      } else if (method === 'PUT') {
        return this.#idempotent('UpdateSchedule', name, request, (body) =>
          this.#putSchedule(name, body, true),
        );
      } else if (method === 'GET') {
        return this.#getSchedule(name, request.query.get('groupName') ?? undefined);
      } else if (method === 'DELETE') {
        return this.#deleteSchedule(name, request.query);
      }
    }
    if (collection === 'schedule-groups') {
      if (name === undefined) {
        if (method === 'GET') return this.#listGroups(request.query);
      } else if (method === 'POST') {
        return this.#idempotent('CreateScheduleGroup', name, request, () => this.#createGroup(name));
      } else if (method === 'GET') {
        return this.#getGroup(name);
      } else if (method === 'DELETE') {
        return this.#deleteGroup(name);
      }
    }
    throw new SchedulerError(404, 'UnknownOperationException', 'Unknown operation');
  }

  #parseBody(request: EmulatorRequest): Json {
    if (request.body.trim() === '') return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(request.body);
    } catch {
      throw new SchedulerError(400, 'ValidationException', 'Request body is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new SchedulerError(400, 'ValidationException', 'Request body must be a JSON object');
    }
    return parsed as Json;
  }

  /** Replays the first answer for a ClientToken; a reused token with a different request conflicts. */
  #idempotent(
    operation: string,
    name: string,
    request: EmulatorRequest,
    run: (body: Json) => EmulatorResponse,
  ): EmulatorResponse {
    const body = this.#parseBody(request);
    const token = optString(body, 'ClientToken', 'clientToken');
    checkLength(token, 'clientToken', 1, 64);
    if (token === undefined) return run(body);
    const { ClientToken: _ignored, ...rest } = body;
    const fingerprint = JSON.stringify([operation, name, rest]);
    const seen = this.#tokens.get(`${operation}:${token}`);
    if (seen) {
      if (seen.fingerprint === fingerprint) return seen.response;
      throw new SchedulerError(
        409,
        'ConflictException',
        `ClientToken ${token} was already used with a different request.`,
      );
    }
    const response = run(body);
    this.#tokens.set(`${operation}:${token}`, { fingerprint, response });
    return response;
  }

  #requireGroup(groupName: string): void {
    if (!this.#groups.has(groupName)) {
      throw new SchedulerError(
        404,
        'ResourceNotFoundException',
        `Schedule group ${groupName} does not exist.`,
      );
    }
  }

  #putSchedule(name: string, body: Json, isUpdate: boolean): EmulatorResponse {
    checkName(name, 'name');
    const groupName = optString(body, 'GroupName', 'groupName') ?? 'default';
    checkName(groupName, 'groupName');

    const expression = optString(body, 'ScheduleExpression', 'scheduleExpression');
    if (expression === undefined) throw validation('null', 'scheduleExpression', 'Member must not be null');
    checkLength(expression, 'scheduleExpression', 1, 256);
    const timezone = optString(body, 'ScheduleExpressionTimezone', 'scheduleExpressionTimezone');
    checkLength(timezone, 'scheduleExpressionTimezone', 1, 50);
    if (timezone !== undefined && !isValidTimeZone(timezone)) {
      throw new SchedulerError(400, 'ValidationException', `Invalid timezone ${timezone}.`);
    }
    let dueAt: number | undefined;
    if (expression.startsWith('at(')) {
      dueAt = parseAt(expression, timezone ?? 'UTC');
      if (dueAt === undefined) {
        throw new SchedulerError(400, 'ValidationException', `Invalid Schedule Expression ${expression}.`);
      }
    } else if (expression.startsWith('rate(')) {
      const rate = RATE_PATTERN.exec(expression);
      if (!rate || Number(rate[1]) < 1) {
        throw new SchedulerError(400, 'ValidationException', `Invalid Schedule Expression ${expression}.`);
      }
    } else {
      const cron = CRON_PATTERN.exec(expression);
      if (!cron?.[1] || !isValidCron(cron[1])) {
        throw new SchedulerError(400, 'ValidationException', `Invalid Schedule Expression ${expression}.`);
      }
    }

    const window = optObject(body, 'FlexibleTimeWindow', 'flexibleTimeWindow');
    if (window === undefined) throw validation('null', 'flexibleTimeWindow', 'Member must not be null');
    const mode = optString(window, 'Mode', 'flexibleTimeWindow.mode');
    if (mode !== 'OFF' && mode !== 'FLEXIBLE') {
      throw validation(
        mode ?? 'null',
        'flexibleTimeWindow.mode',
        'Member must satisfy enum value set: [OFF, FLEXIBLE]',
      );
    }
    const maxWindow = optNumber(
      window,
      'MaximumWindowInMinutes',
      'flexibleTimeWindow.maximumWindowInMinutes',
    );
    checkRange(maxWindow, 'flexibleTimeWindow.maximumWindowInMinutes', 1, 1440);
    if (mode === 'FLEXIBLE' && maxWindow === undefined) {
      throw new SchedulerError(
        400,
        'ValidationException',
        'MaximumWindowInMinutes must be provided when FlexibleTimeWindow Mode is FLEXIBLE.',
      );
    }

    const target = this.#parseTarget(body);

    const state = optString(body, 'State', 'state') ?? 'ENABLED';
    if (state !== 'ENABLED' && state !== 'DISABLED') {
      throw validation(state, 'state', 'Member must satisfy enum value set: [ENABLED, DISABLED]');
    }
    const action = optString(body, 'ActionAfterCompletion', 'actionAfterCompletion') ?? 'NONE';
    if (action !== 'NONE' && action !== 'DELETE') {
      throw validation(action, 'actionAfterCompletion', 'Member must satisfy enum value set: [NONE, DELETE]');
    }
    const description = optString(body, 'Description', 'description');
    checkLength(description, 'description', 0, 512);
    const kmsKeyArn = optString(body, 'KmsKeyArn', 'kmsKeyArn');
    checkLength(kmsKeyArn, 'kmsKeyArn', 1, 2048);
    const startSeconds = optNumber(body, 'StartDate', 'startDate');
    const endSeconds = optNumber(body, 'EndDate', 'endDate');
    if (startSeconds !== undefined && endSeconds !== undefined && endSeconds <= startSeconds) {
      throw new SchedulerError(400, 'ValidationException', 'The EndDate must be after the StartDate.');
    }

    this.#requireGroup(groupName);
    const key = this.#key(groupName, name);
    const existing = this.#schedules.get(key);
    if (isUpdate && !existing) {
      throw new SchedulerError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
    }
    if (!isUpdate && existing) {
      throw new SchedulerError(409, 'ConflictException', `Schedule ${name} already exists.`);
    }
    const now = this.#now();
    const stored: StoredSchedule = {
      name,
      groupName,
      arn: this.#scheduleArn(groupName, name),
      expression,
      ...(timezone === undefined ? {} : { timezone }),
      state,
      ...(description === undefined ? {} : { description }),
      ...(startSeconds === undefined ? {} : { startDate: startSeconds * 1000 }),
      ...(endSeconds === undefined ? {} : { endDate: endSeconds * 1000 }),
      ...(kmsKeyArn === undefined ? {} : { kmsKeyArn }),
      target,
      flexibleTimeWindow: {
        Mode: mode,
        ...(maxWindow === undefined ? {} : { MaximumWindowInMinutes: maxWindow }),
      },
      actionAfterCompletion: action,
      ...(dueAt === undefined ? {} : { dueAt, fireAt: this.#fireTime(dueAt, mode, maxWindow) }),
      generation: (existing?.generation ?? 0) + 1,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    this.#schedules.set(key, stored);
    this.#wake();
    return this.#json({ ScheduleArn: stored.arn });
  }

  #parseTarget(body: Json): ScheduleTarget {
    const raw = optObject(body, 'Target', 'target');
    if (raw === undefined) throw validation('null', 'target', 'Member must not be null');
    const arn = optString(raw, 'Arn', 'target.arn');
    if (arn === undefined) throw validation('null', 'target.arn', 'Member must not be null');
    checkLength(arn, 'target.arn', 1, 1600);
    const roleArn = optString(raw, 'RoleArn', 'target.roleArn');
    if (roleArn === undefined) throw validation('null', 'target.roleArn', 'Member must not be null');
    checkLength(roleArn, 'target.roleArn', 1, 1600);
    const input = optString(raw, 'Input', 'target.input');
    checkLength(input, 'target.input', 1, 8192);
    const retry = optObject(raw, 'RetryPolicy', 'target.retryPolicy');
    const target: ScheduleTarget = { ...structuredClone(raw), Arn: arn, RoleArn: roleArn };
    if (retry !== undefined) {
      const maxAge = optNumber(
        retry,
        'MaximumEventAgeInSeconds',
        'target.retryPolicy.maximumEventAgeInSeconds',
      );
      checkRange(maxAge, 'target.retryPolicy.maximumEventAgeInSeconds', 60, 86_400);
      const maxRetries = optNumber(retry, 'MaximumRetryAttempts', 'target.retryPolicy.maximumRetryAttempts');
      checkRange(maxRetries, 'target.retryPolicy.maximumRetryAttempts', 0, 185);
    }
    // AWS reports the defaults it applies, so Get returns a complete RetryPolicy.
    target.RetryPolicy = {
      MaximumEventAgeInSeconds: DEFAULT_MAX_EVENT_AGE_S,
      MaximumRetryAttempts: DEFAULT_MAX_RETRIES,
      ...(retry as ScheduleTarget['RetryPolicy']),
    };
    const dlq = optObject(raw, 'DeadLetterConfig', 'target.deadLetterConfig');
    if (dlq !== undefined) {
      const dlqArn = optString(dlq, 'Arn', 'target.deadLetterConfig.arn');
      checkLength(dlqArn, 'target.deadLetterConfig.arn', 1, 1600);
      if (dlqArn !== undefined && !/^arn:aws(-[a-z]+)?:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9\-_]+$/.test(dlqArn)) {
        throw validation(dlqArn, 'target.deadLetterConfig.arn', 'Member must be an Amazon SQS queue ARN');
      }
    }
    return target;
  }

  #findSchedule(name: string, groupName: string | undefined): StoredSchedule {
    const group = groupName ?? 'default';
    checkName(name, 'name');
    checkName(group, 'groupName');
    const stored = this.#schedules.get(this.#key(group, name));
    if (!stored)
      throw new SchedulerError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
    return stored;
  }

  #getSchedule(name: string, groupName: string | undefined): EmulatorResponse {
    const s = this.#findSchedule(name, groupName);
    return this.#json({
      Arn: s.arn,
      GroupName: s.groupName,
      Name: s.name,
      ScheduleExpression: s.expression,
      ScheduleExpressionTimezone: s.timezone,
      StartDate: epochSeconds(s.startDate),
      EndDate: epochSeconds(s.endDate),
      Description: s.description,
      State: s.state,
      CreationDate: epochSeconds(s.createdAt),
      LastModificationDate: epochSeconds(s.updatedAt),
      KmsKeyArn: s.kmsKeyArn,
      Target: s.target,
      FlexibleTimeWindow: s.flexibleTimeWindow,
      ActionAfterCompletion: s.actionAfterCompletion,
    });
  }

  #deleteSchedule(name: string, query: URLSearchParams): EmulatorResponse {
    const token = query.get('clientToken');
    const replayKey = token === null ? undefined : `DeleteSchedule:${token}`;
    const fingerprint = JSON.stringify([name, query.get('groupName')]);
    const seen = replayKey === undefined ? undefined : this.#tokens.get(replayKey);
    // An SDK retry of a delete whose response was lost must not turn into ResourceNotFound.
    if (seen && seen.fingerprint === fingerprint) return seen.response;
    const s = this.#findSchedule(name, query.get('groupName') ?? undefined);
    this.#schedules.delete(this.#key(s.groupName, s.name));
    const response = this.#json({});
    if (replayKey !== undefined) this.#tokens.set(replayKey, { fingerprint, response });
    return response;
  }

  #page<T>(items: T[], query: URLSearchParams): { page: T[]; NextToken?: string } {
    const maxRaw = query.get('MaxResults');
    const max = maxRaw === null ? 100 : Number(maxRaw);
    checkRange(max, 'maxResults', 1, 100);
    const tokenRaw = query.get('NextToken');
    const start = tokenRaw === null ? 0 : Number(Buffer.from(tokenRaw, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0) {
      throw new SchedulerError(400, 'ValidationException', 'Invalid NextToken.');
    }
    const page = items.slice(start, start + max);
    const next =
      start + max < items.length ? Buffer.from(String(start + max)).toString('base64url') : undefined;
    return { page, ...(next === undefined ? {} : { NextToken: next }) };
  }

  #listSchedules(query: URLSearchParams): EmulatorResponse {
    const group = query.get('ScheduleGroup');
    const prefix = query.get('NamePrefix');
    const state = query.get('State');
    if (group !== null) checkName(group, 'groupName');
    if (state !== null && state !== 'ENABLED' && state !== 'DISABLED') {
      throw validation(state, 'state', 'Member must satisfy enum value set: [ENABLED, DISABLED]');
    }
    const matching = [...this.#schedules.values()]
      .filter((s) => group === null || s.groupName === group)
      .filter((s) => prefix === null || s.name.startsWith(prefix))
      .filter((s) => state === null || s.state === state)
      .sort((a, b) => a.groupName.localeCompare(b.groupName) || a.name.localeCompare(b.name));
    const { page, NextToken } = this.#page(matching, query);
    return this.#json({
      Schedules: page.map((s) => ({
        Arn: s.arn,
        Name: s.name,
        GroupName: s.groupName,
        State: s.state,
        CreationDate: epochSeconds(s.createdAt),
        LastModificationDate: epochSeconds(s.updatedAt),
        Target: { Arn: s.target.Arn },
      })),
      NextToken,
    });
  }

  #groupView(g: StoredGroup): Json {
    return {
      Arn: g.arn,
      Name: g.name,
      State: 'ACTIVE',
      CreationDate: epochSeconds(g.createdAt),
      LastModificationDate: epochSeconds(g.createdAt),
    };
  }

  #createGroup(name: string): EmulatorResponse {
    checkName(name, 'name');
    if (this.#groups.has(name)) {
      throw new SchedulerError(409, 'ConflictException', `Schedule group ${name} already exists.`);
    }
    const group = { name, arn: this.#groupArn(name), createdAt: this.#now() };
    this.#groups.set(name, group);
    return this.#json({ ScheduleGroupArn: group.arn });
  }

  #getGroup(name: string): EmulatorResponse {
    checkName(name, 'name');
    const group = this.#groups.get(name);
    if (!group)
      throw new SchedulerError(404, 'ResourceNotFoundException', `Schedule group ${name} does not exist.`);
    return this.#json(this.#groupView(group));
  }

  #deleteGroup(name: string): EmulatorResponse {
    checkName(name, 'name');
    if (name === 'default') {
      throw new SchedulerError(400, 'ValidationException', 'The default schedule group cannot be deleted.');
    }
    this.#requireGroup(name);
    this.#groups.delete(name);
    for (const [key, s] of this.#schedules) if (s.groupName === name) this.#schedules.delete(key);
    return this.#json({});
  }

  #listGroups(query: URLSearchParams): EmulatorResponse {
    const prefix = query.get('NamePrefix');
    const groups = [...this.#groups.values()]
      .filter((g) => prefix === null || g.name.startsWith(prefix))
      .sort((a, b) => a.name.localeCompare(b.name));
    const { page, NextToken } = this.#page(groups, query);
    return this.#json({ ScheduleGroups: page.map((g) => this.#groupView(g)), NextToken });
  }

  #json(body: Json): EmulatorResponse {
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  }

  /** Lets a just-created past-due schedule fire without waiting for the next tick. */
  #wake(): void {
    if (!this.#autoFire || this.#closed || this.#kick) return;
    this.#kick = setImmediate(() => {
      this.#kick = undefined;
      void this.fireDue();
    });
  }

  /**
   * When an `at()` schedule fires: anywhere within the minute of its expression when the window is OFF
   * ("between 1:00:00 and 1:00:59" for 1:00), anywhere within MaximumWindowInMinutes of it when FLEXIBLE.
   */
  #fireTime(dueAt: number, mode: string, maxWindowMinutes: number | undefined): number {
    const start = Math.floor(dueAt / this.#precisionMs) * this.#precisionMs;
    const span =
      mode === 'FLEXIBLE' && maxWindowMinutes !== undefined
        ? maxWindowMinutes * this.#precisionMs
        : this.#precisionMs;
    const offset = Math.min(span - 1, Math.max(0, Math.floor(this.#jitter() * span)));
    return (mode === 'FLEXIBLE' ? dueAt : start) + offset;
  }

  #fire(s: StoredSchedule): Promise<void> {
    s.firedFor = s.dueAt;
    const run = this.#deliverAll(s).finally(() => this.#inFlight.delete(run));
    this.#inFlight.add(run);
    return run;
  }

  async #deliverAll(s: StoredSchedule): Promise<void> {
    const copies = this.#deliverTwice ? 2 : 1;
    const generation = s.generation;
    const target = structuredClone(s.target);
    const scheduledTime = new Date(s.dueAt ?? this.#now()).toISOString();
    await Promise.all(
      Array.from({ length: copies }, (_, i) =>
        this.#deliver(s, target, i + 1, scheduledTime, s.dueAt ?? this.#now()),
      ),
    );
    if (this.#closed) return;
    const key = this.#key(s.groupName, s.name);
    // An update during delivery re-arms the schedule; only the version that ran is deleted.
    if (s.actionAfterCompletion === 'DELETE' && this.#schedules.get(key)?.generation === generation) {
      this.#schedules.delete(key);
    }
  }

  async #deliver(
    s: StoredSchedule,
    target: ScheduleTarget,
    delivery: number,
    scheduledTime: string,
    dueMs: number,
  ): Promise<void> {
    const input = target.Input ?? '{}';
    const maxRetries = target.RetryPolicy?.MaximumRetryAttempts ?? DEFAULT_MAX_RETRIES;
    const maxAgeMs = (target.RetryPolicy?.MaximumEventAgeInSeconds ?? DEFAULT_MAX_EVENT_AGE_S) * 1000;
    const base = {
      scheduleName: s.name,
      groupName: s.groupName,
      scheduleArn: s.arn,
      targetArn: target.Arn,
      input,
    };
    for (let attempt = 1; !this.#closed; attempt++) {
      const handler = this.#targets.get(target.Arn);
      try {
        if (!handler) throw new Error(`no target registered for ${target.Arn}`);
        await handler(input, {
          scheduleName: s.name,
          groupName: s.groupName,
          scheduleArn: s.arn,
          attempt,
          scheduledTime,
        });
        this.fired.push({ ...base, delivery, attempt, at: this.#now(), ok: true });
        this.#log?.(`[scheduler] fired ${s.groupName}/${s.name} → ${target.Arn} (attempt ${attempt})`);
        return;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.fired.push({ ...base, delivery, attempt, at: this.#now(), ok: false, error: message });
        const retriesLeft = attempt <= maxRetries && this.#now() - dueMs < maxAgeMs;
        if (!retriesLeft) {
          this.#log?.(`[scheduler] gave up ${s.groupName}/${s.name} after ${attempt} attempt(s): ${message}`);
          const deadLetterArn = target.DeadLetterConfig?.Arn;
          if (deadLetterArn) {
            this.deadLetters.push({
              ...base,
              deadLetterArn,
              attempts: attempt,
              error: message,
              at: this.#now(),
            });
          }
          return;
        }
        await this.#sleeper.sleep(this.#retryBaseDelayMs * attempt);
      }
    }
  }
}

/** Starts a Scheduler emulator; shorthand for {@link SchedulerEmulator.start}. */
export const startSchedulerEmulator = (options?: SchedulerEmulatorOptions): Promise<SchedulerEmulator> =>
  SchedulerEmulator.start(options);
