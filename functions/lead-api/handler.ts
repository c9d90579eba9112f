/**
 * GET /leads/{leadId} and POST /leads/{leadId}/events for systems other than HubSpot; the run-time team
 * changes (GET/POST /admin/availability) and the waiting room (GET /waiting-room).
 */

import {
  availabilityRoute,
  changeAvailabilityRoute,
  waitingRoomRoute,
} from '../../shared/http/admin-routes.ts';
import { httpHandler } from '../../shared/http/chain.ts';
import { getLeadRoute, leadEventsRoute } from '../../shared/http/routes.ts';
import { httpAuth } from '../../shared/wiring/auth.ts';
import { snsNotifier } from '../../shared/wiring/notifier.ts';
import { sqsSyncQueue } from '../../shared/wiring/queue.ts';
import { runtimeFromEnv } from '../../shared/wiring/runtime.ts';
import { dynamoStore } from '../../shared/wiring/store.ts';
import { schedulerTimers } from '../../shared/wiring/timers.ts';

const rt = await runtimeFromEnv({
  store: dynamoStore(),
  timers: schedulerTimers(),
  queue: sqsSyncQueue(),
  notifier: snsNotifier(),
  auth: httpAuth(),
});
const get = getLeadRoute(rt);
const post = leadEventsRoute(rt);
const availability = availabilityRoute(rt);
const change = changeAvailabilityRoute(rt);
const waiting = waitingRoomRoute(rt);

/** The Lambda handler: one function, five routes. */
export const handler = httpHandler((event) => {
  const method = event.requestContext?.http?.method ?? 'GET';
  const path = event.rawPath ?? '';
  if (path.endsWith('/admin/availability')) return method === 'GET' ? availability(event) : change(event);
  if (path.endsWith('/waiting-room')) return waiting(event);
  return method === 'GET' ? get(event) : post(event);
});
