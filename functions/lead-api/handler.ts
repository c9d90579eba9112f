/** GET /leads/{leadId} and POST /leads/{leadId}/events for systems other than HubSpot. */
import { runtimeFromEnv } from '../../shared/app/runtime.ts';
import { httpHandler } from '../../shared/http/chain.ts';
import { getLeadRoute, leadEventsRoute } from '../../shared/http/routes.ts';

const rt = await runtimeFromEnv(['store', 'timers', 'queue', 'auth']);
const get = getLeadRoute(rt);
const post = leadEventsRoute(rt);

/** The Lambda handler: one function, two routes. */
export const handler = httpHandler((event) =>
  (event.requestContext?.http?.method ?? 'GET') === 'GET' ? get(event) : post(event),
);
