/**
 * `npm run doctor`: is this deployment healthy? Checks the HubSpot token's scopes, leadclock's
 * properties, the policy's owners, the webhook and capture URLs, the notification subscriptions, SMS
 * reachability and the API throttle, and prints what to click for each failure. Exit code 1 if any fails.
 *
 *   npm run doctor                       the stacks deployed with config/deploy.json (npm run deploy)
 *   npm run doctor -- --local            a running npm start
 *   npm run doctor -- --config <file>    another deployment config
 */
import { existsSync, readFileSync } from 'node:fs';
import { DEPLOY_CONFIG_EXAMPLE, DEPLOY_CONFIG_FILE, readDeployConfig } from '../../infra/config.ts';
import { formatReport, runDoctor } from './doctor-checks.ts';
import {
  awsTarget,
  LOCAL_TARGET_FILE,
  type LocalTargetFile,
  localTarget,
  OUTPUTS_FILE,
  type StackOutputs,
} from './doctor-target.ts';

const args = process.argv.slice(2);
const local = args.includes('--local');
const at = args.indexOf('--config');
const configFile =
  at >= 0
    ? args[at + 1]
    : local && !existsSync(DEPLOY_CONFIG_FILE)
      ? DEPLOY_CONFIG_EXAMPLE
      : DEPLOY_CONFIG_FILE;

try {
  const config = readDeployConfig(configFile);
  let target: Awaited<ReturnType<typeof awsTarget>>;
  if (local) {
    if (!existsSync(LOCAL_TARGET_FILE))
      throw new Error(`${LOCAL_TARGET_FILE} not found: start leadclock with npm start first`);
    target = localTarget(JSON.parse(readFileSync(LOCAL_TARGET_FILE, 'utf8')) as LocalTargetFile, config);
  } else {
    if (!existsSync(OUTPUTS_FILE))
      throw new Error(`${OUTPUTS_FILE} not found: deploy with npm run deploy first`);
    target = await awsTarget(config, JSON.parse(readFileSync(OUTPUTS_FILE, 'utf8')) as StackOutputs);
  }
  console.log(
    `leadclock doctor: ${local ? 'npm start' : `${config.stackPrefix} in AWS`} (${target.apiUrl}), config ${configFile}\n`,
  );
  const results = await runDoctor(target);
  console.log(formatReport(results));
  process.exit(results.every((r) => r.ok) ? 0 : 1);
} catch (e) {
  console.error(`doctor: ${(e as Error).message}`);
  process.exit(2);
}
