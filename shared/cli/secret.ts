/**
 * `npm run secret`: puts the HubSpot values into the deployment's secret, keeping what else it holds
 * (the generated ingest key). Values come from the environment, never the command line (shell history):
 *
 *   HUBSPOT_ACCESS_TOKEN=pat-… HUBSPOT_CLIENT_SECRET=… npm run secret
 *
 * ROTATE=1 moves the current values to their `…Previous` fields first, so both are accepted until the
 * senders switch. Functions read the secret at cold start: bump `secretsRevision` in config/deploy.json
 * and `npm run deploy` to make every warm one read it again (crm-sync re-reads by itself while it has no
 * token).
 */
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { readDeployConfig } from '../../infra/config.ts';
import { output } from './deploy-outputs.ts';
import { OUTPUTS_FILE, type StackOutputs } from './doctor-target.ts';

/** The new secret JSON: `current` with the given values set (and, when rotating, the old ones kept as previous). */
export function updatedSecret(
  current: Record<string, unknown>,
  set: { hubspotAccessToken?: string; hubspotClientSecret?: string },
  rotate: boolean,
): Record<string, unknown> {
  const next: Record<string, unknown> = { ...current };
  if (set.hubspotAccessToken) next.hubspotAccessToken = set.hubspotAccessToken;
  if (set.hubspotClientSecret) {
    if (rotate && current.hubspotClientSecret && current.hubspotClientSecret !== set.hubspotClientSecret)
      next.hubspotClientSecretPrevious = current.hubspotClientSecret;
    next.hubspotClientSecret = set.hubspotClientSecret;
  }
  return next;
}

if (import.meta.main) {
  try {
    const config = readDeployConfig();
    const { readFileSync } = await import('node:fs');
    const all = JSON.parse(readFileSync(OUTPUTS_FILE, 'utf8')) as StackOutputs;
    const arn = output(all[`${config.stackPrefix}-Stateful`] ?? {}, 'SecretArn');
    const set = {
      hubspotAccessToken: process.env.HUBSPOT_ACCESS_TOKEN,
      hubspotClientSecret: process.env.HUBSPOT_CLIENT_SECRET,
    };
    if (!set.hubspotAccessToken && !set.hubspotClientSecret)
      throw new Error('set HUBSPOT_ACCESS_TOKEN and/or HUBSPOT_CLIENT_SECRET in the environment');
    const client = new SecretsManagerClient({ region: config.region });
    const current = JSON.parse(
      (await client.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString ?? '{}',
    ) as Record<string, unknown>;
    const next = updatedSecret(current, set, process.env.ROTATE === '1');
    await client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: JSON.stringify(next) }));
    console.log(
      `updated ${Object.keys(set)
        .filter((k) => set[k as keyof typeof set])
        .join(' and ')} in ${arn}`,
    );
  } catch (e) {
    console.error(`secret: ${(e as Error).message}`);
    process.exit(2);
  }
}
