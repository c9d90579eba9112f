/** POST /hubspot/webhooks: first touch, acceptance, rejection, recycling and manual reassignment from HubSpot app webhooks. */
import { httpAuth } from '../../shared/app/wiring/auth.ts';
import { hubspotCrm } from '../../shared/app/wiring/hubspot.ts';
import { sqsSyncQueue } from '../../shared/app/wiring/queue.ts';
import { runtimeFromEnv } from '../../shared/app/wiring/runtime.ts';
import { dynamoStore } from '../../shared/app/wiring/store.ts';
import { schedulerTimers } from '../../shared/app/wiring/timers.ts';
import { httpHandler } from '../../shared/http/chain.ts';
import { hubspotWebhookRoute } from '../../shared/http/routes.ts';

const rt = await runtimeFromEnv({
  store: dynamoStore(),
  timers: schedulerTimers(),
  queue: sqsSyncQueue(),
  auth: httpAuth(),
  // A call, email or meeting event names the engagement: it is read to find its contacts and judge it.
  hubspot: hubspotCrm(),
});

/** The Lambda handler. */
export const handler = httpHandler(hubspotWebhookRoute(rt));
