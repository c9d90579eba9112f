/**
 * `npm run teardown`: removes the stateless stack (functions, API, alarms, subscriptions): nothing of
 * value is lost, and `npm run deploy` brings it back on the same data. `-- --all` then removes the
 * stateful stack too; its table, queues, schedule group (with the pending SLA timers), key and secret are
 * retained by their removal policy and stay in the account (README, "Deploy to AWS", Teardown).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readDeployConfig } from '../../infra/config.ts';
import { PROJECT_ROOT } from '../../infra/constructs/leadclock-function.ts';

const all = process.argv.includes('--all');
const passThrough = process.argv.slice(2).filter((a) => a !== '--all');
const config = readDeployConfig();
const stacks = [`${config.stackPrefix}-Stateless`, ...(all ? [`${config.stackPrefix}-Stateful`] : [])];
for (const stack of stacks) {
  const r = spawnSync(
    join(PROJECT_ROOT, 'node_modules/.bin/cdk'),
    ['destroy', stack, '--exclusively', ...passThrough],
    {
      stdio: 'inherit',
      cwd: PROJECT_ROOT,
    },
  );
  if (r.status !== 0) process.exit(r.status ?? 1);
}
console.log(
  all
    ? 'Both stacks removed. Retained and still billed: the table (with PITR), the queues, the schedule group, the KMS key, the secret and the log groups.'
    : `${stacks[0]} removed; the data is untouched. npm run deploy brings it back.`,
);
