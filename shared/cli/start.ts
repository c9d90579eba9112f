/**
 * `npm start`. Until the local runtime lands (issue: runs on one machine), this validates the policy
 * (LEADCLOCK_POLICY, default the example) and prints the decisions for the bundled sample leads.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const policy = process.env.LEADCLOCK_POLICY ?? 'config/policy.example.yaml';
const r = spawnSync(
  process.execPath,
  ['shared/cli/policy.ts', 'check', policy, '--leads', 'config/sample-leads.jsonl'],
  { cwd: root, stdio: 'inherit' },
);
process.exitCode = r.status ?? 1;
