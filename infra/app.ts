/** `cdk synth` / `cdk deploy` entry point (cdk.json: `node infra/app.ts`). */
import { App } from 'aws-cdk-lib';
import { PolicyError } from '../shared/domain/policy.ts';
import { DeployConfigError } from './config.ts';
import { buildLeadclock } from './leadclock.ts';

const app = new App();
try {
  buildLeadclock(app);
} catch (e) {
  // Settings and policy problems are the operator's to fix: the list, not a stack trace.
  if (!(e instanceof DeployConfigError || e instanceof PolicyError)) throw e;
  console.error(e.message);
  process.exit(1);
}
app.synth();
