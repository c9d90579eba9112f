/** Capture's retryable refusals, apart from capture itself so the HTTP error mapping stays small. */

/**
 * Another delivery holds the capture this one needs (the same submission, or the contact's previous
 * inquiry still being routed): answered 503 with Retry-After so the sender retries, instead of routing
 * the contact twice.
 */
export class CaptureBusyError extends Error {
  override readonly name = 'CaptureBusyError';
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds = 2) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The lead was stored but its CRM sync could not be queued: answered 503, the retry finishes it. */
export class SyncNotDurableError extends Error {
  override readonly name = 'SyncNotDurableError';
  readonly retryAfterSeconds = 5;
}
