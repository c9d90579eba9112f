/** EventBridge Scheduler target, input `{leadId, attempt}`: verify, then escalate the breach. */
import { type BreachOutcome, handleBreach } from '../../shared/app/breach.ts';
import { hubspotCrm } from '../../shared/app/wiring/hubspot.ts';
import { snsNotifier } from '../../shared/app/wiring/notifier.ts';
import { sqsSyncQueue } from '../../shared/app/wiring/queue.ts';
import { runtimeFromEnv } from '../../shared/app/wiring/runtime.ts';
import { dynamoStore } from '../../shared/app/wiring/store.ts';
import { schedulerTimers } from '../../shared/app/wiring/timers.ts';
import { eventHandler } from '../../shared/http/chain.ts';

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
