/** POST /leads: capture, route, arm the SLA timer, queue the CRM sync; answers 202 without calling HubSpot. */
import { runtimeFromEnv } from '../../shared/app/runtime.ts';
import { httpHandler } from '../../shared/http/chain.ts';
import { captureRoute } from '../../shared/http/routes.ts';

const rt = await runtimeFromEnv(['store', 'timers', 'queue', 'auth']);

/** The Lambda handler. */
export const handler = httpHandler(captureRoute(rt));
