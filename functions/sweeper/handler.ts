/** Every 5 minutes: fire lost breaches, re-arm unarmed timers, re-queue stuck CRM syncs. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger } from '../../shared/app/logging.ts';
import { runtimeFromEnv } from '../../shared/app/runtime.ts';
import { type SweepReport, sweep } from '../../shared/app/sweeper.ts';

const rt = await runtimeFromEnv(['store', 'timers', 'queue', 'notifier', 'hubspot']);

/** The Lambda handler. */
export const handler = middy<unknown, SweepReport, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(() => sweep(rt));
