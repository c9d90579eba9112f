/** GET /leads/{leadId} and POST /leads/{leadId}/events for systems other than HubSpot. */
import { httpAuth } from '../../shared/app/wiring/auth.ts';
import { sqsSyncQueue } from '../../shared/app/wiring/queue.ts';
import { runtimeFromEnv } from '../../shared/app/wiring/runtime.ts';
import { dynamoStore } from '../../shared/app/wiring/store.ts';
import { schedulerTimers } from '../../shared/app/wiring/timers.ts';
import { httpHandler } from '../../shared/http/chain.ts';
import { getLeadRoute, leadEventsRoute } from '../../shared/http/routes.ts';

const rt = await runtimeFromEnv({
  store: dynamoStore(),
  timers: schedulerTimers(),
  queue: sqsSyncQueue(),
  auth: httpAuth(),
});
const get = getLeadRoute(rt);
const post = leadEventsRoute(rt);

/** The Lambda handler: one function, two routes. */
export const handler = httpHandler((event) =>
  (event.requestContext?.http?.method ?? 'GET') === 'GET' ? get(event) : post(event),
);
