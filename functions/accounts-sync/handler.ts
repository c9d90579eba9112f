/** Every 15 minutes: archived owners leave the pools; the company-domain → owner cache is refreshed. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type AccountsReport, syncAccounts } from '../../shared/app/accounts-sync.ts';
import { logger } from '../../shared/app/logging.ts';
import { runtimeFromEnv } from '../../shared/app/runtime.ts';

const rt = await runtimeFromEnv(['store', 'hubspot']);

/** The Lambda handler. */
export const handler = middy<unknown, AccountsReport, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(() => syncAccounts(rt, rt.clock.now()));
