/**
 * `npm run replay -- sync|timers [--dry-run]`: replays a dead-letter queue of the deployment in
 * config/deploy.json once its cause is fixed (README, "Deploy to AWS", Recovery). See recovery.ts.
 */
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { readDeployConfig } from '../../infra/config.ts';
import { SchedulerTimers } from '../adapters/scheduler-timers.ts';
import { output, readOutputs } from './deploy-outputs.ts';
import { replaySync, replayTimers } from './recovery.ts';

const [which] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const dryRun = process.argv.includes('--dry-run');
if (which !== 'sync' && which !== 'timers') {
  console.error('usage: npm run replay -- sync|timers [--dry-run]');
  process.exit(2);
}
try {
  const config = readDeployConfig();
  const { stateful, stateless } = readOutputs(config);
  const sqs = new SQSClient({ region: config.region });
  const report =
    which === 'sync'
      ? await replaySync(
          sqs,
          {
            deadLetterQueueUrl: output(stateful, 'SyncDeadLetterQueueUrl'),
            queueUrl: output(stateful, 'SyncQueueUrl'),
          },
          dryRun,
        )
      : await replayTimers(
          sqs,
          output(stateful, 'TimerDeadLetterQueueUrl'),
          new SchedulerTimers(new SchedulerClient({ region: config.region }), {
            groupName: config.scheduleGroup,
            targetArn: output(stateful, 'TimerQueueArn'),
            roleArn: output(stateless, 'SchedulerRoleArn'),
            deadLetterArn: output(stateful, 'TimerDeadLetterQueueArn'),
          }),
          Date.now(),
          dryRun,
        );
  console.log(
    `${dryRun ? 'would replay' : 'replayed'} ${report.replayed} message(s) from the ${which} DLQ${report.skipped.length ? `; left ${report.skipped.length} in it:` : ''}`,
  );
  for (const s of report.skipped) console.log(`  ${s.messageId}: ${s.reason}`);
  process.exit(report.skipped.length ? 1 : 0);
} catch (e) {
  console.error(`replay: ${(e as Error).message}`);
  process.exit(2);
}
