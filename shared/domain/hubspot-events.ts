/**
 * `POST /hubspot/webhooks`: an app webhook delivery (a JSON array of events) parsed into typed events,
 * a dedupe key per event, and what each event means for a lead's SLA (touch, accept/reject/recycle,
 * manual reassignment, a rep's engagement to read). Pure.
 */
import type { FieldError } from './lead-input.ts';
import { DEFAULT_OUTCOME_SETTINGS, type OutcomeFact, type OutcomeSettings } from './outcomes.ts';
import type { PolicyDoc } from './policy.ts';

/** One app webhook event, validated. Ids are strings so they compare with stored HubSpot ids. */
export interface HubSpotEvent {
  eventId: string;
  subscriptionType: string;
  objectId: string;
  /** Epoch ms. */
  occurredAt: number;
  propertyName?: string;
  propertyValue?: string;
  changeSource?: string;
  sourceId?: string;
  attemptNumber: number;
  portalId: number;
  objectTypeId?: string;
  /** Merge events: the surviving record, and the records merged into it. */
  primaryObjectId?: string;
  mergedObjectIds?: string[];
}

/** A parsed delivery: the valid events, and one error per invalid field (`[2].objectId`). */
export interface HubSpotEventBatch {
  events: HubSpotEvent[];
  errors: FieldError[];
}

/** The policy's `touch` section (what counts as a touch, an acceptance, a rejection, a recycle). */
export type TouchConfig = Pick<
  PolicyDoc['touch'],
  'activities' | 'leadStatuses' | 'acceptStatuses' | 'rejectStatuses' | 'recycleStatuses'
>;

/** A sales activity that counts as a touch. */
export type Activity = 'call' | 'email' | 'meeting';

/** What an event means for a lead; `at` is ISO 8601. */
export type Outcome =
  | { kind: 'touch'; via: 'lead_status' | 'first_engagement'; at: string }
  | { kind: 'accepted' | 'rejected' | 'recycled'; status: string; at: string }
  | { kind: 'owner_changed'; ownerId: string | undefined; byUser: boolean; at: string }
  | { kind: 'activity'; activity: Activity; objectId: string; at: string }
  | { kind: 'contact_merged'; primaryId: string; mergedIds: string[]; at: string }
  /** An outcome the contact's own properties show (contact made by lead status, qualified by lifecycle stage). */
  | { kind: 'outcome'; fact: OutcomeFact }
  /** A deal was created or changed: read it and its contacts (amount, stage, closed won). */
  | { kind: 'deal'; dealId: string; at: string };

/** Most events HubSpot puts in one delivery. */
export const MAX_EVENTS = 1000;

/** CRM object type ids of the engagements that count as activities. */
export const ACTIVITY_TYPE_IDS: Readonly<Record<string, Activity>> = {
  '0-48': 'call',
  '0-49': 'email',
  '0-47': 'meeting',
};

const CONTACT_TYPE_ID = '0-1';
const DEAL_TYPE_ID = '0-3';
// Who a change came from: a person in HubSpot (web or mobile app) rather than an integration,
// workflow or import. leadclock's own writes arrive as INTEGRATION/API.
const USER_SOURCES: ReadonlySet<string> = new Set(['CRM_UI', 'MOBILE_IOS', 'MOBILE_ANDROID']);
const MACHINE_SOURCES: ReadonlySet<string> = new Set(['INTEGRATION', 'API']);
const MAX_MS = 253_402_300_799_999;

/** Validates a delivery: an array of at most 1000 event objects with the required fields well typed. */
export function parseHubSpotEvents(body: unknown): HubSpotEventBatch {
  if (!Array.isArray(body))
    return { events: [], errors: [{ field: '(body)', message: 'expected an array of events' }] };
  if (body.length > MAX_EVENTS) {
    return {
      events: [],
      errors: [{ field: '(body)', message: `at most ${MAX_EVENTS} events per delivery` }],
    };
  }
  const events: HubSpotEvent[] = [];
  const errors: FieldError[] = [];
  body.forEach((raw, i) => {
    const r = parseEvent(raw, `[${i}]`);
    if ('event' in r) events.push(r.event);
    else errors.push(...r.errors);
  });
  return { events, errors };
}

/** Dedupe key of an event; HubSpot does not guarantee `eventId` alone is unique. */
export function eventKey(e: HubSpotEvent): string {
  return `${e.portalId}:${e.eventId}:${e.subscriptionType}:${e.objectId}:${e.propertyName ?? ''}:${e.occurredAt}`;
}

/**
 * What an event means under the policy's touch rules. Lead status changes may be both a touch and an
 * acceptance/rejection/recycle, so the answer is a list; `[]` means the event is ignored.
 */
export function classifyEvent(
  event: HubSpotEvent,
  touch: TouchConfig,
  outcomes: OutcomeSettings = DEFAULT_OUTCOME_SETTINGS,
): Outcome[] {
  const occurred = new Date(event.occurredAt).toISOString();
  if (isDealEvent(event)) return [{ kind: 'deal', dealId: event.objectId, at: occurred }];
  const activity = activityOf(event);
  // An engagement is judged once read (who logged it, its direction, source and time: domain/touch.ts), so
  // every call, email and meeting is passed on; a meetings-link booking becomes an outcome, not a touch.
  if (activity) return [{ kind: 'activity', activity, objectId: event.objectId, at: occurred }];
  // A merge: the leads of the merged-away contacts follow the survivor (HubSpot answers their ids with it).
  if (
    (event.subscriptionType === 'contact.merge' ||
      (event.subscriptionType === 'object.merge' && event.objectTypeId === CONTACT_TYPE_ID)) &&
    event.primaryObjectId !== undefined
  ) {
    const mergedIds = (event.mergedObjectIds ?? []).filter((x) => x !== event.primaryObjectId);
    return mergedIds.length
      ? [{ kind: 'contact_merged', primaryId: event.primaryObjectId, mergedIds, at: occurred }]
      : [];
  }
  if (!isContactPropertyChange(event)) return [];
  const value = event.propertyValue?.trim() ?? '';
  switch (event.propertyName) {
    case 'hs_lead_status': {
      if (value === '') return [];
      const out: Outcome[] = [];
      // Only a person's change is a rep's touch: a workflow, import or integration setting the status is not.
      if (includesStatus(touch.leadStatuses, value) && changedByUser(event))
        out.push({ kind: 'touch', via: 'lead_status', at: occurred });
      if (includesStatus(touch.acceptStatuses, value))
        out.push({ kind: 'accepted', status: value, at: occurred });
      if (includesStatus(touch.rejectStatuses, value))
        out.push({ kind: 'rejected', status: value, at: occurred });
      if (includesStatus(touch.recycleStatuses, value))
        out.push({ kind: 'recycled', status: value, at: occurred });
      // A lead status meaning "reached" set by a person: contact made (an outcome beside the touch).
      if (includesStatus(outcomes.connectedStatuses, value) && changedByUser(event))
        out.push({ kind: 'outcome', fact: { kind: 'connected', at: occurred, via: 'lead_status' } });
      return out;
    }
    case 'lifecyclestage':
      // Qualified whoever moved the stage (a rep, or a workflow acting on the rep's qualification).
      return value !== '' && outcomes.qualifiedStages.some((q) => q.toLowerCase() === value.toLowerCase())
        ? [{ kind: 'outcome', fact: { kind: 'qualified', at: occurred, stage: value.toLowerCase() } }]
        : [];
    case 'hs_sa_first_engagement_date': {
      // HubSpot's owner-specific "first engagement" (reset when the owner changes): the rep's own outreach.
      // The contact's own engagement (hs_last_sales_activity_timestamp, notes_last_contacted) is never a touch.
      if (value === '') return [];
      const ms = toMs(value);
      return [
        {
          kind: 'touch',
          via: 'first_engagement',
          at: ms === undefined ? occurred : new Date(ms).toISOString(),
        },
      ];
    }
    case 'hubspot_owner_id':
      return [
        {
          kind: 'owner_changed',
          ownerId: value === '' ? undefined : value,
          byUser: changedByUser(event),
          at: occurred,
        },
      ];
    default:
      return [];
  }
}

/** Whether a change was made by a person in HubSpot, not by leadclock, another integration or a workflow. */
export function changedByUser(event: Pick<HubSpotEvent, 'changeSource' | 'sourceId'>): boolean {
  const source = event.changeSource?.toUpperCase();
  if (source !== undefined && MACHINE_SOURCES.has(source)) return false;
  return (
    (source !== undefined && USER_SOURCES.has(source)) || (event.sourceId?.startsWith('userId:') ?? false)
  );
}

function activityOf(e: HubSpotEvent): Activity | undefined {
  if (e.subscriptionType === 'object.creation')
    return e.objectTypeId ? ACTIVITY_TYPE_IDS[e.objectTypeId] : undefined;
  const m = /^(call|email|meeting)\.creation$/.exec(e.subscriptionType);
  return m?.[1] as Activity | undefined;
}

/** A deal created or changed (legacy `deal.*` subscriptions, or generic object events of type 0-3). */
function isDealEvent(e: HubSpotEvent): boolean {
  if (e.subscriptionType === 'deal.creation' || e.subscriptionType === 'deal.propertyChange') return true;
  return (
    (e.subscriptionType === 'object.creation' || e.subscriptionType === 'object.propertyChange') &&
    e.objectTypeId === DEAL_TYPE_ID
  );
}

function isContactPropertyChange(e: HubSpotEvent): boolean {
  return (
    e.subscriptionType === 'contact.propertyChange' ||
    (e.subscriptionType === 'object.propertyChange' && e.objectTypeId === CONTACT_TYPE_ID)
  );
}

function includesStatus(list: readonly string[], value: string): boolean {
  const v = value.toUpperCase();
  return list.some((s) => s.trim().toUpperCase() === v);
}

function parseEvent(raw: unknown, at: string): { event: HubSpotEvent } | { errors: FieldError[] } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { errors: [{ field: at, message: 'expected an event object' }] };
  }
  const o = raw as Record<string, unknown>;
  const get = (k: string) => (Object.hasOwn(o, k) ? o[k] : undefined);
  const errors: FieldError[] = [];
  const need = <T>(k: string, read: (v: unknown) => T | undefined, expected: string): T | undefined => {
    const v = get(k);
    const out = v === undefined || v === null ? undefined : read(v);
    if (out === undefined)
      errors.push({ field: `${at}.${k}`, message: v === undefined || v === null ? 'is required' : expected });
    return out;
  };
  const may = <T>(k: string, read: (v: unknown) => T | undefined, expected: string): T | undefined => {
    const v = get(k);
    if (v === undefined || v === null) return undefined;
    const out = read(v);
    if (out === undefined) errors.push({ field: `${at}.${k}`, message: expected });
    return out;
  };

  const eventId = need('eventId', id, 'expected a numeric id');
  const subscriptionType = need(
    'subscriptionType',
    name,
    'expected a subscription type such as contact.propertyChange',
  );
  const objectId = need('objectId', id, 'expected a numeric id');
  const occurredAt = need('occurredAt', epochMs, 'expected epoch milliseconds');
  const portalId = need('portalId', positiveInt, 'expected a portal id');
  const attemptNumber = may('attemptNumber', count, 'expected a whole number ≥ 0') ?? 0;
  const propertyName = may('propertyName', name, 'expected a property name');
  const propertyValue = may('propertyValue', scalar, 'expected a text, number or boolean value');
  const changeSource = may('changeSource', name, 'expected a change source');
  const sourceId = may('sourceId', shortText, 'expected a string');
  const objectTypeId = may('objectTypeId', typeId, 'expected an object type id such as 0-1');
  const primaryObjectId = may('primaryObjectId', id, 'expected a numeric id');
  const mergedObjectIds = may('mergedObjectIds', ids, 'expected an array of numeric ids');
  if (
    errors.length > 0 ||
    eventId === undefined ||
    subscriptionType === undefined ||
    objectId === undefined ||
    occurredAt === undefined ||
    portalId === undefined
  ) {
    return { errors };
  }
  const event: HubSpotEvent = { eventId, subscriptionType, objectId, occurredAt, attemptNumber, portalId };
  if (propertyName !== undefined) event.propertyName = propertyName;
  if (propertyValue !== undefined) event.propertyValue = propertyValue;
  if (changeSource !== undefined) event.changeSource = changeSource;
  if (sourceId !== undefined) event.sourceId = sourceId;
  if (objectTypeId !== undefined) event.objectTypeId = objectTypeId;
  if (primaryObjectId !== undefined) event.primaryObjectId = primaryObjectId;
  if (mergedObjectIds !== undefined) event.mergedObjectIds = mergedObjectIds;
  return { event };
}

function id(v: unknown): string | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? String(v) : undefined;
  return typeof v === 'string' && /^\d{1,20}$/.test(v) ? v : undefined;
}

function ids(v: unknown): string[] | undefined {
  if (!Array.isArray(v) || v.length > 100) return undefined;
  const out = v.map(id);
  return out.every((x): x is string => x !== undefined) ? out : undefined;
}

function name(v: unknown): string | undefined {
  return typeof v === 'string' && /^[A-Za-z0-9_.:-]{1,128}$/.test(v) ? v : undefined;
}

function shortText(v: unknown): string | undefined {
  return typeof v === 'string' && v.length <= 256 ? v : undefined;
}

function typeId(v: unknown): string | undefined {
  return typeof v === 'string' && /^\d+-\d+$/.test(v) ? v : undefined;
}

function scalar(v: unknown): string | undefined {
  if (typeof v === 'string') return v.length <= 65_536 ? v : undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return String(v);
  return undefined;
}

function epochMs(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= MAX_MS ? v : undefined;
}

function positiveInt(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : undefined;
}

function count(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

/** A time property value: epoch ms (digits) or ISO 8601. */
function toMs(value: string): number | undefined {
  const ms = /^\d{1,15}$/.test(value)
    ? Number(value)
    : /^\d{4}-\d{2}-\d{2}/.test(value)
      ? Date.parse(value)
      : Number.NaN;
  return Number.isInteger(ms) && ms > 0 && ms <= MAX_MS ? ms : undefined;
}
