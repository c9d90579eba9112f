/**
 * The use cases' view of the outside world: small ports, one adapter per service behind each.
 * Records here are what leadclock persists; nothing in this file knows AWS or HubSpot.
 */
import type { AvailabilityChange, Overlay, OwnerOverlay } from '../domain/availability.ts';
import type { Policy } from '../domain/compile.ts';
import type { LeadInput, LeadState } from '../domain/lead.ts';
import type { OutcomeFields } from '../domain/outcomes.ts';
import type { MakeUpState, RoutingState } from '../domain/routing.ts';
import type { ContactFacts, EngagementFacts, EngagementKind } from '../domain/touch.ts';

/** A lead as stored: the input, the decisions taken, the SLA clock and what came of it (outcomes). */
export interface LeadRecord extends OutcomeFields {
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
  /** When the first owner is reminded (tier `remindAt`); the lead's timer fires here first, then at dueAt. */
  remindAt?: string;
  /** The lead's SLA deadline: the first owner's (pulled in by a hotter repeat inquiry). A first touch by then is met, whatever happened since. */
  slaDueAt?: string;
  /** Owners who had the lead before the current one. */
  previousOwners: string[];
  /** Whether the owner holds a slot of the open-lead counter for this lead. */
  holdsSlot: boolean;
  /** The contact's earlier lead, when this one is a returning contact's new inquiry. */
  previousLeadId?: string;
  /** Submission → assignment (ms, wall clock): the system's delay, kept apart from the rep's window. */
  systemDelayMs?: number;
  /** The delivery reached leadclock over `LATE_ARRIVAL_MS` after submission (HubSpot retry, workflow delay, re-enrolment). */
  lateArrival?: boolean;
  breachCount: number;
  /** The owners whose deadlines passed untouched, one per breach (the owner at breach time). */
  missedBy?: string[];
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
  /** Until when (epoch seconds, wall time) the worker that marked `taskPending` holds the right to create it. */
  taskLeaseUntil?: number;
  /** The due date the current attempt's HubSpot task was last given (created or moved). */
  taskDueAt?: string;
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
  /** Set while the lead waits in its team's waiting room (nobody could take it). */
  waiting?: { teamId: string; key: string; since: string };
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
  /** The lead this inquiry joined (its clock was running, or it was parked and routed again). */
  duplicateOf?: string;
  /** The team whose waiting room the lead waits in, when nobody could take it. */
  waitingRoom?: string;
  /** A returning contact's earlier lead, when this inquiry became a new lead. */
  previousLeadId?: string;
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
   * With `expect.taskLease`, nobody may hold the right to create task `key` (`taskPending` is another
   * key, or its `taskLeaseUntil` has passed), and the same write takes it: `taskPending` = `key`, held
   * for `seconds` of wall time.
   */
  updateLead(leadId: string, expect: LeadExpectation, patch: LeadPatch): Promise<LeadRecord | undefined>;
  /** Writes an event; false when the same event (same key) exists already. */
  putEvent(event: LeadEvent): Promise<boolean>;
  listEvents(leadId: string): Promise<LeadEvent[]>;
  /** Points `kind:key` at `leadId` unless it points at another lead already; returns the lead it points at. */
  claimPointer(kind: 'email' | 'contact', key: string, leadId: string): Promise<string>;
  getPointer(kind: 'email' | 'contact', key: string): Promise<string | undefined>;
  /** Removes a pointer if it still points at `leadId`. */
  releasePointer(kind: 'email' | 'contact', key: string, leadId: string): Promise<void>;
  /** Moves a pointer from `from` (or from nothing) to `to`; false when it points at a third lead. */
  movePointer(kind: 'email' | 'contact', key: string, from: string, to: string): Promise<boolean>;
  /** Cursors, weights and make-up of the teams, open and recent daily counts of the owners, and inactive owners. */
  loadRoutingState(teamIds: readonly string[], ownerIds: readonly string[]): Promise<RoutingState>;
  /**
   * Adds `leadId` to the open leads of `ownerId` if they hold fewer than `cap` (no cap when undefined)
   * and, with a `quota`, counts the lead on their local `day` if they are under its `max`: both or
   * neither. Idempotent for the open set: a lead already counted is taken again at no cost.
   */
  takeSlot(
    ownerId: string,
    cap: number | undefined,
    leadId: string,
    quota?: { day: string; max: number },
  ): Promise<boolean>;
  /** Removes `leadId` from the open leads of `ownerId` (a no-op when it is not there). */
  releaseSlot(ownerId: string, leadId: string): Promise<void>;
  /** The lead ids counted as open for `ownerId`. */
  openLeads(ownerId: string): Promise<string[]>;
  /** Takes the next round-robin ticket of a team's pool (atomic; 1 for the first ever). */
  takeTicket(teamId: string): Promise<number>;
  saveRotation(
    teamId: string,
    rotation: { cursor?: number; weights?: Record<string, number>; makeUp?: MakeUpState },
  ): Promise<void>;
  getAccountOwner(domain: string): Promise<string | undefined>;
  /** Records a one-off key (webhook event, breach attempt); false when it was recorded already. */
  once(key: string, ttlSeconds: number): Promise<boolean>;
  /** Drops a one-off key, so the work it guarded can be redone after a failure. */
  forget(key: string): Promise<void>;
  /** Whether a one-off key is recorded and not yet expired (a live lease). */
  held(key: string): Promise<boolean>;
  /** Records (or extends) a one-off key unconditionally: turns a short lease into a done-marker. */
  settle(key: string, ttlSeconds: number): Promise<void>;
  /** Leads whose clock runs and whose deadline is before `before` (over the last `days` days of deadlines). */
  findDue(before: Date, days?: number, limit?: number): Promise<LeadRecord[]>;
  /** Leads whose clock runs with deadlines from `days` ago up to `ahead` days ahead (sweeper re-arm). */
  /** Leads whose clock runs, due from `days` ago to `ahead` days on: what the sweeper reads, or whole leads. */
  findRunning(now: Date, days: number, ahead: number, opts?: { whole?: boolean }): Promise<LeadRecord[]>;
  /** Leads submitted in [from, to), one GSI2 day partition at a time. */
  listSubmitted(from: Date, to: Date): Promise<LeadRecord[]>;
  /** Leads whose CRM sync is not done and was first requested before `requestedBefore` (a sparse index, any age). */
  findUnsynced(requestedBefore: Date): Promise<LeadRecord[]>;
  /** Replaces the set of owners archived or deactivated in HubSpot. */
  setInactiveOwners(ownerIds: readonly string[]): Promise<void>;
  /** Adds one owner to that set (HubSpot refused them as an owner between two accounts syncs). */
  addInactiveOwner(ownerId: string): Promise<void>;
  /** Sets, or with undefined clears, the account owner of a company domain. */
  setAccountOwner(domain: string, ownerId: string | undefined): Promise<void>;
  /** A small named value (e.g. the accounts-sync cursor). */
  getMarker(name: string): Promise<string | undefined>;
  setMarker(name: string, value: string): Promise<void>;
  /** The availability overlay (managers' run-time changes); absent in stores that keep none. */
  loadAvailability?(): Promise<Overlay>;
}

/** One change to the availability overlay, as recorded: who, when, what. */
export interface AvailabilityLogEntry {
  at: string;
  by: string;
  change: AvailabilityChange;
}

/** Where the availability overlay and its change log live. */
export interface AvailabilityStore {
  loadAvailability(): Promise<Overlay>;
  /** Writes a rep's overlay if it is still at `expectVersion` (0: absent), with the log entry if any; false on a conflict. */
  saveAvailability(
    entry: OwnerOverlay,
    expectVersion: number,
    log: AvailabilityLogEntry | { at: string; by: string; change?: undefined },
  ): Promise<boolean>;
  /** One rep's overlay, read consistently, and its version (0 when there is none). */
  availabilityEntry(ownerId: string): Promise<{ entry?: OwnerOverlay; version: number }>;
  /** The change log, newest first. */
  availabilityLog(limit: number): Promise<AvailabilityLogEntry[]>;
}

/** A lead in a team's waiting room. */
export interface WaitingEntry {
  teamId: string;
  /** The entry's position key (drain order and identity). */
  key: string;
  leadId: string;
  tier: string;
  submittedAt: string;
  enteredAt: string;
}

/** Per-team ordered queues of leads nobody could take: hottest tier first, then oldest. */
export interface WaitingRoom {
  enterWaiting(e: WaitingEntry): Promise<void>;
  listWaiting(teamId: string, limit?: number): Promise<WaitingEntry[]>;
  countWaiting(teamId: string): Promise<number>;
  leaveWaiting(teamId: string, key: string): Promise<void>;
}

/**
 * Where the policy comes from at run time: AWS AppConfig in AWS, a watched file locally. `current()` is
 * synchronous and cheap (the adapter caches and refreshes behind it), so use cases read it per request and
 * a published policy takes effect without a redeploy or a restart.
 */
export interface PolicySource {
  current(): Policy;
  /** Identifies the version in use (AppConfig version, or the file's content hash), for logs. */
  version(): string;
  close?(): void;
}

/** What a lead must still be for an update to apply (LeadStore.updateLead). */
export interface LeadExpectation {
  version?: number;
  status?: readonly LeadState[];
  attempt?: number;
  taskLease?: { key: string; seconds: number };
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
  /** `delaySeconds` (0–900) holds the messages back before any consumer may receive them. */
  send(messages: readonly SyncMessage[], opts?: { delaySeconds?: number }): Promise<void>;
}

/** A notification to reps or managers; attributes drive SNS subscription filter policies. */
export interface Notification {
  type: 'assignment' | 'breach' | 'alert' | 'repeat' | 'reminder';
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
    /** Keys (smsKey) of the people SMS may reach now: quiet hours and channel choices applied. */
    smsTo?: readonly string[];
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

/** What HubSpot holds for a contact, as the breach check reads it (judged by domain/touch.ts). */
export type ContactActivity =
  | { contact: 'found'; contactId: string; facts: ContactFacts; mergedFrom?: string }
  | { contact: 'deleted' };
/**
 * The CRM refused a request for what it carries (HubSpot's 400 VALIDATION_ERROR), not for how it was
 * sent: sending it again fails again. A batch fails whole for one bad input, so callers split it.
 */
export class CrmRefusedError extends Error {
  override readonly name = 'CrmRefusedError';
  /** The HTTP status, where a status-reading retry policy looks for it. */
  readonly code = 400;
  /** HubSpot named an owner that is not an active owner (archived, deactivated, or never existed). */
  readonly invalidOwner: boolean;
  constructor(message: string, opts: { invalidOwner: boolean; cause?: unknown }) {
    super(message, { cause: opts.cause });
    this.invalidOwner = opts.invalidOwner;
  }
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
  /**
   * Existing tasks by key, read through each contact's task associations (consistent right after a
   * write, unlike search), for reconciling after an ambiguous failure.
   */
  findTasks(tasks: readonly Pick<CrmTask, 'key' | 'contactId'>[]): Promise<Map<string, string>>;
  /** Creates tasks associated to their contacts; returns key → task id. */
  createTasks(tasks: readonly CrmTask[]): Promise<Map<string, string>>;
  completeTasks(taskIds: readonly string[]): Promise<void>;
  /**
   * The contact's engagements (every association, all pages), owner's first engagement and lead status
   * history, following a merge to the surviving contact; `deleted` when HubSpot answers 404.
   */
  contactActivity(contactId: string): Promise<ContactActivity>;
  /** `contactActivity` for many contacts at once, in batch reads (a breach wave); keyed by the ids asked for. */
  contactActivities(contactIds: readonly string[]): Promise<Map<string, ContactActivity>>;
  /** A deal's properties and the contacts it is associated with; undefined when HubSpot no longer has it. */
  deal(
    id: string,
  ): Promise<{ properties: Record<string, string | null | undefined>; contactIds: string[] } | undefined>;
  /** An engagement and the contacts it is associated with; undefined when HubSpot no longer has it. */
  engagement(
    kind: EngagementKind,
    id: string,
  ): Promise<{ facts: EngagementFacts; contactIds: string[] } | undefined>;
  /** All owners: archived ones, and users deactivated in HubSpot (`active: false`), are not assignable. */
  owners(): Promise<{ id: string; email?: string; name?: string; archived: boolean; active?: boolean }[]>;
  /** Moves tasks' due dates (hs_timestamp), e.g. when a repeat inquiry raised the tier. */
  moveTasks(moves: readonly { taskId: string; dueAt: string }[]): Promise<void>;
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
  | 'IntentUnmapped'
  | 'SyncLagSeconds'
  | 'HubSpot429'
  | 'HubSpotTokenMissing'
  | 'LeadsContacted'
  | 'MeetingsBooked'
  | 'LeadsQualified'
  | 'DealsRecorded'
  | 'LateArrivals'
  | 'ReturningContacts';

/** Where use cases record business metrics. */
export interface Metrics {
  count(name: MetricName, value?: number): void;
  seconds(name: MetricName, value: number): void;
}

/** Metrics that go nowhere (tests, the simulator). */
export const noMetrics: Metrics = { count() {}, seconds() {} };

/** Which of HubSpot's limits a request counts against: every request is `general`; a search is also `search`. */
export type RateKind = 'general' | 'search';

/**
 * A request budget shared by every caller of one API account (HubSpot: one per portal, across every
 * function and Lambda instance). Adapters draw from it before each request.
 */
export interface RateBudget {
  /** Resolves when one more request of `kind` may go out. */
  take(kind?: RateKind): Promise<void>;
  /** The API refused (429): nothing of `kind` goes out for `ms`, in any process that shares the budget. */
  pause(ms: number, kind?: RateKind): Promise<void>;
}
