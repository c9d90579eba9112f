/** Every 15 minutes: archived owners leave the pools; the company-domain → owner cache is refreshed. */
import { type AccountsReport, syncAccounts } from '../../shared/app/accounts-sync.ts';
import { hubspotCrm } from '../../shared/app/wiring/hubspot.ts';
import { runtimeFromEnv } from '../../shared/app/wiring/runtime.ts';
import { dynamoStore } from '../../shared/app/wiring/store.ts';
import { eventHandler } from '../../shared/http/chain.ts';

const rt = await runtimeFromEnv({ store: dynamoStore(), hubspot: hubspotCrm() });

/** The Lambda handler. */
export const handler = eventHandler<unknown, AccountsReport>(() => syncAccounts(rt, rt.clock.now()));
