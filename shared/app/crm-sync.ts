/**
 * CRM sync: reflects leads in HubSpot in batches (owner and leadclock properties, the follow-up task),
 * then tells the rep. Only the items that failed are reported back, so SQS retries just those.
 */
import type { Policy } from '../domain/compile.ts';
import { assignmentMessage, type MessageLead, taskText } from '../domain/messages.ts';
import type {
  Clock,
  Crm,
  CrmTask,
  LeadRecord,
  LeadStore,
  Log,
  Metrics,
  Notifier,
  SyncMessage,
} from './ports.ts';

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
 * Lease on creating one lead's task, so two workers never both create it. It must outlive a live worker
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

/** Syncs a batch; returns the ids of the messages to retry. */
export async function syncBatch(deps: SyncDeps, items: readonly SyncItem[]): Promise<string[]> {
  const limitedBefore = deps.hubspotStats?.rateLimited ?? 0;
  try {
    return await syncItems(deps, items);
  } finally {
    const limited = (deps.hubspotStats?.rateLimited ?? 0) - limitedBefore;
    if (limited > 0) deps.metrics?.count('HubSpot429', limited);
  }
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

  const loaded = await Promise.all([...byLead.keys()].map((id) => deps.store.getLead(id)));
  const live: LeadRecord[] = [];
  for (const lead of loaded) {
    if (!lead) continue;
    if (lead.mode === 'shadow') await recordShadow(deps, lead);
    else live.push(lead);
  }
  if (live.length === 0) return [...failed];

  // 1. Contacts leadclock has no id for (non-HubSpot channels) are upserted by email with every
  //    property at once, so they need no separate update.
  let withContact: LeadRecord[] = [];
  let upserted = new Set<string>();
  try {
    ({ leads: withContact, upserted } = await ensureContacts(deps, live, fail));
  } catch (e) {
    for (const l of live) fail(l.leadId, 'contact upsert', e);
    return [...failed];
  }

  // 2. Owner and SLA properties of the other contacts, one batch.
  try {
    const toUpdate = withContact.filter((l) => !upserted.has(l.leadId));
    const missing = toUpdate.length
      ? await deps.crm.updateContacts(
          toUpdate.map((l) => ({
            id: l.hubspotContactId as string,
            properties: contactProperties(deps.policy, l),
          })),
        )
      : new Set<string>();
    for (const l of withContact.filter((x) => missing.has(x.hubspotContactId as string))) {
      // The contact was deleted or merged in HubSpot: forget it, the retry will upsert again.
      await deps.store.updateLead(l.leadId, {}, { hubspotContactId: null });
      fail(l.leadId, 'contact not found in HubSpot');
    }
    withContact = withContact.filter((l) => !missing.has(l.hubspotContactId as string));
  } catch (e) {
    for (const l of withContact) fail(l.leadId, 'contact update', e);
    return [...failed];
  }

  // 3. Follow-up tasks for owners who do not have one yet for this attempt.
  const needTask: LeadRecord[] = [];
  for (const l of withContact) {
    if (!l.ownerId || l.tasks[String(l.attempt)] || !['routed', 'unroutable'].includes(l.status)) continue;
    if (await deps.store.once(`task:${l.leadId}:${l.attempt}`, deps.taskLeaseSeconds ?? TASK_LEASE_SECONDS))
      needTask.push(l);
    else fail(l.leadId, 'another worker is creating this task');
  }
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
      const existing = retried.length
        ? await deps.crm.findTasks(retried.map((t) => t.key))
        : new Map<string, string>();
      for (const [k, v] of existing) taskIds.set(k, v);
      const fresh = tasks.filter((t) => !existing.has(t.key));
      await Promise.all(
        fresh.map((t) => deps.store.updateLead(t.key.split(':')[0] as string, {}, { taskPending: t.key })),
      );
      const created = await deps.crm.createTasks(fresh);
      for (const [k, v] of created) taskIds.set(k, v);
    } catch (e) {
      for (const l of needTask) fail(l.leadId, 'task create', e);
      // Give the lease back, or every redelivery would wait it out and the message would end in the DLQ;
      // the retry reconciles by key first, so it cannot duplicate what this try created.
      await Promise.all(needTask.map((l) => deps.store.forget(`task:${l.leadId}:${l.attempt}`)));
    }
  }
  // A deadline moved since the task was made (a repeat inquiry raised the tier): the task's due date follows.
  const moving = withContact.filter((l) => {
    const task = l.tasks[String(l.attempt)];
    if (!task || !['routed', 'unroutable'].includes(l.status)) return false;
    const repeat = byLead.get(l.leadId)?.messages.some((m) => m.reason === 'repeat');
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

  // 4. Tell the rep, once per attempt, then mark synced.
  await Promise.all(
    withContact.map(async (l) => {
      if (byLead.get(l.leadId)?.ids.some((id) => failed.has(id))) return;
      const key = `${l.leadId}:${l.attempt}`;
      const tasks = taskIds.has(key)
        ? { ...l.tasks, [String(l.attempt)]: taskIds.get(key) as string }
        : l.tasks;
      let notified = l.notifiedAttempt;
      if (notified < l.attempt && ['routed', 'unroutable'].includes(l.status)) {
        try {
          await notifyAssignment(deps, l);
          notified = l.attempt;
        } catch (e) {
          // Notifications are retried with the message; the HubSpot writes above are idempotent.
          await deps.store.updateLead(l.leadId, {}, { tasks, taskPending: null });
          fail(l.leadId, 'notification', e);
          return;
        }
      }
      await deps.store.updateLead(
        l.leadId,
        {},
        {
          tasks,
          ...(tasks[String(l.attempt)] ? { taskDueAt: l.dueAt } : {}),
          notifiedAttempt: notified,
          sync: 'synced',
          syncedAt: new Date(deps.clock.now()).toISOString(),
          closeTasks: null,
        },
      );
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
  return [...failed];
}

async function notifyAssignment(deps: SyncDeps, l: LeadRecord): Promise<void> {
  const m = assignmentMessage(messageLead(deps.policy, l, deps.hubspotAppUrl));
  await deps.notifier.publish({
    type: l.status === 'unroutable' ? 'alert' : 'assignment',
    subject:
      l.status === 'unroutable'
        ? `Unassigned lead in ${l.queueId ?? 'the default queue'}: nobody eligible`
        : m.subject,
    body: m.body,
    sms: m.sms,
    attributes: {
      ownerId: l.ownerId,
      teamId: l.teamId,
      tier: l.tier,
      audience: l.status === 'unroutable' ? ['manager'] : ['rep'],
    },
  });
}

async function ensureContacts(
  deps: SyncDeps,
  leads: LeadRecord[],
  fail: (id: string, why: string, e?: unknown) => void,
): Promise<{ leads: LeadRecord[]; upserted: Set<string> }> {
  const upserted = new Set<string>();
  const need = leads.filter((l) => !l.hubspotContactId);
  if (need.length === 0) return { leads, upserted };
  const byEmail = need.filter((l) => l.input.email);
  const ids = await deps.crm.upsertContacts(
    byEmail.map((l) => ({
      email: l.input.email as string,
      properties: { ...baseContactProperties(l), ...contactProperties(deps.policy, l) },
    })),
  );
  const out = leads.filter((l) => l.hubspotContactId);
  for (const l of need) {
    let id = l.input.email ? ids.get(l.input.email.toLowerCase()) : undefined;
    if (!id && !l.input.email) {
      try {
        id = await deps.crm.createContact({
          ...baseContactProperties(l),
          ...contactProperties(deps.policy, l),
        });
      } catch (e) {
        fail(l.leadId, 'contact create', e);
        continue;
      }
    }
    if (!id) {
      fail(l.leadId, 'HubSpot returned no contact id');
      continue;
    }
    upserted.add(l.leadId);
    const updated = await deps.store.updateLead(l.leadId, {}, { hubspotContactId: id });
    await deps.store.claimPointer('contact', id, l.leadId);
    out.push(updated ?? { ...l, hubspotContactId: id });
  }
  return { leads: out, upserted };
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
