/** Notifications on SNS (NOTIFY_TOPIC_ARN). */
import { SNSClient } from '@aws-sdk/client-sns';
import { SnsNotifier } from '../adapters/sns-notifier.ts';
import type { Factory, Ports } from './context.ts';

/** SnsNotifier on `client` (a default client when omitted). */
export function snsNotifier(client?: SNSClient): Factory<Ports['notifier']> {
  return ({ settings: s }) =>
    s.NOTIFY_TOPIC_ARN ? new SnsNotifier(client ?? new SNSClient({}), s.NOTIFY_TOPIC_ARN) : undefined;
}
