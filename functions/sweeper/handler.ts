/** Every 5 minutes: fire lost breaches, re-arm unarmed timers, re-queue stuck CRM syncs; drain the waiting rooms. */
import { type SweepReport, sweep } from '../../shared/app/sweeper.ts';
import { type DrainReport, tickWaitingRoom } from '../../shared/app/waiting-room.ts';
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
export const handler = eventHandler<unknown, SweepReport & { waitingRoom?: DrainReport }>(async () => {
  const report = await sweep(rt);
  // Reps come on duty and pauses end without an event: the sweep is when their waiting leads move.
  const waiting = rt.waiting;
  return waiting ? { ...report, waitingRoom: await tickWaitingRoom({ ...rt, waiting }) } : report;
});
