/** Every 5 minutes: fire lost breaches, re-arm unarmed timers, re-queue stuck CRM syncs; drain the waiting rooms. */
import { type SweepReport, sweep } from '../../shared/app/sweeper.ts';
import { type DrainReport, tickWaitingRoom } from '../../shared/app/waiting-room.ts';
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

/** The Lambda handler. */
export const handler = eventHandler<unknown, SweepReport & { waitingRoom?: DrainReport }>(async () => {
  const report = await sweep(rt);
  // Reps come on duty and pauses end without an event: the sweep is when their waiting leads move.
  const waiting = rt.waiting;
  return waiting ? { ...report, waitingRoom: await tickWaitingRoom({ ...rt, waiting }) } : report;
});
