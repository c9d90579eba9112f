/**
 * Replaying the two dead-letter queues after the cause is fixed (`npm run replay -- sync|timers`).
 *
 * - sync: each message of the crm-sync DLQ is sent back to the sync queue as it was, then deleted from
 *   the DLQ. crm-sync is idempotent per lead (conditional writes, task key), so a replay that overlaps a
 *   sweeper re-queue does no harm.
 * - timers: the timer DLQ holds what EventBridge Scheduler could not deliver to the timer queue (the body
 *   is the timer's input, `{leadId, attempt}`), breach-queue messages sla-breach failed on every receive
 *   (the same body, moved by the queue's redrive policy), and, from timers armed before the timer queue,
 *   sla-breach runs that failed every retry (a Lambda destination record, whose `requestPayload` is that input). Each is re-armed as a one-time schedule a minute from now; sla-breach
 *   verifies the lead before acting, so a lead touched since is left alone.
 *
 * A message that cannot be read is left in the DLQ and reported. Nothing is deleted before its replay
 * was accepted.
 */
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { timerInput } from '../app/breach.ts';
import type { Timers } from '../app/ports.ts';

export { timerInput };

/** What a replay did. */
export interface ReplayReport {
  replayed: number;
  /** Message ids left in the DLQ, with why. */
  skipped: { messageId: string; reason: string }[];
}

/** Receives every message of `dlqUrl` once (10 at a time) and hands each to `replay`; deletes the replayed ones. */
async function drain(
  sqs: SQSClient,
  dlqUrl: string,
  replay: (body: string) => Promise<string | undefined>,
  dryRun: boolean,
): Promise<ReplayReport> {
  const report: ReplayReport = { replayed: 0, skipped: [] };
  const seen = new Set<string>();
  for (;;) {
    const r = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: 10,
        // Long enough to replay the batch; a skipped message comes back after it, not during this run.
        VisibilityTimeout: 300,
        WaitTimeSeconds: 1,
      }),
    );
    const messages = (r.Messages ?? []).filter((m) => !seen.has(m.MessageId ?? ''));
    if (!messages.length) return report;
    for (const m of messages) {
      seen.add(m.MessageId ?? '');
      const problem = dryRun ? undefined : await replay(m.Body ?? '');
      if (problem || dryRun) {
        if (problem) report.skipped.push({ messageId: m.MessageId ?? '', reason: problem });
        else report.replayed++;
        continue;
      }
      await sqs.send(new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: m.ReceiptHandle }));
      report.replayed++;
    }
  }
}

/** Moves the crm-sync DLQ back onto the sync queue. */
export function replaySync(
  sqs: SQSClient,
  urls: { deadLetterQueueUrl: string; queueUrl: string },
  dryRun = false,
): Promise<ReplayReport> {
  return drain(
    sqs,
    urls.deadLetterQueueUrl,
    async (body) => {
      await sqs.send(new SendMessageCommand({ QueueUrl: urls.queueUrl, MessageBody: body }));
      return undefined;
    },
    dryRun,
  );
}

/** Re-arms every timer in the timer DLQ to fire within the next minutes. */
export function replayTimers(
  sqs: SQSClient,
  deadLetterQueueUrl: string,
  timers: Timers,
  now: number,
  dryRun = false,
): Promise<ReplayReport> {
  // Scheduler has one-minute precision: two minutes ahead is never in the past when it arrives.
  const at = new Date(Math.ceil(now / 60_000) * 60_000 + 60_000);
  return drain(
    sqs,
    deadLetterQueueUrl,
    async (body) => {
      const input = timerInput(body);
      if (!input) return 'not a leadclock timer ({leadId, attempt} or a Lambda destination record)';
      await timers.arm(input.leadId, input.attempt, at);
      return undefined;
    },
    dryRun,
  );
}
