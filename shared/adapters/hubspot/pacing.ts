/**
 * leadclock's own HubSpot request policy: a rolling request budget, and retries that honour a 429's
 * `policyName` and back off with jitter on 5xx and timeouts. (The full client's retry settings are
 * process-wide and do not reach the deep-imported APIs leadclock uses to keep bundles small.)
 */

/** A rolling budget: at most `max` requests in any `intervalMs`. */
export class RequestBudget {
  readonly max: number;
  readonly intervalMs: number;
  readonly #sent: number[] = [];
  readonly #now: () => number;
  #queue: Promise<void> = Promise.resolve();

  constructor(max: number, intervalMs: number, now: () => number = Date.now) {
    this.max = max;
    this.intervalMs = intervalMs;
    this.#now = now;
  }

  /** Resolves when one more request fits in the window; callers are served in order. */
  take(): Promise<void> {
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

  /** Pushes the window forward after HubSpot said 429: nothing goes out for `ms`. */
  pause(ms: number): void {
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

/** Counters a caller can read for metrics and the bench. */
export interface PacingStats {
  requests: number;
  rateLimited: number;
  retries: number;
  failures: number;
}

/** Retry and pacing options. */
export interface PacingOptions {
  budget: RequestBudget;
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
  for (let attempt = 1; ; attempt++) {
    await opts.budget.take();
    if (opts.stats) opts.stats.requests++;
    try {
      return await withTimeout(call(), opts.timeoutMs ?? 10_000);
    } catch (e) {
      const status = statusOf(e);
      if (status === 429) {
        if (opts.stats) opts.stats.rateLimited++;
        const policy = policyOf(e);
        if (policy === 'DAILY') throw new DailyLimitError('HubSpot daily API limit reached', { cause: e });
        // Rolling ten-second window: wait out a good part of it; per-second (search): wait a second.
        opts.budget.pause(policy === 'SECONDLY' ? 1000 : Math.min(opts.budget.intervalMs, 2000 * attempt));
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
