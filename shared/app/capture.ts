/**
 * Capture: a new inbound lead becomes a routed lead with an owner, a deadline, a running timer and a
 * queued CRM sync, within one request and without calling HubSpot.
 */
import { createHash } from 'node:crypto';
import { add, type BusinessCalendar } from '../domain/clock.ts';
import { type Policy, tierCalendar } from '../domain/compile.ts';
import { enrich } from '../domain/enrich.ts';
import type { LeadFacts, LeadInput } from '../domain/lead.ts';
import { isHotter, qualify } from '../domain/qualify.ts';
import { assign } from './assign.ts';
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
} from './ports.ts';

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
}

/** A known lead whose timer or sync is still pending this long after receipt was left unfinished by its first delivery. */
const STALE_FIRST_DELIVERY_MS = 10_000;

/** How long one delivery holds the right to route a submission. */
const DELIVERY_LEASE_SECONDS = 30;

/** How long a repeat delivery waits for a concurrent first delivery to finish before answering. */
const CONCURRENT_WAIT_MS = 3000;

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

/** Captures one lead. Returns the 202 body; a repeat of a delivery returns the original body. */
export async function captureLead(deps: CaptureDeps, input: LeadInput): Promise<CaptureResponse> {
  const key = dedupeKey(input);
  const leadId = leadIdFor(key);
  const identity = input.email ?? input.phone;
  // Independent reads in parallel: a known delivery, the contact's open lead, the account owner.
  // Claiming the pointer for a delivery that turns out known is harmless: it already points here.
  const [known, holder, facts] = await Promise.all([
    deps.store.getLead(leadId),
    identity ? claimIdentity(deps, pointerHash(identity), leadId) : Promise.resolve(leadId),
    factsOf(deps.policy, deps.store, input),
  ]);
  if (known) {
    // A first delivery that died after storing the lead left its timer or sync undone: this retry finishes it.
    const stale = deps.clock.now() - Date.parse(known.receivedAt) > STALE_FIRST_DELIVERY_MS;
    if (stale && (known.timer === 'pending' || known.sync === 'pending')) await armAndEnqueue(deps, known);
    return known.response;
  }
  if (holder !== leadId) {
    const open = await deps.store.getLead(holder);
    if (open) return repeatInquiry(deps, open, input, leadId);
  }
  // One delivery of a submission routes it; concurrent copies (HubSpot retries, double clicks) wait for
  // its answer instead of routing too, which would churn open-lead slots. A failed holder gives the lease
  // back so a retry can proceed at once; a crashed one loses it after the lease time.
  const lease = `capture:${leadId}`;
  if (!(await deps.store.once(lease, DELIVERY_LEASE_SECONDS)))
    return (await waitForLead(deps, leadId)).response;
  try {
    return await createLead(deps, input, key, leadId, facts);
  } catch (e) {
    await deps.store.forget(lease).catch(() => undefined);
    throw e;
  }
}

/** Claims the contact's identity pointer; a pointer whose lead never appeared (a crashed first delivery) is taken over. */
async function claimIdentity(deps: CaptureDeps, hash: string, leadId: string): Promise<string> {
  const holder = await deps.store.claimPointer('email', hash, leadId);
  if (holder === leadId) return holder;
  for (let waited = 0; waited < CONCURRENT_WAIT_MS; waited += 100) {
    if (await deps.store.getLead(holder)) return holder;
    await sleep(100);
  }
  deps.log.warn('identity pointer held by a lead that never appeared; taking it over', {
    leadId,
    stale: holder,
  });
  await deps.store.releasePointer('email', hash, holder);
  return deps.store.claimPointer('email', hash, leadId);
}

async function createLead(
  deps: CaptureDeps,
  input: LeadInput,
  key: string,
  leadId: string,
  facts: LeadFacts,
): Promise<CaptureResponse> {
  const { policy, store, clock } = deps;
  const now = clock.now();
  const q = qualify(policy, facts);
  // The rotation moves only once this delivery has created the lead: a losing concurrent retry must not skip a rep.
  const {
    decision: d,
    holdsSlot,
    saveRotation,
  } = await assign(policy, store, { lead: facts, tier: q.tier, now }, { deferRotation: true });
  const start = Date.parse(input.submittedAt);
  const cal = tierCalendar(q.tier, d.calendar);
  const dueAt = new Date(add(start, q.windowMs, cal)).toISOString();
  const status = d.alert ? 'unroutable' : 'routed';
  const response: CaptureResponse = {
    leadId,
    status,
    tier: q.tier.id,
    ownerId: d.ownerId ?? null,
    queue: d.kind === 'queue' ? (d.queueId ?? null) : null,
    dueAt,
  };
  const nowIso = new Date(now).toISOString();
  const lead: LeadRecord = {
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
    breachCount: 0,
    repeatCount: 0,
    attemptsLogged: 0,
    hubspotContactId: input.hubspotContactId,
    tasks: {},
    timer: 'pending',
    sync: 'queued',
    syncRequestedAt: nowIso,
    notifiedAttempt: 0,
    response,
  };
  if (!(await store.createLead(lead))) {
    // A concurrent delivery of the same submission won; give the slot back and answer as it did.
    if (holdsSlot && d.ownerId) await store.releaseSlot(d.ownerId);
    return (await waitForLead(deps, leadId)).response;
  }
  deps.metrics?.count('LeadsCaptured');
  if (d.alert) deps.metrics?.count('Unroutable');
  // Everything after the lead exists is independent: one round of writes, then the flags.
  await Promise.all([
    input.hubspotContactId ? store.claimPointer('contact', input.hubspotContactId, leadId) : undefined,
    armAndEnqueue(deps, lead),
    saveRotation(),
    store.putEvent({
      leadId,
      at: input.submittedAt,
      type: 'captured',
      ref: '0',
      data: { channel: input.channel, intent: input.intent, formTitle: input.formTitle, receivedAt: nowIso },
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
  return response;
}

/** Arms the timer and queues the CRM sync, then records both. A failure leaves the flag pending for the sweeper: the lead itself is safe. */
export async function armAndEnqueue(
  deps: Pick<CaptureDeps, 'store' | 'timers' | 'queue' | 'clock' | 'log'>,
  lead: LeadRecord,
): Promise<void> {
  const [timer, sync] = await Promise.allSettled([
    deps.timers.arm(lead.leadId, lead.attempt, new Date(lead.dueAt)),
    deps.queue.send([{ leadId: lead.leadId, reason: 'assigned', attempt: lead.attempt }]),
  ]);
  if (timer.status === 'rejected')
    deps.log.error('arming the SLA timer failed; the sweeper will re-arm it', {
      leadId: lead.leadId,
      error: String(timer.reason),
    });
  if (sync.status === 'rejected')
    deps.log.error('queueing the CRM sync failed; the sweeper will re-queue it', {
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
}

async function waitForLead(deps: CaptureDeps, leadId: string): Promise<LeadRecord> {
  for (let waited = 0; ; waited += 50) {
    const lead = await deps.store.getLead(leadId);
    if (lead) return lead;
    if (waited > CONCURRENT_WAIT_MS)
      throw new Error(`lead ${leadId} was reported as existing but cannot be read`);
    await sleep(50);
  }
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
 * A new submission from a contact with an open lead: recorded on that lead, no second owner or timer.
 * A hotter intent raises the tier and pulls the deadline in (the same timer, moved).
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
  let updated = lead;
  // The update is conditional on the version, which a concurrent sync also bumps: re-read and retry on a conflict.
  for (let tries = 0; tries < 5; tries++) {
    const current = policy.tierById.get(updated.tier);
    const running = updated.status === 'routed' || updated.status === 'unroutable';
    if (!running || !current || !isHotter(q.tier, current)) break;
    // The owner's own calendar: the lead's may be round-the-clock (a nurture tier), which says nothing of the owner's hours.
    const ownerCal = tierCalendar(q.tier, ownerCalendar(policy, updated));
    const due = Math.min(Date.parse(updated.dueAt), add(Date.parse(input.submittedAt), q.windowMs, ownerCal));
    const next = await store.updateLead(
      updated.leadId,
      { version: updated.version },
      {
        tier: q.tier.id,
        tierRank: q.tier.rank,
        windowMs: q.windowMs,
        dueAt: new Date(due).toISOString(),
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
    },
  });
  // Counted once per delivery (the event above is its record); the duplicate-rate KPI reads the count.
  if (first) await countRepeat(store, updated);
  try {
    await deps.queue.send([{ leadId: lead.leadId, reason: 'repeat', attempt: updated.attempt }]);
  } catch (e) {
    deps.log.error('queueing the repeat-inquiry sync failed', { leadId: lead.leadId, error: String(e) });
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
