/**
 * CRM sync: reflects leads in HubSpot in batches (owner and leadclock properties, the follow-up task),
 * then tells the rep. Only the items that failed are reported back, so SQS retries just those.
 */
import type { Policy } from '../domain/compile.ts';
import { repSmsNow, smsKey, smsRecipients } from '../domain/escalation.ts';
import { alertMessage, assignmentMessage, type MessageLead, taskText } from '../domain/messages.ts';
import {
  type Clock,
  type Crm,
  CrmRefusedError,
  type CrmTask,
  type LeadRecord,
  type LeadStore,
  type Log,
  type Metrics,
  type Notifier,
  type SyncMessage,
} from './ports.ts';
import { rerouteRefusedOwner } from './reroute.ts';

/** What crm-sync needs. */
export interface SyncDeps {
  policy: Policy;
  store: LeadStore;
  crm: Crm;
  notifier: Notifier;
  clock: Clock;
  log: Log;
  metrics?: Metrics;
  /** Counters of the HubSpot client, read to report 429s. */
  hubspotStats?: { rateLimited: number };
  /** `https://app.hubspot.com/contacts/<portalId>` when the portal id is configured. */
  hubspotAppUrl?: string;
  /** How long a worker holds the right to create a lead's task (default {@link TASK_LEASE_SECONDS}). */
  taskLeaseSeconds?: number;
}

/** One queue message. */
export interface SyncItem {
  id: string;
  body: string;
  receiveCount: number;
}

/**
 * Lease on creating one lead's task (the lead's `taskPending` and `taskLeaseUntil`), so two workers never
 * both create it. It must outlive a live worker
 * (crm-sync times out after 60 s) and end before the queue redelivers a dead worker's messages (360 s
 * visibility), or every redelivery finds it held and the message ends in the dead-letter queue.
 */
export const TASK_LEASE_SECONDS = 120;

/** HubSpot's `leadclock_sla_status` for a lead. */
export function slaStatus(lead: LeadRecord): string {
  switch (lead.status) {
    case 'routed':
    case 'reassigned':
      return 'open';
    case 'unroutable':
      return 'unassigned';
    case 'breached':
      return 'breached';
    case 'parked':
      return 'parked';
    case 'touched':
    case 'accepted':
      return lead.slaOutcome ?? 'met';
    default:
      return 'closed';
  }
}

/** Contact properties leadclock writes. */
export function contactProperties(policy: Policy, lead: LeadRecord): Record<string, string> {
  const owner = lead.ownerId ?? (lead.queueId ? policy.queues.get(lead.queueId)?.ownerId : undefined);
  const props: Record<string, string> = {
    leadclock_lead_id: lead.leadId,
    leadclock_tier: lead.tier,
    leadclock_sla_due_at: lead.dueAt,
    leadclock_sla_status: slaStatus(lead),
    leadclock_owner_reason: lead.trail
      .filter((t) => !t.startsWith('no match') && !t.startsWith('  '))
      .join('; ')
      .slice(0, 1000),
    leadclock_breach_count: String(lead.breachCount),
  };
  if (owner) props.hubspot_owner_id = owner;
  if (lead.speedMs !== undefined)
    props.leadclock_first_touch_seconds = String(Math.round(lead.speedMs / 1000));
  return props;
}

/** The text-building view of a lead. */
export function messageLead(policy: Policy, lead: LeadRecord, appUrl?: string): MessageLead {
  const team = lead.teamId ? policy.teams.get(lead.teamId) : undefined;
  const member = team?.members.find((m) => m.ownerId === lead.ownerId);
  return {
    leadId: lead.leadId,
    input: lead.input,
    tier: lead.tier,
    tierLabel: policy.tierById.get(lead.tier)?.label,
    dueAt: lead.dueAt,
    ownerName: lead.ownerName,
    ownerId: lead.ownerId,
    teamId: lead.teamId,
    reasons: lead.reasons,
    trail: lead.trail,
    hubspotUrl: appUrl && lead.hubspotContactId ? `${appUrl}/record/0-1/${lead.hubspotContactId}` : undefined,
    timeZone: (member?.calendar ?? team?.calendar ?? policy.defaultCalendar).timeZone,
  };
}

/** Syncs a batch; returns the ids of the messages to retry. (HubSpot's 429s are counted where they happen, in the pacing.) */
export async function syncBatch(deps: SyncDeps, items: readonly SyncItem[]): Promise<string[]> {
  return syncItems(deps, items);
}

async function syncItems(deps: SyncDeps, items: readonly SyncItem[]): Promise<string[]> {
  const failed = new Set<string>();
  const byLead = new Map<string, { ids: string[]; messages: SyncMessage[]; redelivered: boolean }>();
  for (const item of items) {
    let msg: SyncMessage;
    try {
      msg = JSON.parse(item.body) as SyncMessage;
      if (typeof msg.leadId !== 'string') throw new Error('no leadId');
    } catch {
      deps.log.error('dropping a malformed sync message', { messageId: item.id });
      continue;
    }
    const entry = byLead.get(msg.leadId) ?? { ids: [], messages: [], redelivered: false };
    entry.ids.push(item.id);
    entry.messages.push(msg);
    entry.redelivered ||= item.receiveCount > 1;
    byLead.set(msg.leadId, entry);
  }
  const fail = (leadId: string, why: string, error?: unknown) => {
    deps.log.warn('sync failed; will retry', {
      leadId,
      why,
      error: error === undefined ? undefined : String(error),
    });
    for (const id of byLead.get(leadId)?.ids ?? []) failed.add(id);
  };
  const isFailed = (leadId: string) => byLead.get(leadId)?.ids.some((id) => failed.has(id)) ?? false;

  // A lead that changed while it was being synced (a breach reassigned it, a touch stopped its clock) is
  // synced again from its new state before its messages are acknowledged; never written back stale.
  // Leads whose deadline a repeat inquiry moved: their task's due date follows.
  const repeats = new Set(
    [...byLead].filter(([, e]) => e.messages.some((m) => m.reason === 'repeat')).map(([id]) => id),
  );
  let ids = [...byLead.keys()];
  for (let round = 1; ids.length; round++) {
    const changed = await syncRound(deps, ids, fail, isFailed, repeats);
    if (round >= MAX_ROUNDS) {
      for (const id of changed) fail(id, 'the lead kept changing during the sync');
      break;
    }
    ids = changed;
  }
  return [...failed];
}

/** Rounds of "sync, find the lead changed, sync again" before the message is left to SQS's retry. */
const MAX_ROUNDS = 3;

/**
 * One pass over `leadIds`: HubSpot writes, then a final write conditional on the version read (plus
 * crm-sync's own writes). Returns the leads whose final write lost to a change made meanwhile.
 */
async function syncRound(
  deps: SyncDeps,
  leadIds: readonly string[],
  fail: (leadId: string, why: string, error?: unknown) => void,
  isFailed: (leadId: string) => boolean,
  repeats: ReadonlySet<string>,
): Promise<string[]> {
  const changed: string[] = [];
  const loaded = await Promise.all(leadIds.map((id) => deps.store.getLead(id)));
  const live: LeadRecord[] = [];
  /** The version each lead should still have: the one read, moved on by crm-sync's own writes only. */
  const expected = new Map<string, number>();
  /** Follows a write of ours: one version on from the expected one, or someone else wrote in between. */
  const track = (leadId: string, written: LeadRecord | undefined) => {
    const v = expected.get(leadId);
    expected.set(leadId, written && v !== undefined && written.version === v + 1 ? written.version : -1);
  };
  for (const lead of loaded) {
    if (!lead) continue;
    if (lead.mode === 'shadow') await recordShadow(deps, lead);
    else {
      live.push(lead);
      expected.set(lead.leadId, lead.version);
    }
  }
  if (live.length === 0) return changed;
  // 1. Contacts leadclock has no id for (non-HubSpot channels) are upserted by email with every
  //    property at once, so they need no separate update.
  let withContact: LeadRecord[] = [];
  let upserted = new Set<string>();
  /** Leads HubSpot refused (one bad input fails its whole batch, so batches are split to find them). */
  const refusals = new Map<string, { lead: LeadRecord; error: CrmRefusedError }>();
  const refuse = (lead: LeadRecord, error: CrmRefusedError) => refusals.set(lead.leadId, { lead, error });
  try {
    ({ leads: withContact, upserted } = await ensureContacts(deps, live, fail, refuse));
  } catch (e) {
    for (const l of live) fail(l.leadId, 'contact upsert', e);
    return changed;
  }
  /** The contact id an upsert found, recorded by the lead's next write in this pass (not a write of its own). */
  const contactOf = (l: LeadRecord) =>
    upserted.has(l.leadId) ? { hubspotContactId: l.hubspotContactId } : {};

  // 2. Owner and SLA properties of the other contacts, one batch.
  try {
    const toUpdate = withContact.filter((l) => !upserted.has(l.leadId));
    const missing = new Set<string>();
    const bad = await splitRefused(
      toUpdate,
      (chunk) =>
        deps.crm.updateContacts(
          chunk.map((l) => ({
            id: l.hubspotContactId as string,
            properties: contactProperties(deps.policy, l),
          })),
        ),
      (r) => {
        for (const id of r) missing.add(id);
      },
    );
    for (const b of bad) refuse(b.item, b.error);
    withContact = withContact.filter((l) => !refusals.has(l.leadId));
    for (const l of withContact.filter((x) => missing.has(x.hubspotContactId as string))) {
      // The contact was deleted or merged in HubSpot: forget it, the retry will upsert again.
      await deps.store.updateLead(l.leadId, {}, { hubspotContactId: null });
      fail(l.leadId, 'contact not found in HubSpot');
    }
    withContact = withContact.filter((l) => !missing.has(l.hubspotContactId as string));
  } catch (e) {
    for (const l of withContact) fail(l.leadId, 'contact update', e);
    return changed;
  }

  // 3. Follow-up tasks for owners who do not have one yet for this attempt. The lease on creating one is
  //    taken on the lead itself, by the write that marks the task pending (one conditional write).
  const needTask: LeadRecord[] = [];
  const leaseSeconds = deps.taskLeaseSeconds ?? TASK_LEASE_SECONDS;
  const candidates = withContact.filter(
    (l) => l.ownerId && !l.tasks[String(l.attempt)] && ['routed', 'unroutable'].includes(l.status),
  );
  const claims = await Promise.all(
    candidates.map((l) => {
      const key = `${l.leadId}:${l.attempt}`;
      return deps.store.updateLead(l.leadId, { taskLease: { key, seconds: leaseSeconds } }, contactOf(l));
    }),
  );
  for (const [i, l] of candidates.entries()) {
    const claimed = claims[i];
    track(l.leadId, claimed);
    if (claimed) needTask.push(l);
    else fail(l.leadId, 'another worker is creating this task');
  }
  /** Gives a task lease back; `taskPending` stays, so the retry looks the task up before creating it. */
  const release = async (l: LeadRecord) =>
    track(l.leadId, await deps.store.updateLead(l.leadId, {}, { taskLeaseUntil: null }));
  const taskIds = new Map<string, string>();
  if (needTask.length) {
    const tasks: CrmTask[] = needTask.map((l) => {
      const text = taskText(messageLead(deps.policy, l, deps.hubspotAppUrl));
      return {
        key: `${l.leadId}:${l.attempt}`,
        contactId: l.hubspotContactId as string,
        ownerId: l.ownerId,
        dueAt: l.dueAt,
        subject: text.subject,
        body: text.body,
        priority: deps.policy.tierById.get(l.tier)?.priority ?? 'MEDIUM',
      };
    });
    try {
      // A lead marked taskPending had a try that may have created its task before failing: look those
      // up first. First tries go straight to the batch create (the lease rules out a concurrent one).
      const retried = tasks.filter((t) => needTask.some((l) => l.taskPending === t.key));
      const existing = retried.length ? await deps.crm.findTasks(retried) : new Map<string, string>();
      for (const [k, v] of existing) taskIds.set(k, v);
      const fresh = tasks.filter((t) => !existing.has(t.key));
      const bad = await splitRefused(
        fresh,
        (chunk) => deps.crm.createTasks(chunk),
        (created) => {
          for (const [k, v] of created) taskIds.set(k, v);
        },
      );
      for (const b of bad) {
        const lead = needTask.find((l) => `${l.leadId}:${l.attempt}` === b.item.key);
        if (!lead) continue;
        refuse(lead, b.error);
        await release(lead);
      }
    } catch (e) {
      for (const l of needTask) fail(l.leadId, 'task create', e);
      // Give the lease back, or every redelivery would wait it out and the message would end in the DLQ;
      // the retry reconciles by key first, so it cannot duplicate what this try created.
      await Promise.all(needTask.map((l) => release(l).catch(() => undefined)));
    }
  }
  // A deadline moved since the task was made (a repeat inquiry raised the tier): the task's due date follows.
  const moving = withContact.filter((l) => {
    const task = l.tasks[String(l.attempt)];
    if (!task || !['routed', 'unroutable'].includes(l.status)) return false;
    const repeat = repeats.has(l.leadId);
    return l.taskDueAt === undefined ? repeat : l.taskDueAt !== l.dueAt;
  });
  if (moving.length) {
    try {
      await deps.crm.moveTasks(
        moving.map((l) => ({ taskId: l.tasks[String(l.attempt)] as string, dueAt: l.dueAt })),
      );
    } catch (e) {
      for (const l of moving) fail(l.leadId, 'task due date', e);
    }
  }
  const closing = withContact.flatMap((l) => l.closeTasks ?? []);
  if (closing.length) {
    try {
      await deps.crm.completeTasks(closing);
    } catch (e) {
      for (const l of withContact.filter((x) => x.closeTasks?.length)) fail(l.leadId, 'task complete', e);
    }
  }

  // A refused owner is marked inactive and the lead goes to the fallback, then synced again in this
  // batch; any other refusal fails that lead's message alone.
  for (const { lead, error } of refusals.values()) {
    if (error.invalidOwner && lead.ownerId && lead.status === 'routed') {
      const version = expected.get(lead.leadId) ?? -1;
      if (await rerouteRefusedOwner(deps, lead, version).catch(() => false)) changed.push(lead.leadId);
      else fail(lead.leadId, 'owner refused by HubSpot; rerouting failed', error);
    } else fail(lead.leadId, 'HubSpot refused this lead', error);
  }

  // 4. Mark synced, conditional on the version read: that write is also the claim on the rep's
  //    notification, made before the publish, so a DynamoDB failure after the publish cannot page twice.
  await Promise.all(
    withContact.map(async (l) => {
      if (isFailed(l.leadId) || refusals.has(l.leadId)) return;
      const key = `${l.leadId}:${l.attempt}`;
      const taskId = taskIds.get(key);
      const tasks = taskId ? { ...l.tasks, [String(l.attempt)]: taskId } : l.tasks;
      const notify = l.notifiedAttempt < l.attempt && ['routed', 'unroutable'].includes(l.status);
      const written = await deps.store.updateLead(
        l.leadId,
        { version: expected.get(l.leadId) ?? -1 },
        {
          ...contactOf(l),
          tasks,
          // The attempt's task is recorded: the marker of a creation in flight has done its job.
          ...(tasks[String(l.attempt)]
            ? { taskDueAt: l.dueAt, taskPending: null, taskLeaseUntil: null }
            : {}),
          notifiedAttempt: notify ? l.attempt : l.notifiedAttempt,
          sync: 'synced',
          syncedAt: new Date(deps.clock.now()).toISOString(),
          closeTasks: null,
        },
      );
      if (!written) {
        // Changed meanwhile: keep what this pass created, and sync the new state before acknowledging.
        await keepStaleTask(deps, l, taskId);
        changed.push(l.leadId);
        return;
      }
      if (notify) {
        try {
          await notifyAssignment(deps, l);
        } catch (e) {
          // Not sent: give the claim back so the retry sends it.
          await deps.store
            .updateLead(
              l.leadId,
              { version: written.version },
              { notifiedAttempt: l.notifiedAttempt, sync: 'queued' },
            )
            .catch(() => undefined);
          fail(l.leadId, 'notification', e);
          return;
        }
      }
      if (l.syncRequestedAt)
        deps.metrics?.seconds(
          'SyncLagSeconds',
          Math.max(0, (deps.clock.now() - Date.parse(l.syncRequestedAt)) / 1000),
        );
      await deps.store.putEvent({
        leadId: l.leadId,
        at: new Date(deps.clock.now()).toISOString(),
        type: 'synced',
        ref: `${l.attempt}:${l.version}`,
        data: { contactId: l.hubspotContactId, taskId: tasks[String(l.attempt)] },
      });
    }),
  );
  return changed;
}

/**
 * A pass that lost its final write may have created a task for an attempt that is over: record its id on
 * the lead, and have the next sync complete it when the lead has moved to another attempt, so no task is
 * left open for a rep who no longer owns the lead.
 */
async function keepStaleTask(deps: SyncDeps, stale: LeadRecord, taskId: string | undefined): Promise<void> {
  if (!taskId) return;
  for (let i = 0; i < 5; i++) {
    const fresh = await deps.store.getLead(stale.leadId);
    if (!fresh) return;
    const over = fresh.attempt !== stale.attempt;
    const known = fresh.tasks[String(stale.attempt)] === taskId;
    const closing = fresh.closeTasks ?? [];
    if (known && (!over || closing.includes(taskId))) return;
    const done = await deps.store.updateLead(
      stale.leadId,
      { version: fresh.version },
      {
        tasks: { ...fresh.tasks, [String(stale.attempt)]: taskId },
        ...(over && !closing.includes(taskId) ? { closeTasks: [...closing, taskId] } : {}),
      },
    );
    if (done) return;
  }
}

async function notifyAssignment(deps: SyncDeps, l: LeadRecord): Promise<void> {
  // A lead in a waiting room pages no one: its team's managers get one digest per interval instead.
  if (l.status === 'unroutable' && l.waiting) return;
  const lead = messageLead(deps.policy, l, deps.hubspotAppUrl);
  const tier = deps.policy.tierById.get(l.tier);
  const now = deps.clock.now();
  if (l.status === 'unroutable') {
    // Managers get the manager's alert, under the lead's team or, outside every team, the ops team.
    const teamId = l.teamId ?? deps.policy.opsTeam;
    const team = teamId ? deps.policy.teams.get(teamId) : undefined;
    const m = alertMessage(lead, l.queueId);
    await deps.notifier.publish({
      type: 'alert',
      subject: m.subject,
      body: m.body,
      sms: m.sms,
      attributes: {
        ownerId: l.ownerId,
        teamId,
        tier: l.tier,
        audience: ['manager'],
        // Quiet hours: SMS only to whoever may get one now; email always.
        smsTo: smsRecipients(
          deps.policy,
          team,
          undefined,
          { rung: 1, notify: ['manager'], channels: ['email', 'sms'] },
          tier,
          now,
        ),
      },
    });
    return;
  }
  const team = l.teamId ? deps.policy.teams.get(l.teamId) : undefined;
  const rep = team?.members.find((x) => x.ownerId === l.ownerId);
  const m = assignmentMessage(lead);
  await deps.notifier.publish({
    type: 'assignment',
    subject: m.subject,
    body: m.body,
    sms: m.sms,
    attributes: {
      ownerId: l.ownerId,
      teamId: l.teamId,
      tier: l.tier,
      audience: ['rep'],
      smsTo: rep?.phone && repSmsNow(rep, tier, now) ? [smsKey(rep.phone)] : [],
    },
  });
}

async function ensureContacts(
  deps: SyncDeps,
  leads: LeadRecord[],
  fail: (id: string, why: string, e?: unknown) => void,
  refuse: (lead: LeadRecord, error: CrmRefusedError) => void,
): Promise<{ leads: LeadRecord[]; upserted: Set<string> }> {
  const upserted = new Set<string>();
  const need = leads.filter((l) => !l.hubspotContactId);
  if (need.length === 0) return { leads, upserted };
  const byEmail = need.filter((l) => l.input.email);
  const ids = new Map<string, string>();
  const bad = await splitRefused(
    byEmail,
    (chunk) =>
      deps.crm.upsertContacts(
        chunk.map((l) => ({
          email: l.input.email as string,
          properties: { ...baseContactProperties(l), ...contactProperties(deps.policy, l) },
        })),
      ),
    (r) => {
      for (const [k, v] of r) ids.set(k, v);
    },
  );
  for (const b of bad) refuse(b.item, b.error);
  const refused = new Set(bad.map((b) => b.item.leadId));
  const out = leads.filter((l) => l.hubspotContactId);
  for (const l of need.filter((x) => !refused.has(x.leadId))) {
    let id = l.input.email ? ids.get(l.input.email.toLowerCase()) : undefined;
    if (!id && !l.input.email) {
      try {
        id = await deps.crm.createContact({
          ...baseContactProperties(l),
          ...contactProperties(deps.policy, l),
        });
      } catch (e) {
        if (e instanceof CrmRefusedError) refuse(l, e);
        else fail(l.leadId, 'contact create', e);
        continue;
      }
    }
    if (!id) {
      fail(l.leadId, 'HubSpot returned no contact id');
      continue;
    }
    upserted.add(l.leadId);
    // The id is recorded on the lead by the pass's next write of it (the task marker or the final write);
    // a pass that fails before then upserts again by email, which finds the same contact.
    await deps.store.claimPointer('contact', id, l.leadId);
    out.push({ ...l, hubspotContactId: id });
  }
  return { leads: out, upserted };
}

/**
 * Runs a batch call; when HubSpot refuses the batch for what one input carries, splits it in halves
 * until the refused inputs stand alone, so the others go through. Returns the refused inputs.
 */
async function splitRefused<T, R>(
  items: readonly T[],
  call: (chunk: readonly T[]) => Promise<R>,
  onResult: (r: R) => void,
): Promise<{ item: T; error: CrmRefusedError }[]> {
  if (items.length === 0) return [];
  try {
    onResult(await call(items));
    return [];
  } catch (e) {
    if (!(e instanceof CrmRefusedError)) throw e;
    if (items.length === 1) return [{ item: items[0] as T, error: e }];
    const mid = Math.ceil(items.length / 2);
    const left = await splitRefused(items.slice(0, mid), call, onResult);
    return [...left, ...(await splitRefused(items.slice(mid), call, onResult))];
  }
}

function baseContactProperties(l: LeadRecord): Record<string, string> {
  const i = l.input;
  const p: Record<string, string> = {};
  if (i.firstName) p.firstname = i.firstName;
  if (i.lastName) p.lastname = i.lastName;
  if (i.phone) p.phone = i.phone;
  if (i.company) p.company = i.company;
  if (i.jobTitle) p.jobtitle = i.jobTitle;
  if (i.country) p.country = i.country;
  if (l.domain) p.website = l.domain;
  return p;
}

async function recordShadow(deps: SyncDeps, lead: LeadRecord): Promise<void> {
  if (lead.sync === 'synced' && lead.notifiedAttempt >= lead.attempt) return;
  // Shadow mode: what would have been written and who would have been told, recorded, nothing sent.
  await deps.store.putEvent({
    leadId: lead.leadId,
    at: new Date(deps.clock.now()).toISOString(),
    type: 'shadow_sync',
    ref: `${lead.attempt}:${lead.version}`,
    data: {
      properties: contactProperties(deps.policy, lead),
      task: { ownerId: lead.ownerId, dueAt: lead.dueAt },
      notify: lead.ownerId,
    },
  });
  await deps.store.updateLead(
    lead.leadId,
    {},
    { sync: 'synced', syncedAt: new Date(deps.clock.now()).toISOString(), notifiedAttempt: lead.attempt },
  );
}
