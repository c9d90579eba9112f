/** Every 5 minutes: fire lost breaches, re-arm unarmed timers, re-queue stuck CRM syncs. */
import { type SweepReport, sweep } from '../../shared/app/sweeper.ts';
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

/** The Lambda handler. */
export const handler = eventHandler<unknown, SweepReport>(() => sweep(rt));
