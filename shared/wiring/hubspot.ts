/** The CRM on HubSpot (the access token, HUBSPOT_BASE_URL, HUBSPOT_BUDGET, HUBSPOT_TIMEOUT_MS). */
import { createHash } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoRateBudget } from '../adapters/dynamodb-rate-budget.ts';
import { HubSpotCrm } from '../adapters/hubspot/crm.ts';
import { parseBudget, RequestBudget, SEARCH_BUDGET } from '../adapters/hubspot/pacing.ts';
import type { RateBudget } from '../app/ports.ts';
import type { Factory, Ports } from './context.ts';

/**
 * HubSpotCrm paced by the portal's budget, counting into the runtime's `hubspotStats` and every 429 into
 * the `HubSpot429` metric. With TABLE_NAME the budget is the portal's one, shared through DynamoDB by every
 * function and instance (on `client`, a default client when omitted); without it, this process's own.
 */
export function hubspotCrm(client?: DynamoDBClient): Factory<Ports['hubspot']> {
  return ({ settings: s, secrets, hubspotStats, metrics }) => {
    if (!secrets.hubspotAccessToken) return undefined;
    const { max, intervalMs } = parseBudget(s.HUBSPOT_BUDGET);
    let budget: RateBudget;
    if (s.TABLE_NAME) {
      hubspotStats.budget ??= { reads: 0, writes: 0, conflicts: 0 };
      budget = new DynamoRateBudget({
        client: client ?? new DynamoDBClient({}),
        table: s.TABLE_NAME,
        // HubSpot's limits are per app per portal: the portal id, else a digest of the app's token.
        scope: s.HUBSPOT_PORTAL_ID
          ? `hubspot:${s.HUBSPOT_PORTAL_ID}`
          : `hubspot:${createHash('sha256').update(secrets.hubspotAccessToken).digest('hex').slice(0, 16)}`,
        general: { max, intervalMs },
        search: SEARCH_BUDGET,
        stats: hubspotStats.budget,
      });
    } else {
      budget = new RequestBudget(max, intervalMs);
    }
    return new HubSpotCrm({
      baseUrl: s.HUBSPOT_BASE_URL,
      accessToken: secrets.hubspotAccessToken,
      pacing: {
        budget,
        timeoutMs: s.HUBSPOT_TIMEOUT_MS,
        stats: hubspotStats,
        onRateLimited: () => metrics.count('HubSpot429'),
      },
    });
  };
}
