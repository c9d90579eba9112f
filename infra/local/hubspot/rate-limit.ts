/**
 * The sandbox's rate limits: one set per portal (the sandbox is one portal with one app token), across
 * every caller and function, as HubSpot counts them. Sources, in docs/hubspot-rate-limits.md:
 * - the ten-secondly rolling limit, 190 per 10 s on Professional/Enterprise (100 on Free/Starter);
 * - the CRM search endpoints' own limit of about 5 per second (4 per token in HubSpot's changelog), which
 *   a search also counts against besides the general one;
 * - a 429 carries `policyName` (`TEN_SECONDLY_ROLLING` or `SECONDLY`); a refused request uses no quota;
 * - `X-HubSpot-RateLimit-{Max,Remaining,Interval-Milliseconds}` on answers, and `Retry-After`
 *   (delta-seconds, RFC 9110 §10.2.3) on a 429, when the oldest counted request leaves the window.
 */
import type { RateLimitPolicy } from './errors.ts';

/** A rolling-window limit: at most `max` requests in any `intervalMs`. */
export interface RateLimit {
  max: number;
  intervalMs: number;
}

/** Professional/Enterprise: 190 per 10 s. */
export const DEFAULT_RATE_LIMIT: RateLimit = { max: 190, intervalMs: 10_000 };
/** CRM search: about 5 per second. */
export const DEFAULT_SEARCH_RATE_LIMIT: RateLimit = { max: 5, intervalMs: 1_000 };

/** The answer to one request: admitted (and charged), or refused with the policy and when to retry. */
export type Admission = { ok: true } | { ok: false; policy: RateLimitPolicy; retryAfterSeconds: number };

/** Rolling windows of one portal; `false` turns a limit off. */
export class PortalRateLimits {
  readonly general: RateLimit | false;
  readonly search: RateLimit | false;
  #window: number[] = [];
  #searchWindow: number[] = [];

  constructor(
    general: RateLimit | false = DEFAULT_RATE_LIMIT,
    search: RateLimit | false = DEFAULT_SEARCH_RATE_LIMIT,
  ) {
    this.general = general;
    this.search = search;
  }

  /** Checks both windows before charging either: a refused request uses no quota. */
  admit(at: number, isSearch: boolean): Admission {
    this.#window = live(this.general, this.#window, at);
    this.#searchWindow = live(this.search, this.#searchWindow, at);
    if (this.general !== false && this.#window.length >= this.general.max)
      return {
        ok: false,
        policy: 'TEN_SECONDLY_ROLLING',
        retryAfterSeconds: wait(this.general, this.#window, at),
      };
    if (isSearch && this.search !== false && this.#searchWindow.length >= this.search.max)
      return { ok: false, policy: 'SECONDLY', retryAfterSeconds: wait(this.search, this.#searchWindow, at) };
    this.#window.push(at);
    if (isSearch) this.#searchWindow.push(at);
    return { ok: true };
  }

  /** `X-HubSpot-RateLimit-*` of the general limit at `at`. */
  headers(at: number): Record<string, string> {
    if (this.general === false) return {};
    const used = live(this.general, this.#window, at).length;
    return {
      'X-HubSpot-RateLimit-Max': String(this.general.max),
      'X-HubSpot-RateLimit-Remaining': String(Math.max(0, this.general.max - used)),
      'X-HubSpot-RateLimit-Interval-Milliseconds': String(this.general.intervalMs),
    };
  }

  /** Forgets every counted request. */
  reset(): void {
    this.#window = [];
    this.#searchWindow = [];
  }
}

function live(limit: RateLimit | false, times: number[], at: number): number[] {
  if (limit === false) return times;
  return times.filter((t) => t > at - limit.intervalMs);
}

/** Whole seconds until the oldest counted request leaves the window (at least 1). */
function wait(limit: RateLimit, times: number[], at: number): number {
  const oldest = times[0] ?? at;
  return Math.max(1, Math.ceil((oldest + limit.intervalMs - at) / 1000));
}
