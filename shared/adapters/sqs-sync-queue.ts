/** The crm-sync queue on SQS. */
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SyncMessage, SyncQueue } from '../app/ports.ts';

/** SyncQueue on SQS: batches of 10, retrying entries SQS reports as failed. */
export class SqsSyncQueue implements SyncQueue {
  readonly #client: SQSClient;
  readonly #url: string;

  constructor(client: SQSClient, queueUrl: string) {
    this.#client = client;
    this.#url = queueUrl;
  }

  async send(messages: readonly SyncMessage[], opts: { delaySeconds?: number } = {}): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      let entries = messages.slice(i, i + 10).map((m, k) => ({
        Id: String(k),
        MessageBody: JSON.stringify(m),
        ...(opts.delaySeconds ? { DelaySeconds: opts.delaySeconds } : {}),
      }));
      for (let tries = 0; entries.length; tries++) {
        const r = await this.#client.send(
          new SendMessageBatchCommand({ QueueUrl: this.#url, Entries: entries }),
        );
        const failed = new Set((r.Failed ?? []).map((f) => f.Id));
        entries = entries.filter((e) => failed.has(e.Id));
        if (entries.length && tries >= 4)
          throw new Error(`SQS refused ${entries.length} sync message(s) after retries`);
        if (entries.length) await new Promise((res) => setTimeout(res, 50 * 2 ** tries));
      }
    }
  }
}
