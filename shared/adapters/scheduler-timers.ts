/** Timers on EventBridge Scheduler: one one-shot `at()` schedule per lead and attempt, deleted after it fires. */
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import type { Timers } from '../app/ports.ts';

/** Where schedules live and what they invoke. */
export interface SchedulerTimersConfig {
  groupName: string;
  /**
   * What a fired timer delivers `{leadId, attempt}` to: the timer queue's ARN (a templated SQS SendMessage
   * target, https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-templated.html), or a
   * Lambda function's ARN.
   */
  targetArn: string;
  /** Role the Scheduler assumes to invoke the target. */
  roleArn: string;
  /** SQS queue for invocations that fail after retries. */
  deadLetterArn?: string;
  /** The Scheduler's precision in ms (default 60 000); only the local stack's scaled-down minute changes it. */
  precisionMs?: number;
}

/** `lc-<leadId>-<attempt>`: deterministic, so arming twice finds the same schedule. Valid per Scheduler's name rules. */
export function scheduleName(leadId: string, attempt: number): string {
  const name = `lc-${leadId}-${attempt}`.replace(/[^0-9a-zA-Z\-_.]/g, '_');
  if (name.length > 64) throw new RangeError(`schedule name over 64 characters: ${name.length}`);
  return name;
}

/**
 * `at(yyyy-mm-ddThh:mm:ss)` in UTC, rounded UP to the whole minute. The Scheduler invokes a target "with
 * 60 second precision": `at(…T10:05:17)` may fire at 10:05:00, before the deadline
 * (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html). `at(…T10:06:00)` fires
 * between 10:06:00 and 10:06:59, never early. The breach handler still re-arms an early fire.
 */
export function atExpression(at: Date, precisionMs = 60_000): string {
  return `at(${new Date(Math.ceil(at.getTime() / precisionMs) * precisionMs).toISOString().slice(0, 19)})`;
}

function isNamed(e: unknown, name: string): boolean {
  return (e as { name?: string })?.name === name;
}

/** Timers implemented with EventBridge Scheduler. */
export class SchedulerTimers implements Timers {
  readonly #client: SchedulerClient;
  readonly #cfg: SchedulerTimersConfig;

  constructor(client: SchedulerClient, cfg: SchedulerTimersConfig) {
    this.#client = client;
    this.#cfg = cfg;
  }

  #request(leadId: string, attempt: number, at: Date) {
    return {
      Name: scheduleName(leadId, attempt),
      GroupName: this.#cfg.groupName,
      ScheduleExpression: atExpression(at, this.#cfg.precisionMs),
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' as const },
      ActionAfterCompletion: 'DELETE' as const,
      Target: {
        Arn: this.#cfg.targetArn,
        RoleArn: this.#cfg.roleArn,
        Input: JSON.stringify({ leadId, attempt }),
        RetryPolicy: { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 3600 },
        ...(this.#cfg.deadLetterArn ? { DeadLetterConfig: { Arn: this.#cfg.deadLetterArn } } : {}),
      },
    };
  }

  async arm(leadId: string, attempt: number, at: Date): Promise<void> {
    const req = this.#request(leadId, attempt, at);
    // A schedule with ActionAfterCompletion DELETE can vanish between our create (Conflict: it exists) and
    // our update (it fired and deleted itself, or a touch cancelled it): then create again.
    for (let tries = 0; ; tries++) {
      try {
        // No ClientToken of ours: the SDK draws a fresh one per call and keeps it across its own retries, which
        // is all the idempotency a create needs (a repeat finds ConflictException and updates). A token derived
        // from the name and time replayed the first answer when an early fire re-armed the same deadline after
        // the fired schedule had deleted itself: no timer was left ("If you do not specify a client token,
        // EventBridge Scheduler uses a randomly generated token": CreateSchedule, ClientToken).
        await this.#client.send(new CreateScheduleCommand(req));
        return;
      } catch (e) {
        // Already armed (a retry, or a tier raised by a repeat inquiry): move it to the new time.
        if (!(e instanceof ConflictException || isNamed(e, 'ConflictException'))) throw e;
      }
      try {
        await this.#client.send(new UpdateScheduleCommand(req));
        return;
      } catch (e) {
        const gone = e instanceof ResourceNotFoundException || isNamed(e, 'ResourceNotFoundException');
        if (!gone || tries >= 2) throw e;
      }
    }
  }

  async cancel(leadId: string, attempt: number): Promise<void> {
    try {
      await this.#client.send(
        new DeleteScheduleCommand({ Name: scheduleName(leadId, attempt), GroupName: this.#cfg.groupName }),
      );
    } catch (e) {
      // Fired (and deleted after completion) or never armed: either way the timer is gone.
      if (e instanceof ResourceNotFoundException || isNamed(e, 'ResourceNotFoundException')) return;
      throw e;
    }
  }
}
