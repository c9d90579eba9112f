/** SLA timers on EventBridge Scheduler (SCHEDULE_GROUP, BREACH_TARGET_ARN, SCHEDULER_ROLE_ARN, SCHEDULER_DLQ_ARN). */
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SchedulerTimers } from '../adapters/scheduler-timers.ts';
import type { Factory, Ports } from './context.ts';

/** SchedulerTimers on `client` (a default client when omitted). */
export function schedulerTimers(client?: SchedulerClient): Factory<Ports['timers']> {
  return ({ settings: s }) =>
    s.SCHEDULE_GROUP && s.BREACH_TARGET_ARN && s.SCHEDULER_ROLE_ARN
      ? new SchedulerTimers(client ?? new SchedulerClient({}), {
          groupName: s.SCHEDULE_GROUP,
          targetArn: s.BREACH_TARGET_ARN,
          roleArn: s.SCHEDULER_ROLE_ARN,
          deadLetterArn: s.SCHEDULER_DLQ_ARN,
        })
      : undefined;
}
