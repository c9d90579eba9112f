/** POST /hubspot/webhooks: first touch, acceptance, rejection, recycling and manual reassignment from HubSpot app webhooks. */

import { httpHandler } from '../../shared/http/chain.ts';
import { hubspotWebhookRoute } from '../../shared/http/routes.ts';
import { httpAuth } from '../../shared/wiring/auth.ts';
import { hubspotCrm } from '../../shared/wiring/hubspot.ts';
import { sqsSyncQueue } from '../../shared/wiring/queue.ts';
import { runtimeFromEnv } from '../../shared/wiring/runtime.ts';
import { dynamoStore } from '../../shared/wiring/store.ts';
import { schedulerTimers } from '../../shared/wiring/timers.ts';

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
