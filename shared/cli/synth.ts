/**
 * `npm run synth`: `cdk synth` of the installation in config/deploy.json, with cdk-nag. On a clone that has
 * no config/deploy.json yet (CI), it synthesises config/deploy.example.json instead and says so: a synth
 * deploys nothing, and `cdk deploy` itself still refuses to run without config/deploy.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEPLOY_CONFIG_EXAMPLE, DEPLOY_CONFIG_FILE } from '../../infra/config.ts';
import { PROJECT_ROOT } from '../../infra/constructs/leadclock-function.ts';

const own = existsSync(join(PROJECT_ROOT, DEPLOY_CONFIG_FILE));
if (!own) console.warn(`${DEPLOY_CONFIG_FILE} not found: synthesising ${DEPLOY_CONFIG_EXAMPLE}`);
const r = spawnSync(
  join(PROJECT_ROOT, 'node_modules/.bin/cdk'),
  [
    'synth',
    '--quiet',
    ...(own ? [] : ['-c', `leadclock:config=${DEPLOY_CONFIG_EXAMPLE}`]),
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit', cwd: PROJECT_ROOT },
);
process.exit(r.status ?? 1);
