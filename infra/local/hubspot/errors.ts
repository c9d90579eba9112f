/** HubSpot-shaped error bodies and the exception the sandbox throws to answer with one. */

import { randomUUID } from 'node:crypto';

/** One entry of a HubSpot error's `errors[]` (the generated client's `ErrorDetail`). */
export interface HubSpotErrorDetail {
  message: string;
  code?: string;
  in?: string;
  subCategory?: string;
  context?: Record<string, string[]>;
}

/** The JSON body HubSpot sends with a 4xx/5xx (the generated client's `Error` model). */
export interface HubSpotErrorBody {
  status: 'error';
  message: string;
  correlationId: string;
  category: string;
  subCategory?: string;
  context?: Record<string, string[]>;
  errors?: HubSpotErrorDetail[];
}

/** Thrown inside a route handler; the server turns it into a response with `status` and `body`. */
export class HubSpotHttpError extends Error {
  readonly status: number;
  readonly body: HubSpotErrorBody;

  constructor(status: number, body: Omit<HubSpotErrorBody, 'status' | 'correlationId'>) {
    super(body.message);
    this.status = status;
    this.body = { status: 'error', correlationId: randomUUID(), ...body };
  }
}

/** 400 VALIDATION_ERROR, optionally with per-field details. */
export function validationError(message: string, errors?: HubSpotErrorDetail[]): HubSpotHttpError {
  return new HubSpotHttpError(400, { message, category: 'VALIDATION_ERROR', ...(errors ? { errors } : {}) });
}

/** 404 OBJECT_NOT_FOUND. */
export function notFound(message: string, context?: Record<string, string[]>): HubSpotHttpError {
  return new HubSpotHttpError(404, {
    message,
    category: 'OBJECT_NOT_FOUND',
    ...(context ? { context } : {}),
  });
}

/** 409 with the given category (HubSpot uses CONFLICT for records, OBJECT_ALREADY_EXISTS for schema). */
export function conflict(message: string, category = 'CONFLICT'): HubSpotHttpError {
  return new HubSpotHttpError(409, { message, category });
}

/** A property value HubSpot refused, in the shape of its "Property values were not valid" errors. */
export interface PropertyProblem {
  name: string;
  code: string;
  message: string;
}

/**
 * 400 for refused property values. HubSpot embeds a JSON list in `message` (callers have parsed it for
 * years) and, in newer responses, repeats it in `errors[]`; the sandbox sends both so either parser works.
 */
export function propertyValuesError(problems: readonly PropertyProblem[]): HubSpotHttpError {
  const embedded = problems.map((p) => ({
    isValid: false,
    message: p.message,
    error: p.code,
    name: p.name,
    localizedErrorMessage: p.message,
  }));
  return validationError(
    `Property values were not valid: ${JSON.stringify(embedded)}`,
    problems.map((p) => ({ message: p.message, code: p.code, context: { propertyName: [p.name] } })),
  );
}

/** 401 INVALID_AUTHENTICATION, HubSpot's answer to a missing or unknown bearer token. */
export function unauthorized(): HubSpotHttpError {
  return new HubSpotHttpError(401, {
    message:
      'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
    category: 'INVALID_AUTHENTICATION',
  });
}

/** The two rate-limit policies the sandbox enforces. */
export type RateLimitPolicy = 'TEN_SECONDLY_ROLLING' | 'SECONDLY';

/**
 * The 429 body. Not the common error shape: HubSpot sends `errorType`, `policyName` and `requestId` and no
 * `category`. The SECONDLY message is the exact text `@hubspot/api-client`'s retry decorator matches.
 */
export function rateLimitBody(policy: RateLimitPolicy): Record<string, string> {
  return {
    status: 'error',
    message:
      policy === 'SECONDLY'
        ? 'You have reached your secondly limit.'
        : 'You have reached your ten_secondly_rolling limit.',
    errorType: 'RATE_LIMIT',
    correlationId: randomUUID(),
    policyName: policy,
    requestId: randomUUID(),
  };
}
