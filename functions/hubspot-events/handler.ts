/** POST /hubspot/webhooks: first touch, acceptance, rejection, recycling and manual reassignment from HubSpot app webhooks. */
import { runtimeFromEnv } from '../../shared/app/runtime.ts';
import { httpHandler } from '../../shared/http/chain.ts';
import { hubspotWebhookRoute } from '../../shared/http/routes.ts';

const rt = await runtimeFromEnv(['store', 'timers', 'queue', 'auth']);

/** The Lambda handler. */
export const handler = httpHandler(hubspotWebhookRoute(rt));
