/** The middy chains every function uses: logger context and metrics first, error mapping, then the handler. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { flushMetrics } from '../adapters/emf-metrics.ts';
import { log, logger } from '../app/logging.ts';
import { errorResponse, HttpError, type HttpResult } from './errors.ts';
import type { HttpApiEvent } from './request.ts';

/** A route: an HTTP API event in, a result out. Errors are thrown and mapped in one place. */
export type Route = (event: HttpApiEvent) => Promise<HttpResult>;

/**
 * Maps thrown errors to responses; 5xx are logged with details, which never reach the caller. A refusal is
 * logged by its status, code and field, not its message: that may quote the request (a JSON syntax error
 * shows a slice of the body), and personal data cut in a slice escapes the scrub.
 */
export async function runRoute(route: Route, event: HttpApiEvent): Promise<HttpResult> {
  try {
    return await route(event);
  } catch (e) {
    const res = errorResponse(e);
    const where = { route: event.routeKey, path: event.rawPath };
    if (res.statusCode >= 500)
      log.error('request failed', { error: e, stack: (e as Error)?.stack, ...where });
    else
      log.info('request refused', {
        status: res.statusCode,
        code: e instanceof HttpError ? e.code : 'invalid_transition',
        field: e instanceof HttpError ? e.field?.slice(0, 100) : undefined,
        ...where,
      });
    return res;
  }
}

/** Wraps a route as a Lambda handler. The event is never logged (POWERTOOLS_LOGGER_LOG_EVENT included): its body is personal data. */
export function httpHandler(route: Route) {
  return middy<HttpApiEvent, HttpResult, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .use(flushMetrics())
    .handler((event) => runRoute(route, event));
}

/** Wraps a non-HTTP handler (SQS, Scheduler, schedules) in the same chain; events are never logged either. */
export function eventHandler<E, R>(fn: (event: E) => Promise<R>) {
  return middy<E, R, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .use(flushMetrics())
    .handler(fn);
}
