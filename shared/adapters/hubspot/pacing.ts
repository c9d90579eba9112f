/**
 * leadclock's own HubSpot request policy: a request budget (one per portal, shared by every function
 * through DynamoDB: see ../dynamodb-rate-budget.ts; or this process's own), and retries that honour a
 * 429's `Retry-After` and `policyName` and back off with jitter on 5xx and timeouts. (The full client's
 * retry settings are process-wide and do not reach the deep-imported APIs leadclock uses to keep bundles small.)
 */
import type { RateBudget, RateKind } from '../../app/ports.ts';
import type { PacingStats } from '../../app/runtime-types.ts';

/** HubSpot's CRM search limit is about 5 per second per token; one under it leaves room for clock skew. */
export const SEARCH_BUDGET = { max: 4, intervalMs: 1_000 } as const;

/**
 * A rolling budget of this process alone: at most `max` requests in any `intervalMs` (and searches within
 * their own window). For a single process (`hubspot:setup`, tests); functions share the DynamoDB one.
 */
export class RequestBudget implements RateBudget {
  readonly max: number;
  readonly intervalMs: number;
  readonly #sent: number[] = [];
  readonly #now: () => number;
  #queue: Promise<void> = Promise.resolve();
  #search: RequestBudget | undefined;

  constructor(max: number, intervalMs: number, now: () => number = Date.now) {
    this.max = max;
    this.intervalMs = intervalMs;
    this.#now = now;
  }

  /** Resolves when one more request fits in the window (a search: in both); callers are served in order. */
  async take(kind: RateKind = 'general'): Promise<void> {
    if (kind === 'search') {
      this.#search ??= new RequestBudget(SEARCH_BUDGET.max, SEARCH_BUDGET.intervalMs, this.#now);
      await this.#search.take();
    }
    return this.#takeOne();
  }

  #takeOne(): Promise<void> {
    const turn = this.#queue.then(async () => {
      for (;;) {
        const now = this.#now();
        while (this.#sent.length && (this.#sent[0] as number) <= now - this.intervalMs) this.#sent.shift();
        if (this.#sent.length < this.max) {
          this.#sent.push(now);
          return;
        }
        await sleep((this.#sent[0] as number) + this.intervalMs - now + 1);
      }
    });
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  /** Pushes the window forward after HubSpot said 429: nothing (of `kind`) goes out for `ms`. */
  async pause(ms: number, kind: RateKind = 'general'): Promise<void> {
    if (kind === 'search') {
      this.#search ??= new RequestBudget(SEARCH_BUDGET.max, SEARCH_BUDGET.intervalMs, this.#now);
      return this.#search.pause(ms);
    }
    const until = this.#now() + ms;
    // Filling the window with future stamps blocks take() until `until`.
    this.#sent.length = 0;
    for (let i = 0; i < this.max; i++) this.#sent.push(until - this.intervalMs);
  }
}

/** Parses `150/10s`, `100/10s`, `190/10000ms`; the default is 150 requests per 10 s. */
export function parseBudget(text: string | undefined): { max: number; intervalMs: number } {
  if (!text) return { max: 150, intervalMs: 10_000 };
  const m = /^(\d+)\s*\/\s*(\d+)\s*(ms|s)$/.exec(text.trim());
  if (!m) throw new Error(`HUBSPOT_BUDGET: expected e.g. '150/10s', got '${text}'`);
  const max = Number(m[1]);
  const intervalMs = Number(m[2]) * (m[3] === 's' ? 1000 : 1);
  if (max < 1 || intervalMs < 1) throw new Error(`HUBSPOT_BUDGET: expected positive numbers, got '${text}'`);
  return { max, intervalMs };
}

/** HubSpot refused because a daily limit is spent; retrying today is pointless. */
export class DailyLimitError extends Error {
  override readonly name = 'DailyLimitError';
}

/** A call that did not answer in time. The request may or may not have been applied. */
export class HubSpotTimeoutError extends Error {
  override readonly name = 'HubSpotTimeoutError';
}

/** Counters a caller can read for metrics and the bench (defined with the Runtime that carries them). */
export type { PacingStats };

/** Retry and pacing options. */
export interface PacingOptions {
  budget: RateBudget;
  /** Which limits the call counts against (default `general`; searches also have their own). */
  kind?: RateKind;
  /** Called on every 429 (counted as the `HubSpot429` metric by the wiring), whatever the caller. */
  onRateLimited?: (policy: string | undefined) => void;
  /** Tries per call, the first included. */
  maxAttempts?: number;
  baseDelayMs?: number;
  timeoutMs?: number;
  stats?: PacingStats;
  random?: () => number;
  /**
   * Whether the call may simply be sent again (default true). A create is not: after an ambiguous
   * failure (5xx, timeout) HubSpot may have applied it, so the caller must look before it retries.
   */
  idempotent?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

function statusOf(e: unknown): number | undefined {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

function policyOf(e: unknown): string | undefined {
  const body = (e as { body?: unknown })?.body;
  const parsed = typeof body === 'string' ? safeJson(body) : body;
  const name = (parsed as { policyName?: unknown })?.policyName;
  return typeof name === 'string' ? name : undefined;
}

/** `Retry-After` of a 429, in ms: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent. */
export function retryAfterMs(e: unknown, now: number = Date.now()): number | undefined {
  const headers = (e as { headers?: unknown })?.headers;
  if (!headers || typeof headers !== 'object') return undefined;
  const entry = Object.entries(headers as Record<string, unknown>).find(
    ([k]) => k.toLowerCase() === 'retry-after',
  );
  const value = typeof entry?.[1] === 'string' ? entry[1].trim() : undefined;
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** Whether a failure may be retried: 429 (except DAILY), 5xx, timeouts and network errors. */
export function isRetryable(e: unknown): boolean {
  if (e instanceof DailyLimitError) return false;
  if (e instanceof HubSpotTimeoutError) return true;
  const status = statusOf(e);
  if (status === undefined) return true; // network error: connection reset, DNS, socket hang up
  return status === 429 || status >= 500;
}

/** Whether a failure leaves it unknown if HubSpot applied the request (so a create must be reconciled). */
export function isAmbiguous(e: unknown): boolean {
  if (e instanceof HubSpotTimeoutError) return true;
  const status = statusOf(e);
  return status === undefined || (status >= 500 && status !== 503);
}

/** Runs `call` within the budget, retrying what may be retried. */
export async function paced<T>(call: () => Promise<T>, opts: PacingOptions): Promise<T> {
  const max = opts.maxAttempts ?? 6;
  const base = opts.baseDelayMs ?? 250;
  const random = opts.random ?? Math.random;
  const kind = opts.kind ?? 'general';
  for (let attempt = 1; ; attempt++) {
    await opts.budget.take(kind);
    if (opts.stats) opts.stats.requests++;
    try {
      return await withTimeout(call(), opts.timeoutMs ?? 10_000);
    } catch (e) {
      const status = statusOf(e);
      if (status === 429) {
        if (opts.stats) opts.stats.rateLimited++;
        const policy = policyOf(e);
        opts.onRateLimited?.(policy);
        if (policy === 'DAILY') throw new DailyLimitError('HubSpot daily API limit reached', { cause: e });
        // HubSpot's Retry-After when it sends one; else the rolling ten-second window: wait out a good
        // part of it; per-second (search): wait a second. The pause holds every process of the portal.
        const fallback = policy === 'SECONDLY' ? 1000 : Math.min(10_000, 2000 * attempt);
        await opts.budget
          .pause(retryAfterMs(e) ?? fallback, policy === 'SECONDLY' ? 'search' : 'general')
          .catch(() => undefined);
      }
      if (!isRetryable(e) || attempt >= max || (opts.idempotent === false && isAmbiguous(e))) {
        if (opts.stats) opts.stats.failures++;
        throw e;
      }
      if (opts.stats) opts.stats.retries++;
      // Full jitter: spreads retries of many workers.
      if (status !== 429) await sleep(random() * base * 2 ** (attempt - 1));
    }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HubSpotTimeoutError(`HubSpot did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
