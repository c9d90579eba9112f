/** The one middy chain every HTTP function uses: logger context first, error mapping, then the handler. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { log, logger } from '../app/logging.ts';
import { errorResponse, type HttpResult } from './errors.ts';
import type { HttpApiEvent } from './request.ts';

/** A route: an HTTP API event in, a result out. Errors are thrown and mapped in one place. */
export type Route = (event: HttpApiEvent) => Promise<HttpResult>;

/** Maps thrown errors to responses; 5xx are logged with details, which never reach the caller. */
export async function runRoute(route: Route, event: HttpApiEvent): Promise<HttpResult> {
  try {
    return await route(event);
  } catch (e) {
    const res = errorResponse(e);
    if (res.statusCode >= 500)
      log.error('request failed', { error: e, stack: (e as Error)?.stack, path: event.rawPath });
    else log.info('request refused', { status: res.statusCode, body: res.body, path: event.rawPath });
    return res;
  }
}

/** Wraps a route as a Lambda handler. */
export function httpHandler(route: Route) {
  return middy<HttpApiEvent, HttpResult, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler((event) => runRoute(route, event));
}
