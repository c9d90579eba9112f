/** HTTP errors and their one mapping to responses (ARCHITECTURE.md: `4xx {error: {code, message, field?}}`). */
import { CaptureBusyError, SyncNotDurableError } from '../app/capture-errors.ts';
import { InvalidTransitionError } from '../domain/lead.ts';

/** An error with an HTTP status that is safe to show the caller. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;
  readonly code: string;
  readonly field?: string;
  readonly headers?: Record<string, string>;
  constructor(
    status: number,
    code: string,
    message: string,
    opts: { field?: string; cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message, { cause: opts.cause });
    this.status = status;
    this.code = code;
    this.field = opts.field;
    this.headers = opts.headers;
  }
}

/** A Lambda proxy (API Gateway HTTP API, payload 2.0) result. */
export interface HttpResult {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

/** A JSON response. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** Maps any error to a response: known errors keep their 4xx, everything else is a 500 with no details. */
export function errorResponse(e: unknown): HttpResult {
  if (e instanceof HttpError) {
    return json(
      e.status,
      { error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) } },
      e.headers,
    );
  }
  if (e instanceof CaptureBusyError || e instanceof SyncNotDurableError) {
    // Retryable: HubSpot retries a 5xx (honouring Retry-After); the retry lands on the same lead.
    return json(
      503,
      { error: { code: 'busy', message: 'the lead is being captured; retry shortly' } },
      { 'retry-after': String(e.retryAfterSeconds) },
    );
  }
  if (e instanceof InvalidTransitionError) {
    return json(409, { error: { code: 'invalid_transition', message: e.message } });
  }
  return json(500, { error: { code: 'internal', message: 'internal error; it has been logged' } });
}
