/**
 * A function's cold start: validate the environment for what it wires, read the precompiled policy and
 * the secrets, and build only the adapters it asked for. Handlers import this module and the factories
 * they need, never shared/wiring/build.ts (which wires everything, for the local runtime and the tests).
 */

import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { emfMetrics } from '../adapters/emf-metrics.ts';
import { log as defaultLog } from '../app/logging.ts';
import {
  type Clock,
  type Log,
  type Metrics,
  noMetrics,
  type PolicySource,
  systemClock,
} from '../app/ports.ts';
import type { PacingStats, Runtime } from '../app/runtime-types.ts';
import type { Policy } from '../domain/compile.ts';
import {
  type Need,
  parseSecretJson,
  readPolicy,
  readSettings,
  type Secrets,
  type Settings,
  secretsFromEnv,
} from './config.ts';
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
  /** When given, `runtime.policy` is read from it on every access (a run-time policy change needs no restart). */
  policySource?: PolicySource;
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
  const crm = wiring.hubspot?.(ctx);
  const store = wiring.store?.(ctx);
  const rt: Runtime = {
    policy: base.policy,
    store: store ?? missing('TABLE_NAME'),
    availability: store?.availability,
    waiting: store?.availability,
    digestEverySeconds: s.WAITING_DIGEST_SECONDS,
    timers: wiring.timers?.(ctx) ?? missing('the Scheduler'),
    queue: wiring.queue?.(ctx) ?? missing('SYNC_QUEUE_URL'),
    notifier: wiring.notifier?.(ctx) ?? missing('NOTIFY_TOPIC_ARN'),
    crm: crm ?? missing('HubSpot (HUBSPOT_ACCESS_TOKEN)'),
    hubspotConfigured: crm !== undefined,
    clock: base.clock ?? systemClock,
    log: base.log ?? defaultLog,
    auth: wiring.auth?.(ctx) ?? missing('HTTP authentication'),
    hubspotAppUrl: s.HUBSPOT_PORTAL_ID
      ? `https://app.hubspot.com/contacts/${s.HUBSPOT_PORTAL_ID}`
      : undefined,
    hubspotStats,
    metrics,
  };
  const source = base.policySource;
  if (source)
    Object.defineProperty(rt, 'policy', {
      get: () => source.current(),
      enumerable: true,
      configurable: true,
    });
  return rt;
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
  const [policy, secrets, policySource] = await Promise.all([
    readPolicy(settings.LEADCLOCK_POLICY),
    settings.SECRETS_ARN ? fetchSecrets(settings.SECRETS_ARN) : secretsFromEnv(settings),
    appConfigSource(settings),
  ]);
  // Functions publish EMF; the handlers flush it (shared/http/chain.ts, and the event handlers' chains).
  return assembleRuntime({ settings, secrets, policy, policySource, metrics: emfMetrics }, wiring);
}

/**
 * The AppConfig policy source when the profile is configured. If AppConfig cannot be read at cold start,
 * the function runs on the policy bundled at deploy time (and says so) rather than not at all.
 */
async function appConfigSource(s: Settings): Promise<PolicySource | undefined> {
  if (!s.APPCONFIG_APPLICATION || !s.APPCONFIG_ENVIRONMENT || !s.APPCONFIG_PROFILE) return undefined;
  try {
    const { appConfigPolicySource } = await import('../adapters/appconfig-policy.ts');
    return await appConfigPolicySource(
      {
        application: s.APPCONFIG_APPLICATION,
        environment: s.APPCONFIG_ENVIRONMENT,
        profile: s.APPCONFIG_PROFILE,
        maxAgeSeconds: s.APPCONFIG_MAX_AGE_SECONDS,
      },
      { log: defaultLog },
    );
  } catch (e) {
    defaultLog.error('reading the policy from AWS AppConfig failed; using the policy bundled at deploy', {
      error: String(e),
    });
    return undefined;
  }
}

async function fetchSecrets(arn: string): Promise<Secrets> {
  const r = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: arn }));
  return parseSecretJson(r.SecretString ?? '{}');
}
