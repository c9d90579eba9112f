/** The HTTP routes (ARCHITECTURE.md, HTTP contract): parse and authenticate, call one use case, answer. */
import { captureLead } from '../app/capture.ts';
import { applyChange, type ChangeResult, type LeadChange } from '../app/lead-events.ts';
import { recordOutcome } from '../app/outcomes.ts';
import type { LeadRecord } from '../app/ports.ts';
import type { Runtime } from '../app/runtime-types.ts';
import { drainAfterChange } from '../app/waiting-room.ts';
import { classifyEvent, eventKey, type Outcome, parseHubSpotEvents } from '../domain/hubspot-events.ts';
import { detectPayloadKind, parseCaptureBody } from '../domain/hubspot-payload.ts';
import { dealFact, engagementOutcome, OUTCOME_KINDS, type OutcomeFact } from '../domain/outcomes.ts';
import { classifyEngagement } from '../domain/touch.ts';
import { authenticate, requireBearer } from './auth.ts';
import type { Route } from './chain.ts';
import { HttpError, json } from './errors.ts';
import { type HttpApiEvent, parseJsonBody } from './request.ts';

/** Largest accepted body (ARCHITECTURE.md: 413 above 256 KB). */
export const MAX_BODY_BYTES = 256 * 1024;
const EVENT_DEDUPE_SECONDS = 7 * 86_400;
/** How long one worker holds an event it is handling (well over one event's work, under HubSpot's retry backoff). */
const EVENT_LEASE_SECONDS = 60;
/** How far ahead of our clock a caller's time may be (the signature window, and the events API's). */
const CLOCK_SKEW_MS = 300_000;

function body(event: HttpApiEvent): unknown {
  const r = parseJsonBody(event, { maxBytes: MAX_BODY_BYTES });
  if (!r.ok) throw new HttpError(r.status, r.code, r.message);
  return r.value;
}

function tooLarge(event: HttpApiEvent): void {
  // Refuse oversized bodies before hashing them for a signature.
  const size = event.isBase64Encoded
    ? Math.floor(((event.body ?? '').length * 3) / 4)
    : Buffer.byteLength(event.body ?? '', 'utf8');
  if (size > MAX_BODY_BYTES)
    throw new HttpError(413, 'body_too_large', `the body is over ${MAX_BODY_BYTES / 1024} KB`);
}

function invalid(errors: readonly { field: string; message: string }[]): HttpError {
  const first = errors[0] ?? { field: '(body)', message: 'invalid' };
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return new HttpError(400, 'invalid', `${first.field}: ${first.message}${more}`, { field: first.field });
}

/** POST /leads */
export function captureRoute(rt: Runtime): Route {
  return async (event) => {
    tooLarge(event);
    const now = rt.clock.now();
    const method = authenticate(event, rt.auth, now, true);
    const raw = body(event);
    const parsed = parseCaptureBody(raw, new Date(now));
    if ('errors' in parsed) throw invalid(parsed.errors);
    if (parsed.warnings?.length)
      rt.log.warn('optional fields dropped from a HubSpot payload', {
        fields: parsed.warnings.map((w) => w.field),
      });
    let lead = parsed.lead;
    // The SLA clock cannot start in the future. A caller's bad time is refused; HubSpot does not retry a
    // 4xx, so its lead keeps receipt time instead of being lost.
    if (Date.parse(lead.submittedAt) > now + CLOCK_SKEW_MS) {
      if (detectPayloadKind(raw) === 'normalised')
        throw new HttpError(400, 'invalid', 'submittedAt: is in the future', { field: 'submittedAt' });
      rt.log.warn('HubSpot submission time is in the future; using receipt time');
      lead = { ...lead, submittedAt: new Date(now).toISOString() };
    }
    const res = await captureLead({ ...rt }, lead);
    rt.log.info('lead captured', {
      leadId: res.leadId,
      tier: res.tier,
      ownerId: res.ownerId,
      queue: res.queue,
      auth: method,
      duplicateOf: res.duplicateOf,
    });
    return json(202, res);
  };
}

/** POST /hubspot/webhooks: each event handled once; any failure answers 500 so HubSpot retries (handling is idempotent). */
export function hubspotWebhookRoute(rt: Runtime, opts: { leaseSeconds?: number } = {}): Route {
  const leaseSeconds = opts.leaseSeconds ?? EVENT_LEASE_SECONDS;
  return async (event) => {
    tooLarge(event);
    authenticate(event, rt.auth, rt.clock.now(), false);
    const batch = parseHubSpotEvents(body(event));
    if (batch.events.length === 0 && batch.errors.length) throw invalid(batch.errors);
    if (batch.errors.length)
      rt.log.warn('invalid events skipped', { fields: batch.errors.map((e) => e.field) });
    let applied = 0;
    for (const e of batch.events) {
      const key = `hs:${eventKey(e)}`;
      const outcomes = classifyEvent(e, rt.policy.doc.touch, rt.policy.doc.outcomes);
      if (outcomes.length === 0) continue;
      // A call, email or meeting names the engagement, not the contact: read it to find its contacts and judge it.
      const first = outcomes[0];
      const targets =
        first?.kind === 'activity'
          ? await engagementTargets(rt, first)
          : first?.kind === 'contact_merged'
            ? await mergeTargets(rt, first)
            : first?.kind === 'deal'
              ? await dealTargets(rt, first)
              : await contactTarget(rt, e.objectId, outcomes);
      // Contacts leadclock does not know are acknowledged.
      if (targets.length === 0) continue;
      // A short lease while handling, turned into the done-marker only after success: a worker that dies
      // mid-batch (a timeout skips any catch) leaves just the lease, and HubSpot's retry of that delivery,
      // after the lease expired, applies the event. A copy in another delivery while the lease is live is
      // acknowledged: if the holder dies, its own delivery fails and is the one HubSpot retries.
      if (await rt.store.held(`${key}:done`)) continue;
      if (!(await rt.store.once(key, leaseSeconds))) continue;
      try {
        for (const t of targets) {
          if ((await applyTarget(rt, t)) === 'applied') applied++;
        }
      } catch (err) {
        await rt.store.forget(key);
        throw err;
      }
      await rt.store.settle(`${key}:done`, EVENT_DEDUPE_SECONDS);
    }
    rt.log.info('webhook handled', { events: batch.events.length, applied });
    // Touches and closes free slots: a waiting lead can take one.
    if (applied) await drainAfterChange(rt);
    return { statusCode: 204 };
  };
}

/** One thing a webhook event does to one lead. */
type WebhookTarget =
  | { leadId: string; change: LeadChange }
  | { leadId: string; outcome: OutcomeFact }
  | { leadId: string; mergedInto: { from: string; to: string } };

async function contactTarget(rt: Runtime, contactId: string, outcomes: Outcome[]): Promise<WebhookTarget[]> {
  const leadId = await rt.store.getPointer('contact', contactId);
  if (!leadId) return [];
  return outcomes.flatMap((o): WebhookTarget[] =>
    o.kind === 'touch'
      ? [{ leadId, change: { kind: 'touch', at: o.at, via: o.via } }]
      : o.kind === 'owner_changed'
        ? [{ leadId, change: { kind: 'owner_changed', at: o.at, ownerId: o.ownerId, byUser: o.byUser } }]
        : o.kind === 'outcome'
          ? [{ leadId, outcome: o.fact }]
          : o.kind === 'activity' || o.kind === 'contact_merged' || o.kind === 'deal'
            ? []
            : [{ leadId, change: { kind: o.kind, at: o.at, status: o.status } }],
  );
}

/**
 * A rep's call, email or meeting touches the leads of its contacts (domain/touch.ts judges it); a meeting the
 * contact booked through a meetings link is recorded as an outcome and never stops the clock. A time before
 * the lead's submission or in the future is not a first touch.
 */
async function engagementTargets(
  rt: Runtime,
  o: Extract<Outcome, { kind: 'activity' }>,
): Promise<WebhookTarget[]> {
  const found = await rt.crm.engagement(o.activity, o.objectId);
  if (!found) return [];
  const meaning = classifyEngagement(found.facts, rt.policy.doc.touch);
  // What the engagement shows beyond the SLA: a connected call, the lead's reply, a meeting (issue 18).
  const outcome = engagementOutcome(found.facts, rt.policy.doc.outcomes);
  const out: WebhookTarget[] = [];
  for (const contactId of found.contactIds) {
    const leadId = await rt.store.getPointer('contact', contactId);
    if (!leadId) continue;
    const lead = await rt.store.getLead(leadId);
    if (!lead) continue;
    // The touch first, so a connected call counts itself among the attempts before contact.
    const touch =
      meaning.kind === 'touch' &&
      Date.parse(meaning.at) <= rt.clock.now() + CLOCK_SKEW_MS &&
      meaning.at >= lead.submittedAt;
    if (touch) out.push({ leadId, change: { kind: 'touch', at: meaning.at, via: o.activity } });
    // A reply is an answer to outreach: an email from the lead before any touch is an inquiry, not contact.
    const reply = outcome?.kind === 'connected' && outcome.via === 'reply';
    if (outcome && (!reply || (lead.firstTouchAt !== undefined && outcome.at >= lead.firstTouchAt)))
      out.push({ leadId, outcome });
  }
  return out;
}

/** The leads of a deal's contacts, each given the deal's amount, stage and whether it closed won. */
async function dealTargets(rt: Runtime, o: Extract<Outcome, { kind: 'deal' }>): Promise<WebhookTarget[]> {
  const found = await rt.crm.deal(o.dealId);
  if (!found) return [];
  const fact = dealFact(o.dealId, found.properties, o.at);
  const out: WebhookTarget[] = [];
  for (const contactId of found.contactIds) {
    const leadId = await rt.store.getPointer('contact', contactId);
    if (leadId) out.push({ leadId, outcome: fact });
  }
  return out;
}

/** The leads of contacts merged away in HubSpot. */
async function mergeTargets(
  rt: Runtime,
  o: Extract<Outcome, { kind: 'contact_merged' }>,
): Promise<WebhookTarget[]> {
  const out: WebhookTarget[] = [];
  for (const from of o.mergedIds) {
    const leadId = await rt.store.getPointer('contact', from);
    if (leadId) out.push({ leadId, mergedInto: { from, to: o.primaryId } });
  }
  return out;
}

async function applyTarget(rt: Runtime, t: WebhookTarget): Promise<ChangeResult> {
  if ('change' in t) return applyChange(rt, t.leadId, t.change);
  if ('mergedInto' in t) {
    // The surviving contact carries the lead from now on: sync, tasks, verification and its webhooks.
    const lead = await rt.store.getLead(t.leadId);
    if (!lead || lead.hubspotContactId !== t.mergedInto.from) return 'duplicate';
    await rt.store.updateLead(t.leadId, {}, { hubspotContactId: t.mergedInto.to });
    await rt.store.claimPointer('contact', t.mergedInto.to, t.leadId);
    return 'applied';
  }
  // An outcome (contact, meeting, qualification, deal): on the lead and its timeline; the clock keeps running.
  return recordOutcome(rt, t.leadId, t.outcome);
}

const CHANGE_TYPES = ['first_touch', 'accepted', 'rejected', 'recycled'] as const;
const EVENT_TYPES = [...CHANGE_TYPES, ...OUTCOME_KINDS] as const;

/** POST /leads/{leadId}/events */
export function leadEventsRoute(rt: Runtime): Route {
  return async (event) => {
    tooLarge(event);
    requireBearer(event, rt.auth, 'admin');
    const leadId = leadIdParam(event);
    const b = body(event) as Record<string, unknown>;
    if (typeof b !== 'object' || b === null || Array.isArray(b))
      throw new HttpError(400, 'invalid', '(body): expected an object', { field: '(body)' });
    const type = b.type;
    if (typeof type !== 'string' || !(EVENT_TYPES as readonly string[]).includes(type)) {
      throw new HttpError(400, 'invalid', `type: expected one of ${EVENT_TYPES.join(', ')}`, {
        field: 'type',
      });
    }
    const iso = eventTime(b.at, 'at', rt.clock.now(), false) as string;
    for (const f of ['ownerId', 'reason'] as const) optionalString(b, f);
    if ((OUTCOME_KINDS as readonly string[]).includes(type)) {
      const fact = outcomeFact(type as OutcomeFact['kind'], b, iso, rt.clock.now());
      if (!(await rt.store.getLead(leadId))) throw new HttpError(404, 'not_found', `no lead ${leadId}`);
      await recordOutcome(rt, leadId, fact);
      return json(200, view((await rt.store.getLead(leadId)) as LeadRecord));
    }
    const change: LeadChange =
      type === 'first_touch'
        ? { kind: 'touch', at: iso, by: b.ownerId as string | undefined, via: 'api' }
        : {
            kind: type as 'accepted' | 'rejected' | 'recycled',
            at: iso,
            reason: b.reason as string | undefined,
          };
    if (!(await rt.store.getLead(leadId))) throw new HttpError(404, 'not_found', `no lead ${leadId}`);
    const result = await applyChange(rt, leadId, change);
    // A touch or a close may free the owner's slot: a waiting lead can take it.
    if (result === 'applied') await drainAfterChange(rt);
    const lead = (await rt.store.getLead(leadId)) as LeadRecord;
    if (result === 'ignored') {
      throw new HttpError(
        409,
        'invalid_transition',
        `a lead in state '${lead.status}' cannot take '${type}'`,
      );
    }
    return json(200, view(lead));
  };
}

/** An ISO 8601 date-time field (now when absent); `future` allows times ahead of our clock (a meeting's start). */
function eventTime(raw: unknown, field: string, now: number, future: boolean): string | undefined {
  const at = raw === undefined ? new Date(now).toISOString() : raw;
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at)) || !/^\d{4}-\d{2}-\d{2}T/.test(at)) {
    throw new HttpError(400, 'invalid', `${field}: expected an ISO 8601 date-time`, { field });
  }
  if (!future && Date.parse(at) > now + CLOCK_SKEW_MS)
    throw new HttpError(400, 'invalid', `${field}: is in the future`, { field });
  return new Date(at).toISOString();
}

function optionalString(b: Record<string, unknown>, field: string, max = 256): string | undefined {
  const v = b[field];
  if (v !== undefined && (typeof v !== 'string' || v.length > max)) {
    throw new HttpError(400, 'invalid', `${field}: expected a string of at most ${max} characters`, {
      field,
    });
  }
  return v as string | undefined;
}

function oneOf<T extends string>(
  b: Record<string, unknown>,
  field: string,
  allowed: readonly T[],
  dflt: T,
): T {
  const v = b[field] ?? dflt;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
    throw new HttpError(400, 'invalid', `${field}: expected one of ${allowed.join(', ')}`, { field });
  return v as T;
}

function optionalBoolean(b: Record<string, unknown>, field: string): boolean | undefined {
  const v = b[field];
  if (v !== undefined && typeof v !== 'boolean')
    throw new HttpError(400, 'invalid', `${field}: expected true or false`, { field });
  return v as boolean | undefined;
}

/** The outcome an events-API body describes, every field checked and named when wrong. */
function outcomeFact(
  kind: OutcomeFact['kind'],
  b: Record<string, unknown>,
  at: string,
  now: number,
): OutcomeFact {
  switch (kind) {
    case 'connected':
      return {
        kind,
        at,
        via: oneOf(b, 'via', ['call', 'lead_status', 'reply', 'api'] as const, 'api'),
        ...(b.ownerId !== undefined ? { by: b.ownerId as string } : {}),
      };
    case 'meeting_booked': {
      const startAt = b.startAt === undefined ? undefined : eventTime(b.startAt, 'startAt', now, true);
      const meetingId = optionalString(b, 'meetingId', 128);
      return {
        kind,
        at,
        via: oneOf(b, 'via', ['meetings_link', 'rep', 'api'] as const, 'api'),
        ...(startAt ? { startAt } : {}),
        ...(meetingId ? { meetingId } : {}),
      };
    }
    case 'qualified':
      return { kind, at, stage: optionalString(b, 'stage', 64) ?? 'salesqualifiedlead' };
    case 'deal': {
      const dealId = optionalString(b, 'dealId', 128);
      if (!dealId) throw new HttpError(400, 'invalid', 'dealId: required for a deal', { field: 'dealId' });
      const amount = b.amount;
      if (amount !== undefined && (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0))
        throw new HttpError(400, 'invalid', 'amount: expected a number ≥ 0', { field: 'amount' });
      const stage = optionalString(b, 'stage', 64);
      const won = optionalBoolean(b, 'won');
      const lost = optionalBoolean(b, 'lost');
      if (won && lost)
        throw new HttpError(400, 'invalid', 'lost: a deal cannot be won and lost at once', { field: 'lost' });
      return {
        kind,
        at,
        dealId,
        ...(amount !== undefined ? { amount: amount as number } : {}),
        ...(stage ? { stage } : {}),
        ...(won !== undefined ? { won } : {}),
        ...(lost !== undefined ? { lost } : {}),
      };
    }
  }
}

/** GET /leads/{leadId} */
export function getLeadRoute(rt: Runtime): Route {
  return async (event) => {
    requireBearer(event, rt.auth, 'viewer');
    const leadId = leadIdParam(event);
    const lead = await rt.store.getLead(leadId);
    if (!lead) throw new HttpError(404, 'not_found', `no lead ${leadId}`);
    const events = await rt.store.listEvents(leadId);
    return json(200, { ...view(lead), timeline: events.map(({ leadId: _l, ...e }) => e) });
  };
}

function leadIdParam(event: HttpApiEvent): string {
  const id = event.pathParameters?.leadId ?? /^\/leads\/([^/]+)/.exec(event.rawPath ?? '')?.[1];
  if (!id || !/^L[A-Za-z0-9_-]{10,40}$/.test(id)) throw new HttpError(404, 'not_found', 'no such lead');
  return id;
}

/** The lead as the API shows it: state, owner history and the why. */
export function view(lead: LeadRecord) {
  return {
    leadId: lead.leadId,
    status: lead.status,
    tier: lead.tier,
    ownerId: lead.ownerId ?? null,
    ownerName: lead.ownerName ?? null,
    teamId: lead.teamId ?? null,
    queue: lead.queueId ?? null,
    mode: lead.mode,
    submittedAt: lead.submittedAt,
    receivedAt: lead.receivedAt,
    assignedAt: lead.assignedAt,
    dueAt: lead.dueAt,
    // The system's clock (submission → first assignment), apart from the rep's (assignment → dueAt).
    systemDelaySeconds: lead.systemDelayMs === undefined ? null : Math.round(lead.systemDelayMs / 1000),
    lateArrival: lead.lateArrival ?? false,
    previousLeadId: lead.previousLeadId ?? null,
    attempt: lead.attempt,
    breachCount: lead.breachCount,
    firstTouchAt: lead.firstTouchAt ?? null,
    slaOutcome: lead.slaOutcome ?? null,
    speedSeconds: lead.speedMs === undefined ? null : Math.round(lead.speedMs / 1000),
    previousOwners: lead.previousOwners,
    hubspotContactId: lead.hubspotContactId ?? null,
    sync: lead.sync,
    why: { qualification: lead.reasons, routing: lead.trail },
    lead: lead.input,
  };
}
