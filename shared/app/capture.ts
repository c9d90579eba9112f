/**
 * Capture: a new inbound lead becomes a routed lead with an owner, a deadline, a running timer and a
 * queued CRM sync, within one request and without calling HubSpot.
 */
import { createHash } from 'node:crypto';
import { add, type BusinessCalendar } from '../domain/clock.ts';
import { keepReferencedProperties, type Policy, type Tier, tierCalendar } from '../domain/compile.ts';
import { enrich } from '../domain/enrich.ts';
import { reminderTime } from '../domain/escalation.ts';
import type { LeadFacts, LeadInput } from '../domain/lead.ts';
import { CLOCK_RUNNING } from '../domain/lead.ts';
import { isHotter, qualify } from '../domain/qualify.ts';
import { assign, releaseUnlessHeld } from './assign.ts';
import { CaptureBusyError, SyncNotDurableError } from './capture-errors.ts';
import { pointerHash } from './identity.ts';
import type {
  CaptureResponse,
  Clock,
  LeadRecord,
  LeadStore,
  Log,
  Metrics,
  SyncQueue,
  Timers,
  WaitingRoom,
} from './ports.ts';
import { waitingKey } from './waiting-room.ts';

/** What capture needs. */
export interface CaptureDeps {
  policy: Policy;
  store: LeadStore;
  timers: Timers;
  queue: SyncQueue;
  clock: Clock;
  log: Log;
  /** Business metrics; none when absent. */
  metrics?: Metrics;
  /** Where leads nobody in their team can take wait (without it they go to the default queue with an alert). */
  waiting?: WaitingRoom;
}

/** A known lead whose timer is still pending this long after receipt was left unfinished by its first delivery. */
const STALE_FIRST_DELIVERY_MS = 10_000;

/** How long one delivery holds the right to route a submission. */
const DELIVERY_LEASE_SECONDS = 30;

/** How long a repeat delivery waits for a concurrent first delivery to finish before answering 503. */
const CONCURRENT_WAIT_MS = 3000;

/** A delivery this long after its submission is a late arrival: counted and flagged, its rep still gets the full window. */
export const LATE_ARRIVAL_MS = 5 * 60_000;

/** Tries to queue the CRM sync before a 202 is given without one. */
const SYNC_SEND_TRIES = 3;

/** The identity of a delivery: the source's event id, else channel + contact + form + minute. */
export function dedupeKey(input: LeadInput): string {
  if (input.sourceEventId) return `src:${input.sourceEventId}`;
  const who = pointerHash(input.email ?? input.phone ?? '');
  return `${input.channel}:${who}:${input.formId ?? input.formTitle ?? ''}:${input.submittedAt.slice(0, 16)}`;
}

/** Lead ids derive from the delivery identity, so every retry of a delivery lands on the same lead. */
export function leadIdFor(key: string): string {
  return `L${createHash('sha256').update(key).digest('base64url').slice(0, 22)}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Captures one lead. Returns the 202 body; a repeat of a delivery returns the original body. A returning
 * contact joins their earlier lead only while its clock runs; otherwise the inquiry is a new lead (or,
 * hot on a parked lead, routes that lead again).
 */
export async function captureLead(deps: CaptureDeps, given: LeadInput): Promise<CaptureResponse> {
  // A HubSpot contact carries hundreds of properties; only those the policy's conditions name are kept.
  const input = keepReferencedProperties(deps.policy, given);
  const key = dedupeKey(input);
  const leadId = leadIdFor(key);
  const identity = input.email ?? input.phone;
  const [known, facts] = await Promise.all([
    deps.store.getLead(leadId),
    factsOf(deps.policy, deps.store, input),
  ]);
  if (known) return finishKnown(deps, known);
  // One delivery of a submission routes it; concurrent copies (HubSpot retries, double clicks) wait for
  // its answer, and answer 503 when it takes longer, instead of routing too. A failed holder gives the
  // lease back so a retry can proceed at once; a crashed one loses it after the lease time.
  const lease = `capture:${leadId}`;
  if (!(await deps.store.once(lease, DELIVERY_LEASE_SECONDS))) {
    const lead = await waitForLead(deps, leadId);
    if (!lead) throw new CaptureBusyError('this submission is being captured by another delivery; retry');
    return finishKnown(deps, lead);
  }
  try {
    for (let round = 0; ; round++) {
      const hash = identity ? pointerHash(identity) : undefined;
      const previous = hash ? await claimIdentity(deps, hash, leadId) : undefined;
      if (previous && hash) {
        const q = qualify(deps.policy, facts);
        // These paths create no lead under this delivery's id: the lease goes back once done (they are
        // idempotent), or a retry would wait for a lead that never appears.
        if (CLOCK_RUNNING.has(previous.status)) {
          const r = await repeatInquiry(deps, previous, input, leadId);
          await deps.store.forget(lease).catch(() => undefined);
          return r;
        }
        if (previous.status === 'parked' && isHot(deps.policy, q.tier, previous)) {
          const r = await rerouteParked(deps, previous, input, leadId, facts);
          await deps.store.forget(lease).catch(() => undefined);
          return r;
        }
        // A new lead for a returning contact: the contact's pointer moves to it before it is created, so two
        // concurrent inquiries cannot both become new leads (the other one finds this lead and joins it).
        if (!(await deps.store.movePointer('email', hash, previous.leadId, leadId))) {
          if (round >= 2) throw new CaptureBusyError('the contact is being captured concurrently; retry');
          continue;
        }
      }
      return await createLead(deps, input, key, leadId, withHistory(facts, previous), previous);
    }
  } catch (e) {
    await deps.store.forget(lease).catch(() => undefined);
    throw e;
  }
}

/** A delivery seen before: its first answer, after finishing what a dead or failed first delivery left undone. */
async function finishKnown(deps: CaptureDeps, known: LeadRecord): Promise<CaptureResponse> {
  // A sync left 'pending' is a send that failed (the first delivery answered 503): redo it now. A timer
  // still pending well after receipt is a first delivery that died after storing the lead.
  const stale = deps.clock.now() - Date.parse(known.receivedAt) > STALE_FIRST_DELIVERY_MS;
  // Only the first assignment is capture's to finish; later attempts belong to breach and the sweeper.
  const first = known.attempt === 1 && CLOCK_RUNNING.has(known.status);
  if (first && (known.sync === 'pending' || (stale && known.timer === 'pending')))
    await armAndEnqueue(deps, known, true);
  return known.response;
}

/** A returning contact's earlier owner is the contact's owner for the `existingOwner` rule, unless the input names one. */
function withHistory(facts: LeadFacts, previous: LeadRecord | undefined): LeadFacts {
  // A rejected lead's owner turned the contact down: routing starts afresh.
  if (!previous || facts.existingOwnerId || previous.mode !== 'live' || previous.status === 'rejected')
    return facts;
  // A parked lead's owner is its queue's: only a rep who touched it counts as the contact's owner.
  const owner = previous.touchedBy ?? (previous.status === 'parked' ? undefined : previous.ownerId);
  return owner ? { ...facts, existingOwnerId: owner } : facts;
}

/** A hot repeat: the hottest tier, or hotter than the parked lead's. */
function isHot(policy: Policy, tier: Tier, lead: LeadRecord): boolean {
  const current = policy.tierById.get(lead.tier);
  const hottest = Math.min(...[...policy.tierById.values()].map((t) => t.rank));
  return tier.rank === hottest || (current !== undefined && isHotter(tier, current));
}

/**
 * Claims the contact's identity pointer for `leadId`; returns the contact's earlier lead when the pointer
 * names one. A pointer whose lead never appeared is taken over only once its capture lease has expired
 * (a crashed capture); while that capture is alive the answer is 503, so the sender retries.
 */
async function claimIdentity(
  deps: CaptureDeps,
  hash: string,
  leadId: string,
): Promise<LeadRecord | undefined> {
  for (let tries = 0; tries < 3; tries++) {
    const holder = await deps.store.claimPointer('email', hash, leadId);
    if (holder === leadId) return undefined;
    const lead = await deps.store.getLead(holder);
    if (lead) return lead;
    if (await deps.store.held(`capture:${holder}`)) {
      // Give the creator a moment: most captures finish in well under a second.
      for (let waited = 0; waited < CONCURRENT_WAIT_MS; waited += 100) {
        await sleep(100);
        const appeared = await deps.store.getLead(holder);
        if (appeared) return appeared;
        if (!(await deps.store.held(`capture:${holder}`))) break;
      }
      const appeared = await deps.store.getLead(holder);
      if (appeared) return appeared;
      if (await deps.store.held(`capture:${holder}`))
        throw new CaptureBusyError("the contact's previous inquiry is still being captured; retry");
    }
    deps.log.warn('identity pointer held by a lead that never appeared; taking it over', {
      leadId,
      stale: holder,
    });
    if (await deps.store.movePointer('email', hash, holder, leadId)) return undefined;
  }
  throw new CaptureBusyError('the contact is being captured concurrently; retry');
}

async function createLead(
  deps: CaptureDeps,
  input: LeadInput,
  key: string,
  leadId: string,
  facts: LeadFacts,
  previous: LeadRecord | undefined,
): Promise<CaptureResponse> {
  const { policy, store, clock } = deps;
  const now = clock.now();
  const q = qualify(policy, facts);
  // A make-up turn's state is saved only once this delivery has created the lead.
  const {
    decision: d,
    holdsSlot,
    saveRotation,
  } = await assign(policy, store, { lead: facts, tier: q.tier, now, leadId }, { deferRotation: true });
  // Two clocks: the rep's window starts when the lead reaches them (now), whatever the delivery's delay;
  // the system's delay (submission → assignment) is kept apart for the KPIs.
  const cal = tierCalendar(q.tier, d.calendar);
  const dueAt = new Date(add(now, q.windowMs, cal)).toISOString();
  const systemDelayMs = Math.max(0, now - Date.parse(input.submittedAt));
  const lateArrival = systemDelayMs > LATE_ARRIVAL_MS;
  const status = d.alert ? 'unroutable' : 'routed';
  const nowIso = new Date(now).toISOString();
  // A team that had nobody for the lead keeps it in its waiting room, to drain when someone frees up.
  const waiting =
    d.alert && d.teamId && deps.waiting
      ? { teamId: d.teamId, key: waitingKey(q.tier.rank, input.submittedAt, leadId), since: nowIso }
      : undefined;
  const response: CaptureResponse = {
    leadId,
    status,
    tier: q.tier.id,
    ownerId: d.ownerId ?? null,
    queue: d.kind === 'queue' ? (d.queueId ?? null) : null,
    dueAt,
    ...(waiting ? { waitingRoom: waiting.teamId } : {}),
    ...(previous ? { previousLeadId: previous.leadId } : {}),
  };
  const remind = d.kind === 'owner' ? reminderTime(q.tier, now, Date.parse(dueAt), cal) : undefined;
  const contactId = input.hubspotContactId ?? previous?.hubspotContactId;
  const lead: LeadRecord = {
    ...(remind === undefined ? {} : { remindAt: new Date(remind).toISOString() }),
    leadId,
    dedupeKey: key,
    status,
    version: 1,
    attempt: 1,
    input,
    region: facts.region,
    domain: facts.domain,
    freeMail: facts.freeMail,
    targetAccount: facts.targetAccount,
    tier: q.tier.id,
    tierRank: q.tier.rank,
    windowMs: q.windowMs,
    reasons: q.reasons,
    trail: d.trail,
    ownerId: d.ownerId,
    ownerName: d.ownerName,
    teamId: d.teamId,
    queueId: d.queueId,
    ruleId: d.ruleId,
    mode: d.mode,
    alert: d.alert,
    calendarId: cal.id,
    submittedAt: input.submittedAt,
    receivedAt: nowIso,
    assignedAt: nowIso,
    dueAt,
    slaDueAt: dueAt,
    previousOwners: [],
    holdsSlot,
    previousLeadId: previous?.leadId,
    systemDelayMs,
    lateArrival,
    breachCount: 0,
    repeatCount: 0,
    attemptsLogged: 0,
    hubspotContactId: contactId,
    tasks: {},
    timer: 'pending',
    sync: 'queued',
    syncRequestedAt: nowIso,
    notifiedAttempt: 0,
    response,
    ...(waiting ? { waiting } : {}),
  };
  // The timer is armed before the lead is stored, so the lead is written once, timer state included (a
  // timer firing for a lead not stored yet finds nothing to do; a failed arm leaves the timer pending for
  // the sweeper).
  if (await armTimer(deps, lead)) lead.timer = 'armed';
  let created: boolean;
  try {
    created = await store.createLead(lead);
  } catch (e) {
    // The slot was taken for a lead that may not exist: give it back (idempotent); the reconciler covers a crash here.
    if (holdsSlot && d.ownerId) await store.releaseSlot(d.ownerId, leadId).catch(() => undefined);
    throw e;
  }
  if (!created) {
    // A concurrent delivery of the same submission won (its lease had expired): the slot this one took goes
    // back, unless the winner chose the same owner (then it is the winner's slot too: same lead id).
    if (holdsSlot && d.ownerId) await releaseUnlessHeld(store, d.ownerId, leadId);
    const winner = await waitForLead(deps, leadId);
    if (!winner) throw new CaptureBusyError('this submission is being captured by another delivery; retry');
    await restoreWinnerTimer(deps, winner, lead);
    return winner.response;
  }
  deps.metrics?.count('LeadsCaptured');
  if (d.alert) deps.metrics?.count('Unroutable');
  // An intent neither leadclock nor the policy's synonyms know: worth a synonym (`policy check` lists them).
  if (facts.unmappedIntent) deps.metrics?.count('IntentUnmapped');
  if (lateArrival) deps.metrics?.count('LateArrivals');
  if (previous) deps.metrics?.count('ReturningContacts');
  const identity = input.email ?? input.phone;
  // Everything after the lead exists is independent: one round of writes, then the flags.
  await Promise.all([
    contactId ? pointContact(deps, contactId, leadId, previous) : undefined,
    previous && identity
      ? store.movePointer('email', pointerHash(identity), previous.leadId, leadId)
      : undefined,
    saveRotation(),
    waiting
      ? deps.waiting?.enterWaiting({
          ...waiting,
          leadId,
          tier: q.tier.id,
          submittedAt: input.submittedAt,
          enteredAt: nowIso,
        })
      : undefined,
    previous
      ? store.putEvent({
          leadId: previous.leadId,
          at: nowIso,
          type: 'returned',
          ref: leadId,
          data: { newLeadId: leadId, statusThen: previous.status, intent: input.intent },
        })
      : undefined,
    store.putEvent({
      leadId,
      at: input.submittedAt,
      type: 'captured',
      ref: '0',
      data: {
        channel: input.channel,
        intent: input.intent,
        formTitle: input.formTitle,
        receivedAt: nowIso,
        systemDelayMs,
        lateArrival,
        ...(previous
          ? { previousLeadId: previous.leadId, previousStatus: previous.status, previousTier: previous.tier }
          : {}),
      },
    }),
    store.putEvent({
      leadId,
      at: nowIso,
      type: d.alert ? 'unroutable' : 'routed',
      ref: '1',
      data: {
        tier: q.tier.id,
        ownerId: d.ownerId,
        teamId: d.teamId,
        queue: d.queueId,
        ruleId: d.ruleId,
        dueAt,
        reasons: q.reasons,
        trail: d.trail,
        mode: d.mode,
      },
    }),
  ]);
  // Last: a failure here answers 503 and the sender's retry (finishKnown) queues the sync again.
  await enqueueNew(deps, lead);
  return response;
}

/** Arms a new lead's first timer; false (logged) when the Scheduler refused. */
async function armTimer(deps: Pick<CaptureDeps, 'timers' | 'clock' | 'log'>, lead: LeadRecord) {
  try {
    await deps.timers.arm(lead.leadId, lead.attempt, new Date(firstFire(lead, deps.clock.now())));
    return true;
  } catch (e) {
    deps.log.error('arming the SLA timer failed; the sweeper will re-arm it', {
      leadId: lead.leadId,
      error: String(e),
    });
    return false;
  }
}

/**
 * The timer a losing delivery armed (same lead, attempt 1) goes back to the winner's: its time while the
 * winner's first clock runs, else away.
 */
async function restoreWinnerTimer(deps: CaptureDeps, winner: LeadRecord, mine: LeadRecord): Promise<void> {
  const running = winner.attempt === 1 && CLOCK_RUNNING.has(winner.status);
  const at = firstFire(winner, deps.clock.now());
  if (running && at === firstFire(mine, deps.clock.now())) return;
  try {
    if (running) await deps.timers.arm(winner.leadId, 1, new Date(at));
    else await deps.timers.cancel(winner.leadId, 1);
  } catch (e) {
    deps.log.warn("putting back the winning delivery's timer failed; the sweeper will", {
      leadId: winner.leadId,
      error: String(e),
    });
  }
}

/**
 * Queues a new lead's CRM sync (the lead was written as queued, so a sync that finishes first is never
 * marked queued again). A send that failed marks it pending and throws: the caller answers 503, and the
 * sender's retry (finishKnown) queues it again.
 */
async function enqueueNew(deps: CaptureDeps, lead: LeadRecord): Promise<void> {
  try {
    await sendSync(deps, lead);
  } catch (e) {
    deps.log.error('queueing the CRM sync failed; the sender will retry', {
      leadId: lead.leadId,
      error: String(e),
    });
    await deps.store.updateLead(lead.leadId, { attempt: lead.attempt }, { sync: 'pending' });
    throw new SyncNotDurableError(`the CRM sync of lead ${lead.leadId} could not be queued`, { cause: e });
  }
}

/** Points the HubSpot contact at its newest lead: the contact's later events belong to the new inquiry. */
async function pointContact(
  deps: CaptureDeps,
  contactId: string,
  leadId: string,
  previous: LeadRecord | undefined,
): Promise<void> {
  const holder = await deps.store.claimPointer('contact', contactId, leadId);
  if (holder === leadId || !previous) return;
  await deps.store.movePointer('contact', contactId, holder, leadId);
}

/** Queues one sync message, retrying a failed send a few times before giving up. */
async function sendSync(deps: Pick<CaptureDeps, 'queue'>, lead: LeadRecord): Promise<void> {
  for (let tries = 1; ; tries++) {
    try {
      await deps.queue.send([{ leadId: lead.leadId, reason: 'assigned', attempt: lead.attempt }]);
      return;
    } catch (e) {
      if (tries >= SYNC_SEND_TRIES) throw e;
      await sleep(50 * 2 ** tries);
    }
  }
}

/**
 * Arms the timer and queues the CRM sync, then records both. A timer failure leaves the flag pending for
 * the sweeper. A sync that could not be queued is marked pending and, when `durable`, throws: the caller
 * answers 503 rather than 202, and the sender's retry queues it again.
 */
export async function armAndEnqueue(
  deps: Pick<CaptureDeps, 'store' | 'timers' | 'queue' | 'clock' | 'log'>,
  lead: LeadRecord,
  durable = false,
): Promise<void> {
  const [timer, sync] = await Promise.allSettled([
    // A first owner's reminder comes first; the breach handler puts the timer back to the deadline.
    deps.timers.arm(lead.leadId, lead.attempt, new Date(firstFire(lead, deps.clock.now()))),
    sendSync(deps, lead),
  ]);
  if (timer.status === 'rejected')
    deps.log.error('arming the SLA timer failed; the sweeper will re-arm it', {
      leadId: lead.leadId,
      error: String(timer.reason),
    });
  if (sync.status === 'rejected')
    deps.log.error('queueing the CRM sync failed; the sender will retry', {
      leadId: lead.leadId,
      error: String(sync.reason),
    });
  // New leads are written as queued (before the send), so a sync that finishes first is never marked
  // queued again afterwards; only a failed send (or a lead being repaired) changes the flag here.
  const patch = {
    ...(timer.status === 'fulfilled' && lead.timer !== 'armed' ? { timer: 'armed' as const } : {}),
    ...(sync.status === 'rejected' ? { sync: 'pending' as const } : {}),
    ...(sync.status === 'fulfilled' && lead.sync === 'pending'
      ? { sync: 'queued' as const, syncRequestedAt: new Date(deps.clock.now()).toISOString() }
      : {}),
  };
  if (Object.keys(patch).length) await deps.store.updateLead(lead.leadId, { attempt: lead.attempt }, patch);
  if (durable && sync.status === 'rejected')
    throw new SyncNotDurableError(`the CRM sync of lead ${lead.leadId} could not be queued`, {
      cause: sync.reason,
    });
}

/** The lead once a concurrent delivery has stored it, or undefined when it has not appeared in time. */
async function waitForLead(deps: CaptureDeps, leadId: string): Promise<LeadRecord | undefined> {
  for (let waited = 0; waited <= CONCURRENT_WAIT_MS; waited += 50) {
    const lead = await deps.store.getLead(leadId);
    if (lead) return lead;
    await sleep(50);
  }
  return undefined;
}

async function factsOf(policy: Policy, store: LeadStore, input: LeadInput): Promise<LeadFacts> {
  const facts = enrich(policy, input);
  if (!facts.domain) return facts;
  const accountOwnerId = await store.getAccountOwner(facts.domain);
  return accountOwnerId ? { ...facts, accountOwnerId, targetAccount: true } : facts;
}

/** The calendar of the lead's owner (or queue), as routing chose it. */
function ownerCalendar(policy: Policy, lead: LeadRecord): BusinessCalendar {
  if (lead.queueId) return policy.queues.get(lead.queueId)?.calendar ?? policy.defaultCalendar;
  const team = lead.teamId ? policy.teams.get(lead.teamId) : undefined;
  return team?.members.find((m) => m.ownerId === lead.ownerId)?.calendar ?? policy.defaultCalendar;
}

/**
 * A new submission from a contact whose lead's clock is running: recorded on that lead, no second owner
 * or timer. A hotter intent raises the tier and pulls the deadline in: the owner gets the hotter window
 * from now, or keeps their deadline if it is sooner. The timer, the KPI deadline (slaDueAt) and the
 * HubSpot task's due date move with it.
 */
async function repeatInquiry(
  deps: CaptureDeps,
  lead: LeadRecord,
  input: LeadInput,
  deliveryId: string,
): Promise<CaptureResponse> {
  const { policy, store } = deps;
  const facts = await factsOf(policy, store, input);
  const q = qualify(policy, facts);
  const now = deps.clock.now();
  let updated = lead;
  // The update is conditional on the version, which a concurrent sync also bumps: re-read and retry on a conflict.
  for (let tries = 0; tries < 5; tries++) {
    const current = policy.tierById.get(updated.tier);
    if (!CLOCK_RUNNING.has(updated.status) || !current || !isHotter(q.tier, current)) break;
    // The owner's own calendar: the lead's may be round-the-clock (a nurture tier), which says nothing of the owner's hours.
    const ownerCal = tierCalendar(q.tier, ownerCalendar(policy, updated));
    const due = Math.min(Date.parse(updated.dueAt), add(now, q.windowMs, ownerCal));
    const slaDue = Math.min(Date.parse(updated.slaDueAt ?? updated.dueAt), due);
    const next = await store.updateLead(
      updated.leadId,
      { version: updated.version },
      {
        tier: q.tier.id,
        tierRank: q.tier.rank,
        windowMs: q.windowMs,
        dueAt: new Date(due).toISOString(),
        slaDueAt: new Date(slaDue).toISOString(),
        calendarId: ownerCal.id,
        reasons: [...updated.reasons, ...q.reasons.map((r) => `repeat inquiry: ${r}`)],
      },
    );
    if (!next) {
      updated = (await store.getLead(lead.leadId)) ?? updated;
      continue;
    }
    updated = next;
    try {
      await deps.timers.arm(next.leadId, next.attempt, new Date(next.dueAt));
    } catch (e) {
      deps.log.error('moving the SLA timer failed; the sweeper will fire it', {
        leadId: next.leadId,
        error: String(e),
      });
    }
    break;
  }
  const first = await store.putEvent({
    leadId: lead.leadId,
    // The submission's own time, not receipt time: a retried delivery rewrites this event instead of adding one.
    at: input.submittedAt,
    type: 'repeat_inquiry',
    ref: deliveryId,
    data: {
      intent: input.intent,
      channel: input.channel,
      formTitle: input.formTitle,
      tierBefore: lead.tier,
      tierAfter: updated.tier,
      dueAt: updated.dueAt,
    },
  });
  // Counted once per delivery (the event above is its record); the duplicate-rate KPI reads the count.
  if (first) await countRepeat(store, updated);
  try {
    await deps.queue.send([{ leadId: lead.leadId, reason: 'repeat', attempt: updated.attempt }]);
  } catch (e) {
    deps.log.error('queueing the repeat-inquiry sync failed', { leadId: lead.leadId, error: String(e) });
    if (updated.tier !== lead.tier) {
      // A moved deadline must reach the task: leave the sync pending and let the sender retry.
      await store.updateLead(lead.leadId, {}, { sync: 'pending' }).catch(() => undefined);
      throw new SyncNotDurableError(`the repeat-inquiry sync of lead ${lead.leadId} could not be queued`);
    }
  }
  return {
    leadId: updated.leadId,
    status: updated.status,
    tier: updated.tier,
    ownerId: updated.ownerId ?? null,
    queue: updated.queueId ?? null,
    dueAt: updated.dueAt,
    duplicateOf: updated.leadId,
  };
}

/** When a lead's timer should fire next: its reminder (first attempt, still ahead), else its deadline. */
export function firstFire(lead: Pick<LeadRecord, 'attempt' | 'remindAt' | 'dueAt'>, now: number): number {
  const remind = lead.remindAt && lead.attempt === 1 ? Date.parse(lead.remindAt) : undefined;
  return remind !== undefined && remind > now ? remind : Date.parse(lead.dueAt);
}

/**
 * A hot repeat inquiry on a parked lead: the lead is routed again, afresh, with the repeat's tier (when
 * hotter), a new attempt, the full window from now, a timer and a task, instead of waiting in the queue.
 */
async function rerouteParked(
  deps: CaptureDeps,
  parked: LeadRecord,
  input: LeadInput,
  deliveryId: string,
  facts: LeadFacts,
): Promise<CaptureResponse> {
  const { policy, store } = deps;
  const now = deps.clock.now();
  const q = qualify(policy, facts);
  const current = policy.tierById.get(parked.tier);
  const tier = current && !isHotter(q.tier, current) ? current : q.tier;
  const attempt = parked.attempt + 1;
  const leadFacts: LeadFacts = {
    ...parked.input,
    region: parked.region,
    domain: parked.domain,
    freeMail: parked.freeMail,
    targetAccount: parked.targetAccount,
  };
  const { decision: d, holdsSlot } = await assign(policy, store, {
    lead: leadFacts,
    tier,
    now,
    leadId: parked.leadId,
  });
  const cal = tierCalendar(tier, d.calendar);
  const nowIso = new Date(now).toISOString();
  const dueAt = new Date(add(now, tier.windowMs, cal)).toISOString();
  const status = d.alert ? 'unroutable' : 'routed';
  const next = await store.updateLead(
    parked.leadId,
    { status: ['parked'], version: parked.version },
    {
      status,
      tier: tier.id,
      tierRank: tier.rank,
      windowMs: tier.windowMs,
      ownerId: d.ownerId ?? null,
      ownerName: d.ownerName ?? null,
      teamId: d.teamId ?? null,
      queueId: d.queueId ?? null,
      ruleId: d.ruleId ?? null,
      alert: d.alert,
      attempt,
      assignedAt: nowIso,
      dueAt,
      slaDueAt: dueAt,
      calendarId: cal.id,
      holdsSlot,
      trail: [...parked.trail, `hot repeat inquiry (${q.tier.id}): routed again`, ...d.trail],
      reasons: [...parked.reasons, ...q.reasons.map((r) => `repeat inquiry: ${r}`)],
      escalationRung: null,
      timer: 'pending',
      sync: 'queued',
      syncRequestedAt: nowIso,
    },
  );
  if (!next) {
    if (holdsSlot && d.ownerId)
      await releaseUnlessHeld(store, d.ownerId, parked.leadId).catch(() => undefined);
    throw new CaptureBusyError('the parked lead changed while being routed again; retry');
  }
  await store.putEvent({
    leadId: parked.leadId,
    at: input.submittedAt,
    type: 'repeat_inquiry',
    ref: deliveryId,
    data: {
      intent: input.intent,
      channel: input.channel,
      formTitle: input.formTitle,
      tierBefore: parked.tier,
      tierAfter: tier.id,
      rerouted: true,
    },
  });
  await store.putEvent({
    leadId: parked.leadId,
    at: nowIso,
    type: d.alert ? 'unroutable' : 'routed',
    ref: String(attempt),
    data: { tier: tier.id, ownerId: d.ownerId, teamId: d.teamId, queue: d.queueId, dueAt, trail: d.trail },
  });
  await armAndEnqueue(deps, next, true);
  return {
    leadId: next.leadId,
    status: next.status,
    tier: next.tier,
    ownerId: next.ownerId ?? null,
    queue: next.queueId ?? null,
    dueAt: next.dueAt,
    duplicateOf: next.leadId,
  };
}

async function countRepeat(store: CaptureDeps['store'], lead: LeadRecord): Promise<void> {
  let current: LeadRecord | undefined = lead;
  for (let tries = 0; current && tries < 5; tries++) {
    const next = await store.updateLead(
      current.leadId,
      { version: current.version },
      { repeatCount: (current.repeatCount ?? 0) + 1 },
    );
    if (next) return;
    current = await store.getLead(lead.leadId);
  }
}
