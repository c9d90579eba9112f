/**
 * The use cases' view of the outside world: small ports, one adapter per service behind each.
 * Records here are what leadclock persists; nothing in this file knows AWS or HubSpot.
 */
import type { LeadInput, LeadState } from '../domain/lead.ts';
import type { RoutingState } from '../domain/routing.ts';

/** A lead as stored: the input, the decisions taken and the SLA clock. */
export interface LeadRecord {
  leadId: string;
  /** The delivery identity the lead id was derived from (source event id, or email+form+minute). */
  dedupeKey: string;
  status: LeadState;
  /** Bumped by every update; updates are conditional on it. */
  version: number;
  /** SLA timer attempt, 1 for the first owner, +1 per reassignment. */
  attempt: number;
  input: LeadInput;
  region?: string;
  domain?: string;
  freeMail: boolean;
  targetAccount: boolean;
  tier: string;
  tierRank: number;
  windowMs: number;
  reasons: string[];
  trail: string[];
  ownerId?: string;
  ownerName?: string;
  teamId?: string;
  queueId?: string;
  ruleId?: string;
  mode: 'live' | 'shadow';
  alert: boolean;
  /** Id of the calendar the deadline runs in (`always` for round-the-clock tiers). */
  calendarId: string;
  submittedAt: string;
  receivedAt: string;
  assignedAt: string;
  dueAt: string;
  /** The lead's SLA deadline: the first owner's (pulled in by a hotter repeat inquiry). A first touch by then is met, whatever happened since. */
  slaDueAt?: string;
  /** Owners who had the lead before the current one. */
  previousOwners: string[];
  /** Whether the owner holds a slot of the open-lead counter for this lead. */
  holdsSlot: boolean;
  breachCount: number;
  /** The last escalation rung taken (a fall-through can skip rungs). */
  escalationRung?: number;
  breachedAt?: string;
  firstTouchAt?: string;
  touchedBy?: string;
  /** Business-time speed to lead (ms), and wall-clock. */
  speedMs?: number;
  speedWallMs?: number;
  slaOutcome?: 'met' | 'late';
  recoveredAt?: string;
  attemptsLogged: number;
  firstAttemptAt?: string;
  hubspotContactId?: string;
  /** HubSpot task id per timer attempt. */
  tasks: Record<string, string>;
  /** Key of a task whose creation was attempted but not recorded; the next try looks it up before creating. */
  taskPending?: string;
  /** Task ids the next sync completes (a breached owner's task on reassignment). */
  closeTasks?: string[];
  timer: 'pending' | 'armed' | 'none';
  sync: 'pending' | 'queued' | 'synced';
  syncRequestedAt?: string;
  syncedAt?: string;
  /** Last attempt whose rep notification went out. */
  notifiedAttempt: number;
  /** The 202 body first returned for this lead, returned again to repeats of the same delivery. */
  response: CaptureResponse;
  closedAt?: string;
  closeReason?: string;
  /** Outcome fields the KPIs read (kpi.ts), recorded where they happen: first acceptance, */
  acceptedAt?: string;
  /** the first manual owner change within an hour of the assignment it overrode, */
  misroutedAt?: string;
  /** and repeat inquiries while open (0 at capture: its presence marks an outcome-tracked record). */
  repeatCount?: number;
}

/** `202` body of POST /leads. */
export interface CaptureResponse {
  leadId: string;
  status: LeadState;
  tier: string;
  ownerId: string | null;
  queue: string | null;
  dueAt: string;
  duplicateOf?: string;
}

/** A timeline entry under a lead. Keys are deterministic so a retry rewrites, never duplicates. */
export interface LeadEvent {
  leadId: string;
  at: string;
  type: string;
  /** Makes the key unique among events of one type at one instant (attempt, delivery id …). */
  ref: string;
  data: Record<string, unknown>;
}

/** Persistence of leads, events, routing state and idempotency records. */
export interface LeadStore {
  getLead(leadId: string): Promise<LeadRecord | undefined>;
  /** Creates a lead; false when one with this id exists already. */
  createLead(lead: LeadRecord): Promise<boolean>;
  /**
   * Applies `patch` when the stored lead still has `expect.version` (and one of `expect.status`, if
   * given). Returns the new record, or undefined when the condition failed. `null` in a patch removes.
   */
  updateLead(
    leadId: string,
    expect: { version?: number; status?: readonly LeadState[]; attempt?: number },
    patch: LeadPatch,
  ): Promise<LeadRecord | undefined>;
  /** Writes an event; false when the same event (same key) exists already. */
  putEvent(event: LeadEvent): Promise<boolean>;
  listEvents(leadId: string): Promise<LeadEvent[]>;
  /** Points `kind:key` at `leadId` unless it points at another lead already; returns the lead it points at. */
  claimPointer(kind: 'email' | 'contact', key: string, leadId: string): Promise<string>;
  getPointer(kind: 'email' | 'contact', key: string): Promise<string | undefined>;
  /** Removes a pointer if it still points at `leadId`. */
  releasePointer(kind: 'email' | 'contact', key: string, leadId: string): Promise<void>;
  /** Cursors and weights of the teams, open counts of the owners, and inactive owners. */
  loadRoutingState(teamIds: readonly string[], ownerIds: readonly string[]): Promise<RoutingState>;
  /** Takes one open-lead slot of `ownerId` if they are under `cap` (no cap when undefined). */
  takeSlot(ownerId: string, cap: number | undefined): Promise<boolean>;
  /** Gives one slot back (never below zero). */
  releaseSlot(ownerId: string): Promise<void>;
  saveRotation(
    teamId: string,
    rotation: { cursor?: number; weights?: Record<string, number> },
  ): Promise<void>;
  getAccountOwner(domain: string): Promise<string | undefined>;
  /** Records a one-off key (webhook event, breach attempt); false when it was recorded already. */
  once(key: string, ttlSeconds: number): Promise<boolean>;
  /** Drops a one-off key, so the work it guarded can be redone after a failure. */
  forget(key: string): Promise<void>;
  /** Leads whose clock runs and whose deadline is before `before` (over the last `days` days of deadlines). */
  findDue(before: Date, days?: number, limit?: number): Promise<LeadRecord[]>;
  /** Leads whose clock runs with deadlines from `days` ago up to `ahead` days ahead (sweeper re-arm). */
  findRunning(now: Date, days: number, ahead: number): Promise<LeadRecord[]>;
  /** Leads submitted in [from, to), one GSI2 day partition at a time. */
  listSubmitted(from: Date, to: Date): Promise<LeadRecord[]>;
  /** Leads submitted in the last `days` days whose CRM sync has not completed. */
  findUnsynced(now: Date, days: number): Promise<LeadRecord[]>;
  /** Replaces the set of owners archived or deactivated in HubSpot. */
  setInactiveOwners(ownerIds: readonly string[]): Promise<void>;
  /** Sets, or with undefined clears, the account owner of a company domain. */
  setAccountOwner(domain: string, ownerId: string | undefined): Promise<void>;
  /** A small named value (e.g. the accounts-sync cursor). */
  getMarker(name: string): Promise<string | undefined>;
  setMarker(name: string, value: string): Promise<void>;
}

/** A partial update of a lead; `null` removes an attribute. */
export type LeadPatch = { [K in keyof LeadRecord]?: LeadRecord[K] | null };

/** SLA timers: one one-shot schedule per lead and attempt. */
export interface Timers {
  /** Arms (or moves) the timer of `leadId`/`attempt` to fire at `at`. Idempotent. */
  arm(leadId: string, attempt: number, at: Date): Promise<void>;
  /** Cancels it; already fired or never armed counts as success. */
  cancel(leadId: string, attempt: number): Promise<void>;
}

/** A CRM sync request on the queue. */
export interface SyncMessage {
  leadId: string;
  /** What changed: a new assignment, a state change to reflect, or a repeat inquiry. */
  reason: 'assigned' | 'status' | 'repeat';
  attempt: number;
}

/** The queue in front of crm-sync. */
export interface SyncQueue {
  send(messages: readonly SyncMessage[]): Promise<void>;
}

/** A notification to reps or managers; attributes drive SNS subscription filter policies. */
export interface Notification {
  type: 'assignment' | 'breach' | 'alert' | 'repeat';
  subject: string;
  /** Full text (email). */
  body: string;
  /** At most 160 GSM characters (SMS). */
  sms: string;
  attributes: {
    ownerId?: string;
    teamId?: string;
    tier?: string;
    rung?: number;
    audience?: readonly string[];
  };
}

/** Outbound notifications. */
export interface Notifier {
  publish(n: Notification): Promise<void>;
}

/** Wall-clock time, a port so tests and the simulator can move it. */
export interface Clock {
  now(): number;
}

/** The system clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** Structured logging. Callers never pass raw emails or phone numbers; the adapter redacts them anyway. */
export interface Log {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/** A follow-up task for the owner, keyed `leadId:attempt` so it is created once. */
export interface CrmTask {
  key: string;
  contactId: string;
  ownerId?: string;
  dueAt: string;
  subject: string;
  body: string;
  priority: 'HIGH' | 'MEDIUM' | 'LOW';
}

/** The CRM (HubSpot): batched writes and the few reads leadclock needs. */
export interface Crm {
  /** Creates or updates contacts by email; returns lower-cased email → contact id. */
  upsertContacts(
    inputs: readonly { email: string; properties: Record<string, string> }[],
  ): Promise<Map<string, string>>;
  /** Creates a contact that has no email (a partial lead with a phone number). */
  createContact(properties: Record<string, string>): Promise<string>;
  /** Updates contacts; returns the ids HubSpot did not find. */
  updateContacts(inputs: readonly { id: string; properties: Record<string, string> }[]): Promise<Set<string>>;
  /** Existing tasks by key (for reconciling after an ambiguous failure). */
  findTasks(keys: readonly string[]): Promise<Map<string, string>>;
  /** Creates tasks associated to their contacts; returns key → task id. */
  createTasks(tasks: readonly CrmTask[]): Promise<Map<string, string>>;
  completeTasks(taskIds: readonly string[]): Promise<void>;
  /** The latest sales activity on the contact after `since` (ISO), if any: calls, emails, meetings, last contacted. */
  activitySince(contactId: string, since: string): Promise<string | undefined>;
  /** All owners, with whether they are archived. */
  owners(): Promise<{ id: string; email?: string; name?: string; archived: boolean }[]>;
  /** Company domain → owner, for companies changed since `since` (all when absent). */
  companyOwners(since?: string): Promise<{ domain: string; ownerId?: string; modifiedAt?: string }[]>;
}

/** Business metrics (CloudWatch EMF in AWS; README, Alarms and metrics). */
export type MetricName =
  | 'LeadsCaptured'
  | 'Breaches'
  | 'SlaMet'
  | 'SlaMissed'
  | 'SpeedToLeadSeconds'
  | 'Parked'
  | 'Unroutable'
  | 'SyncLagSeconds'
  | 'HubSpot429';

/** Where use cases record business metrics. */
export interface Metrics {
  count(name: MetricName, value?: number): void;
  seconds(name: MetricName, value: number): void;
}

/** Metrics that go nowhere (tests, the simulator). */
export const noMetrics: Metrics = { count() {}, seconds() {} };
