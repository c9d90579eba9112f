/**
 * SLA breach: the timer fired. Verify, then escalate rung by rung: notify (SNS, filtered per team and
 * rung), reassign to the next eligible rep, or park. Safe under duplicate, late and concurrent delivery:
 * a stale attempt is a no-op, the breach itself is a conditional write, and a short lease keeps two
 * deliveries from escalating the same breach.
 */
import { add } from '../domain/clock.ts';
import { type Policy, tierCalendar } from '../domain/compile.ts';
import { formatDuration } from '../domain/duration.ts';
import {
  type EscalationStep,
  escalationStep,
  ladderFor,
  repSmsNow,
  smsKey,
  smsRecipients,
} from '../domain/escalation.ts';
import type { LeadFacts } from '../domain/lead.ts';
import { assignmentMessage, breachMessage, gsm } from '../domain/messages.ts';
import { earliestTouch } from '../domain/touch.ts';
import { assign, releaseUnlessHeld } from './assign.ts';
import { noteSlaResult } from './auto-pause.ts';
import { messageLead } from './crm-sync.ts';
import { applyChange, markArmed, requestSync } from './lead-events.ts';
import type {
  AvailabilityStore,
  Clock,
  Crm,
  LeadRecord,
  LeadStore,
  Log,
  Metrics,
  Notifier,
  SyncQueue,
  Timers,
} from './ports.ts';

/** What the breach handler needs. */
export interface BreachDeps {
  policy: Policy;
  store: LeadStore;
  timers: Timers;
  queue: SyncQueue;
  notifier: Notifier;
  crm: Crm;
  clock: Clock;
  log: Log;
  hubspotAppUrl?: string;
  metrics?: Metrics;
  /** The availability overlay: a breach counts towards the rep's auto-pause. */
  availability?: AvailabilityStore;
}

/** What happened. */
export type BreachOutcome =
  | { kind: 'noop'; reason: string }
  | { kind: 'early'; dueAt: string }
  | { kind: 'late_touch'; at: string }
  | { kind: 'breached'; rung: number; action: EscalationStep['action']; ownerId?: string; queue?: string };

/** How long one delivery holds the right to escalate a breach; a crashed delivery is resumed after it. */
const LEASE_SECONDS = 60;
/** How long a page's claim is kept: longer than any retry of the same breach. */
const PAGE_CLAIM_SECONDS = 30 * 86_400;
/** How soon a breach deferred because the owner was not told yet is looked at again. */
const UNTOLD_RETRY_MS = 60_000;
/** Within this lateness a failed HubSpot check is retried; past it the breach goes ahead unverified. */
const VERIFY_GRACE_MS = 15 * 60_000;
/** How soon a timer whose breach run failed fires again (handleBreachMessages). */
export const BREACH_RETRY_MS = 60_000;
/** Past this lateness a failing breach is no longer put back as a timer; the queue redelivers it, then dead-letters it. */
const RETRY_BY_TIMER_MS = 60 * 60_000;

/** Handles one timer firing `{leadId, attempt}`. */
export async function handleBreach(
  deps: BreachDeps,
  input: { leadId: string; attempt: number },
): Promise<BreachOutcome> {
  const { store, log } = deps;
  const lead = await store.getLead(input.leadId);
  if (!lead) return noop(deps, input, 'unknown lead');
  if (lead.attempt !== input.attempt)
    return noop(deps, input, `stale attempt (lead is on attempt ${lead.attempt})`);
  if (!['routed', 'unroutable', 'breached'].includes(lead.status))
    return noop(deps, input, `lead is ${lead.status}`);
  // A lead in its team's waiting room escalates from there, once (shared/app/waiting-room.ts).
  if (lead.status === 'unroutable' && lead.waiting) return noop(deps, input, 'waiting in the waiting room');
  const now = deps.clock.now();
  if (now < Date.parse(lead.dueAt)) {
    // The first owner's reminder (the timer fires there first), once, then back to the deadline.
    if (
      lead.remindAt &&
      lead.attempt === 1 &&
      lead.status === 'routed' &&
      now >= Date.parse(lead.remindAt) - 60_000 &&
      (await store.once(`remind:${lead.leadId}`, 86_400))
    )
      await remindOwner(deps, lead, now);
    // Fired early (a reminder, a moved deadline, or clock skew): put the timer back.
    await deps.timers.arm(lead.leadId, lead.attempt, new Date(lead.dueAt));
    return { kind: 'early', dueAt: lead.dueAt };
  }
  if (lead.status === 'routed' && lead.mode === 'live' && lead.notifiedAttempt < lead.attempt) {
    // Nobody is paged about a rep who has not been told about the lead yet (its sync is still on its way):
    // look again in a minute. The sync's own retries and the sweeper bring the news; the deadline stands.
    await deps.timers.arm(lead.leadId, lead.attempt, new Date(now + UNTOLD_RETRY_MS));
    await store.putEvent({
      leadId: lead.leadId,
      at: lead.dueAt,
      type: 'breach_deferred',
      ref: String(lead.attempt),
      data: { reason: 'the owner has not been told about the lead yet', sync: lead.sync },
    });
    return noop(deps, input, 'owner not told yet; breach deferred');
  }
  if (!(await store.once(`escalate:${lead.leadId}:${lead.attempt}`, LEASE_SECONDS))) {
    return noop(deps, input, 'another delivery is escalating this breach');
  }

  let breached = lead;
  if (lead.status !== 'breached') {
    const lateMs = now - Date.parse(lead.dueAt);
    const verified = await verify(deps, lead, lateMs);
    if (verified.touchedAt) {
      await applyChange(deps, lead.leadId, {
        kind: 'touch',
        at: verified.touchedAt,
        via: 'hubspot_activity',
      });
      await store.putEvent({
        leadId: lead.leadId,
        at: new Date(now).toISOString(),
        type: 'late_touch',
        ref: String(lead.attempt),
        data: { touchedAt: verified.touchedAt },
      });
      log.info('deadline passed but HubSpot shows activity: late touch, no page', { leadId: lead.leadId });
      return { kind: 'late_touch', at: verified.touchedAt };
    }
    // Conditional on the status and attempt, not the version: a CRM sync bumping the version must not
    // make the breach give up (the lease already rules out a second escalator).
    const next = await store.updateLead(
      lead.leadId,
      { status: ['routed', 'unroutable'], attempt: lead.attempt },
      {
        status: 'breached',
        breachCount: lead.breachCount + 1,
        ...(lead.ownerId ? { missedBy: [...(lead.missedBy ?? []), lead.ownerId] } : {}),
        breachedAt: lead.breachedAt ?? new Date(now).toISOString(),
      },
    );
    if (!next) {
      await store.forget(`escalate:${lead.leadId}:${lead.attempt}`);
      return noop(deps, input, 'lead changed while breaching (touched or escalated elsewhere)');
    }
    breached = next;
    deps.metrics?.count('Breaches');
    await noteSlaResult(deps, lead, true);
    await store.putEvent({
      leadId: lead.leadId,
      at: new Date(now).toISOString(),
      type: 'breached',
      ref: String(lead.attempt),
      data: {
        ownerId: lead.ownerId,
        teamId: lead.teamId,
        dueAt: lead.dueAt,
        lateMs,
        verified: verified.checked,
        breachCount: next.breachCount,
      },
    });
  }
  try {
    return await escalate(deps, breached, now);
  } catch (e) {
    // The Scheduler retries a throw: let the retry resume now rather than find the lease held and stop.
    await store.forget(`escalate:${lead.leadId}:${lead.attempt}`).catch(() => undefined);
    throw e;
  }
}

/** How many timers of one batch are escalated at once (each is a handful of DynamoDB, SNS and SQS calls). */
const BATCH_CONCURRENCY = 10;

/**
 * A batch of timers (an SQS batch from the timer queue): HubSpot is asked once for every contact the
 * batch will verify (`Crm.contactActivities`: about 5 calls per 100 leads instead of 4 per lead), then
 * each timer runs as {@link handleBreach}. The prefetch only saves calls: a lead it skipped or missed is
 * verified alone, and a failed prefetch fails the verification of the leads it was for, exactly as a
 * failed single check does (retried within the grace period, then escalated unverified).
 * Returns one settled result per input, in order.
 */
export async function handleBreaches(
  deps: BreachDeps,
  inputs: readonly { leadId: string; attempt: number }[],
): Promise<PromiseSettledResult<BreachOutcome>[]> {
  const now = deps.clock.now();
  const leads = await Promise.all(inputs.map((i) => deps.store.getLead(i.leadId).catch(() => undefined)));
  const contactIds = [
    ...new Set(
      leads
        .filter((l, k): l is LeadRecord => !!l && verifiesNow(deps, l, inputs[k] as { attempt: number }, now))
        .map((l) => l.hubspotContactId as string),
    ),
  ];
  let batchDeps = deps;
  if (contactIds.length > 1) {
    const answered = await Promise.resolve()
      .then(() => deps.crm.contactActivities(contactIds))
      .then(
        (found) => ({ found }),
        (error: unknown) => ({ error }),
      );
    if ('error' in answered)
      deps.log.warn('HubSpot batch verification failed', {
        leads: contactIds.length,
        error: String(answered.error),
      });
    const asked = new Set(contactIds);
    const crm = deps.crm;
    const fromBatch = async (contactId: string) => {
      if (!asked.has(contactId)) return crm.contactActivity(contactId);
      if ('error' in answered) throw answered.error;
      return answered.found.get(contactId) ?? crm.contactActivity(contactId);
    };
    batchDeps = {
      ...deps,
      policy: deps.policy,
      // Every other method goes to the adapter itself (its private fields need it as `this`).
      crm: new Proxy(crm, {
        get(target, key) {
          if (key === 'contactActivity') return fromBatch;
          const v = Reflect.get(target, key, target);
          return typeof v === 'function' ? v.bind(target) : v;
        },
      }),
    };
  }
  const results: PromiseSettledResult<BreachOutcome>[] = new Array(inputs.length);
  let next = 0;
  const worker = async () => {
    for (let k = next++; k < inputs.length; k = next++) {
      try {
        results[k] = {
          status: 'fulfilled',
          value: await handleBreach(batchDeps, inputs[k] as (typeof inputs)[0]),
        };
      } catch (reason) {
        results[k] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, inputs.length) }, worker));
  return results;
}

/**
 * The timer queue's SQS batch (the Scheduler sends each timer's `{leadId, attempt}` there): runs them as
 * {@link handleBreaches} and returns the ids of the messages to deliver again. A malformed body is logged
 * and dropped: delivering it again cannot help.
 */
export async function handleBreachMessages(
  deps: BreachDeps,
  messages: readonly { id: string; body: string }[],
  opts: { retryAfterMs?: number } = {},
): Promise<string[]> {
  const valid: { id: string; input: { leadId: string; attempt: number } }[] = [];
  for (const m of messages) {
    const input = timerInput(m.body);
    if (input) valid.push({ id: m.id, input });
    else deps.log.error('breach timer with a malformed input; dropped', { input: m.body.slice(0, 200) });
  }
  const results = await handleBreaches(
    deps,
    valid.map((v) => v.input),
  );
  const failed: string[] = [];
  await Promise.all(
    results.map(async (r, k) => {
      if (r.status === 'fulfilled') return;
      const { id, input } = valid[k] as (typeof valid)[0];
      // A failed run (HubSpot could not verify, a publish or a write failed) is resumable: its timer is put
      // back to fire again in a minute, sooner than the queue's redelivery after its visibility timeout.
      // An hour past the deadline, or when the timer cannot be put back, the message is delivered again
      // instead, and after its last receive it is dead-lettered, where an alarm sees it.
      try {
        const retryInMs = opts.retryAfterMs ?? BREACH_RETRY_MS;
        const lead = await deps.store.getLead(input.leadId);
        const now = deps.clock.now();
        if (lead && now - Date.parse(lead.dueAt) > RETRY_BY_TIMER_MS)
          throw new Error('an hour past the deadline: left to the queue and its DLQ');
        await deps.timers.arm(input.leadId, input.attempt, new Date(now + retryInMs));
        deps.log.warn('breach run failed; its timer fires again', {
          leadId: input.leadId,
          attempt: input.attempt,
          retryInMs,
          error: String(r.reason),
        });
      } catch (armError) {
        deps.log.error('breach run failed and its timer could not be put back; SQS delivers it again', {
          leadId: input.leadId,
          attempt: input.attempt,
          error: String(r.reason),
          armError: String(armError),
        });
        failed.push(id);
      }
    }),
  );
  return failed;
}

/**
 * `{leadId, attempt}` of a timer message: the Scheduler's input, or the payload of a Lambda on-failure
 * destination record (timers armed before the timer queue invoked sla-breach directly); else undefined.
 */
export function timerInput(body: string): { leadId: string; attempt: number } | undefined {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    return undefined;
  }
  const payload = (v as { requestPayload?: unknown })?.requestPayload ?? v;
  const { leadId, attempt } = (payload ?? {}) as { leadId?: unknown; attempt?: unknown };
  if (typeof leadId !== 'string' || !leadId || !Number.isInteger(attempt)) return undefined;
  return { leadId, attempt: attempt as number };
}

/** Whether `handleBreach` would verify this lead in HubSpot now (the gates before `verify`, read only). */
function verifiesNow(deps: BreachDeps, lead: LeadRecord, input: { attempt: number }, now: number): boolean {
  return (
    lead.attempt === input.attempt &&
    (lead.status === 'routed' || lead.status === 'unroutable') &&
    !(lead.status === 'unroutable' && lead.waiting) &&
    now >= Date.parse(lead.dueAt) &&
    !(lead.status === 'routed' && lead.mode === 'live' && lead.notifiedAttempt < lead.attempt) &&
    deps.policy.doc.escalation.verifyInHubSpot &&
    lead.mode !== 'shadow' &&
    !!lead.hubspotContactId
  );
}

async function verify(
  deps: BreachDeps,
  lead: LeadRecord,
  lateMs: number,
): Promise<{ checked: boolean; touchedAt?: string }> {
  if (!deps.policy.doc.escalation.verifyInHubSpot || lead.mode === 'shadow' || !lead.hubspotContactId)
    return { checked: false };
  try {
    const found = await deps.crm.contactActivity(lead.hubspotContactId);
    // A 404 is HubSpot's answer (deleted, or merged away untraceably), not an outage: nobody can have
    // worked the contact, so the breach goes ahead on time.
    if (found.contact === 'deleted') {
      deps.log.warn('HubSpot contact deleted; breaching on time', { leadId: lead.leadId });
      return { checked: true };
    }
    if (found.mergedFrom) {
      // Merged in HubSpot: the surviving contact carries the lead from now on (sync, tasks, verification).
      await deps.store.updateLead(lead.leadId, {}, { hubspotContactId: found.contactId });
      // Webhooks now name the survivor: map it to this lead unless another lead holds it.
      await deps.store.claimPointer('contact', found.contactId, lead.leadId);
      deps.log.info('HubSpot contact merged; following the surviving contact', { leadId: lead.leadId });
    }
    // The earliest rep touch after assignment (domain/touch.ts); never the contact's own engagement.
    const touchedAt = earliestTouch(found.facts, deps.policy.doc.touch, lead.assignedAt, deps.clock.now());
    return { checked: true, touchedAt };
  } catch (e) {
    if (lateMs < VERIFY_GRACE_MS) {
      // Paging on an unverified breach risks a false page: try again shortly (handleBreachMessages puts the
      // timer back a minute later; a direct run is retried by Lambda, the sweeper's by its next sweep).
      await deps.store.forget(`escalate:${lead.leadId}:${lead.attempt}`);
      throw new Error(`could not verify lead ${lead.leadId} in HubSpot; retrying`, { cause: e });
    }
    deps.log.warn('HubSpot unreachable for too long; escalating unverified', {
      leadId: lead.leadId,
      error: String(e),
    });
    return { checked: false };
  }
}

function noop(deps: BreachDeps, input: { leadId: string; attempt: number }, reason: string): BreachOutcome {
  deps.log.info('breach timer: nothing to do', { leadId: input.leadId, attempt: input.attempt, reason });
  return { kind: 'noop', reason };
}

function factsOf(lead: LeadRecord): LeadFacts {
  return {
    ...lead.input,
    region: lead.region,
    domain: lead.domain,
    freeMail: lead.freeMail,
    targetAccount: lead.targetAccount,
  };
}

async function escalate(deps: BreachDeps, lead: LeadRecord, now: number): Promise<BreachOutcome> {
  const { policy, store } = deps;
  const tier = policy.tierById.get(lead.tier) ?? policy.defaultTier;
  // The next rung after the last one taken: a fall-through (nobody to reassign to) skips rungs for good.
  // The tier's ladder, else the team's, else the default: nurture may email tomorrow while a hand-raiser pages.
  const ladder = ladderFor(policy, tier, lead.teamId);
  let step = escalationStep(
    policy,
    Math.max(lead.breachCount, (lead.escalationRung ?? 0) + 1),
    tier.windowMs,
    ladder,
  );
  const previous = [...lead.previousOwners, ...(lead.ownerId ? [lead.ownerId] : [])];
  const nowIso = new Date(now).toISOString();

  for (;;) {
    if (step.action === 'reassign' || step.action === 'notify') {
      const windowMs = step.windowMs ?? tier.windowMs;
      let target:
        | {
            ownerId?: string;
            ownerName?: string;
            teamId?: string;
            calendar: ReturnType<typeof tierCalendar>;
            holdsSlot: boolean;
            trail: string[];
          }
        | undefined;
      if (step.action === 'notify' && lead.ownerId) {
        const cal = policy.calendars.get(lead.calendarId) ?? policy.defaultCalendar;
        target = {
          ownerId: lead.ownerId,
          ownerName: lead.ownerName,
          teamId: lead.teamId,
          calendar: cal,
          holdsSlot: lead.holdsSlot,
          trail: lead.trail,
        };
      } else if (step.action === 'reassign') {
        const { decision, holdsSlot } = await assign(policy, store, {
          lead: factsOf(lead),
          tier,
          now,
          leadId: lead.leadId,
          exclude: new Set(previous),
          team: lead.teamId,
          windowMs,
        });
        if (decision.kind === 'owner' && decision.ownerId) {
          target = {
            ownerId: decision.ownerId,
            ownerName: decision.ownerName,
            teamId: decision.teamId ?? lead.teamId,
            calendar: decision.calendar,
            holdsSlot,
            trail: decision.trail,
          };
        } else {
          await store.putEvent({
            leadId: lead.leadId,
            at: nowIso,
            type: 'escalation_skipped',
            ref: `${lead.attempt}:${step.rung}`,
            data: { rung: step.rung, reason: 'nobody eligible to reassign to', trail: decision.trail },
          });
          // Falls through to the next rung; past the ladder that is a park, so this ends.
          step = escalationStep(policy, step.rung + 1, tier.windowMs, ladder);
          continue;
        }
      }
      if (!target) {
        step = { ...step, action: 'park', queue: parkQueue(policy) };
        continue;
      }
      return reassign(deps, lead, step, target, windowMs, now, previous);
    }
    return park(deps, lead, step, now);
  }
}

function parkQueue(policy: Policy): string {
  return [...policy.ladder].reverse().find((r) => r.action === 'park')?.queue ?? policy.defaultQueue;
}

async function reassign(
  deps: BreachDeps,
  lead: LeadRecord,
  step: EscalationStep,
  target: {
    ownerId?: string;
    ownerName?: string;
    teamId?: string;
    calendar: ReturnType<typeof tierCalendar>;
    holdsSlot: boolean;
    trail: string[];
  },
  windowMs: number,
  now: number,
  previous: string[],
): Promise<BreachOutcome> {
  const { policy, store } = deps;
  const tier = policy.tierById.get(lead.tier) ?? policy.defaultTier;
  const cal = tierCalendar(tier, target.calendar);
  const sameOwner = target.ownerId === lead.ownerId;
  const attempt = lead.attempt + 1;
  const dueAt = new Date(add(now, windowMs, cal)).toISOString();
  const oldTask = lead.tasks[String(lead.attempt)];
  // Page before the commit, while the lead is still breached on this attempt: a failed page throws and the
  // retry finds the lead as it was and pages again. Paged after the commit, a failure made every retry a
  // stale attempt: the page was lost, and the new owner's timer and sync waited for the sweeper.
  try {
    await notifyBreach(deps, lead, step, now, target.ownerId);
  } catch (e) {
    if (!sameOwner && target.holdsSlot && target.ownerId)
      await releaseUnlessHeld(store, target.ownerId, lead.leadId);
    throw e;
  }
  const next = await store.updateLead(
    lead.leadId,
    { status: ['breached'], attempt: lead.attempt },
    {
      status: 'routed',
      ownerId: target.ownerId,
      ownerName: target.ownerName ?? null,
      teamId: target.teamId ?? null,
      queueId: null,
      attempt,
      assignedAt: new Date(now).toISOString(),
      dueAt,
      calendarId: cal.id,
      previousOwners: sameOwner ? lead.previousOwners : previous,
      holdsSlot: target.holdsSlot,
      trail: sameOwner
        ? lead.trail
        : [...lead.trail, `breach rung ${step.rung}: reassigned`, ...target.trail],
      timer: 'pending',
      sync: 'pending',
      escalationRung: step.rung,
      closeTasks: !sameOwner && oldTask && step.oldTask === 'complete' ? [oldTask] : null,
      // The new owner is told by crm-sync (assignment); notifiedAttempt stays behind the new attempt.
    },
  );
  if (!next) {
    // A touch or a manual reassignment won the race: the slot routing just took for the new owner goes back.
    if (!sameOwner && target.holdsSlot && target.ownerId)
      await releaseUnlessHeld(store, target.ownerId, lead.leadId);
    return { kind: 'noop', reason: 'lead changed during escalation' };
  }
  if (!sameOwner && lead.holdsSlot && lead.ownerId) await store.releaseSlot(lead.ownerId, lead.leadId);
  await store.putEvent({
    leadId: lead.leadId,
    at: next.assignedAt,
    type: sameOwner ? 'escalated' : 'reassigned',
    ref: String(attempt),
    data: { rung: step.rung, from: lead.ownerId, to: target.ownerId, dueAt, summary: step.summary },
  });
  try {
    await deps.timers.arm(lead.leadId, attempt, new Date(dueAt));
    await markArmed(deps, lead.leadId, attempt);
  } catch (e) {
    deps.log.error('arming the new timer failed; the sweeper will re-arm', {
      leadId: lead.leadId,
      error: String(e),
    });
  }
  try {
    // Marked before the send, so a sync that finishes first is not marked queued again after it.
    await store.updateLead(
      lead.leadId,
      { attempt },
      { sync: 'queued', syncRequestedAt: new Date(deps.clock.now()).toISOString() },
    );
    await deps.queue.send([{ leadId: lead.leadId, reason: 'assigned', attempt }]);
  } catch (e) {
    deps.log.error('queueing the reassignment sync failed; the sweeper will re-queue', {
      leadId: lead.leadId,
      error: String(e),
    });
    await store
      .updateLead(
        lead.leadId,
        { attempt },
        { sync: 'pending', syncRequestedAt: lead.syncRequestedAt ?? null },
      )
      .catch(() => undefined);
  }
  return { kind: 'breached', rung: step.rung, action: step.action, ownerId: target.ownerId };
}

async function park(
  deps: BreachDeps,
  lead: LeadRecord,
  step: EscalationStep,
  now: number,
): Promise<BreachOutcome> {
  const { policy, store } = deps;
  const queue = step.queue ?? parkQueue(policy);
  // Paged before the commit, as in reassign: a failed page is retried, never lost behind a parked lead.
  await notifyBreach(deps, lead, step, now, undefined);
  const next = await store.updateLead(
    lead.leadId,
    { status: ['breached'], attempt: lead.attempt },
    {
      status: 'parked',
      escalationRung: step.rung,
      sync: 'pending',
      queueId: queue,
      holdsSlot: false,
      previousOwners: lead.ownerId ? [...lead.previousOwners, lead.ownerId] : lead.previousOwners,
      ownerId: policy.queues.get(queue)?.ownerId ?? null,
      ownerName: null,
    },
  );
  if (!next) return { kind: 'noop', reason: 'lead changed during escalation' };
  deps.metrics?.count('Parked');
  if (lead.holdsSlot && lead.ownerId) await store.releaseSlot(lead.ownerId, lead.leadId);
  await store.putEvent({
    leadId: lead.leadId,
    at: new Date(now).toISOString(),
    type: 'parked',
    ref: String(lead.attempt),
    data: { rung: step.rung, queue, from: lead.ownerId, summary: step.summary },
  });
  await requestSync(deps, next);
  return { kind: 'breached', rung: step.rung, action: 'park', queue };
}

async function notifyBreach(
  deps: BreachDeps,
  lead: LeadRecord,
  step: EscalationStep,
  now: number,
  newOwner: string | undefined,
): Promise<void> {
  const ref = `${lead.attempt}:${step.rung}`;
  if (lead.mode === 'shadow') {
    await deps.store.putEvent({
      leadId: lead.leadId,
      at: new Date(now).toISOString(),
      type: 'shadow_notify',
      ref,
      data: { rung: step.rung, audience: step.notify },
    });
    return;
  }
  if (step.notify.length === 0) return;
  // Claimed before the publish: a DynamoDB failure after it makes the Scheduler retry, and the retry finds
  // the claim and does not page again. A failed publish gives the claim back, so the retry pages.
  const claim = `paged:${lead.leadId}:${ref}`;
  if (!(await deps.store.once(claim, PAGE_CLAIM_SECONDS))) return;
  const ownerName = (id: string | undefined) => (id ? (findName(deps.policy, id) ?? id) : undefined);
  const lateMs = now - Date.parse(lead.dueAt);
  const m = breachMessage(messageLead(deps.policy, lead, deps.hubspotAppUrl), {
    lateMs,
    rung: step.rung,
    previousOwner: ownerName(lead.ownerId),
    newOwner: ownerName(newOwner),
    action: step.action,
  });
  const page = {
    type: 'breach' as const,
    subject: m.subject,
    body: m.body,
    sms: m.sms,
    attributes: {
      ownerId: lead.ownerId,
      // Outside every team (an existing or account owner, a queue lead): the ops team's managers.
      teamId: lead.teamId ?? deps.policy.opsTeam,
      tier: lead.tier,
      rung: step.rung,
      audience: step.notify,
      // Quiet hours: only these people's SMS subscriptions match; everyone reached still gets email.
      smsTo: smsRecipients(
        deps.policy,
        lead.teamId ? deps.policy.teams.get(lead.teamId) : undefined,
        lead.ownerId,
        step,
        deps.policy.tierById.get(lead.tier),
        now,
      ),
    },
  };
  try {
    await deps.notifier.publish(page);
  } catch (e) {
    await deps.store.forget(claim).catch(() => undefined);
    throw e;
  }
  await deps.store.putEvent({
    leadId: lead.leadId,
    at: new Date(now).toISOString(),
    type: 'breach_notified',
    ref,
    data: { rung: step.rung, audience: step.notify, late: formatDuration(lateMs) },
  });
}

/** The reminder to the owner before the deadline: their own messages (audience rep), SMS within their hours. */
async function remindOwner(deps: BreachDeps, lead: LeadRecord, now: number): Promise<void> {
  const tier = deps.policy.tierById.get(lead.tier);
  const rep = lead.teamId
    ? deps.policy.teams.get(lead.teamId)?.members.find((m) => m.ownerId === lead.ownerId)
    : undefined;
  if (lead.mode === 'live') {
    const m = assignmentMessage(messageLead(deps.policy, lead, deps.hubspotAppUrl));
    await deps.notifier.publish({
      type: 'reminder',
      subject: `Reminder: ${m.subject}`,
      body: `Reminder: this lead is still waiting for your first touch.\n\n${m.body}`,
      sms: gsm(`Reminder: ${m.sms}`),
      attributes: {
        ownerId: lead.ownerId,
        teamId: lead.teamId,
        tier: lead.tier,
        audience: ['rep'],
        smsTo: rep?.phone && repSmsNow(rep, tier, now) ? [smsKey(rep.phone)] : [],
      },
    });
  }
  await deps.store.putEvent({
    leadId: lead.leadId,
    at: new Date(now).toISOString(),
    type: lead.mode === 'live' ? 'reminded' : 'shadow_remind',
    ref: `${lead.attempt}`,
    data: { ownerId: lead.ownerId, dueAt: lead.dueAt },
  });
}

function findName(policy: Policy, ownerId: string): string | undefined {
  for (const t of policy.teams.values()) {
    const m = t.members.find((x) => x.ownerId === ownerId);
    if (m) return m.name;
  }
  return undefined;
}
