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
  /** ARN of the sla-breach function. */
  targetArn: string;
  /** Role the Scheduler assumes to invoke the target. */
  roleArn: string;
  /** SQS queue for invocations that fail after retries. */
  deadLetterArn?: string;
}

/** `lc-<leadId>-<attempt>`: deterministic, so arming twice finds the same schedule. Valid per Scheduler's name rules. */
export function scheduleName(leadId: string, attempt: number): string {
  const name = `lc-${leadId}-${attempt}`.replace(/[^0-9a-zA-Z\-_.]/g, '_');
  if (name.length > 64) throw new RangeError(`schedule name over 64 characters: ${name.length}`);
  return name;
}

/** `at(yyyy-mm-ddThh:mm:ss)` in UTC, rounded up to the second so a timer never fires before its deadline. Scheduler fires with one-minute precision; the breach handler re-checks anyway. */
export function atExpression(at: Date): string {
  return `at(${new Date(Math.ceil(at.getTime() / 1000) * 1000).toISOString().slice(0, 19)})`;
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
      ScheduleExpression: atExpression(at),
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
    try {
      await this.#client.send(
        new CreateScheduleCommand({ ...req, ClientToken: `${req.Name}-${at.getTime()}` }),
      );
    } catch (e) {
      // Already armed (a retry, or a tier raised by a repeat inquiry): move it to the new time.
      if (e instanceof ConflictException || isNamed(e, 'ConflictException')) {
        await this.#client.send(new UpdateScheduleCommand(req));
        return;
      }
      throw e;
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
