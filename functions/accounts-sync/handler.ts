/** Every 15 minutes: archived owners leave the pools; the company-domain → owner cache is refreshed. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type AccountsReport, syncAccounts } from '../../shared/app/accounts-sync.ts';
import { logger } from '../../shared/app/logging.ts';
import { hubspotCrm } from '../../shared/app/wiring/hubspot.ts';
import { runtimeFromEnv } from '../../shared/app/wiring/runtime.ts';
import { dynamoStore } from '../../shared/app/wiring/store.ts';

const rt = await runtimeFromEnv({ store: dynamoStore(), hubspot: hubspotCrm() });

/** The Lambda handler. */
export const handler = middy<unknown, AccountsReport, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(() => syncAccounts(rt, rt.clock.now()));
