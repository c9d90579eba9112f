/**
 * Notifications for Slack (and Teams) through AWS Chatbot, now Amazon Q Developer in chat applications,
 * subscribed to the notification topic. It renders only messages in its custom-notification event
 * format: `version` "1.0", `source` "custom", `content` {textType "client-markdown", title, description,
 * nextSteps, keywords} and optional `metadata` (threadId, summary, eventType, additionalContext), per
 * https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html ("Event schema", "Parameter
 * details"). The SNS notifier sends it as the `https` body of a per-protocol message: email and SMS keep
 * their own text, and the chat service's HTTPS subscription receives this.
 */

/** A custom notification as Amazon Q Developer in chat applications documents it. */
export interface ChatNotification {
  version: '1.0';
  source: 'custom';
  id?: string;
  content: {
    textType: 'client-markdown';
    title: string;
    description: string;
    nextSteps?: string[];
    keywords?: string[];
  };
  metadata?: {
    threadId?: string;
    summary?: string;
    eventType?: string;
    additionalContext?: Record<string, string>;
  };
}

/** What a notification says, for chat. */
export interface ChatInput {
  type: string;
  subject: string;
  body: string;
  tier?: string;
  teamId?: string;
  rung?: number;
  leadId?: string;
}

const EMOJI: Readonly<Record<string, string>> = {
  breach: ':rotating_light:',
  alert: ':warning:',
  assignment: ':inbox_tray:',
  repeat: ':repeat:',
};

/** The chat rendering of a notification; one thread per lead when its id is known. */
export function chatNotification(n: ChatInput): ChatNotification {
  const keywords = [n.type, n.tier, n.teamId, n.rung === undefined ? undefined : `rung ${n.rung}`].filter(
    (k): k is string => k !== undefined,
  );
  const context: Record<string, string> = {};
  if (n.tier) context.tier = n.tier;
  if (n.teamId) context.team = n.teamId;
  return {
    version: '1.0',
    source: 'custom',
    content: {
      textType: 'client-markdown',
      title: `${EMOJI[n.type] ?? ':bell:'} ${n.subject}`,
      // The documented limit is 8,000 characters for the description; ours are far shorter.
      description: n.body.slice(0, 8000),
      ...(n.type === 'breach' || n.type === 'alert'
        ? { nextSteps: ['Open the lead in HubSpot and call now, or reassign it.'] }
        : {}),
      keywords,
    },
    metadata: {
      ...(n.leadId ? { threadId: `leadclock-${n.leadId}` } : {}),
      summary: n.subject,
      eventType: `leadclock.${n.type}`,
      additionalContext: context,
    },
  };
}
