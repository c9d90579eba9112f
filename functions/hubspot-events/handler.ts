/** POST /hubspot/webhooks: first touch, acceptance, rejection, recycling and manual reassignment from HubSpot app webhooks. */
import { httpAuth } from '../../shared/app/wiring/auth.ts';
import { hubspotCrm } from '../../shared/app/wiring/hubspot.ts';
import { sqsSyncQueue } from '../../shared/app/wiring/queue.ts';
import { runtimeFromEnv } from '../../shared/app/wiring/runtime.ts';
import { dynamoStore } from '../../shared/app/wiring/store.ts';
import { schedulerTimers } from '../../shared/app/wiring/timers.ts';
import { httpHandler } from '../../shared/http/chain.ts';
import { hubspotWebhookRoute } from '../../shared/http/routes.ts';

// HubSpot is read for call, email and meeting events, which name the engagement rather than the contact.
const rt = await runtimeFromEnv({
  store: dynamoStore(),
  timers: schedulerTimers(),
  queue: sqsSyncQueue(),
  auth: httpAuth(),
  hubspot: hubspotCrm(),
});

/** The Lambda handler. */
export const handler = httpHandler(hubspotWebhookRoute(rt));
