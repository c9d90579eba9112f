/** The crm-sync queue on SQS (SYNC_QUEUE_URL). */
import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsSyncQueue } from '../adapters/sqs-sync-queue.ts';
import type { Factory, Ports } from './context.ts';

/** SqsSyncQueue on `client` (a default client when omitted). */
export function sqsSyncQueue(client?: SQSClient): Factory<Ports['queue']> {
  return ({ settings: s }) =>
    s.SYNC_QUEUE_URL ? new SqsSyncQueue(client ?? new SQSClient({}), s.SYNC_QUEUE_URL) : undefined;
}
