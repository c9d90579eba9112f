/**
 * A function's cold start: validate the environment for what it wires, read the precompiled policy and
 * the secrets, and build only the adapters it asked for. Handlers import this module and the factories
 * they need, never shared/app/runtime.ts (which wires everything, for the local runtime and the tests).
 */

import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { emfMetrics } from '../../adapters/emf-metrics.ts';
import type { PacingStats } from '../../adapters/hubspot/pacing.ts';
import type { Policy } from '../../domain/compile.ts';
import {
  type Need,
  parseSecretJson,
  readPolicy,
  readSettings,
  type Secrets,
  type Settings,
  secretsFromEnv,
} from '../config.ts';
import { log as defaultLog } from '../logging.ts';
import { type Clock, type Log, type Metrics, noMetrics, systemClock } from '../ports.ts';
import type { Runtime } from '../runtime.ts';
import type { Wiring, WiringContext } from './context.ts';

function missing<T extends object>(what: string): T {
  return new Proxy({} as T, {
    get() {
      throw new Error(`${what} is not configured for this function`);
    },
  });
}

/** What every runtime has, wired or not. */
export interface RuntimeBase {
  settings: Settings;
  secrets: Secrets;
  policy: Policy;
  clock?: Clock;
  log?: Log;
  metrics?: Metrics;
}

/** Builds the runtime from `wiring`; a port not wired, or not configured by the settings, throws when used. */
export function assembleRuntime(base: RuntimeBase, wiring: Wiring): Runtime {
  const { settings: s, secrets } = base;
  const hubspotStats: PacingStats = { requests: 0, rateLimited: 0, retries: 0, failures: 0 };
  const metrics = base.metrics ?? noMetrics;
  const ctx: WiringContext = { settings: s, secrets, hubspotStats, metrics };
  return {
    policy: base.policy,
    store: wiring.store?.(ctx) ?? missing('TABLE_NAME'),
    timers: wiring.timers?.(ctx) ?? missing('the Scheduler'),
    queue: wiring.queue?.(ctx) ?? missing('SYNC_QUEUE_URL'),
    notifier: wiring.notifier?.(ctx) ?? missing('NOTIFY_TOPIC_ARN'),
    crm: wiring.hubspot?.(ctx) ?? missing('HubSpot (HUBSPOT_ACCESS_TOKEN)'),
    clock: base.clock ?? systemClock,
    log: base.log ?? defaultLog,
    auth: wiring.auth?.(ctx) ?? missing('HTTP authentication'),
    hubspotAppUrl: s.HUBSPOT_PORTAL_ID
      ? `https://app.hubspot.com/contacts/${s.HUBSPOT_PORTAL_ID}`
      : undefined,
    hubspotStats,
    metrics,
  };
}

/**
 * Cold start: validates the environment for the needs `wiring` names (its keys), reads the policy and the
 * secrets, and builds the runtime. Throws with every problem named.
 */
export async function runtimeFromEnv(
  wiring: Wiring,
  env: Record<string, string | undefined> = process.env,
): Promise<Runtime> {
  const settings = readSettings(env, Object.keys(wiring) as Need[]);
  const [policy, secrets] = await Promise.all([
    readPolicy(settings.LEADCLOCK_POLICY),
    settings.SECRETS_ARN ? fetchSecrets(settings.SECRETS_ARN) : secretsFromEnv(settings),
  ]);
  // Functions publish EMF; the handlers flush it (shared/http/chain.ts, and the event handlers' chains).
  return assembleRuntime({ settings, secrets, policy, metrics: emfMetrics }, wiring);
}

async function fetchSecrets(arn: string): Promise<Secrets> {
  const r = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: arn }));
  return parseSecretJson(r.SecretString ?? '{}');
}
