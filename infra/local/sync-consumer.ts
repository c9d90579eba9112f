/**
 * crm-sync as the SQS trigger invokes it, and the messages between the local stack and the crm-sync
 * thread: one module that both import (stack.ts starts the thread, sync-thread.ts runs the consumer).
 */
import { type SyncDeps, syncBatch } from '../../shared/app/crm-sync.ts';
import type { Log } from '../../shared/app/ports.ts';
import type { SqsBatchResponse, SqsEventRecord } from './aws/sqs.ts';

/** What the owner sends the thread at start. */
export interface SyncThreadData {
  env: Record<string, string>;
  endpoints: { dynamo: string; scheduler: string; sns: string; sqs: string };
  taskLeaseSeconds: number;
  /** A fixed clock (benchmarks); the system clock otherwise. */
  fixedNow?: number;
}

/** Messages between the thread and its owner. */
export type SyncThreadMessage =
  | { kind: 'batch'; id: number; event: { Records: SqsEventRecord[] } }
  | { kind: 'done'; id: number; response?: SqsBatchResponse; error?: string }
  | { kind: 'log'; level: keyof Log; message: string; data?: Record<string, unknown> };

/** crm-sync as the SQS trigger invokes it, with partial batch responses. */
export function syncConsumer(
  deps: SyncDeps,
  taskLeaseSeconds?: number,
): (event: { Records: SqsEventRecord[] }) => Promise<SqsBatchResponse> {
  // A view over `deps`, not a copy: the policy is read per batch (a published policy applies without a restart).
  const withLease: SyncDeps =
    taskLeaseSeconds === undefined
      ? deps
      : Object.create(deps, { taskLeaseSeconds: { value: taskLeaseSeconds } });
  return async (event) => {
    const failed = await syncBatch(
      withLease,
      event.Records.map((r) => ({
        id: r.messageId,
        body: r.body,
        receiveCount: Number(r.attributes.ApproximateReceiveCount ?? 1),
      })),
    );
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
