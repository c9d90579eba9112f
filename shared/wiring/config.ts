/**
 * Configuration from the environment, validated at cold start: a missing or malformed setting fails
 * fast, naming the variable. Secrets come from Secrets Manager in AWS and from the environment locally.
 * On every function's cold start path, so the checks are written out (no schema library) and the policy
 * comes precompiled; the messages are those of the zod schema this replaced (test/unit/config.test.ts).
 */
import { readFileSync } from 'node:fs';
import { compilePolicy, type Policy } from '../domain/compile.ts';
import { compilePrecompiled } from '../domain/policy-json.ts';

/** A configuration problem: which variable, and what is wrong. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Validated settings. */
export interface Settings {
  /** Path of the policy: the precompiled JSON in a bundle, or YAML / plain JSON from the sources. */
  LEADCLOCK_POLICY: string;
  TABLE_NAME?: string;
  SCHEDULE_GROUP?: string;
  BREACH_TARGET_ARN?: string;
  SCHEDULER_ROLE_ARN?: string;
  SCHEDULER_DLQ_ARN?: string;
  SYNC_QUEUE_URL?: string;
  NOTIFY_TOPIC_ARN?: string;
  SECRETS_ARN?: string;
  HUBSPOT_ACCESS_TOKEN?: string;
  /** Current and previous, during a rotation. */
  HUBSPOT_CLIENT_SECRETS?: string[];
  INGEST_KEYS?: string[];
  /** Viewer and admin keys (current, previous), locally; in AWS they come from the secret. */
  VIEWER_KEYS?: string[];
  ADMIN_KEYS?: string[];
  HUBSPOT_BASE_URL: string;
  HUBSPOT_PORTAL_ID?: string;
  HUBSPOT_BUDGET: string;
  HUBSPOT_TIMEOUT_MS: number;
  ALLOW_LEGACY_SIGNATURES: boolean;
  INGEST_KEY_QUERY_PARAM: string;
  PUBLIC_BASE_URL?: string;
  /** Seconds between two waiting-room digests of one team (default 900). */
  WAITING_DIGEST_SECONDS?: number;
  /** The AWS AppConfig profile holding the policy; without them the bundled policy is used. */
  APPCONFIG_APPLICATION?: string;
  APPCONFIG_ENVIRONMENT?: string;
  APPCONFIG_PROFILE?: string;
  /** How long functions serve a cached policy before asking AppConfig again (default 30). */
  APPCONFIG_MAX_AGE_SECONDS?: number;
}

/** A value's parsed form, or what is wrong with it (every problem, in order). */
type Check = (v: unknown) => { value?: unknown; problems: string[] };

const NOT_EMPTY = 'Too small: expected string to have >=1 characters';

/** Text, then each rule in turn (a rule returns its message when the text fails it). */
function text(rules: ((s: string) => string | undefined)[] = [], typeError = 'expected string'): Check {
  return (v) => {
    if (typeof v !== 'string') return { problems: [typeError] };
    const problems = rules.map((r) => r(v)).filter((m): m is string => m !== undefined);
    return { value: v, problems };
  };
}
const notEmpty = (s: string) => (s.length >= 1 ? undefined : NOT_EMPTY);
const matches = (re: RegExp, message?: string) => (s: string) =>
  re.test(s) ? undefined : (message ?? `Invalid string: must match pattern ${re}`);
const arn = text([(s) => (s.startsWith('arn:') ? undefined : 'expected an ARN')]);

/** A URL, trimmed (and without tabs and line breaks, which URL parsing ignores). */
const url: Check = (v) => {
  if (typeof v !== 'string') return { problems: ['expected string'] };
  const t = v.trim();
  return URL.canParse(t)
    ? { value: t.replace(/[\t\n\r]/g, ''), problems: [] }
    : { problems: ['expected a URL'] };
};

/** Comma-separated values, at most two (current, previous) for a rotation. */
const list: Check = (v) => {
  if (typeof v !== 'string') return { problems: ['expected string'] };
  const values = v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  return values.length > 2
    ? { problems: ['at most two values (current, previous) for a rotation'] }
    : { value: values, problems: [] };
};

const bool: Check = (v) =>
  v === 'true' || v === 'false' || v === '1' || v === '0'
    ? { value: v === 'true' || v === '1', problems: [] }
    : { problems: ["expected 'true' or 'false'"] };

/** A positive whole number of milliseconds. */
const positiveInt: Check = (v) => {
  const n = Number(v);
  if (!Number.isFinite(n)) return { problems: ['expected number'] };
  if (!Number.isInteger(n)) return { problems: ['expected int'] };
  const problems: string[] = [];
  if (!Number.isSafeInteger(n))
    problems.push(
      n > 0
        ? `Too big: expected int to be <=${Number.MAX_SAFE_INTEGER}`
        : `Too small: expected int to be >=${Number.MIN_SAFE_INTEGER}`,
    );
  if (!(n > 0)) problems.push('Too small: expected number to be >0');
  return { value: n, problems };
};

const optional =
  (check: Check): Check =>
  (v) =>
    v === undefined ? { problems: [] } : check(v);
const withDefault =
  (check: Check, value: unknown): Check =>
  (v) =>
    v === undefined ? { value, problems: [] } : check(v);

/** Every variable leadclock reads, in the order problems are reported. */
const VARIABLES: Readonly<Record<keyof Settings, Check>> = {
  LEADCLOCK_POLICY: (v) => {
    const message = 'is required: path of the policy YAML';
    if (v === undefined) return { problems: ['is required'] };
    return text([(s) => (s.length >= 1 ? undefined : message)], message)(v);
  },
  TABLE_NAME: optional(text([notEmpty])),
  SCHEDULE_GROUP: optional(text([matches(/^[0-9a-zA-Z-_.]{1,64}$/, 'expected 1–64 of [0-9a-zA-Z-_.]')])),
  BREACH_TARGET_ARN: optional(arn),
  SCHEDULER_ROLE_ARN: optional(arn),
  SCHEDULER_DLQ_ARN: optional(arn),
  SYNC_QUEUE_URL: optional(url),
  NOTIFY_TOPIC_ARN: optional(arn),
  SECRETS_ARN: optional(arn),
  HUBSPOT_ACCESS_TOKEN: optional(text([notEmpty])),
  HUBSPOT_CLIENT_SECRETS: optional(list),
  INGEST_KEYS: optional(list),
  VIEWER_KEYS: optional(list),
  ADMIN_KEYS: optional(list),
  HUBSPOT_BASE_URL: withDefault(url, 'https://api.hubapi.com'),
  HUBSPOT_PORTAL_ID: optional(text([matches(/^\d+$/, 'expected the numeric HubSpot portal (hub) id')])),
  HUBSPOT_BUDGET: withDefault(
    text([matches(/^\d+\s*\/\s*\d+\s*(ms|s)$/, "expected e.g. '150/10s'")]),
    '150/10s',
  ),
  HUBSPOT_TIMEOUT_MS: withDefault(positiveInt, 10_000),
  ALLOW_LEGACY_SIGNATURES: withDefault(bool, false),
  INGEST_KEY_QUERY_PARAM: withDefault(text([matches(/^[A-Za-z0-9_-]{1,32}$/)]), 'key'),
  PUBLIC_BASE_URL: optional(url),
  WAITING_DIGEST_SECONDS: optional(positiveInt),
  APPCONFIG_APPLICATION: optional(text([notEmpty])),
  APPCONFIG_ENVIRONMENT: optional(text([notEmpty])),
  APPCONFIG_PROFILE: optional(text([notEmpty])),
  APPCONFIG_MAX_AGE_SECONDS: optional(positiveInt),
};

/** Which parts a function needs; each adds required variables. */
export type Need = 'store' | 'timers' | 'queue' | 'notifier' | 'hubspot' | 'auth';

const REQUIRED: Record<Need, (keyof Settings)[]> = {
  store: ['TABLE_NAME'],
  timers: ['SCHEDULE_GROUP', 'BREACH_TARGET_ARN', 'SCHEDULER_ROLE_ARN'],
  queue: ['SYNC_QUEUE_URL'],
  notifier: ['NOTIFY_TOPIC_ARN'],
  hubspot: [],
  auth: [],
};

/** Reads and checks the environment for `needs`; throws ConfigError listing every problem. */
export function readSettings(env: Record<string, string | undefined>, needs: readonly Need[]): Settings {
  const settings: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, check] of Object.entries(VARIABLES)) {
    const r = check(env[key]);
    if (r.value !== undefined) settings[key] = r.value;
    for (const p of r.problems) problems.push(`env.${key}: ${p}`);
  }
  const s = settings as unknown as Settings;
  if (problems.length === 0) {
    for (const need of needs) {
      for (const key of REQUIRED[need])
        if (s[key] === undefined) problems.push(`env.${key}: is required (for ${need})`);
    }
    if (!s.SECRETS_ARN) {
      if (needs.includes('hubspot') && !s.HUBSPOT_ACCESS_TOKEN)
        problems.push('env.HUBSPOT_ACCESS_TOKEN: is required (or SECRETS_ARN)');
      if (needs.includes('auth') && !s.HUBSPOT_CLIENT_SECRETS?.length && !s.INGEST_KEYS?.length) {
        problems.push(
          'env.HUBSPOT_CLIENT_SECRETS / env.INGEST_KEYS: at least one is required (or SECRETS_ARN)',
        );
      }
    }
  }
  if (problems.length)
    throw new ConfigError(`leadclock configuration is invalid:\n  ${problems.join('\n  ')}`);
  return s;
}

/**
 * Loads the policy named by LEADCLOCK_POLICY: the precompiled JSON the CDK app ships with every function
 * (read with `JSON.parse` and compiled, no YAML parser and no schema on the cold start), or a `.yaml` or
 * plain `.json` policy, validated as `npm run policy` does. A bad policy fails with every problem listed.
 */
export async function readPolicy(path: string): Promise<Policy> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`env.LEADCLOCK_POLICY: cannot read '${path}': ${(e as Error).message}`);
  }
  if (!/\.json$/i.test(path)) return (await policyFront()).loadPolicy(text, path);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`env.LEADCLOCK_POLICY: '${path}' is not valid JSON: ${(e as Error).message}`);
  }
  const precompiled = compilePrecompiled(raw);
  if (precompiled) return precompiled;
  const { validatePolicy, PolicyError } = await policyFront();
  const { policy, issues } = validatePolicy(raw);
  if (!policy) throw new PolicyError(issues, path);
  return compilePolicy(policy);
}

// Held in a variable so bundlers leave the import alone: a function bundle carries the precompiled policy
// and neither the YAML parser nor the schema. Running from the sources (local runs, tests), it loads.
const POLICY_FRONT = '../domain/policy.ts';

async function policyFront(): Promise<typeof import('../domain/policy.ts')> {
  try {
    return await import(POLICY_FRONT);
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw e;
    throw new ConfigError(
      `env.LEADCLOCK_POLICY: only a precompiled policy (the policy.json the CDK app writes) can be read here: ${(e as Error).message}`,
    );
  }
}

/** Secrets leadclock uses; two values during a rotation. */
export interface Secrets {
  hubspotAccessToken?: string;
  hubspotClientSecrets: string[];
  ingestKeys: string[];
  /** Keys that read (board, leads, reports), and keys that also change things (events, availability, policy). */
  viewerKeys?: string[];
  adminKeys?: string[];
}

/**
 * A secret value: text of at least `min` characters. (zod, which this replaced, also ran the length
 * check on other values with a length, arrays say; the messages keep that.)
 */
function secretText(min: number, tooShort?: string): Check {
  return optional((v) => {
    const len = (v as { length?: unknown } | null)?.length;
    const short = len !== undefined && !((len as number) >= min);
    const what = typeof v === 'string' ? 'string' : Array.isArray(v) ? 'array' : 'unknown';
    const message =
      tooShort ??
      (what === 'unknown'
        ? `Too small: expected unknown to be >=${min}`
        : `Too small: expected ${what} to have >=${min} ${what === 'array' ? 'items' : 'characters'}`);
    if (typeof v !== 'string')
      return { problems: short ? ['expected string', message] : ['expected string'] };
    return { value: v, problems: short ? [message] : [] };
  });
}

const SECRET_FIELDS: Readonly<Record<string, Check>> = {
  hubspotAccessToken: secretText(1),
  hubspotClientSecret: secretText(1),
  hubspotClientSecretPrevious: secretText(1),
  ingestKey: secretText(16, 'use at least 16 characters'),
  ingestKeyPrevious: secretText(16, 'use at least 16 characters'),
  viewerKey: secretText(16, 'use at least 16 characters'),
  viewerKeyPrevious: secretText(16, 'use at least 16 characters'),
  adminKey: secretText(16, 'use at least 16 characters'),
  adminKeyPrevious: secretText(16, 'use at least 16 characters'),
};

/** Parses the Secrets Manager JSON; throws ConfigError naming the bad field. */
export function parseSecretJson(text: string): Secrets {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ConfigError(
      'secret: is not JSON; expected {"hubspotAccessToken", "hubspotClientSecret", "ingestKey", …}',
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ConfigError('secret: : expected object');
  const fields = raw as Record<string, unknown>;
  const values: Record<string, string> = {};
  const problems: string[] = [];
  for (const [key, check] of Object.entries(SECRET_FIELDS)) {
    const r = check(fields[key]);
    if (typeof r.value === 'string') values[key] = r.value;
    for (const p of r.problems) problems.push(`${key}: ${p}`);
  }
  if (problems.length) throw new ConfigError(`secret: ${problems.join('; ')}`);
  const s = values as Partial<Record<keyof typeof SECRET_FIELDS, string>>;
  return {
    hubspotAccessToken: s.hubspotAccessToken,
    hubspotClientSecrets: [s.hubspotClientSecret, s.hubspotClientSecretPrevious].filter(
      (x): x is string => !!x,
    ),
    ingestKeys: [s.ingestKey, s.ingestKeyPrevious].filter((x): x is string => !!x),
    viewerKeys: [s.viewerKey, s.viewerKeyPrevious].filter((x): x is string => !!x),
    adminKeys: [s.adminKey, s.adminKeyPrevious].filter((x): x is string => !!x),
  };
}

/** Secrets straight from the environment (local runs). */
export function secretsFromEnv(s: Settings): Secrets {
  return {
    hubspotAccessToken: s.HUBSPOT_ACCESS_TOKEN,
    hubspotClientSecrets: s.HUBSPOT_CLIENT_SECRETS ?? [],
    ingestKeys: s.INGEST_KEYS ?? [],
    viewerKeys: s.VIEWER_KEYS ?? [],
    adminKeys: s.ADMIN_KEYS ?? [],
  };
}
