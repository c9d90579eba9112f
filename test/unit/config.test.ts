/**
 * Cold-start configuration: the environment and secret checks (written out, against the zod schemas they
 * replaced: same settings, same messages) and the policy LEADCLOCK_POLICY names (precompiled JSON, plain
 * JSON or YAML).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeIssues } from '../../shared/domain/issues.ts';
import { loadPolicy, PolicyError, parsePolicy } from '../../shared/domain/policy.ts';
import { precompiledPolicyJson } from '../../shared/domain/policy-json.ts';
import {
  ConfigError,
  type Need,
  parseSecretJson,
  readPolicy,
  readSettings,
} from '../../shared/wiring/config.ts';

const EXAMPLE_PATH = 'config/policy.example.yaml';
const EXAMPLE = readFileSync(EXAMPLE_PATH, 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'leadclock-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

// The schemas as they were (zod), kept as the reference the written-out checks must match.
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
const arn = () => z.string().startsWith('arn:', { error: 'expected an ARN' }).optional();
const referenceEnv = z.object({
  LEADCLOCK_POLICY: z.string({ error: 'is required: path of the policy YAML' }).min(1),
  TABLE_NAME: z.string().min(1).optional(),
  SCHEDULE_GROUP: z
    .string()
    .regex(/^[0-9a-zA-Z-_.]{1,64}$/, { error: 'expected 1–64 of [0-9a-zA-Z-_.]' })
    .optional(),
  BREACH_TARGET_ARN: arn(),
  SCHEDULER_ROLE_ARN: arn(),
  SCHEDULER_DLQ_ARN: arn(),
  SYNC_QUEUE_URL: url.optional(),
  NOTIFY_TOPIC_ARN: arn(),
  SECRETS_ARN: arn(),
  HUBSPOT_ACCESS_TOKEN: z.string().min(1).optional(),
  HUBSPOT_CLIENT_SECRETS: list.optional(),
  INGEST_KEYS: list.optional(),
  VIEWER_KEYS: list.optional(),
  ADMIN_KEYS: list.optional(),
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
  WAITING_DIGEST_SECONDS: z.coerce.number().int().positive().optional(),
  APPCONFIG_APPLICATION: z.string().min(1).optional(),
  APPCONFIG_ENVIRONMENT: z.string().min(1).optional(),
  APPCONFIG_PROFILE: z.string().min(1).optional(),
  APPCONFIG_MAX_AGE_SECONDS: z.coerce.number().int().positive().optional(),
});
const secretText = (min: number, error?: string) =>
  z
    .string()
    .min(min, error ? { error } : undefined)
    .optional();
const referenceSecret = z.object({
  hubspotAccessToken: secretText(1),
  hubspotClientSecret: secretText(1),
  hubspotClientSecretPrevious: secretText(1),
  ingestKey: secretText(16, 'use at least 16 characters'),
  ingestKeyPrevious: secretText(16, 'use at least 16 characters'),
  viewerKey: secretText(16, 'use at least 16 characters'),
  viewerKeyPrevious: secretText(16, 'use at least 16 characters'),
  adminKey: secretText(16, 'use at least 16 characters'),
  adminKeyPrevious: secretText(16, 'use at least 16 characters'),
});

/** What readSettings did with the reference schema (the need checks are unchanged code). */
function referenceSettingsProblems(env: Record<string, string | undefined>): string[] | undefined {
  const r = referenceEnv.safeParse(env);
  return r.success
    ? undefined
    : describeIssues(r.error.issues, env).map((i) => `env.${i.path}: ${i.message}`);
}

function outcome(f: () => unknown): unknown {
  try {
    return { ok: f() };
  } catch (e) {
    return { error: (e as Error).message, name: (e as Error).name };
  }
}

const KEYS = Object.keys(referenceEnv.shape);
const envValue = fc.oneof(
  fc.constant(undefined),
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    '',
    ' ',
    'policy.json',
    'arn:aws:sqs:eu-west-1:1:q',
    'arnx',
    'leadclock',
    'a b',
    'x'.repeat(65),
    'https://sqs.example.com/1/q',
    ' https://a.example/x ',
    'https://exa\tmple.com',
    'http:/x',
    'nope',
    'a,b',
    'a,b,c',
    ' , a ,, b ',
    '150/10s',
    '5 / 100 ms',
    '1/1h',
    '10000',
    '0',
    '-1',
    '1.5',
    '1e3',
    ' 7 ',
    'Infinity',
    '9007199254740993',
    'true',
    '1',
    'TRUE',
    'k-e_y',
    'k!',
    '123',
  ),
);

describe('readSettings', () => {
  it('matches the zod schema it replaced: the same settings, and the same problems in the same order', () => {
    fc.assert(
      fc.property(
        fc.record(Object.fromEntries(KEYS.map((k) => [k, envValue])), { requiredKeys: [] }),
        (env) => {
          const expected = referenceSettingsProblems(env);
          const got = outcome(() => readSettings(env, []));
          if (expected)
            expect(got).toEqual({
              error: `leadclock configuration is invalid:\n  ${expected.join('\n  ')}`,
              name: 'ConfigError',
            });
          else expect(got).toEqual({ ok: referenceEnv.parse(env) });
        },
      ),
      { numRuns: 3000, seed: 21 },
    );
  });

  it('names what each need requires, and one of the auth secrets', () => {
    // Act
    const read = (needs: Need[]) => outcome(() => readSettings({ LEADCLOCK_POLICY: 'policy.json' }, needs));
    // Assess
    expect(read(['store', 'timers', 'hubspot', 'auth'])).toEqual({
      error:
        'leadclock configuration is invalid:\n' +
        '  env.TABLE_NAME: is required (for store)\n' +
        '  env.SCHEDULE_GROUP: is required (for timers)\n' +
        '  env.BREACH_TARGET_ARN: is required (for timers)\n' +
        '  env.SCHEDULER_ROLE_ARN: is required (for timers)\n' +
        '  env.HUBSPOT_ACCESS_TOKEN: is required (or SECRETS_ARN)\n' +
        '  env.HUBSPOT_CLIENT_SECRETS / env.INGEST_KEYS: at least one is required (or SECRETS_ARN)',
      name: 'ConfigError',
    });
    expect(read([])).toEqual({
      ok: {
        LEADCLOCK_POLICY: 'policy.json',
        HUBSPOT_BASE_URL: 'https://api.hubapi.com',
        HUBSPOT_BUDGET: '150/10s',
        HUBSPOT_TIMEOUT_MS: 10_000,
        ALLOW_LEGACY_SIGNATURES: false,
        INGEST_KEY_QUERY_PARAM: 'key',
      },
    });
  });
});

describe('parseSecretJson', () => {
  const secretValue = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.constantFrom('', 'x'.repeat(15), 'x'.repeat(16)),
    fc.integer(),
    fc.constant(null),
    fc.constant(undefined),
    fc.boolean(),
    fc.array(fc.constant(1), { maxLength: 20 }),
    fc.record({ length: fc.oneof(fc.integer(), fc.string()) }),
  );
  const secret = fc.record(
    Object.fromEntries([...Object.keys(referenceSecret.shape), 'other'].map((k) => [k, secretValue])),
    { requiredKeys: [] },
  );

  it('matches the zod schema it replaced', () => {
    fc.assert(
      fc.property(fc.oneof(secret, fc.anything()), (raw) => {
        const text = JSON.stringify(raw) ?? 'null';
        const parsed = JSON.parse(text) as unknown;
        const r = referenceSecret.safeParse(parsed);
        const got = outcome(() => parseSecretJson(text));
        if (!r.success)
          expect(got).toEqual({
            error: `secret: ${describeIssues(r.error.issues, parsed)
              .map((i) => `${i.path}: ${i.message}`)
              .join('; ')}`,
            name: 'ConfigError',
          });
        else
          expect(got).toEqual({
            ok: {
              hubspotAccessToken: r.data.hubspotAccessToken,
              hubspotClientSecrets: [r.data.hubspotClientSecret, r.data.hubspotClientSecretPrevious].filter(
                Boolean,
              ),
              ingestKeys: [r.data.ingestKey, r.data.ingestKeyPrevious].filter(Boolean),
              viewerKeys: [r.data.viewerKey, r.data.viewerKeyPrevious].filter(Boolean),
              adminKeys: [r.data.adminKey, r.data.adminKeyPrevious].filter(Boolean),
            },
          });
      }),
      { numRuns: 3000, seed: 22 },
    );
  });

  it('refuses text that is not JSON', () => {
    expect(() => parseSecretJson('{')).toThrow(ConfigError);
  });
});

describe('readPolicy', () => {
  it('reads the precompiled policy the CDK app ships as the YAML it came from', async () => {
    // Prepare
    const path = file(
      'policy.json',
      precompiledPolicyJson(parsePolicy(EXAMPLE, EXAMPLE_PATH), 'policy.example.yaml'),
    );
    // Act
    const policy = await readPolicy(path);
    // Assess: the same compiled policy, country names included, without ICU's display names
    const fromYaml = loadPolicy(EXAMPLE, EXAMPLE_PATH);
    expect(policy.doc).toEqual(fromYaml.doc);
    expect(policy.regionOfCountry).toEqual(fromYaml.regionOfCountry);
    expect(policy.ladder).toEqual(fromYaml.ladder);
    expect([...policy.teams.values()].map((t) => t.members.map((m) => m.pto))).toEqual(
      [...fromYaml.teams.values()].map((t) => t.members.map((m) => m.pto)),
    );
  });

  it('reads YAML and plain JSON through the schema, with every problem named', async () => {
    // Prepare
    const plain = file('plain.json', JSON.stringify({ ...parsePolicy(EXAMPLE), version: 2 }));
    // Act
    const yaml = await readPolicy(EXAMPLE_PATH);
    const refused = await readPolicy(plain).catch((e: unknown) => e);
    // Assess
    expect(yaml.doc).toEqual(loadPolicy(EXAMPLE).doc);
    expect(refused).toBeInstanceOf(PolicyError);
    expect((refused as PolicyError).issues).toEqual([{ path: 'version', message: 'expected 1' }]);
  });

  it('names the variable when the file is missing or is not JSON', async () => {
    await expect(readPolicy(join(dir, 'nope.json'))).rejects.toThrow(
      /^env\.LEADCLOCK_POLICY: cannot read '.*nope\.json': ENOENT/,
    );
    await expect(readPolicy(file('broken.json', '{'))).rejects.toThrow(
      /^env\.LEADCLOCK_POLICY: '.*broken\.json' is not valid JSON: /,
    );
  });
});
