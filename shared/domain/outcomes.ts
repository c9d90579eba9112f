/**
 * What happened after the first touch (issue 18): contact made, meeting booked, qualified, deal. Each is
 * recorded once on the lead, from HubSpot's own records or from `POST /leads/{id}/events`, and feeds the
 * outcome KPIs (contact rate, time to meeting, time to qualification, pipeline per lead). Pure: given the
 * lead's current outcome fields and a new fact, say what to write, or nothing when the fact adds nothing.
 *
 * Deliveries come late, twice and out of order, so every field keeps the EARLIEST time it was reached:
 * a later duplicate changes nothing, an earlier one moves the time back.
 */

/** How a contact was made. */
export type ContactVia = 'call' | 'lead_status' | 'reply' | 'api';

/** Who booked a meeting: the lead through a meetings link, a rep who logged it, or another system. */
export type MeetingVia = 'meetings_link' | 'rep' | 'api';

/** A deal as leadclock keeps it: enough for pipeline and won revenue per lead. */
export interface DealFact {
  /** Deal amount in the portal's currency; absent when HubSpot has none. */
  amount?: number;
  stage?: string;
  /** When leadclock first saw the deal (its create date where known). */
  createdAt: string;
  /** When the deal was first seen closed won. */
  wonAt?: string;
  /** When the deal was first seen closed lost. */
  lostAt?: string;
}

/** The outcome fields a lead record carries (all optional: a lead starts with none). */
export interface OutcomeFields {
  /** First real conversation (not an attempt). */
  contactedAt?: string;
  contactVia?: ContactVia;
  /** Attempts logged up to and including the one that reached the lead. */
  contactAttempts?: number;
  /** When the first meeting was booked (the booking, not the meeting's start). */
  meetingAt?: string;
  /** When that meeting starts (may lie in the future). */
  meetingStartAt?: string;
  meetingVia?: MeetingVia;
  /** When the lead first reached a qualified lifecycle stage (SQL or opportunity). */
  qualifiedAt?: string;
  qualifiedStage?: string;
  /** Deals of the contact or its company, by HubSpot deal id (or the caller's id). */
  deals?: Record<string, DealFact>;
}

/** A fact about a lead's outcome; times are ISO 8601. */
export type OutcomeFact =
  | { kind: 'connected'; at: string; via: ContactVia; by?: string }
  | { kind: 'meeting_booked'; at: string; startAt?: string; via: MeetingVia; meetingId?: string }
  | { kind: 'qualified'; at: string; stage: string }
  | {
      kind: 'deal';
      at: string;
      dealId: string;
      amount?: number;
      stage?: string;
      won?: boolean;
      lost?: boolean;
    };

/** The kinds, as the events API names them. */
export const OUTCOME_KINDS = ['connected', 'meeting_booked', 'qualified', 'deal'] as const;

/** HubSpot lifecycle stages that count as qualified (SQL and beyond, internal values). */
export const QUALIFIED_STAGES: ReadonlySet<string> = new Set([
  'salesqualifiedlead',
  'opportunity',
  'customer',
]);

/** What to write: the patch of outcome fields, and the timeline event that records the fact. */
export interface OutcomeWrite {
  patch: OutcomeFields;
  event: { type: string; at: string; ref: string; data: Record<string, unknown> };
}

const earlier = (a: string, b: string | undefined): boolean =>
  b === undefined || Date.parse(a) < Date.parse(b);

/**
 * What `fact` changes on a lead with `current` outcome fields and `attemptsLogged` attempts so far, or
 * undefined when it changes nothing (a duplicate, or a later sighting of something already recorded).
 */
export function applyOutcome(
  current: OutcomeFields,
  attemptsLogged: number,
  fact: OutcomeFact,
): OutcomeWrite | undefined {
  switch (fact.kind) {
    case 'connected': {
      if (!earlier(fact.at, current.contactedAt)) return undefined;
      // The conversation that reached the lead is itself an attempt, whether or not it was logged first.
      const attempts = Math.max(attemptsLogged, 1);
      return {
        patch: { contactedAt: fact.at, contactVia: fact.via, contactAttempts: attempts },
        event: {
          type: 'contacted',
          at: fact.at,
          ref: '0',
          data: { via: fact.via, by: fact.by, attempts },
        },
      };
    }
    case 'meeting_booked': {
      if (!earlier(fact.at, current.meetingAt)) return undefined;
      return {
        patch: {
          meetingAt: fact.at,
          meetingVia: fact.via,
          ...(fact.startAt ? { meetingStartAt: fact.startAt } : {}),
        },
        event: {
          type: 'meeting_booked',
          at: fact.at,
          ref: fact.meetingId ?? '0',
          data: { via: fact.via, startAt: fact.startAt, meetingId: fact.meetingId },
        },
      };
    }
    case 'qualified': {
      if (!earlier(fact.at, current.qualifiedAt)) return undefined;
      return {
        patch: { qualifiedAt: fact.at, qualifiedStage: fact.stage },
        event: { type: 'qualified', at: fact.at, ref: '0', data: { stage: fact.stage } },
      };
    }
    case 'deal':
      return applyDeal(current, fact);
  }
}

function applyDeal(
  current: OutcomeFields,
  fact: Extract<OutcomeFact, { kind: 'deal' }>,
): OutcomeWrite | undefined {
  const old = current.deals?.[fact.dealId];
  const next: DealFact = {
    createdAt: old === undefined || earlier(fact.at, old.createdAt) ? fact.at : old.createdAt,
    ...(fact.amount !== undefined
      ? { amount: fact.amount }
      : old?.amount !== undefined
        ? { amount: old.amount }
        : {}),
    ...(fact.stage !== undefined
      ? { stage: fact.stage }
      : old?.stage !== undefined
        ? { stage: old.stage }
        : {}),
  };
  // A deal seen won stays won at its first sighting; a later "lost" (reopened and lost) is recorded beside it.
  const wonAt = fact.won ? (old?.wonAt && !earlier(fact.at, old.wonAt) ? old.wonAt : fact.at) : old?.wonAt;
  const lostAt = fact.lost
    ? old?.lostAt && !earlier(fact.at, old.lostAt)
      ? old.lostAt
      : fact.at
    : old?.lostAt;
  if (wonAt) next.wonAt = wonAt;
  if (lostAt) next.lostAt = lostAt;
  if (old && sameDeal(old, next)) return undefined;
  const won = next.wonAt !== undefined && next.wonAt !== old?.wonAt;
  return {
    patch: { deals: { ...current.deals, [fact.dealId]: next } },
    event: {
      type: won ? 'deal_won' : 'deal',
      at: won ? (next.wonAt as string) : fact.at,
      ref: fact.dealId,
      data: { dealId: fact.dealId, amount: next.amount, stage: next.stage },
    },
  };
}

function sameDeal(a: DealFact, b: DealFact): boolean {
  return (
    a.amount === b.amount &&
    a.stage === b.stage &&
    a.createdAt === b.createdAt &&
    a.wonAt === b.wonAt &&
    a.lostAt === b.lostAt
  );
}

/**
 * Pipeline sourced by one lead (the amounts of every deal it produced, whatever became of them) and its
 * won revenue (closed-won amounts).
 */
export function dealTotals(deals: Record<string, DealFact> | undefined): {
  deals: number;
  pipeline: number;
  won: number;
  wonDeals: number;
} {
  let pipeline = 0;
  let won = 0;
  let n = 0;
  let wonDeals = 0;
  for (const d of Object.values(deals ?? {})) {
    n++;
    pipeline += d.amount ?? 0;
    if (d.wonAt) {
      won += d.amount ?? 0;
      wonDeals++;
    }
  }
  return { deals: n, pipeline, won, wonDeals };
}

/**
 * HubSpot's default call outcome "Connected" (`hs_call_disposition` holds the outcome's GUID; the defaults
 * are listed by GET /calling/v1/dispositions, see docs/hubspot-semantics.md). Portals with custom outcomes
 * that mean a conversation add their GUIDs in the policy (`outcomes.connectedDispositions`).
 */
export const CONNECTED_DISPOSITION = 'f240bbac-87c9-4f6e-bf70-924b57d47db7';

/** What leadclock reads as outcomes in HubSpot; the policy's `outcomes` section, with these defaults. */
export interface OutcomeSettings {
  /** `hs_call_disposition` values that mean the rep spoke with the lead. */
  connectedDispositions: readonly string[];
  /** `hs_lead_status` values a user sets when the lead was reached. */
  connectedStatuses: readonly string[];
  /** Lifecycle stages (internal values) that mean qualified. */
  qualifiedStages: readonly string[];
}

/** leadclock's defaults: HubSpot's default "Connected" outcome and lead status, SQL and beyond. */
export const DEFAULT_OUTCOME_SETTINGS: OutcomeSettings = {
  connectedDispositions: [CONNECTED_DISPOSITION],
  connectedStatuses: ['CONNECTED'],
  qualifiedStages: [...QUALIFIED_STAGES],
};

/** An engagement as HubSpot returns it (domain/touch.ts's EngagementFacts, structurally). */
export interface EngagementRecord {
  kind: 'call' | 'email' | 'meeting';
  id: string;
  properties: Readonly<Record<string, string | null | undefined>>;
}

/**
 * The outcome an engagement shows, if any: a call whose outcome is a connection (contact made at the
 * call's `hs_timestamp`), an email from the lead (`INCOMING_EMAIL`: a reply, at its `hs_timestamp`), or a
 * meeting (booked at its create date; `hs_meeting_start_time`, else `hs_timestamp`, is when it starts and
 * may lie in the future). A canceled meeting is no outcome.
 */
export function engagementOutcome(e: EngagementRecord, settings: OutcomeSettings): OutcomeFact | undefined {
  const p = e.properties;
  const at = hubspotTime(p.hs_timestamp);
  switch (e.kind) {
    case 'call': {
      const disposition = p.hs_call_disposition?.trim();
      if (!at || !disposition || !settings.connectedDispositions.includes(disposition)) return undefined;
      return { kind: 'connected', at, via: 'call' };
    }
    case 'email':
      return at && p.hs_email_direction?.toUpperCase() === 'INCOMING_EMAIL'
        ? { kind: 'connected', at, via: 'reply' }
        : undefined;
    case 'meeting': {
      if (p.hs_meeting_outcome?.toUpperCase() === 'CANCELED') return undefined;
      const booked = hubspotTime(p.hs_createdate) ?? at;
      if (!booked) return undefined;
      const start = hubspotTime(p.hs_meeting_start_time) ?? at;
      return {
        kind: 'meeting_booked',
        at: booked,
        via: p.hs_meeting_source?.toUpperCase() === 'MEETINGS_PUBLIC' ? 'meetings_link' : 'rep',
        meetingId: e.id,
        ...(start ? { startAt: start } : {}),
      };
    }
  }
}

/** A deal as HubSpot returns it (`amount`, `dealstage`, `hs_is_closed_won`, `hs_is_closed`, `createdate`). */
export function dealFact(
  id: string,
  p: Readonly<Record<string, string | null | undefined>>,
  seenAt: string,
): OutcomeFact {
  const amount =
    p.amount === undefined || p.amount === null || p.amount.trim() === '' ? undefined : Number(p.amount);
  const won = p.hs_is_closed_won === 'true';
  const lost = !won && p.hs_is_closed === 'true';
  return {
    kind: 'deal',
    // A deal's first sighting is its create date; a later change (closed won) is dated when leadclock saw it.
    at: won || lost ? (hubspotTime(p.closedate) ?? seenAt) : (hubspotTime(p.createdate) ?? seenAt),
    dealId: id,
    ...(amount !== undefined && Number.isFinite(amount) && amount >= 0 ? { amount } : {}),
    ...(p.dealstage ? { stage: p.dealstage } : {}),
    ...(won ? { won } : {}),
    ...(lost ? { lost } : {}),
  };
}

/** A HubSpot time value (epoch ms digits or ISO 8601) as ISO 8601; undefined when unparseable. */
function hubspotTime(value: string | null | undefined): string | undefined {
  if (value === undefined || value === null || value.trim() === '') return undefined;
  const v = value.trim();
  const ms = /^\d{1,15}$/.test(v) ? Number(v) : /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : Number.NaN;
  return Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : undefined;
}
