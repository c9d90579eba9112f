/** POST /leads: capture, route, arm the SLA timer, queue the CRM sync; answers 202 without calling HubSpot. */

import { httpHandler } from '../../shared/http/chain.ts';
import { captureRoute } from '../../shared/http/routes.ts';
import { httpAuth } from '../../shared/wiring/auth.ts';
import { sqsSyncQueue } from '../../shared/wiring/queue.ts';
import { runtimeFromEnv } from '../../shared/wiring/runtime.ts';
import { dynamoStore } from '../../shared/wiring/store.ts';
import { schedulerTimers } from '../../shared/wiring/timers.ts';

const rt = await runtimeFromEnv({
  store: dynamoStore(),
  timers: schedulerTimers(),
  queue: sqsSyncQueue(),
  auth: httpAuth(),
});

/** The Lambda handler. */
export const handler = httpHandler(captureRoute(rt));
