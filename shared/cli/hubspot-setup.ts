/**
 * `npm run hubspot:setup -- [--api-url https://…] [--dry-run]`: creates leadclock's property group and
 * properties on the portal of HUBSPOT_ACCESS_TOKEN (idempotent), then prints the webhook subscriptions
 * and the workflow webhook to configure, with the endpoint URLs.
 */
import { parseArgs } from 'node:util';
import { CONTACT_PROPERTIES, TASK_PROPERTIES } from '../adapters/hubspot/properties.ts';
import { setupProperties } from '../adapters/hubspot/setup.ts';

const { values } = parseArgs({
  options: {
    'api-url': { type: 'string' },
    'hubspot-url': { type: 'string', default: process.env.HUBSPOT_BASE_URL ?? 'https://api.hubapi.com' },
    'dry-run': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(
    'usage: HUBSPOT_ACCESS_TOKEN=pat-… npm run hubspot:setup -- [--api-url <leadclock API URL>] [--hubspot-url <base>] [--dry-run]',
  );
  process.exit(0);
}
const api = (
  values['api-url'] ??
  process.env.LEADCLOCK_API_URL ??
  'https://<your-api-id>.execute-api.<region>.amazonaws.com'
).replace(/\/+$/, '');
const token = process.env.HUBSPOT_ACCESS_TOKEN;

if (values['dry-run']) {
  console.log('Would create (contacts):', CONTACT_PROPERTIES.map((p) => p.name).join(', '));
  console.log('Would create (tasks):   ', TASK_PROPERTIES.map((p) => p.name).join(', '));
} else {
  if (!token) {
    console.error(
      'HUBSPOT_ACCESS_TOKEN is required: a private app token with the scopes listed in README (HubSpot setup).',
    );
    process.exit(2);
  }
  try {
    const lines = await setupProperties(values['hubspot-url'] as string, token);
    for (const l of lines)
      console.log(
        `${l.result.padEnd(8)}  ${l.objectType.padEnd(8)} ${l.kind.padEnd(8)} ${l.name}${l.detail ? ` (${l.detail})` : ''}`,
      );
    const count = (r: string) => lines.filter((l) => l.result === r).length;
    console.log(
      `\n${count('created')} created, ${count('updated')} updated, ${count('exists')} already there, ${count('conflict')} in conflict.`,
    );
    if (count('conflict') > 0) process.exit(1);
  } catch (e) {
    const err = e as { code?: number; body?: unknown; message?: string };
    console.error(
      `HubSpot refused the setup (${err.code ?? 'network error'}): ${typeof err.body === 'string' ? err.body : JSON.stringify(err.body ?? err.message)}`,
    );
    if (err.code === 401 || err.code === 403)
      console.error(
        'Check the token and its scopes: crm.schemas.contacts.write, crm.objects.contacts.write, crm.objects.owners.read, …',
      );
    process.exit(1);
  }
}

console.log(`
Next, in HubSpot:

1. Workflow webhook (Automation → Workflows → contact-based workflow, trigger: form submission):
   Action "Send a webhook" → Method POST → URL ${api}/leads
   Authentication: "Include request signature" (uses your app's client secret), or "API key"
   with key name "Authorization" and value "Bearer <ingest key>" in the header.
   (Query-parameter keys work too: ${api}/leads?key=<ingest key>, but URLs get logged; prefer the header.)

2. App webhooks (your app → Webhooks), target URL ${api}/hubspot/webhooks, subscriptions:
   contact.propertyChange  hs_lead_status               (a user's status change: touch, accept, reject, recycle)
   contact.propertyChange  hs_sa_first_engagement_date  (the owner's first engagement)
   contact.propertyChange  hubspot_owner_id             (manual reassignment)
   contact.merge                                        (the lead follows the surviving contact)
   contact.propertyChange  lifecyclestage               (qualified: SQL or opportunity, an outcome)
   object.creation         calls, emails, meetings      (a rep's outreach; connected calls, replies, meetings: outcomes)
   deal.creation, deal.propertyChange dealstage, amount (pipeline and won revenue per lead)
   Do NOT subscribe to notes_last_contacted or hs_last_sales_activity_timestamp for touches: they move on the
   contact's own engagement (docs/hubspot-semantics.md).
`);
