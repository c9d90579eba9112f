/** The CRM on HubSpot (the access token, HUBSPOT_BASE_URL, HUBSPOT_BUDGET, HUBSPOT_TIMEOUT_MS). */
import { HubSpotCrm } from '../../adapters/hubspot/crm.ts';
import { parseBudget, RequestBudget } from '../../adapters/hubspot/pacing.ts';
import type { Factory, Ports } from './context.ts';

/** HubSpotCrm paced by the budget, counting into the runtime's `hubspotStats`. */
export function hubspotCrm(): Factory<Ports['hubspot']> {
  return ({ settings: s, secrets, hubspotStats }) => {
    if (!secrets.hubspotAccessToken) return undefined;
    const { max, intervalMs } = parseBudget(s.HUBSPOT_BUDGET);
    return new HubSpotCrm({
      baseUrl: s.HUBSPOT_BASE_URL,
      accessToken: secrets.hubspotAccessToken,
      pacing: {
        budget: new RequestBudget(max, intervalMs),
        timeoutMs: s.HUBSPOT_TIMEOUT_MS,
        stats: hubspotStats,
      },
    });
  };
}
