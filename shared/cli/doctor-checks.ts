/**
 * `npm run doctor`: the health checks of one leadclock deployment, each ending in what to click when it
 * fails. The same checks run against a stack in AWS (target from `npm run deploy`'s outputs and the
 * secret) and against `npm start` (the HubSpot sandbox and the SNS emulator): only the target differs.
 */
import {
  GetSMSAttributesCommand,
  GetSMSSandboxAccountStatusCommand,
  ListSMSSandboxPhoneNumbersCommand,
  ListSubscriptionsByTopicCommand,
  type SNSClient,
} from '@aws-sdk/client-sns';
import { throttleFor } from '../../infra/config.ts';
import { CONTACT_PROPERTIES, type PropertyDef, TASK_PROPERTIES } from '../adapters/hubspot/properties.ts';
import type { Policy } from '../domain/compile.ts';
import { subscriptionsOf } from '../domain/subscriptions.ts';
import { signHubSpotV3 } from '../http/signature.ts';

/** Scopes leadclock's calls need (README, "HubSpot setup"; docs/deploy-hubspot.md). */
export const REQUIRED_SCOPES = [
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.schemas.contacts.read',
  'crm.schemas.contacts.write',
  'crm.objects.companies.read',
  'crm.objects.owners.read',
  'crm.objects.deals.read',
] as const;

/** The webhook subscriptions leadclock's first-touch and ownership detection rely on. */
export const WEBHOOK_SUBSCRIPTIONS = [
  'contact.propertyChange hs_lead_status',
  'contact.propertyChange hs_sa_first_engagement_date',
  'contact.propertyChange hubspot_owner_id',
  'contact.propertyChange lifecyclestage',
  'contact.merge',
  'object.creation calls, emails, meetings',
  'deal.creation',
  'deal.propertyChange dealstage, amount',
] as const;

/** Where doctor looks. */
export interface DoctorTarget {
  /** Base URL of leadclock's API, ending with `/`. */
  apiUrl: string;
  hubspotBaseUrl: string;
  hubspotToken?: string;
  hubspotClientSecret?: string;
  ingestKey?: string;
  sns: SNSClient;
  notifyTopicArn: string;
  policy: Policy;
  /** The example policy deploys with no subscriptions (infra/config.ts). */
  examplePolicy: boolean;
  /** The role to name as the account's SMS delivery-status role (stack output), when known. */
  smsDeliveryStatusRoleArn?: string;
  settings: {
    peakLeadsPerMinute: number;
    apiRateLimit: number;
    apiBurstLimit: number;
    smsMonthlySpendLimitUsd: number;
  };
  /** Epoch ms (signatures are timestamped). */
  now?: () => number;
}

/** The checks, in the order they print. */
export const CHECKS = [
  'token',
  'properties',
  'owners',
  'webhooks',
  'capture',
  'subscriptions',
  'sms',
  'throttle',
] as const;
export type CheckId = (typeof CHECKS)[number];

/** One check's verdict. */
export interface CheckResult {
  id: CheckId;
  ok: boolean;
  /** One line. */
  summary: string;
  /** One line per thing wrong. */
  problems: string[];
  /** What to click or run, in order. */
  fix: string[];
}

const pass = (id: CheckId, summary: string): CheckResult => ({
  id,
  ok: true,
  summary,
  problems: [],
  fix: [],
});
const fail = (id: CheckId, summary: string, problems: string[], fix: string[]): CheckResult => ({
  id,
  ok: false,
  summary,
  problems,
  fix,
});

/** `j***@example.com`, `+49*******4567`: enough to recognise, not to copy. */
export function maskEndpoint(endpoint: string): string {
  const at = endpoint.indexOf('@');
  if (at > 0) return `${endpoint[0]}***${endpoint.slice(at)}`;
  return `${endpoint.slice(0, 3)}${'*'.repeat(Math.max(0, endpoint.length - 7))}${endpoint.slice(-4)}`;
}

async function hubspot(
  t: DoctorTarget,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(new URL(path, t.hubspotBaseUrl), {
    method,
    headers: {
      ...(t.hubspotToken ? { Authorization: `Bearer ${t.hubspotToken}` } : {}),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

const PRIVATE_APP = 'HubSpot → Settings (gear) → Integrations → Private apps → your leadclock app';

/** The token exists and carries every scope in REQUIRED_SCOPES. */
export async function checkToken(t: DoctorTarget): Promise<CheckResult> {
  if (!t.hubspotToken)
    return fail(
      'token',
      'HubSpot token not set',
      ['the secret has no hubspotAccessToken: crm-sync is holding every sync request'],
      [
        `${PRIVATE_APP} → Auth → Access token → Show token → Copy`,
        'Put it into the secret as hubspotAccessToken (README, "Deploy to AWS", step 3), then npm run deploy',
      ],
    );
  const info = await hubspot(t, 'POST', '/oauth/v2/private-apps/get/access-token-info', {
    tokenKey: t.hubspotToken,
  });
  if (info.status !== 200)
    return fail(
      'token',
      `HubSpot refused the token (HTTP ${info.status})`,
      ['the token is invalid, rotated or its app was deleted'],
      [`${PRIVATE_APP} → Auth → Access token → Show token`, 'Put the current token into the secret'],
    );
  const granted = new Set((info.json as { scopes?: string[] }).scopes ?? []);
  const missing = REQUIRED_SCOPES.filter((s) => !granted.has(s));
  const hub = (info.json as { hubId?: number }).hubId;
  if (missing.length)
    return fail(
      'token',
      `the token lacks ${missing.length} scope(s) leadclock needs`,
      missing.map((s) => `missing scope ${s}`),
      [
        `${PRIVATE_APP} → Scopes → tick ${missing.join(', ')} → Commit changes`,
        'The token stays the same; nothing to put into the secret again',
      ],
    );
  return pass('token', `the token has every scope leadclock needs${hub ? ` (portal ${hub})` : ''}`);
}

/** Every leadclock property exists on its object, with the type and options leadclock writes. */
export async function checkProperties(t: DoctorTarget): Promise<CheckResult> {
  const problems: string[] = [];
  let missing = 0;
  const defs: [string, readonly PropertyDef[]][] = [
    ['contacts', CONTACT_PROPERTIES],
    ['tasks', TASK_PROPERTIES],
  ];
  for (const [objectType, list] of defs) {
    for (const def of list) {
      const r = await hubspot(t, 'GET', `/crm/v3/properties/${objectType}/${def.name}`);
      if (r.status === 404) {
        missing++;
        problems.push(`${objectType}.${def.name}: missing`);
        continue;
      }
      if (r.status !== 200) {
        problems.push(`${objectType}.${def.name}: HubSpot answered ${r.status}`);
        continue;
      }
      const got = r.json as { type?: string; fieldType?: string; options?: { value: string }[] };
      if (got.type !== def.type || got.fieldType !== def.fieldType)
        problems.push(
          `${objectType}.${def.name}: is ${got.type}/${got.fieldType}, leadclock writes ${def.type}/${def.fieldType}`,
        );
      const have = new Set((got.options ?? []).map((o) => o.value));
      const lacking = (def.options ?? []).map((o) => o.value).filter((v) => !have.has(v));
      if (lacking.length)
        problems.push(`${objectType}.${def.name}: lacks option(s) ${lacking.join(', ')} (out of date)`);
    }
  }
  if (!problems.length) return pass('properties', 'every leadclock property exists and is current');
  const fix = [];
  if (missing) fix.push('HUBSPOT_ACCESS_TOKEN=<token> npm run hubspot:setup   (creates the missing ones)');
  if (problems.length > missing)
    fix.push(
      'HubSpot → Settings → Properties → search "leadclock" → open the property → Edit: set the field type or add the options named above (or delete it and run npm run hubspot:setup)',
    );
  return fail(
    'properties',
    `${problems.length} leadclock propert(ies) missing or out of date`,
    problems,
    fix,
  );
}

async function owners(t: DoctorTarget, archived: boolean): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let after: string | undefined;
  do {
    const r = await hubspot(
      t,
      'GET',
      `/crm/v3/owners?limit=500&archived=${archived}${after ? `&after=${encodeURIComponent(after)}` : ''}`,
    );
    if (r.status !== 200) throw new Error(`GET /crm/v3/owners answered ${r.status}`);
    const page = r.json as {
      results: { id: string; email?: string }[];
      paging?: { next?: { after?: string } };
    };
    for (const o of page.results) out.set(String(o.id), o.email ?? '');
    after = page.paging?.next?.after;
  } while (after);
  return out;
}

/** Every owner the policy routes to exists and is active. */
export async function checkOwners(t: DoctorTarget): Promise<CheckResult> {
  const wanted = new Map<string, string>();
  for (const team of t.policy.teams.values())
    for (const m of team.members) wanted.set(m.ownerId, `${m.name}, team ${team.id}`);
  for (const q of t.policy.queues.values()) if (q.ownerId) wanted.set(q.ownerId, `queue ${q.id}`);
  let active: Map<string, string>;
  let inactive: Map<string, string>;
  try {
    [active, inactive] = await Promise.all([owners(t, false), owners(t, true)]);
  } catch (e) {
    return fail(
      'owners',
      'cannot list HubSpot owners',
      [(e as Error).message],
      ['Fix the token check first'],
    );
  }
  const problems: string[] = [];
  for (const [id, who] of wanted) {
    if (active.has(id)) continue;
    problems.push(
      inactive.has(id)
        ? `owner ${id} (${who}): deactivated in HubSpot`
        : `owner ${id} (${who}): no such owner in this portal`,
    );
  }
  if (!problems.length)
    return pass('owners', `all ${wanted.size} owners in the policy are active in HubSpot`);
  return fail('owners', `${problems.length} owner(s) in the policy cannot take leads`, problems, [
    'HubSpot → Settings → Users & Teams → find the user → Actions → Reactivate (a deactivated user), or',
    'put the right HubSpot owner id in the policy (Settings → Users & Teams → user → the id in the URL, or GET /crm/v3/owners), npm run policy -- check <file>, then npm run deploy',
  ]);
}

/** The webhook URL accepts a request HubSpot-signed with the client secret leadclock holds. */
export async function checkWebhooks(t: DoctorTarget): Promise<CheckResult> {
  const url = `${t.apiUrl}hubspot/webhooks`;
  const subscriptions = WEBHOOK_SUBSCRIPTIONS.map((s) => `  ${s}`);
  const manual = [
    `${PRIVATE_APP} → Webhooks → Target URL ${url} → Create subscription, one per line:`,
    ...subscriptions,
    'HubSpot cannot list a private app’s webhook subscriptions through its API, so doctor cannot see them: compare by eye (docs/deploy-hubspot.md)',
  ];
  if (!t.hubspotClientSecret)
    return fail(
      'webhooks',
      'no HubSpot client secret: every webhook would be refused',
      ['the secret has no hubspotClientSecret'],
      [`${PRIVATE_APP} → Auth → Client secret → Show → Copy, into the secret as hubspotClientSecret`],
    );
  const body = '[]';
  const ts = String((t.now ?? Date.now)());
  let status: number;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-HubSpot-Signature-v3': signHubSpotV3(t.hubspotClientSecret, 'POST', url, body, ts),
        'X-HubSpot-Request-Timestamp': ts,
      },
      body,
    });
    status = res.status;
    await res.text();
  } catch (e) {
    return fail(
      'webhooks',
      `${url} does not answer`,
      [(e as Error).message],
      ['Check ApiUrl in the stack outputs'],
    );
  }
  if (status === 401)
    return fail(
      'webhooks',
      'leadclock refuses HubSpot-signed webhooks: the client secret it holds is not the app’s',
      [`POST ${url} signed with the secret's hubspotClientSecret answered 401`],
      [`${PRIVATE_APP} → Auth → Client secret → Show`, 'Put it into the secret as hubspotClientSecret'],
    );
  if (status < 200 || status >= 300)
    return fail('webhooks', `${url} answered ${status}`, [`expected 2xx for a signed empty batch`], manual);
  return { ...pass('webhooks', `${url} accepts HubSpot-signed requests`), fix: manual };
}

/** The capture URL (the workflow's "Send a webhook" target) answers and validates. */
export async function checkCapture(t: DoctorTarget): Promise<CheckResult> {
  const url = `${t.apiUrl}leads`;
  let status: number;
  let json: { error?: { code?: string; field?: string } } | undefined;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(t.ingestKey ? { Authorization: `Bearer ${t.ingestKey}` } : {}),
      },
      // Invalid on purpose: nothing is captured, and the 400 proves the route, the key and validation.
      body: '{}',
    });
    status = res.status;
    json = (await res.json().catch(() => undefined)) as typeof json;
  } catch (e) {
    return fail(
      'capture',
      `${url} does not answer`,
      [(e as Error).message],
      [
        'Check ApiUrl in the stack outputs (npm run deploy prints it) and that the stateless stack is deployed',
      ],
    );
  }
  if (status === 400 && json?.error?.code) return pass('capture', `${url} answers and validates leads`);
  if (status === 401)
    return fail(
      'capture',
      `${url} refuses the ingest key`,
      ['401 with the secret’s ingestKey'],
      [
        'Read the key: aws secretsmanager get-secret-value --secret-id <SecretArn> … | jq -r .ingestKey',
        'HubSpot workflow → "Send a webhook" action → Authentication: the same key (or request signature)',
      ],
    );
  return fail(
    'capture',
    `${url} answered ${status}, not leadclock's 400 for an empty lead`,
    [JSON.stringify(json)],
    ['Is the workflow pointed at CaptureUrl exactly? Check the stack outputs'],
  );
}

/** Every subscription the policy implies exists on the notify topic and is confirmed. */
export async function checkSubscriptions(t: DoctorTarget): Promise<CheckResult> {
  const expected = t.examplePolicy ? [] : subscriptionsOf(t.policy);
  const listed: { endpoint: string; arn: string }[] = [];
  let token: string | undefined;
  do {
    const r = await t.sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: t.notifyTopicArn, NextToken: token }),
    );
    for (const s of r.Subscriptions ?? [])
      listed.push({ endpoint: (s.Endpoint ?? '').toLowerCase(), arn: s.SubscriptionArn ?? '' });
    token = r.NextToken;
  } while (token);
  const problems: string[] = [];
  let pending = 0;
  for (const s of expected) {
    const found = listed.find((l) => l.endpoint === s.endpoint.toLowerCase());
    if (!found) problems.push(`${s.protocol} ${maskEndpoint(s.endpoint)}: not subscribed`);
    else if (found.arn === 'PendingConfirmation') {
      pending++;
      problems.push(`${s.protocol} ${maskEndpoint(s.endpoint)}: has not confirmed the subscription`);
    }
  }
  if (!problems.length)
    return pass(
      'subscriptions',
      t.examplePolicy
        ? 'example policy: shadow mode, nobody subscribed (as intended)'
        : `all ${expected.length} notification subscriptions exist and are confirmed`,
    );
  const fix = [];
  if (pending)
    fix.push(
      'Ask each person to click "Confirm subscription" in the mail from "AWS Notifications" (check spam); to send it again: AWS console → SNS → Subscriptions → select → Request confirmation',
    );
  if (problems.length > pending) fix.push('npm run deploy (subscriptions come from the policy)');
  return fail(
    'subscriptions',
    `${problems.length} notification subscription(s) cannot deliver`,
    problems,
    fix,
  );
}

/** SMS can reach every subscribed number: sandbox, spend limit and delivery-status logging. */
export async function checkSms(t: DoctorTarget): Promise<CheckResult> {
  const numbers = (t.examplePolicy ? [] : subscriptionsOf(t.policy))
    .filter((s) => s.protocol === 'sms')
    .map((s) => s.endpoint);
  if (!numbers.length) return pass('sms', 'no SMS subscribers in the policy');
  const problems: string[] = [];
  const fix: string[] = [];
  const sandbox = await t.sns.send(new GetSMSSandboxAccountStatusCommand({}));
  if (sandbox.IsInSandbox) {
    const verified = new Set<string>();
    let token: string | undefined;
    do {
      const r = await t.sns.send(new ListSMSSandboxPhoneNumbersCommand({ NextToken: token }));
      for (const p of r.PhoneNumbers ?? []) if (p.Status === 'Verified') verified.add(p.PhoneNumber ?? '');
      token = r.NextToken;
    } while (token);
    const unverified = numbers.filter((n) => !verified.has(n));
    for (const n of unverified)
      problems.push(`${maskEndpoint(n)}: the account is in the SMS sandbox and this number is not verified`);
    if (unverified.length)
      fix.push(
        'AWS console → SNS → Text messaging (SMS) → Sandbox destination phone numbers → Add phone number (a one-time code is sent), or',
        'Text messaging (SMS) → Exit SMS sandbox (a support case; AWS answers within about a day)',
      );
  }
  const attrs =
    (await t.sns.send(new GetSMSAttributesCommand({ attributes: [] }))).attributes ??
    ({} as Record<string, string>);
  const limit = Number(attrs.MonthlySpendLimit ?? '1');
  if (limit < t.settings.smsMonthlySpendLimitUsd) {
    problems.push(
      `the account's SMS spend limit is ${limit} USD, below smsMonthlySpendLimitUsd=${t.settings.smsMonthlySpendLimitUsd} in the deployment config: pages stop at ${limit} USD before the alarm fires`,
    );
    fix.push(
      'AWS console → SNS → Text messaging (SMS) → Text messaging preferences → Edit → Account spend limit (above 1 USD needs a service quota increase: Service Quotas → SNS → "SMS spend limit")',
    );
  }
  if (!attrs.DeliveryStatusIAMRole) {
    problems.push('SMS delivery-status logging is off: a failed page leaves no trace');
    fix.push(
      `aws sns set-sms-attributes --attributes DeliveryStatusIAMRole=${t.smsDeliveryStatusRoleArn ?? '<SmsDeliveryStatusRoleArn output>'},DeliveryStatusSuccessSamplingRate=100`,
    );
  }
  if (!problems.length)
    return pass(
      'sms',
      `${numbers.length} SMS number(s) reachable; spend limit ${limit} USD; delivery status logged`,
    );
  return fail('sms', 'SMS pages may not arrive', problems, fix);
}

/** The HTTP API throttle covers the expected peak. */
export async function checkThrottle(t: DoctorTarget): Promise<CheckResult> {
  const need = throttleFor(t.settings.peakLeadsPerMinute);
  const { apiRateLimit: rate, apiBurstLimit: burst } = t.settings;
  if (rate >= need.rateLimit && burst >= need.burstLimit)
    return pass(
      'throttle',
      `API throttle ${rate}/s, burst ${burst} covers ${t.settings.peakLeadsPerMinute} leads/minute (needs ${need.rateLimit}/s, burst ${need.burstLimit})`,
    );
  return fail(
    'throttle',
    `API throttle ${rate}/s, burst ${burst} is below the ${need.rateLimit}/s, burst ${need.burstLimit} that ${t.settings.peakLeadsPerMinute} leads/minute need`,
    ['leads arriving at the peak would get 429 Too Many Requests'],
    [
      'config/deploy.json: remove apiRateLimit/apiBurstLimit (derived from peakLeadsPerMinute) or raise them, then npm run deploy',
    ],
  );
}

const RUNNERS: Record<CheckId, (t: DoctorTarget) => Promise<CheckResult>> = {
  token: checkToken,
  properties: checkProperties,
  owners: checkOwners,
  webhooks: checkWebhooks,
  capture: checkCapture,
  subscriptions: checkSubscriptions,
  sms: checkSms,
  throttle: checkThrottle,
};

/** Runs every check (one that throws fails with its error), in CHECKS order. */
export async function runDoctor(t: DoctorTarget): Promise<CheckResult[]> {
  return Promise.all(
    CHECKS.map((id) =>
      RUNNERS[id](t).catch((e: unknown) =>
        fail(id, `the check could not run: ${(e as Error).message}`, [], ['See the error above']),
      ),
    ),
  );
}

/** The report as printed. */
export function formatReport(results: readonly CheckResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${r.ok ? 'ok  ' : 'FAIL'} ${r.id.padEnd(13)} ${r.summary}`);
    for (const p of r.problems) lines.push(`       - ${p}`);
    if (!r.ok) for (const f of r.fix) lines.push(`       fix: ${f}`);
  }
  const failed = results.filter((r) => !r.ok).length;
  lines.push(
    failed ? `\n${failed} of ${results.length} checks failed.` : `\nAll ${results.length} checks passed.`,
  );
  return lines.join('\n');
}
