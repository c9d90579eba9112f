/**
 * Accounts sync (every 15 minutes): archived or deactivated HubSpot owners leave every pool, and the company-domain →
 * owner cache that named-account routing reads is refreshed incrementally.
 */
import type { Crm, LeadStore, Log } from './ports.ts';

/** What one run did. */
export interface AccountsReport {
  owners: number;
  inactive: number;
  companies: number;
  full: boolean;
}

const CURSOR = 'accounts-sync';
/** Once a day the company cache is rebuilt in full, catching any change the incremental search missed. */
const FULL_EVERY_MS = 24 * 3_600_000;

/** One run at `now`. */
export async function syncAccounts(
  deps: { crm: Crm; store: LeadStore; log: Log },
  now: number,
): Promise<AccountsReport> {
  const owners = await deps.crm.owners();
  // Archived owners, and users deactivated in HubSpot (their owner record stays, without an active user).
  const inactive = owners.filter((o) => o.archived || o.active === false).map((o) => o.id);
  await deps.store.setInactiveOwners(inactive);

  const cursor = await deps.store.getMarker(CURSOR);
  const [lastRun, lastFull] = (cursor ?? '').split('|');
  const full = !lastRun || !lastFull || now - Date.parse(lastFull) >= FULL_EVERY_MS;
  // Overlap the window by a minute: HubSpot's search index trails writes.
  const since = full ? undefined : new Date(Date.parse(lastRun as string) - 60_000).toISOString();
  const companies = await deps.crm.companyOwners(since);
  for (const c of companies) await deps.store.setAccountOwner(c.domain, c.ownerId);
  const stamp = new Date(now).toISOString();
  await deps.store.setMarker(CURSOR, `${stamp}|${full ? stamp : lastFull}`);
  const report = { owners: owners.length, inactive: inactive.length, companies: companies.length, full };
  deps.log.info('accounts synced', { ...report });
  return report;
}
