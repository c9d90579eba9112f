/**
 * `npm run deploy`: deploys the installation described by config/deploy.json, in the safe order:
 *
 *   1. the stateful stack (table, queues, topics, secret …);
 *   2. stop if the secret has no HubSpot token or client secret yet, saying how to put them in
 *      (`npm run secret`), unless `--without-token` (crm-sync then holds every sync request, alarms
 *      HubSpotTokenMissing and logs "HubSpot token not set" until the token is there);
 *   3. the stateless stack (functions, API, alarms).
 *
 * Outputs go to .leadclock/outputs.json, which doctor, replay and secret read. Any other argument is
 * passed to `cdk deploy` (e.g. `--require-approval never`). Every step reads the same config: cdk.json
 * names config/deploy.json and nothing else is passed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DEPLOY_CONFIG_FILE, readDeployConfig } from '../../infra/config.ts';
import { PROJECT_ROOT } from '../../infra/constructs/leadclock-function.ts';
import { mergeOutputs, output } from './deploy-outputs.ts';
import { OUTPUTS_FILE, type StackOutputs } from './doctor-target.ts';

const args = process.argv.slice(2);
const withoutToken = args.includes('--without-token');
const cdkArgs = args.filter((a) => a !== '--without-token');

/** `cdk deploy <stack>` (cdk.json: app and config/deploy.json), its outputs merged into OUTPUTS_FILE. */
function cdkDeploy(stack: string): void {
  const file = join(mkdtempSync(join(tmpdir(), 'leadclock-outputs-')), 'outputs.json');
  const r = spawnSync(
    join(PROJECT_ROOT, 'node_modules/.bin/cdk'),
    ['deploy', stack, '--exclusively', '--outputs-file', file, ...cdkArgs],
    { stdio: 'inherit', cwd: PROJECT_ROOT },
  );
  if (r.status !== 0) {
    console.error(`\ncdk deploy ${stack} failed (exit ${r.status}).`);
    process.exit(r.status ?? 1);
  }
  mergeOutputs(file);
}

let config: ReturnType<typeof readDeployConfig>;
try {
  config = readDeployConfig();
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
for (const w of config.warnings) console.warn(`WARNING ${w}\n`);
const stateful = `${config.stackPrefix}-Stateful`;
const stateless = `${config.stackPrefix}-Stateless`;

console.log(`1/3 ${stateful} (config ${DEPLOY_CONFIG_FILE}, policy ${config.policy})`);
cdkDeploy(stateful);

console.log('\n2/3 the secret');
const saved = JSON.parse(readFileSync(OUTPUTS_FILE, 'utf8')) as StackOutputs;
const secretArn = output(saved[stateful] ?? {}, 'SecretArn');
const secret = await new SecretsManagerClient({ region: config.region }).send(
  new GetSecretValueCommand({ SecretId: secretArn }),
);
const values = JSON.parse(secret.SecretString ?? '{}') as Record<string, string | undefined>;
const missing = ['hubspotAccessToken', 'hubspotClientSecret'].filter((k) => !values[k]);
if (missing.length && !withoutToken) {
  console.log(`The secret has no ${missing.join(' and ')} yet. Put them in, then run npm run deploy again:

  HUBSPOT_ACCESS_TOKEN=pat-… HUBSPOT_CLIENT_SECRET=… npm run secret

(docs/deploy-hubspot.md says where HubSpot shows both.) Or deploy now with --without-token: crm-sync
then holds every sync request, alarms HubSpotTokenMissing and logs "HubSpot token not set" until then.`);
  process.exit(0);
}
if (missing.length) console.log(`deploying without ${missing.join(' and ')} (--without-token)`);

console.log(`\n3/3 ${stateless}`);
cdkDeploy(stateless);
console.log(`
Deployed. Outputs are in ${OUTPUTS_FILE}. Next:
  HUBSPOT_ACCESS_TOKEN=pat-… npm run hubspot:setup -- --api-url <ApiUrl>   (once)
  the HubSpot clicks in docs/deploy-hubspot.md
  npm run doctor`);
