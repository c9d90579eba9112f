/** EventBridge Scheduler target, input `{leadId, attempt}`: verify, then escalate the breach. */
import { type BreachOutcome, handleBreach } from '../../shared/app/breach.ts';
import { eventHandler } from '../../shared/http/chain.ts';
import { hubspotCrm } from '../../shared/wiring/hubspot.ts';
import { snsNotifier } from '../../shared/wiring/notifier.ts';
import { sqsSyncQueue } from '../../shared/wiring/queue.ts';
import { runtimeFromEnv } from '../../shared/wiring/runtime.ts';
import { dynamoStore } from '../../shared/wiring/store.ts';
import { schedulerTimers } from '../../shared/wiring/timers.ts';

const rt = await runtimeFromEnv({
  store: dynamoStore(),
  timers: schedulerTimers(),
  queue: sqsSyncQueue(),
  notifier: snsNotifier(),
  hubspot: hubspotCrm(),
});

/** Unwrapped handler. A malformed input is logged and dropped: retrying it cannot help. */
export async function breachHandler(event: unknown): Promise<BreachOutcome> {
  const e = event as { leadId?: unknown; attempt?: unknown };
  if (typeof e?.leadId !== 'string' || !Number.isInteger(e.attempt)) {
    rt.log.error('breach timer with a malformed input; dropped', {
      input: JSON.stringify(event).slice(0, 200),
    });
    return { kind: 'noop', reason: 'malformed input' };
  }
  return handleBreach(rt, { leadId: e.leadId, attempt: e.attempt as number });
}

/** The Lambda handler. */
export const handler = eventHandler<unknown, BreachOutcome>(breachHandler);
