/**
 * `npm run doctor` against the local runtime (what `npm start` runs: the HubSpot sandbox and the SNS
 * emulator): it passes on a healthy start, and each broken item fails its own check with a precise
 * message and what to click, leaving the others green.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readDeployConfig } from '../../infra/config.ts';
import { SANDBOX_SCOPES } from '../../infra/local/hubspot/sandbox.ts';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { LOCAL } from '../../infra/local/stack.ts';
import {
  type CheckId,
  type CheckResult,
  type DoctorTarget,
  formatReport,
  runDoctor,
} from '../../shared/cli/doctor-checks.ts';
import { localTarget } from '../../shared/cli/doctor-target.ts';
import { subscriptionsOf } from '../../shared/domain/subscriptions.ts';
import { silent } from '../helpers/live.ts';

const POLICY = 'config/policy.example.yaml';
let local: LocalRuntime;
let target: DoctorTarget;

beforeAll(async () => {
  local = await startLocalRuntime({ policyPath: POLICY, port: 0, log: silent, sweepEveryMs: 3_600_000 });
});
afterAll(async () => {
  await local?.close();
});

beforeEach(() => {
  const s = local.stack;
  target = localTarget(
    {
      apiUrl: local.url,
      snsEndpoint: s.sns.url,
      notifyTopicArn: s.topicArn,
      hubspotBaseUrl: s.env.HUBSPOT_BASE_URL as string,
      hubspotToken: s.sandbox?.token,
      hubspotClientSecret: s.clientSecret,
      ingestKey: s.ingestKey,
      policyPath: POLICY,
      smsDeliveryStatusRoleArn: LOCAL.smsDeliveryStatusRole,
    },
    readDeployConfig('config/deploy.example.json'),
  );
});

/** Runs doctor; returns the failed checks and the whole report. */
async function doctor(t: DoctorTarget = target): Promise<{ failed: CheckResult[]; report: string }> {
  const results = await runDoctor(t);
  return { failed: results.filter((r) => !r.ok), report: formatReport(results) };
}

/** Exactly `id` fails; returns its verdict. */
async function onlyFails(id: CheckId, t: DoctorTarget = target): Promise<CheckResult> {
  const { failed, report } = await doctor(t);
  expect(
    failed.map((f) => f.id),
    report,
  ).toEqual([id]);
  return failed[0] as CheckResult;
}

const sandbox = () => {
  const s = local.stack.sandbox;
  if (!s) throw new Error('no sandbox');
  return s;
};

describe('npm run doctor against npm start', () => {
  it('passes every check on a healthy start', async () => {
    const { failed, report } = await doctor();
    expect(failed, report).toEqual([]);
    expect(report).toMatch(/All 8 checks passed/);
  });

  it('token: names the missing scope and where to tick it', async () => {
    sandbox().scopes = SANDBOX_SCOPES.filter((s) => s !== 'crm.objects.owners.read');
    try {
      const r = await onlyFails('token');
      expect(r.problems).toEqual(['missing scope crm.objects.owners.read']);
      expect(r.fix[0]).toMatch(
        /Private apps → your leadclock app → Scopes → tick crm\.objects\.owners\.read/,
      );
    } finally {
      sandbox().scopes = [...SANDBOX_SCOPES];
    }
  });

  it('token: says "HubSpot token not set" when the secret has none', async () => {
    const { failed } = await doctor({ ...target, hubspotToken: undefined });
    const token = failed.find((f) => f.id === 'token');
    expect(token?.summary).toBe('HubSpot token not set');
  });

  it('properties: names a missing property and an out-of-date one', async () => {
    const base = target.hubspotBaseUrl;
    const auth = { Authorization: `Bearer ${target.hubspotToken}`, 'Content-Type': 'application/json' };
    const status = (await (
      await fetch(`${base}/crm/v3/properties/contacts/leadclock_sla_status`, { headers: auth })
    ).json()) as { options: { value: string }[] } & Record<string, unknown>;
    await fetch(`${base}/crm/v3/properties/contacts/leadclock_tier`, { method: 'DELETE', headers: auth });
    await fetch(`${base}/crm/v3/properties/contacts/leadclock_sla_status`, {
      method: 'DELETE',
      headers: auth,
    });
    await fetch(`${base}/crm/v3/properties/contacts`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        ...status,
        options: status.options.filter((o: { value: string }) => o.value !== 'parked'),
      }),
    });
    const r = await onlyFails('properties');
    expect(r.problems).toEqual([
      'contacts.leadclock_tier: missing',
      'contacts.leadclock_sla_status: lacks option(s) parked (out of date)',
    ]);
    expect(r.fix.join('\n')).toMatch(/npm run hubspot:setup/);
    expect(r.fix.join('\n')).toMatch(/Settings → Properties/);
    // Repair for the next tests: what the fix says
    await fetch(`${base}/crm/v3/properties/contacts/leadclock_sla_status`, {
      method: 'DELETE',
      headers: auth,
    });
    const { setupProperties } = await import('../../shared/adapters/hubspot/setup.ts');
    await setupProperties(base, target.hubspotToken as string);
    expect((await doctor()).failed).toEqual([]);
  });

  it('owners: names a deactivated owner of the policy', async () => {
    const team = [...target.policy.teams.values()][0];
    const member = team?.members[0];
    if (!team || !member) throw new Error('example policy has no team');
    const [firstName = member.name] = member.name.split(' ');
    sandbox().upsertOwner({
      id: member.ownerId,
      email: `o${member.ownerId}@example.com`,
      firstName,
      lastName: '-',
      archived: true,
    });
    try {
      const r = await onlyFails('owners');
      expect(r.problems).toEqual([
        `owner ${member.ownerId} (${member.name}, team ${team.id}): deactivated in HubSpot`,
      ]);
      expect(r.fix[0]).toMatch(/Users & Teams .* Reactivate/);
    } finally {
      sandbox().upsertOwner({
        id: member.ownerId,
        email: `o${member.ownerId}@example.com`,
        firstName,
        lastName: '-',
      });
    }
  });

  it('webhooks: a client secret that is not the app’s makes every webhook a 401', async () => {
    const r = await onlyFails('webhooks', { ...target, hubspotClientSecret: 'not-the-apps-secret' });
    expect(r.summary).toMatch(/refuses HubSpot-signed webhooks: the client secret it holds is not the app’s/);
    expect(r.fix[0]).toMatch(/Auth → Client secret/);
  });

  it('capture: a wrong ingest key, and a URL that does not answer', async () => {
    const wrongKey = await onlyFails('capture', { ...target, ingestKey: 'lk_wrong' });
    expect(wrongKey.summary).toMatch(/refuses the ingest key/);
    const { failed } = await doctor({ ...target, apiUrl: 'http://127.0.0.1:9/' });
    expect(failed.find((f) => f.id === 'capture')?.summary).toBe('http://127.0.0.1:9/leads does not answer');
  });

  it('subscriptions: an address that has not confirmed, masked', async () => {
    const email = subscriptionsOf(target.policy).find((s) => s.protocol === 'email');
    if (!email) throw new Error('no email subscriber in the example policy');
    const arn = local.stack.sns.subscriptionArnOf(local.stack.topicArn, email.endpoint) as string;
    local.stack.sns.setPending(arn, true);
    try {
      const r = await onlyFails('subscriptions');
      expect(r.problems).toEqual([
        `email ${email.endpoint[0]}***${email.endpoint.slice(email.endpoint.indexOf('@'))}: has not confirmed the subscription`,
      ]);
      expect(r.problems.join('')).not.toContain(email.endpoint);
      expect(r.fix[0]).toMatch(/Confirm subscription.*Request confirmation/);
    } finally {
      local.stack.sns.setPending(arn, false);
    }
  });

  it('sms: the SMS sandbox with unverified numbers, a spend limit below the config, no delivery logs', async () => {
    const before = local.stack.sns.sms;
    const numbers = subscriptionsOf(target.policy).filter((s) => s.protocol === 'sms');
    local.stack.sns.setSms({ inSandbox: true, attributes: { DeliveryStatusIAMRole: '' } });
    try {
      const r = await onlyFails('sms', {
        ...target,
        settings: { ...target.settings, smsMonthlySpendLimitUsd: 20 },
      });
      expect(r.problems).toHaveLength(numbers.length + 2);
      expect(r.problems[0]).toMatch(/in the SMS sandbox and this number is not verified/);
      expect(r.problems).toContain(
        "the account's SMS spend limit is 1 USD, below smsMonthlySpendLimitUsd=20 in the deployment config: pages stop at 1 USD before the alarm fires",
      );
      expect(r.fix.join('\n')).toMatch(/Sandbox destination phone numbers → Add phone number/);
      expect(r.fix.join('\n')).toContain(
        `aws sns set-sms-attributes --attributes DeliveryStatusIAMRole=${LOCAL.smsDeliveryStatusRole},DeliveryStatusSuccessSamplingRate=100`,
      );
      // Verifying every number clears the sandbox problem alone
      local.stack.sns.setSms({
        sandboxNumbers: Object.fromEntries(numbers.map((n) => [n.endpoint, 'Verified' as const])),
      });
      const after = await onlyFails('sms', {
        ...target,
        settings: { ...target.settings, smsMonthlySpendLimitUsd: 20 },
      });
      expect(after.problems).toHaveLength(2);
    } finally {
      local.stack.sns.setSms({ inSandbox: before.inSandbox, attributes: before.attributes });
    }
  });

  it('throttle: an explicit limit below what the expected peak needs', async () => {
    const r = await onlyFails('throttle', {
      ...target,
      settings: { ...target.settings, peakLeadsPerMinute: 600, apiRateLimit: 50, apiBurstLimit: 100 },
    });
    expect(r.summary).toBe(
      'API throttle 50/s, burst 100 is below the 120/s, burst 240 that 600 leads/minute need',
    );
  });
});
