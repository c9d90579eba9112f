/** Notifications on SNS: one topic; attributes drive each subscriber's filter policy. */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Notification, Notifier } from '../app/ports.ts';
import { chatNotification } from '../domain/chat.ts';

/** Makes text safe for an SNS Subject: printable ASCII, no line breaks (which also rules out header injection), ≤ 100 chars. */
export function safeSubject(text: string): string {
  const s = text
    .normalize('NFKD')
    .replace(/[^\x20-\x7E]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  const t = /^[A-Za-z0-9]/.test(s) ? s : `leadclock ${s}`;
  return t.length > 100 ? `${t.slice(0, 99)}…`.replace(/…$/, '.') : t;
}

/** Notifier on an SNS topic. */
export class SnsNotifier implements Notifier {
  readonly #client: SNSClient;
  readonly #topicArn: string;

  constructor(client: SNSClient, topicArn: string) {
    this.#client = client;
    this.#topicArn = topicArn;
  }

  async publish(n: Notification): Promise<void> {
    const attrs: Record<string, { DataType: string; StringValue: string }> = {
      type: { DataType: 'String', StringValue: n.type },
    };
    const a = n.attributes;
    if (a.ownerId) attrs.ownerId = { DataType: 'String', StringValue: a.ownerId };
    if (a.teamId) attrs.teamId = { DataType: 'String', StringValue: a.teamId };
    if (a.tier) attrs.tier = { DataType: 'String', StringValue: a.tier };
    if (a.rung !== undefined) attrs.rung = { DataType: 'Number', StringValue: String(a.rung) };
    if (a.audience?.length)
      attrs.audience = { DataType: 'String.Array', StringValue: JSON.stringify(a.audience) };
    if (a.smsTo) attrs.smsTo = { DataType: 'String.Array', StringValue: JSON.stringify(a.smsTo) };
    await this.#client.send(
      new PublishCommand({
        TopicArn: this.#topicArn,
        Subject: safeSubject(n.subject),
        // Protocol-specific bodies: SMS subscribers get the short text, email the full context.
        MessageStructure: 'json',
        // `https`: the chat integration's subscription (Amazon Q Developer in chat applications) gets
        // its custom-notification format (shared/domain/chat.ts); the other protocols never see it.
        Message: JSON.stringify({
          default: n.body,
          email: n.body,
          sms: n.sms,
          https: JSON.stringify(
            chatNotification({ type: n.type, subject: n.subject, body: n.body, ...n.attributes }),
          ),
        }),
        MessageAttributes: attrs,
      }),
    );
  }
}
