/** The HTTP routes (ARCHITECTURE.md, HTTP contract): parse and authenticate, call one use case, answer. */
import { captureLead } from '../app/capture.ts';
import { applyChange, type LeadChange } from '../app/lead-events.ts';
import type { LeadRecord } from '../app/ports.ts';
import type { Runtime } from '../app/runtime.ts';
import { classifyEvent, eventKey, parseHubSpotEvents } from '../domain/hubspot-events.ts';
import { detectPayloadKind, parseCaptureBody } from '../domain/hubspot-payload.ts';
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
      const outcomes = classifyEvent(e, rt.policy.doc.touch);
      if (outcomes.length === 0) continue;
      const leadId = await rt.store.getPointer('contact', e.objectId);
      // Contacts leadclock does not know (and activity objects, resolved through their contact's properties) are acknowledged.
      if (!leadId) continue;
      // A short lease while handling, turned into the done-marker only after success: a worker that dies
      // mid-batch (a timeout skips any catch) leaves just the lease, and HubSpot's retry of that delivery,
      // after the lease expired, applies the event. A copy in another delivery while the lease is live is
      // acknowledged: if the holder dies, its own delivery fails and is the one HubSpot retries.
      if (await rt.store.held(`${key}:done`)) continue;
      if (!(await rt.store.once(key, leaseSeconds))) continue;
      try {
        for (const o of outcomes) {
          const change: LeadChange | undefined =
            o.kind === 'touch'
              ? { kind: 'touch', at: o.at, via: o.via }
              : o.kind === 'owner_changed'
                ? { kind: 'owner_changed', at: o.at, ownerId: o.ownerId, byUser: o.byUser }
                : o.kind === 'activity'
                  ? { kind: 'touch', at: o.at, via: o.activity }
                  : { kind: o.kind, at: o.at, status: o.status };
          if ((await applyChange(rt, leadId, change)) === 'applied') applied++;
        }
      } catch (err) {
        await rt.store.forget(key);
        throw err;
      }
      await rt.store.settle(`${key}:done`, EVENT_DEDUPE_SECONDS);
    }
    rt.log.info('webhook handled', { events: batch.events.length, applied });
    return { statusCode: 204 };
  };
}

const EVENT_TYPES = ['first_touch', 'accepted', 'rejected', 'recycled'] as const;

/** POST /leads/{leadId}/events */
export function leadEventsRoute(rt: Runtime): Route {
  return async (event) => {
    tooLarge(event);
    requireBearer(event, rt.auth);
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
    const at = b.at === undefined ? new Date(rt.clock.now()).toISOString() : b.at;
    if (typeof at !== 'string' || Number.isNaN(Date.parse(at)) || !/^\d{4}-\d{2}-\d{2}T/.test(at)) {
      throw new HttpError(400, 'invalid', 'at: expected an ISO 8601 date-time', { field: 'at' });
    }
    if (Date.parse(at) > rt.clock.now() + CLOCK_SKEW_MS)
      throw new HttpError(400, 'invalid', 'at: is in the future', { field: 'at' });
    for (const f of ['ownerId', 'reason'] as const) {
      if (b[f] !== undefined && (typeof b[f] !== 'string' || (b[f] as string).length > 256)) {
        throw new HttpError(400, 'invalid', `${f}: expected a string of at most 256 characters`, {
          field: f,
        });
      }
    }
    const iso = new Date(at).toISOString();
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

/** GET /leads/{leadId} */
export function getLeadRoute(rt: Runtime): Route {
  return async (event) => {
    requireBearer(event, rt.auth);
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
