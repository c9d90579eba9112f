/**
 * The policy source in AWS: the precompiled policy from an AWS AppConfig hosted configuration profile,
 * read through Powertools' AppConfig provider (which keeps the configuration session and the last value).
 * The first read is awaited at cold start; afterwards `current()` answers from memory and, once the
 * cached value is older than `maxAgeSeconds`, starts a refresh in the background, so a deployed version
 * takes effect within about that time without a redeploy. A version that does not compile is refused and
 * the last good policy kept (the AppConfig validator should have stopped it already).
 */
import { AppConfigProvider } from '@aws-lambda-powertools/parameters/appconfig';
import type { Log, PolicySource } from '../app/ports.ts';
import type { Policy } from '../domain/compile.ts';
import { compilePrecompiled } from '../domain/policy-json.ts';

/** Where the profile is. */
export interface AppConfigLocation {
  application: string;
  environment: string;
  profile: string;
  /** How long a value is served before it is refreshed (default 30 s). */
  maxAgeSeconds?: number;
}

const text = (value: unknown) =>
  value instanceof Uint8Array ? new TextDecoder().decode(value) : String(value);

function decode(raw: string): Policy {
  const policy = compilePrecompiled(JSON.parse(raw));
  if (!policy) throw new Error('the AppConfig policy is not a precompiled leadclock policy');
  return policy;
}

/** Reads the first version (throws when it cannot) and returns the source. */
export async function appConfigPolicySource(
  where: AppConfigLocation,
  opts: { log?: Log; provider?: Pick<AppConfigProvider, 'get'> } = {},
): Promise<PolicySource> {
  const provider =
    opts.provider ??
    new AppConfigProvider({ application: where.application, environment: where.environment });
  const maxAge = where.maxAgeSeconds ?? 30;
  const fetchRaw = () => provider.get(where.profile, { maxAge });
  let raw = text(await fetchRaw());
  let policy = decode(raw);
  let version = 1;
  let fetchedAt = Date.now();
  let refreshing: Promise<void> | undefined;
  const refresh = async () => {
    try {
      const next = text(await fetchRaw());
      fetchedAt = Date.now();
      if (next === raw) return;
      policy = decode(next);
      raw = next;
      version++;
      opts.log?.info('policy updated from AWS AppConfig', { profile: where.profile, loads: version });
    } catch (e) {
      fetchedAt = Date.now();
      opts.log?.error('policy refresh from AWS AppConfig failed; keeping the last good policy', {
        error: String(e),
      });
    } finally {
      refreshing = undefined;
    }
  };
  return {
    current() {
      if (!refreshing && Date.now() - fetchedAt > maxAge * 1000) refreshing = refresh();
      return policy;
    },
    version: () => `appconfig:${where.profile}#${version}`,
  };
}
