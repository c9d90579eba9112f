/**
 * Deployment settings for the CDK app: one JSON file, `config/deploy.json` (cdk.json names it as
 * `leadclock:config`; copy it from `config/deploy.example.json`), which every documented command reads:
 * `npm run deploy`, `npm run synth`, `npm run doctor`, `npm run replay`. CDK context
 * (`-c leadclock:<key>=<value>`) still overrides a key, for tests; the README documents none.
 * Validated before any construct is built, and the policy is compiled here, so a bad setting or a bad
 * policy fails `cdk synth` with every problem named, by its path in the file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { z } from 'zod';
import { compilePolicy, type Policy } from '../shared/domain/compile.ts';
import { describeIssues } from '../shared/domain/issues.ts';
import { PolicyError, parsePolicy } from '../shared/domain/policy.ts';
import type { PolicyDoc } from '../shared/domain/policy-schema.ts';
import { audienceIssues } from '../shared/domain/subscriptions.ts';

/** The deployment config every command reads (relative to the project root). */
export const DEPLOY_CONFIG_FILE = 'config/deploy.json';
/** What to copy it from. */
export const DEPLOY_CONFIG_EXAMPLE = 'config/deploy.example.json';
/** The example policy: made-up owners and example endpoints, never deployed live. */
export const EXAMPLE_POLICY = fileURLToPath(new URL('../config/policy.example.yaml', import.meta.url));

/**
 * HTTP requests one lead brings at peak: its capture POST and up to three HubSpot webhook deliveries
 * (contact creation, owner change, the rep's first touch), each of which HubSpot may send on its own.
 */
export const REQUESTS_PER_LEAD = 4;
/** Peaks are bursty (a list import, a webinar ending): the throttle allows three times the average peak. */
export const THROTTLE_HEADROOM = 3;
/** API Gateway's smallest sensible floor: the board and reports poll too. */
export const MIN_API_RATE = 10;

/** Requests/s and burst the HTTP API must allow for `peakLeadsPerMinute`. */
export function throttleFor(peakLeadsPerMinute: number): { rateLimit: number; burstLimit: number } {
  const rateLimit = Math.max(
    MIN_API_RATE,
    Math.ceil((peakLeadsPerMinute / 60) * REQUESTS_PER_LEAD * THROTTLE_HEADROOM),
  );
  return { rateLimit, burstLimit: Math.max(2 * rateLimit, 50) };
}

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
  /** Expected peak of new leads per minute; the API throttle is derived from it (`throttleFor`). */
  peakLeadsPerMinute: withDefault(int(1), 1000),
  /** Explicit throttle; when set, it must cover `throttleFor(peakLeadsPerMinute)`. */
  apiRateLimit: optional(int(1)),
  apiBurstLimit: optional(int(1)),
  /** The account's SNS monthly SMS spend limit (USD; AWS's default is 1); an alarm fires at 80 %. */
  smsMonthlySpendLimitUsd: withDefault(z.coerce.number().positive(), 1),
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

/** Validated deployment settings (README, "Deploy to AWS", lists each key). */
export type DeployConfig = Omit<z.output<typeof schema>, 'apiRateLimit' | 'apiBurstLimit'> & {
  /** Absolute path of the policy file shipped in every bundle. */
  policyPath: string;
  /** The compiled policy: subscriptions and the synth-time check come from it. */
  compiledPolicy: Policy;
  /** The policy is the shipped example: it deploys in shadow mode with no subscriptions. */
  examplePolicy: boolean;
  /** The HTTP API throttle: explicit, or derived from `peakLeadsPerMinute`. */
  apiRateLimit: number;
  apiBurstLimit: number;
  /** Warnings to print at synth (the example policy in shadow, a throttle below the peak). */
  warnings: string[];
};

/** Keys the schema knows, for the unknown-key check. */
export const CONFIG_KEYS = Object.keys(schema.shape);

/** Raw settings from the config file (if any) overlaid with context. Context wins. */
export function rawSettings(node: Node, cwd = process.cwd()): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const file = node.tryGetContext(`${CONTEXT_PREFIX}config`);
  if (typeof file === 'string' && file) {
    if (!existsSync(resolve(cwd, file)))
      throw new DeployConfigError(
        `${file}: not found. Create it once: cp ${DEPLOY_CONFIG_EXAMPLE} ${DEPLOY_CONFIG_FILE}, then set your policy, alarm email and portal id in it (README, "Deploy to AWS")`,
      );
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

/**
 * The deployment config outside the CDK app (`npm run deploy`, `doctor`, `replay`): the file cdk.json
 * names, validated exactly as `cdk synth` validates it.
 */
export function readDeployConfig(file: string = DEPLOY_CONFIG_FILE, cwd = process.cwd()): DeployConfig {
  const fake = {
    tryGetContext: (k: string) => (k === `${CONTEXT_PREFIX}config` ? file : undefined),
    getAllContext: () => ({}),
  } as unknown as Node;
  return deployConfig(rawSettings(fake, cwd), cwd);
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
  const doc = parsePolicy(text, r.data.policy);
  const warnings: string[] = [];
  const example = isExamplePolicy(doc);
  if (example)
    warnings.push(
      `${CONTEXT_PREFIX}policy: ${r.data.policy} is the example policy (made-up owners, example addresses and phone numbers): it is deployed in SHADOW mode with NO notification subscriptions. Copy it, put your owners and people in, and point 'policy' in ${DEPLOY_CONFIG_FILE} at your copy to go live.`,
    );
  const derived = throttleFor(r.data.peakLeadsPerMinute);
  const apiRateLimit = r.data.apiRateLimit ?? derived.rateLimit;
  const apiBurstLimit = r.data.apiBurstLimit ?? derived.burstLimit;
  if (apiRateLimit < derived.rateLimit || apiBurstLimit < derived.burstLimit)
    warnings.push(
      `${CONTEXT_PREFIX}apiRateLimit/apiBurstLimit: ${apiRateLimit}/s, burst ${apiBurstLimit} is below the ${derived.rateLimit}/s, burst ${derived.burstLimit} that peakLeadsPerMinute=${r.data.peakLeadsPerMinute} needs: leads at the peak would get 429s`,
    );
  const compiledPolicy = compilePolicy(example ? shadowed(doc) : doc);
  // A message kind that can match no subscription would page nobody: refuse to synth such a policy.
  const unheard = audienceIssues(compiledPolicy);
  if (unheard.length) throw new PolicyError(unheard, r.data.policy);
  return {
    ...r.data,
    apiRateLimit,
    apiBurstLimit,
    policyPath,
    compiledPolicy,
    examplePolicy: example,
    warnings,
  };
}

let exampleKey: string | undefined;
/** The document without its modes, for comparing policies by content. */
function contentKey(doc: PolicyDoc): string {
  const teams = Object.fromEntries(
    Object.entries(doc.teams).map(([id, t]) => [id, { ...t, mode: undefined }]),
  );
  return JSON.stringify({ ...doc, mode: undefined, teams });
}

/** True when `doc` is the shipped example (same content, whatever its modes, comments or file name). */
export function isExamplePolicy(doc: PolicyDoc): boolean {
  exampleKey ??= contentKey(parsePolicy(readFileSync(EXAMPLE_POLICY, 'utf8'), EXAMPLE_POLICY));
  return contentKey(doc) === exampleKey;
}

/** The document in shadow mode, every team included. */
export function shadowed(doc: PolicyDoc): PolicyDoc {
  const teams = Object.fromEntries(
    Object.entries(doc.teams).map(([id, t]) => [id, { ...t, mode: 'shadow' as const }]),
  );
  return { ...doc, mode: 'shadow', teams };
}
