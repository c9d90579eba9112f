/**
 * Configuration from the environment, validated at cold start: a missing or malformed setting fails
 * fast, naming the variable. Secrets come from Secrets Manager in AWS and from the environment locally.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { loadPolicy, type Policy } from '../domain/compile.ts';
import { describeIssues } from '../domain/issues.ts';

/** A configuration problem: which variable, and what is wrong. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const list = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string()).max(2, { error: 'at most two values (current, previous) for a rotation' }));
const bool = z
  .enum(['true', 'false', '1', '0'], { error: "expected 'true' or 'false'" })
  .transform((v) => v === 'true' || v === '1');
const url = z.url({ error: 'expected a URL' });

const schema = z.object({
  LEADCLOCK_POLICY: z.string({ error: 'is required: path of the policy YAML' }).min(1),
  TABLE_NAME: z.string().min(1).optional(),
  SCHEDULE_GROUP: z
    .string()
    .regex(/^[0-9a-zA-Z-_.]{1,64}$/, { error: 'expected 1–64 of [0-9a-zA-Z-_.]' })
    .optional(),
  BREACH_TARGET_ARN: z.string().startsWith('arn:', { error: 'expected an ARN' }).optional(),
  SCHEDULER_ROLE_ARN: z.string().startsWith('arn:', { error: 'expected an ARN' }).optional(),
  SCHEDULER_DLQ_ARN: z.string().startsWith('arn:', { error: 'expected an ARN' }).optional(),
  SYNC_QUEUE_URL: url.optional(),
  NOTIFY_TOPIC_ARN: z.string().startsWith('arn:', { error: 'expected an ARN' }).optional(),
  SECRETS_ARN: z.string().startsWith('arn:', { error: 'expected an ARN' }).optional(),
  HUBSPOT_ACCESS_TOKEN: z.string().min(1).optional(),
  HUBSPOT_CLIENT_SECRETS: list.optional(),
  INGEST_KEYS: list.optional(),
  HUBSPOT_BASE_URL: url.default('https://api.hubapi.com'),
  HUBSPOT_PORTAL_ID: z
    .string()
    .regex(/^\d+$/, { error: 'expected the numeric HubSpot portal (hub) id' })
    .optional(),
  HUBSPOT_BUDGET: z
    .string()
    .regex(/^\d+\s*\/\s*\d+\s*(ms|s)$/, { error: "expected e.g. '150/10s'" })
    .default('150/10s'),
  HUBSPOT_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  ALLOW_LEGACY_SIGNATURES: bool.default(false),
  INGEST_KEY_QUERY_PARAM: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/)
    .default('key'),
  PUBLIC_BASE_URL: url.optional(),
});

/** Validated settings. */
export type Settings = z.output<typeof schema>;

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
  const r = schema.safeParse(env);
  const problems = r.success
    ? []
    : describeIssues(r.error.issues, env).map((i) => `env.${i.path}: ${i.message}`);
  if (r.success) {
    for (const need of needs) {
      for (const key of REQUIRED[need])
        if (r.data[key] === undefined) problems.push(`env.${key}: is required (for ${need})`);
    }
    const s = r.data;
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
  if (problems.length || !r.success)
    throw new ConfigError(`leadclock configuration is invalid:\n  ${problems.join('\n  ')}`);
  return r.data;
}

/** Loads the policy named by LEADCLOCK_POLICY; a bad policy fails the cold start with every problem listed. */
export function readPolicy(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`env.LEADCLOCK_POLICY: cannot read '${path}': ${(e as Error).message}`);
  }
  return loadPolicy(text, path);
}

/** Secrets leadclock uses; two values during a rotation. */
export interface Secrets {
  hubspotAccessToken?: string;
  hubspotClientSecrets: string[];
  ingestKeys: string[];
}

const secretJson = z.object({
  hubspotAccessToken: z.string().min(1).optional(),
  hubspotClientSecret: z.string().min(1).optional(),
  hubspotClientSecretPrevious: z.string().min(1).optional(),
  ingestKey: z.string().min(16, { error: 'use at least 16 characters' }).optional(),
  ingestKeyPrevious: z.string().min(16, { error: 'use at least 16 characters' }).optional(),
});

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
  const r = secretJson.safeParse(raw);
  if (!r.success)
    throw new ConfigError(
      `secret: ${describeIssues(r.error.issues, raw)
        .map((i) => `${i.path}: ${i.message}`)
        .join('; ')}`,
    );
  const s = r.data;
  return {
    hubspotAccessToken: s.hubspotAccessToken,
    hubspotClientSecrets: [s.hubspotClientSecret, s.hubspotClientSecretPrevious].filter(
      (x): x is string => !!x,
    ),
    ingestKeys: [s.ingestKey, s.ingestKeyPrevious].filter((x): x is string => !!x),
  };
}

/** Secrets straight from the environment (local runs). */
export function secretsFromEnv(s: Settings): Secrets {
  return {
    hubspotAccessToken: s.HUBSPOT_ACCESS_TOKEN,
    hubspotClientSecrets: s.HUBSPOT_CLIENT_SECRETS ?? [],
    ingestKeys: s.INGEST_KEYS ?? [],
  };
}
