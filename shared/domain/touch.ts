/**
 * What counts as a rep's first touch in HubSpot (docs/hubspot-semantics.md): engagement objects a rep
 * logged or sent, the owner's first engagement date, and a lead status set by a user. Never the contact's
 * own engagement (site visits, form resubmissions, email opens, inbound chats, a meetings-link booking) nor
 * sequence or automated emails unless the policy allows them. The earliest qualifying touch wins, and a
 * time in the future never counts. Pure.
 */
import type { PolicyDoc } from './policy.ts';

/** The policy's touch settings that choose among the allowed signals. */
export type TouchSettings = Pick<PolicyDoc['touch'], 'activities' | 'leadStatuses'> & {
  /** Count sequence and other automated one-to-one emails as a touch (default: no). */
  automatedEmails?: boolean;
};

/** Engagement kinds leadclock reads. */
export type EngagementKind = 'call' | 'email' | 'meeting';

/** An engagement as HubSpot returns it: property values as strings (absent or null when unset). */
export interface EngagementFacts {
  kind: EngagementKind;
  id: string;
  properties: Readonly<Record<string, string | null | undefined>>;
}

/** What an engagement means for the SLA. */
export type EngagementMeaning =
  | { kind: 'touch'; at: string }
  | { kind: 'meeting_booked'; at: string }
  | { kind: 'ignored'; reason: string };

/** One entry of a property's history (`propertiesWithHistory`), newest first as HubSpot sends it. */
export interface PropertyVersion {
  value: string;
  /** ISO 8601 or epoch ms. */
  timestamp: string;
  sourceType?: string | null;
  sourceId?: string | null;
  updatedByUserId?: number | string | null;
}

/** What HubSpot holds for a contact, as the breach check reads it. */
export interface ContactFacts {
  engagements: readonly EngagementFacts[];
  /** `hs_sa_first_engagement_date`: the current owner's first engagement (reset when the owner changes). */
  firstEngagementAt?: string | null;
  /** `hs_sa_first_engagement_object_type` (CALL, EMAIL, MEETING …). */
  firstEngagementType?: string | null;
  /** History of `hs_lead_status`. */
  leadStatusHistory: readonly PropertyVersion[];
}

// Sources that are a person working in HubSpot (web or mobile app, or the sales extensions).
const USER_SOURCE_TYPES: ReadonlySet<string> = new Set([
  'CRM_UI',
  'MOBILE_IOS',
  'MOBILE_ANDROID',
  'SALES',
  'EMAIL_INTEGRATION',
  'CALLING',
]);
// Engagements created by automation rather than a rep's own action.
const AUTOMATED_ENGAGEMENT_SOURCES: ReadonlySet<string> = new Set([
  'SEQUENCES',
  'AUTOMATION_PLATFORM',
  'WORKFLOWS',
  'BATCH_UPDATE',
]);
/** `hs_meeting_source` of a meeting the contact booked through a meetings link (scheduling page). */
export const MEETINGS_LINK_SOURCE = 'MEETINGS_PUBLIC';
const FIRST_ENGAGEMENT_KINDS: Readonly<Record<string, EngagementKind>> = {
  CALL: 'call',
  CALLS: 'call',
  EMAIL: 'email',
  EMAILS: 'email',
  MEETING: 'meeting',
  MEETING_EVENT: 'meeting',
  MEETINGS: 'meeting',
};

/** Whether a property change or engagement came from a person in HubSpot, not a workflow, import or integration. */
export function isUserSource(sourceType: string | null | undefined): boolean {
  return sourceType !== undefined && sourceType !== null && USER_SOURCE_TYPES.has(sourceType.toUpperCase());
}

/**
 * What one engagement means: a rep's touch at its `hs_timestamp`, a meeting the contact booked (an outcome,
 * never a touch), or nothing (an inbound call or email, a forwarded email, an automated email, a kind the
 * policy does not count).
 */
export function classifyEngagement(e: EngagementFacts, settings: TouchSettings): EngagementMeaning {
  const p = e.properties;
  const at = toIso(p.hs_timestamp ?? undefined);
  if (!at) return { kind: 'ignored', reason: 'no hs_timestamp' };
  if (e.kind === 'meeting' && upper(p.hs_meeting_source) === MEETINGS_LINK_SOURCE)
    return { kind: 'meeting_booked', at };
  if (!settings.activities.includes(e.kind))
    return { kind: 'ignored', reason: `${e.kind} is not a touch under the policy` };
  const source = upper(p.hs_engagement_source);
  if (e.kind === 'call' && upper(p.hs_call_direction) === 'INBOUND')
    return { kind: 'ignored', reason: 'inbound call (the contact reached out)' };
  if (e.kind === 'email') {
    const direction = upper(p.hs_email_direction) ?? 'EMAIL';
    if (direction !== 'EMAIL') return { kind: 'ignored', reason: `email direction ${direction}` };
    if (source && AUTOMATED_ENGAGEMENT_SOURCES.has(source) && !settings.automatedEmails)
      return { kind: 'ignored', reason: `automated email (${source})` };
  }
  if (source && AUTOMATED_ENGAGEMENT_SOURCES.has(source) && e.kind !== 'email')
    return { kind: 'ignored', reason: `created by ${source}` };
  return { kind: 'touch', at };
}

/**
 * The earliest rep touch after `since` and not after `now`, from everything HubSpot holds for the contact;
 * undefined when there is none. A meeting's future start time and any other future time never count.
 */
export function earliestTouch(
  facts: ContactFacts,
  settings: TouchSettings,
  since: string,
  now: number,
): string | undefined {
  const sinceMs = Date.parse(since);
  const candidates: number[] = [];
  const consider = (iso: string | undefined) => {
    if (!iso) return;
    const ms = Date.parse(iso);
    if (Number.isFinite(ms) && ms > sinceMs && ms <= now) candidates.push(ms);
  };
  for (const e of facts.engagements) {
    const m = classifyEngagement(e, settings);
    if (m.kind === 'touch') consider(m.at);
  }
  const firstKind = FIRST_ENGAGEMENT_KINDS[upper(facts.firstEngagementType) ?? ''];
  // An unknown or missing type still counts: the property is HubSpot's own record of the owner's outreach.
  if (!firstKind || settings.activities.includes(firstKind))
    consider(toIso(facts.firstEngagementAt ?? undefined));
  for (const v of facts.leadStatusHistory) {
    if (!isUserSource(v.sourceType) && !/^userId:/.test(v.sourceId ?? '')) continue;
    if (!settings.leadStatuses.some((s) => s.trim().toUpperCase() === v.value.trim().toUpperCase())) continue;
    consider(toIso(v.timestamp));
  }
  return candidates.length ? new Date(Math.min(...candidates)).toISOString() : undefined;
}

/** A HubSpot time value (epoch ms digits or ISO 8601) as ISO 8601; undefined when unparseable. */
export function toIso(value: string | null | undefined): string | undefined {
  if (value === undefined || value === null || value.trim() === '') return undefined;
  const v = value.trim();
  const ms = /^\d{1,15}$/.test(v) ? Number(v) : /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : Number.NaN;
  return Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : undefined;
}

function upper(v: string | null | undefined): string | undefined {
  return v === undefined || v === null || v === '' ? undefined : v.toUpperCase();
}
