/**
 * `npm start`: the whole system on localhost. The local stack (dynalite, emulators, HubSpot sandbox or a
 * real portal), the HTTP routes behind a payload-2.0 gateway, and the sweeper and accounts sync on timers.
 */

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type PolicyFileEvent, watchPolicyFile } from '../../shared/adapters/policy-file-watch.ts';
import { syncAccounts } from '../../shared/app/accounts-sync.ts';
import type { Log } from '../../shared/app/ports.ts';
import { sweep } from '../../shared/app/sweeper.ts';
import { tickWaitingRoom } from '../../shared/app/waiting-room.ts';
import {
  availabilityRoute,
  changeAvailabilityRoute,
  waitingRoomRoute,
} from '../../shared/http/admin-routes.ts';
import { auditRoute } from '../../shared/http/audit-route.ts';
import { boardDataRoute, boardPageRoute } from '../../shared/http/board-route.ts';
import { reportRoute, reviewRoute } from '../../shared/http/report-route.ts';
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
  viewerKey?: string;
  adminKey?: string;
  /** Bearer token of the HubSpot sandbox (random when omitted), so the sandbox can be inspected from outside. */
  sandboxToken?: string;
  sweepEveryMs?: number;
  /** How often the waiting rooms drain and digests go out (default 2 s). */
  waitingEveryMs?: number;
  /** How often the policy file is checked for changes (default 500 ms). */
  policyPollMs?: number;
  /** Told of each change of the policy file (applied or refused). */
  onPolicyChange?: (e: PolicyFileEvent) => void;
  /** The Scheduler emulator's minute, scaled down for second-long SLA demos (default 60 000 ms, as AWS). */
  schedulerPrecisionMs?: number;
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
  // The policy file is watched: a valid change applies within a second, a bad one is refused and logged.
  const policySource = watchPolicyFile(o.policyPath, {
    intervalMs: o.policyPollMs,
    log: o.log,
    onChange: o.onPolicyChange,
  });
  const policy = policySource.current();
  let ingestKey = o.ingestKey;
  let viewerKey = o.viewerKey;
  let adminKey = o.adminKey;
  let clientSecret: string | undefined;
  if (o.dataDir) {
    mkdirSync(o.dataDir, { recursive: true });
    // Keys live with the data, so a restart keeps working with the same curl.
    const keyFile = join(o.dataDir, 'local-keys.json');
    const saved = existsSync(keyFile)
      ? (JSON.parse(readFileSync(keyFile, 'utf8')) as {
          ingestKey: string;
          viewerKey?: string;
          adminKey?: string;
          clientSecret: string;
        })
      : undefined;
    ingestKey ??= saved?.ingestKey ?? `lk_${randomBytes(18).toString('base64url')}`;
    viewerKey ??= saved?.viewerKey ?? `lkv_${randomBytes(18).toString('base64url')}`;
    adminKey ??= saved?.adminKey ?? `lka_${randomBytes(18).toString('base64url')}`;
    clientSecret = saved?.clientSecret ?? randomBytes(18).toString('hex');
    writeFileSync(keyFile, JSON.stringify({ ingestKey, viewerKey, adminKey, clientSecret }), {
      mode: 0o600,
    });
  }
  const stack = await startLocalStack({
    policy,
    policySource,
    policyPath: o.policyPath,
    dataDir: o.dataDir ? resolve(o.dataDir, 'dynamodb') : undefined,
    hubspotAccessToken: o.hubspotAccessToken,
    ingestKey,
    viewerKey,
    adminKey,
    clientSecret,
    log: o.log,
    sandbox: {
      ...(o.sandboxToken ? { token: o.sandboxToken } : {}),
      // The sandbox forgets its records on restart while leadclock's data may not: never reuse a contact id.
      ...(o.dataDir ? { firstId: 100_001 + (Math.floor(Date.now() / 1000) % 100_000_000) * 100 } : {}),
    },
    sns: { log: (line) => o.log?.info(line) },
    ...(o.schedulerPrecisionMs ? { scheduler: { precisionMs: o.schedulerPrecisionMs } } : {}),
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
        // A view over the runtime, not a copy: the policy is read per request.
        route: reportRoute(
          Object.create(rt, {
            loadLeads: { value: (from: Date, to: Date) => rt.store.listSubmitted(from, to) },
          }),
        ),
      },
      {
        method: 'GET',
        path: '/reports/review',
        route: reviewRoute(
          Object.create(rt, {
            loadLeads: { value: (from: Date, to: Date) => rt.store.listSubmitted(from, to) },
          }),
        ),
      },
      { method: 'GET', path: '/', route: boardPageRoute() },
      { method: 'GET', path: '/board/data', route: boardDataRoute(rt) },
      { method: 'GET', path: '/admin/availability', route: availabilityRoute(rt) },
      { method: 'POST', path: '/admin/availability', route: changeAvailabilityRoute(rt) },
      { method: 'GET', path: '/waiting-room', route: waitingRoomRoute(rt) },
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
  const waiting = rt.waiting;
  if (waiting) every(o.waitingEveryMs ?? 2000, 'waiting room', () => tickWaitingRoom({ ...rt, waiting }));
  await every(o.accountsEveryMs ?? 15 * 60_000, 'accounts sync', () => syncAccounts(rt, Date.now()))();

  return {
    url: gateway.url,
    stack,
    async close() {
      for (const t of timers) clearInterval(t);
      policySource.close?.();
      await gateway.close();
      await stack.close();
    },
  };
}
