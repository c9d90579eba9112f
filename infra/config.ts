/**
 * Deployment settings for the CDK app: CDK context (`cdk.json`, `-c leadclock:<key>=<value>`) over an
 * optional JSON config file (`-c leadclock:config=deploy.json`, same keys without the prefix). Validated
 * before any construct is built, and the policy is compiled here, so a bad setting or a bad policy fails
 * `cdk synth` with every problem named.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { z } from 'zod';
import type { Policy } from '../shared/domain/compile.ts';
import { describeIssues } from '../shared/domain/issues.ts';
import { loadPolicy } from '../shared/domain/policy.ts';

/** Prefix of every leadclock context key. */
export const CONTEXT_PREFIX = 'leadclock:';

/** A deployment setting that is missing or malformed. */
export class DeployConfigError extends Error {
  override readonly name = 'DeployConfigError';
}

const RETENTIONS = new Set<number>(Object.values(RetentionDays).filter((v) => typeof v === 'number'));

// Context values arrive as strings from `-c`, and as JSON values from cdk.json; '' means "not set".
const blankIsUnset = (v: unknown) => (v === '' || v === null ? undefined : v);
const optional = <T extends z.ZodType>(t: T) => z.preprocess(blankIsUnset, t.optional());
const withDefault = <T extends z.ZodType>(t: T, d: z.output<T>) =>
  z.preprocess(blankIsUnset, t.optional()).transform((v): z.output<T> => (v === undefined ? d : v));
const int = (min: number) => z.coerce.number().int().min(min);
const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

const schema = z.object({
  policy: z.preprocess(blankIsUnset, z.string({ error: 'is required: path of the policy YAML' })),
  account: optional(z.coerce.string().regex(/^\d{12}$/, { error: 'expected a 12-digit AWS account id' })),
  region: optional(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { error: 'expected e.g. eu-central-1' })),
  stackPrefix: withDefault(
    z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,39}$/, { error: 'expected 1–40 of [A-Za-z0-9-]' }),
    'Leadclock',
  ),
  scheduleGroup: withDefault(
    z.string().regex(/^[0-9a-zA-Z-_.]{1,64}$/, { error: 'expected 1–64 of [0-9a-zA-Z-_.]' }),
    'leadclock',
  ),
  alarmEmail: optional(z.email({ error: 'expected an email address' })),
  logRetentionDays: withDefault(
    int(1).refine((d) => RETENTIONS.has(d), {
      error: 'expected a CloudWatch Logs retention (e.g. 30, 90, 365)',
    }),
    90,
  ),
  apiRateLimit: withDefault(int(1), 50),
  apiBurstLimit: withDefault(int(1), 100),
  hubspotBaseUrl: withDefault(z.url({ error: 'expected a URL' }), 'https://api.hubapi.com'),
  hubspotPortalId: optional(z.coerce.string().regex(/^\d+$/, { error: 'expected the numeric portal id' })),
  hubspotBudget: withDefault(
    z.string().regex(/^\d+\s*\/\s*\d+\s*(ms|s)$/, { error: "expected e.g. '150/10s'" }),
    '150/10s',
  ),
  allowLegacySignatures: withDefault(bool, false),
  ingestKeyQueryParam: withDefault(z.string().regex(/^[A-Za-z0-9_-]{1,32}$/), 'key'),
  publicBaseUrl: optional(z.url({ error: 'expected a URL' })),
  secretsRevision: optional(
    z.coerce.string().regex(/^[\w.-]{1,64}$/, { error: 'expected 1–64 of [A-Za-z0-9_.-]' }),
  ),
  breachRateAlarmPercent: withDefault(z.coerce.number().positive().max(100), 25),
  syncLagAlarmSeconds: withDefault(int(60), 900),
  hubspot429AlarmCount: withDefault(int(1), 20),
  /** Slack workspace authorised in the AWS Chatbot (Amazon Q Developer) console, e.g. T0123ABCD; with slackChannelId. */
  slackWorkspaceId: optional(
    z.string().regex(/^[A-Z0-9]{9,15}$/, { error: 'expected a Slack workspace id such as T0123ABCD' }),
  ),
  /** Slack channel that receives lead alerts, e.g. C0123ABCD; with slackWorkspaceId. */
  slackChannelId: optional(
    z.string().regex(/^[A-Z0-9]{9,15}$/, { error: 'expected a Slack channel id such as C0123ABCD' }),
  ),
});

/** Validated deployment settings (see `infra/README.md` for each key). */
export type DeployConfig = z.output<typeof schema> & {
  /** Absolute path of the policy file shipped in every bundle. */
  policyPath: string;
  /** The compiled policy: subscriptions and the synth-time check come from it. */
  compiledPolicy: Policy;
};

/** Keys the schema knows, for the unknown-key check. */
export const CONFIG_KEYS = Object.keys(schema.shape);

/** Raw settings from the config file (if any) overlaid with context. Context wins. */
export function rawSettings(node: Node, cwd = process.cwd()): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const file = node.tryGetContext(`${CONTEXT_PREFIX}config`);
  if (typeof file === 'string' && file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(resolve(cwd, file), 'utf8'));
    } catch (e) {
      throw new DeployConfigError(
        `context.${CONTEXT_PREFIX}config: cannot read '${file}': ${(e as Error).message}`,
      );
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new DeployConfigError(`${file}: expected a JSON object of leadclock settings`);
    Object.assign(out, parsed);
  }
  // Every prefixed key, known or not, so a misspelt `-c leadclock:alarmEmial=…` is reported, not ignored.
  for (const [k, v] of Object.entries(node.getAllContext())) {
    const key = k.slice(CONTEXT_PREFIX.length);
    if (k.startsWith(CONTEXT_PREFIX) && key !== 'config' && v !== undefined) out[key] = v;
  }
  return out;
}

/** Validates settings and compiles the policy; throws DeployConfigError or PolicyError naming every problem. */
export function deployConfig(raw: Record<string, unknown>, cwd = process.cwd()): DeployConfig {
  const problems: string[] = Object.keys(raw)
    .filter((k) => !CONFIG_KEYS.includes(k))
    .map((k) => `${CONTEXT_PREFIX}${k}: unknown setting (known: ${CONFIG_KEYS.join(', ')})`);
  const r = schema.safeParse(raw);
  if (!r.success)
    problems.push(
      ...describeIssues(r.error.issues, raw).map((i) => `${CONTEXT_PREFIX}${i.path}: ${i.message}`),
    );
  if (r.success && (r.data.slackWorkspaceId === undefined) !== (r.data.slackChannelId === undefined))
    problems.push(
      `${CONTEXT_PREFIX}${r.data.slackWorkspaceId === undefined ? 'slackWorkspaceId' : 'slackChannelId'}: is required with the other Slack setting`,
    );
  if (problems.length || !r.success)
    throw new DeployConfigError(`leadclock deployment settings are invalid:\n  ${problems.join('\n  ')}`);
  const policyPath = resolve(cwd, r.data.policy);
  let text: string;
  try {
    text = readFileSync(policyPath, 'utf8');
  } catch (e) {
    throw new DeployConfigError(
      `${CONTEXT_PREFIX}policy: cannot read '${policyPath}': ${(e as Error).message}`,
    );
  }
  return { ...r.data, policyPath, compiledPolicy: loadPolicy(text, r.data.policy) };
}
