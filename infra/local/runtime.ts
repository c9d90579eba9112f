/**
 * `npm start`: the whole system on localhost. The local stack (dynalite, emulators, HubSpot sandbox or a
 * real portal), the HTTP routes behind a payload-2.0 gateway, and the sweeper and accounts sync on timers.
 */

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { syncAccounts } from '../../shared/app/accounts-sync.ts';
import type { Log } from '../../shared/app/ports.ts';
import { sweep } from '../../shared/app/sweeper.ts';
import { loadPolicy } from '../../shared/domain/policy.ts';
import { auditRoute } from '../../shared/http/audit-route.ts';
import { boardDataRoute, boardPageRoute } from '../../shared/http/board-route.ts';
import { reportRoute } from '../../shared/http/report-route.ts';
import {
  captureRoute,
  getLeadRoute,
  hubspotWebhookRoute,
  leadEventsRoute,
} from '../../shared/http/routes.ts';
import { startGateway } from './server.ts';
import { type LocalStack, startLocalStack } from './stack.ts';

/** Options of the local runtime (from the environment in `npm start`). */
export interface LocalRuntimeOptions {
  policyPath: string;
  port: number;
  host?: string;
  dataDir?: string;
  hubspotAccessToken?: string;
  ingestKey?: string;
  /** Bearer token of the HubSpot sandbox (random when omitted), so the sandbox can be inspected from outside. */
  sandboxToken?: string;
  sweepEveryMs?: number;
  accountsEveryMs?: number;
  log?: Log;
}

/** A running local runtime. */
export interface LocalRuntime {
  url: string;
  stack: LocalStack;
  close(): Promise<void>;
}

/** Starts leadclock locally. */
export async function startLocalRuntime(o: LocalRuntimeOptions): Promise<LocalRuntime> {
  const policy = loadPolicy(readFileSync(o.policyPath, 'utf8'), o.policyPath);
  let ingestKey = o.ingestKey;
  let clientSecret: string | undefined;
  if (o.dataDir) {
    mkdirSync(o.dataDir, { recursive: true });
    // Keys live with the data, so a restart keeps working with the same curl.
    const keyFile = join(o.dataDir, 'local-keys.json');
    const saved = existsSync(keyFile)
      ? (JSON.parse(readFileSync(keyFile, 'utf8')) as { ingestKey: string; clientSecret: string })
      : undefined;
    ingestKey ??= saved?.ingestKey ?? `lk_${randomBytes(18).toString('base64url')}`;
    clientSecret = saved?.clientSecret ?? randomBytes(18).toString('hex');
    writeFileSync(keyFile, JSON.stringify({ ingestKey, clientSecret }), { mode: 0o600 });
  }
  const stack = await startLocalStack({
    policy,
    policyPath: o.policyPath,
    dataDir: o.dataDir ? resolve(o.dataDir, 'dynamodb') : undefined,
    hubspotAccessToken: o.hubspotAccessToken,
    ingestKey,
    clientSecret,
    log: o.log,
    sandbox: {
      ...(o.sandboxToken ? { token: o.sandboxToken } : {}),
      // The sandbox forgets its records on restart while leadclock's data may not: never reuse a contact id.
      ...(o.dataDir ? { firstId: 100_001 + (Math.floor(Date.now() / 1000) % 100_000_000) * 100 } : {}),
    },
    sns: { log: (line) => o.log?.info(line) },
  });
  const rt = stack.rt;
  const gateway = await startGateway(
    [
      { method: 'POST', path: '/leads', route: captureRoute(rt) },
      { method: 'POST', path: '/hubspot/webhooks', route: hubspotWebhookRoute(rt) },
      { method: 'GET', path: '/leads/{leadId}', route: getLeadRoute(rt) },
      { method: 'POST', path: '/leads/{leadId}/events', route: leadEventsRoute(rt) },
      {
        method: 'GET',
        path: '/reports/sla',
        route: reportRoute({ ...rt, loadLeads: (from, to) => rt.store.listSubmitted(from, to) }),
      },
      { method: 'GET', path: '/', route: boardPageRoute() },
      { method: 'GET', path: '/board/data', route: boardDataRoute(rt) },
      { method: 'GET', path: '/audit', route: auditRoute(rt) },
    ],
    { port: o.port, host: o.host },
  );
  // Signatures are computed over the URL the caller used; locally that is plain http on this port.
  rt.auth = { ...rt.auth, publicBaseUrl: gateway.url };

  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, what: string, fn: () => Promise<unknown>) => {
    const run = () => fn().catch((e) => o.log?.error(`${what} failed`, { error: String(e) }));
    timers.push(setInterval(run, ms));
    return run;
  };
  every(o.sweepEveryMs ?? 60_000, 'sweeper', () => sweep(rt));
  await every(o.accountsEveryMs ?? 15 * 60_000, 'accounts sync', () => syncAccounts(rt, Date.now()))();

  return {
    url: gateway.url,
    stack,
    async close() {
      for (const t of timers) clearInterval(t);
      await gateway.close();
      await stack.close();
    },
  };
}
