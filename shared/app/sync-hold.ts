/**
 * crm-sync before the HubSpot token is set (the first deploy, before the secret is filled in): the sync
 * requests are held, not failed. Failing them would burn their receive count (every receive counts) and
 * park them in the dead-letter queue after SYNC_MAX_RECEIVES tries, about an hour. Instead each one is
 * sent again, delayed by the SQS maximum of 15 minutes, and the delivered copy is reported done: the new
 * copy starts at receive count 0, so a lead waits for the token however long that takes. Every held batch
 * logs "HubSpot token not set" and counts `HubSpotTokenMissing`, which an alarm watches.
 */
import type { SyncItem } from './crm-sync.ts';
import type { Log, Metrics, SyncMessage, SyncQueue } from './ports.ts';

/** The log message, and what the alarm tells the operator to fix. */
export const TOKEN_NOT_SET = 'HubSpot token not set';

/** SQS's largest DelaySeconds: a held request comes back every 15 minutes until the token is there. */
export const HOLD_DELAY_SECONDS = 900;

/** What holding needs. */
export interface HoldDeps {
  queue: SyncQueue;
  log: Log;
  metrics?: Metrics;
}

/** Re-queues the batch with a delay; returns the ids to report failed (unreadable bodies, or a failed send). */
export async function holdSyncBatch(deps: HoldDeps, items: readonly SyncItem[]): Promise<string[]> {
  const held: SyncMessage[] = [];
  const failed: string[] = [];
  for (const item of items) {
    try {
      held.push(JSON.parse(item.body) as SyncMessage);
    } catch {
      // Not ours to hold: the normal path reports it too, and the DLQ keeps it for inspection.
      failed.push(item.id);
    }
  }
  deps.log.error(TOKEN_NOT_SET, {
    held: held.length,
    retryInSeconds: HOLD_DELAY_SECONDS,
    fix: 'put hubspotAccessToken into the leadclock secret (README, "Deploy to AWS")',
  });
  deps.metrics?.count('HubSpotTokenMissing', 1);
  if (!held.length) return failed;
  try {
    await deps.queue.send(held, { delaySeconds: HOLD_DELAY_SECONDS });
    return failed;
  } catch (e) {
    deps.log.error('holding sync requests failed; SQS will redeliver them', { error: (e as Error).message });
    return items.map((i) => i.id);
  }
}
