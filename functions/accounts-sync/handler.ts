/** Every 15 minutes: archived owners leave the pools; the company-domain → owner cache is refreshed. */
import { type AccountsReport, syncAccounts } from '../../shared/app/accounts-sync.ts';
import { eventHandler } from '../../shared/http/chain.ts';
import { hubspotCrm } from '../../shared/wiring/hubspot.ts';
import { runtimeFromEnv } from '../../shared/wiring/runtime.ts';
import { dynamoStore } from '../../shared/wiring/store.ts';

const rt = await runtimeFromEnv({ store: dynamoStore(), hubspot: hubspotCrm() });

/** The Lambda handler. */
export const handler = eventHandler<unknown, AccountsReport>(() => syncAccounts(rt, rt.clock.now()));
