/** The deployed stacks' outputs, as `npm run deploy` saved them, for the commands that act on a deployment. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DeployConfig } from '../../infra/config.ts';
import { OUTPUTS_FILE, type StackOutputs } from './doctor-target.ts';

/** Outputs of both stacks; throws naming what to run when they are not there. */
export function readOutputs(config: DeployConfig): {
  stateful: Record<string, string>;
  stateless: Record<string, string>;
} {
  if (!existsSync(OUTPUTS_FILE))
    throw new Error(`${OUTPUTS_FILE} not found: deploy with npm run deploy first`);
  const all = JSON.parse(readFileSync(OUTPUTS_FILE, 'utf8')) as StackOutputs;
  const stateful = all[`${config.stackPrefix}-Stateful`];
  const stateless = all[`${config.stackPrefix}-Stateless`];
  if (!stateful || !stateless)
    throw new Error(`${OUTPUTS_FILE} lacks ${config.stackPrefix}-Stateful or -Stateless: run npm run deploy`);
  return { stateful, stateless };
}

/** Merges one `cdk deploy --outputs-file` result into OUTPUTS_FILE. */
export function mergeOutputs(file: string): void {
  const current = existsSync(OUTPUTS_FILE)
    ? (JSON.parse(readFileSync(OUTPUTS_FILE, 'utf8')) as StackOutputs)
    : {};
  const added = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StackOutputs) : {};
  mkdirSync(dirname(OUTPUTS_FILE), { recursive: true });
  writeFileSync(OUTPUTS_FILE, `${JSON.stringify({ ...current, ...added }, null, 2)}\n`);
}

/** An output; throws naming it when missing. */
export function output(o: Record<string, string>, key: string): string {
  const v = o[key];
  if (!v) throw new Error(`${OUTPUTS_FILE}: output ${key} missing; run npm run deploy again`);
  return v;
}
