/**
 * A local HubSpot CRM sandbox: a loopback HTTP server speaking the subset of the CRM API leadclock calls,
 * close enough that the real `@hubspot/api-client` works against it unchanged. It enforces what makes the
 * real portal hard to integrate with (bearer auth, property validation, batch limits, the ten-secondly and
 * search rate limits) and can inject 429s, 5xx and hung connections deterministically.
 */

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type ChangeSource, CrmStore, parseTime, type SandboxOwnerSeed, type StoredObject } from './crm.ts';
import {
  HubSpotHttpError,
  notFound,
  type RateLimitPolicy,
  rateLimitBody,
  unauthorized,
  validationError,
} from './errors.ts';
import {
  DEFAULT_RATE_LIMIT,
  DEFAULT_SEARCH_RATE_LIMIT,
  PortalRateLimits,
  type RateLimit,
} from './rate-limit.ts';
import { render, route } from './routes.ts';
import { ASSOCIATION_TYPES, type ObjectTypeName } from './schema.ts';

export type { SandboxOwnerSeed } from './crm.ts';
export type { RateLimit } from './rate-limit.ts';
export type { ObjectTypeName } from './schema.ts';

/** Injected failures. Shares are probabilities in [0, 1]; one draw of `random()` per eligible request picks one. */
export interface SandboxFaults {
  /** Share of requests answered 429 (TEN_SECONDLY_ROLLING body and headers). */
  rate429?: number;
  /** Share of requests answered with a 5xx. */
  rate5xx?: number;
  /** Share of requests that hang for `hangMs`, then have their socket destroyed without an answer. */
  rateTimeout?: number;
  /**
   * Share of requests HubSpot applies but whose answer is lost (the connection drops after the write): the
   * caller sees a timeout although the records exist, the case reconciliation must handle.
   */
  rateLostAnswer?: number;
  /** How many faults to inject in all (default: no limit); later requests are answered normally. */
  count?: number;
  /** 5xx status to send (default 502). 500 carries HubSpot's JSON error; 502/503/504 an HTML page, as a proxy sends. */
  status5xx?: number;
  /** How long a hung request stays open before its socket is destroyed (default 30 s, past any sane client timeout). */
  hangMs?: number;
  /** Only requests whose path matches are eligible (e.g. `/batch/`). */
  only?: RegExp;
}

/** Options of `startHubSpotSandbox`. */
export interface HubSpotSandboxOptions {
  /** First record id (default 100001). A local runtime that keeps leadclock's data across restarts starts each sandbox elsewhere, so old contact ids never name new contacts. */
  firstId?: number;
  /** Bearer token every request must carry; a random `pat-na1-…` token when omitted. */
  token?: string;
  /** Owners (users who can own records); `hubspot_owner_id` must name an active one. */
  owners?: readonly SandboxOwnerSeed[];
  /** The per-token rolling limit (default 190 per 10 s, Professional/Enterprise); `false` turns it off. */
  rateLimit?: RateLimit | false;
  /** The search endpoints' own limit (default 5 per second); `false` turns it off. */
  searchRateLimit?: RateLimit | false;
  /**
   * How long a write takes to reach search (default 3000 ms): HubSpot's search index is eventually
   * consistent, so a record created or changed a moment ago is missing from `/search` or shows old values.
   */
  searchLagMs?: number;
  /** Delay added before each response, in milliseconds. */
  latencyMs?: number;
  /** Injected failures; change them later with `setFaults`. */
  faults?: SandboxFaults;
  /** Source of randomness for fault injection (default `Math.random`); pass a seeded one for deterministic runs. */
  random?: () => number;
  /** Clock for record timestamps and rate windows (default `Date.now`). */
  now?: () => number;
  /** One line per request (`hubspot POST /crm/v3/… 200 3ms`). */
  log?: (line: string) => void;
  /** Port to listen on (default 0: any free port). Always bound to 127.0.0.1. */
  port?: number;
  /** Scopes of the token, as the private-app token-info endpoint reports them (default SANDBOX_SCOPES). */
  scopes?: readonly string[];
  /** The portal (hub) id the token belongs to (default 1234567). */
  hubId?: number;
}

/**
 * What the sandbox's token is granted by default: what leadclock needs (README, "HubSpot setup"; the
 * doctor checks the same list) and the task and engagement reads its first-touch detection makes.
 */
export const SANDBOX_SCOPES: readonly string[] = [
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.schemas.contacts.read',
  'crm.schemas.contacts.write',
  'crm.objects.companies.read',
  'crm.objects.owners.read',
  'crm.objects.deals.read',
];

/** HubSpot's private-app token introspection (developers.hubspot.com/docs/api/private-apps, end of page). */
export const TOKEN_INFO_PATH = '/oauth/v2/private-apps/get/access-token-info';

/** One handled request, as kept in `requests`. */
export interface SandboxRequest {
  method: string;
  path: string;
  query: string;
  /** HTTP status sent; 0 for an injected hang (never answered; the socket is destroyed after `hangMs`). */
  status: number;
  /** Epoch ms the request arrived (sandbox clock). */
  at: number;
  durationMs: number;
  /** The parsed JSON body, for assertions on what a caller sent. */
  body?: unknown;
  /** Set when the answer was an injected fault or a rate-limit refusal. */
  fault?: '429' | '5xx' | 'timeout' | 'lost';
  policy?: RateLimitPolicy;
}

/** Request totals. */
export interface SandboxCounts {
  total: number;
  byStatus: Record<number, number>;
  /** 429s sent, whether from the real limits or injected. */
  rateLimited: number;
}

/** A record as the inspection API returns it: every stored property, ISO times. */
export interface SandboxRecord {
  id: string;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  archived: false;
}

/** Kinds of activity `logActivity` can log. */
export type ActivityKind = 'call' | 'email' | 'meeting';

/** The contact's own engagement, which moves HubSpot's engagement properties but is never a rep's touch. */
export type ContactActivityKind =
  | 'site_visit'
  | 'form_submission'
  | 'email_open'
  | 'inbound_chat'
  | 'meeting_booked';

/** Every kind of the contact's own engagement the driver simulates. */
export const CONTACT_ACTIVITY_KINDS: readonly ContactActivityKind[] = [
  'site_visit',
  'form_submission',
  'email_open',
  'inbound_chat',
  'meeting_booked',
];

/** A running sandbox. */
export interface HubSpotSandbox {
  /** Base URL, e.g. `http://127.0.0.1:54321` (give it to the client as `basePath`). */
  url: string;
  /** The bearer token the sandbox accepts. */
  token: string;
  /** Stops listening, destroys open sockets (hung ones included) and clears timers. */
  close(): Promise<void>;
  /** Replaces the injected faults. */
  setFaults(faults: SandboxFaults): void;
  /** All contacts. */
  contacts(): SandboxRecord[];
  /** One contact by id or email, or undefined. */
  contact(idOrEmail: string): SandboxRecord | undefined;
  /** All tasks. */
  tasks(): SandboxRecord[];
  /** Tasks associated with a contact. */
  tasksFor(contactId: string): SandboxRecord[];
  /** All records of a type. */
  records(type: ObjectTypeName): SandboxRecord[];
  /** Ids of the `toType` records associated with a record. */
  associated(type: ObjectTypeName, id: string, toType: ObjectTypeName): string[];
  /** Creates a contact directly (seeding); properties are validated like an API create. */
  createContact(properties: Record<string, string>): SandboxRecord;
  /**
   * Sets a contact property directly, as a rep in the UI (the default source, `CRM_UI`) or a workflow
   * (`{sourceType: 'AUTOMATION_PLATFORM'}`) would; read-only ones included. Kept in property history.
   */
  setContactProperty(
    contactId: string,
    name: string,
    value: string | null,
    source?: ChangeSource,
  ): SandboxRecord;
  /**
   * The contact's own engagement at `at` (default now), moving the properties HubSpot moves: a site visit, a
   * form resubmission, a tracked email open, an inbound chat, or a meetings-link booking (a meeting with
   * `hs_meeting_source: MEETINGS_PUBLIC` whose `hs_timestamp` is its start, by default two days ahead).
   * Also served over HTTP: `POST /sandbox/v1/contacts/{id}/activity {type, at?, meetingStart?}`.
   */
  contactActivity(
    contactId: string,
    kind: ContactActivityKind,
    at?: Date | number | string,
    options?: { meetingStart?: Date | number | string },
  ): { contact: SandboxRecord; meeting?: SandboxRecord };
  /** Deletes (archives) a contact: reads answer 404. */
  deleteContact(contactId: string): void;
  /** Merges `secondaryId` into `primaryId`: reads of the old id answer with the primary. */
  mergeContacts(primaryId: string, secondaryId: string): SandboxRecord;
  /** Logs a call, email or meeting on a contact at a time, with HubSpot's rollups; returns the activity. */
  logActivity(
    contactId: string,
    kind: ActivityKind,
    at: Date | number | string,
    properties?: Record<string, string>,
  ): SandboxRecord;
  /**
   * A deal a rep creates on a contact (pipeline `default`, stage `appointmentscheduled` unless given),
   * associated with it as HubSpot does (deal → contact, type 3); returns the deal.
   */
  createDeal(contactId: string, properties?: Record<string, string>): SandboxRecord;
  /** Moves a deal to a stage as a rep would; `closedwon` makes HubSpot's `hs_is_closed_won` true. */
  setDealStage(dealId: string, stage: string): SandboxRecord;
  /** Adds or replaces an owner (e.g. to archive one mid-test). */
  upsertOwner(owner: SandboxOwnerSeed): void;
  /** The token's scopes (what the token-info endpoint reports); replace them to take one away. */
  scopes: string[];
  /** Every request handled since start or the last `reset`, oldest first. */
  readonly requests: readonly SandboxRequest[];
  /** Totals over `requests`. */
  readonly counts: SandboxCounts;
  /** Clears records, custom schema, request log, rate windows and faults; re-seeds owners. */
  reset(): void;
}

const DEFAULT_SEARCH_LAG_MS = 3_000;
const DRIVER_PATH = /^\/sandbox\/v1\/contacts\/([^/]+)\/activity\/?$/;
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Starts a sandbox on 127.0.0.1 and resolves once it is listening. */
export async function startHubSpotSandbox(options: HubSpotSandboxOptions = {}): Promise<HubSpotSandbox> {
  const token = options.token ?? `pat-na1-${randomUUID()}`;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const limits = new PortalRateLimits(
    options.rateLimit === undefined ? DEFAULT_RATE_LIMIT : options.rateLimit,
    options.searchRateLimit === undefined ? DEFAULT_SEARCH_RATE_LIMIT : options.searchRateLimit,
  );
  const store = new CrmStore(options.owners ?? [], now, options.firstId);
  store.searchLagMs = options.searchLagMs ?? DEFAULT_SEARCH_LAG_MS;
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  let faults: SandboxFaults = options.faults ?? {};
  let requests: SandboxRequest[] = [];
  let closed = false;

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };
  const sleep = (ms: number) => new Promise<void>((resolve) => later(ms, resolve));

  const rateHeaders = (): Record<string, string> => limits.headers(now());

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const at = now();
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const method = req.method ?? 'GET';
    const record: SandboxRequest = {
      method,
      path: url.pathname,
      query: url.search,
      status: 0,
      at,
      durationMs: 0,
    };
    const finish = (status: number) => {
      record.status = status;
      record.durationMs = Math.round(performance.now() - started);
      requests.push(record);
      options.log?.(`hubspot ${method} ${url.pathname} ${status || 'hung up'} ${record.durationMs}ms`);
    };
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      if (closed || res.destroyed) return;
      const isHtml = typeof body === 'string';
      const payload = body === undefined ? '' : isHtml ? body : JSON.stringify(body);
      res.writeHead(status, {
        'Content-Type': isHtml ? 'text/html;charset=utf-8' : 'application/json;charset=utf-8',
        'Content-Length': String(Buffer.byteLength(payload)),
        'X-HubSpot-Correlation-Id': randomUUID(),
        ...headers,
      });
      res.end(payload);
      finish(status);
    };

    let raw: string;
    try {
      raw = await readBody(req);
    } catch {
      send(413, validationError('Request body too large').body);
      return;
    }
    if (options.latencyMs) await sleep(options.latencyMs);
    if (closed) return;

    // Token introspection authenticates by the token in the body, not a bearer header.
    if (method === 'POST' && url.pathname === TOKEN_INFO_PATH) {
      let tokenKey: unknown;
      try {
        tokenKey = (JSON.parse(raw || '{}') as { tokenKey?: unknown }).tokenKey;
      } catch {
        tokenKey = undefined;
      }
      if (tokenKey !== token) {
        send(401, unauthorized().body);
        return;
      }
      send(200, {
        userId: 1_000_001,
        hubId: options.hubId ?? 1_234_567,
        appId: 4_242_424,
        scopes: [...sandbox.scopes],
      });
      return;
    }
    if (req.headers.authorization !== `Bearer ${token}`) {
      send(401, unauthorized().body);
      return;
    }
    let body: unknown;
    if (raw !== '') {
      try {
        body = JSON.parse(raw);
        record.body = body;
      } catch (error) {
        send(400, validationError(`Invalid input JSON: ${(error as Error).message}`).body, rateHeaders());
        return;
      }
    }

    // The driver simulates the contact's own behaviour; it is not HubSpot's API, so no quota applies.
    const driver = DRIVER_PATH.exec(url.pathname);
    if (driver) {
      try {
        if (method !== 'POST')
          throw new HubSpotHttpError(405, { message: 'POST only', category: 'METHOD_NOT_ALLOWED' });
        const b = (body ?? {}) as { type?: unknown; at?: unknown; meetingStart?: unknown };
        if (!CONTACT_ACTIVITY_KINDS.includes(b.type as ContactActivityKind)) {
          throw validationError(`type: expected one of ${CONTACT_ACTIVITY_KINDS.join(', ')}`);
        }
        const contactId = decodeSegment(driver[1] ?? '');
        if (!store.find('contacts', contactId)) throw notFound(`No contact ${contactId}`);
        const out = drive(contactId, b.type as ContactActivityKind, b.at as string | undefined, {
          meetingStart: b.meetingStart as string | undefined,
        });
        send(200, out);
      } catch (error) {
        if (error instanceof HubSpotHttpError) send(error.status, error.body);
        else send(400, validationError((error as Error).message).body);
      }
      return;
    }

    // Per portal, across every caller (rate-limit.ts); a refused request uses no quota.
    const admission = limits.admit(at, method === 'POST' && /\/search\/?$/.test(url.pathname));
    if (!admission.ok) {
      record.policy = admission.policy;
      send(429, rateLimitBody(admission.policy), {
        ...rateHeaders(),
        'Retry-After': String(admission.retryAfterSeconds),
      });
      return;
    }

    const injected = faults.count === 0 ? undefined : pickFault(faults, url.pathname, random);
    if (injected && faults.count !== undefined) faults = { ...faults, count: faults.count - 1 };
    if (injected === '429') {
      record.fault = '429';
      record.policy = 'TEN_SECONDLY_ROLLING';
      send(429, rateLimitBody('TEN_SECONDLY_ROLLING'), {
        ...rateHeaders(),
        'X-HubSpot-RateLimit-Remaining': '0',
        'Retry-After': '1',
      });
      return;
    }
    if (injected === '5xx') {
      record.fault = '5xx';
      const status = faults.status5xx ?? 502;
      send(status, serverErrorBody(status), rateHeaders());
      return;
    }
    if (injected === 'timeout') {
      record.fault = 'timeout';
      // Never answer: the caller's own timeout has to fire. Later the socket is destroyed, as a dead proxy would.
      finish(0);
      later(faults.hangMs ?? 30_000, () => res.socket?.destroy());
      return;
    }

    try {
      const answer = route(store, {
        method,
        // The generated client encodes path parameters (an email used as id arrives as jane%40example.com).
        segments: url.pathname
          .split('/')
          .filter((s) => s !== '')
          .map(decodeSegment),
        query: url.searchParams,
        body,
      });
      if (injected === 'lost') {
        // Applied, then the answer is lost: the caller's own timeout has to fire.
        record.fault = 'lost';
        finish(0);
        later(faults.hangMs ?? 30_000, () => res.socket?.destroy());
        return;
      }
      send(answer.status, answer.body, rateHeaders());
    } catch (error) {
      if (error instanceof HubSpotHttpError) {
        send(error.status, error.body, rateHeaders());
      } else {
        options.log?.(`hubspot sandbox bug: ${(error as Error).stack ?? String(error)}`);
        send(500, serverErrorBody(500), rateHeaders());
      }
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.log?.(`hubspot sandbox bug: ${String(error)}`);
      if (!res.headersSent) res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  const view = (r: StoredObject): SandboxRecord => ({
    ...render(store, r, 'all'),
    properties: { ...r.properties },
    archived: false,
  });
  const mustContact = (id: string): StoredObject => {
    const contact = store.find('contacts', id);
    if (!contact) throw new Error(`No contact ${id} in the sandbox`);
    return contact;
  };
  const toMs = (at: Date | number | string | undefined, fallback: number): number => {
    if (at === undefined) return fallback;
    const ms = typeof at === 'number' ? at : at instanceof Date ? at.getTime() : parseTime(at);
    if (ms === undefined) throw new Error(`Unparseable time ${String(at)}`);
    return ms;
  };
  /** Creates an engagement on a contact: HubSpot-set fields (source) land before the association's rollups. */
  const engage = (
    contactId: string,
    type: 'calls' | 'emails' | 'meetings',
    properties: Record<string, string>,
    computed: Record<string, string>,
  ): StoredObject => {
    const typeId = [...ASSOCIATION_TYPES.values()].find((t) => t.from === type && t.to === 'contacts');
    if (!typeId) throw new Error(`No ${type} → contacts association`);
    const record = store.insert(type, store.prepareCreate(type, properties, []));
    for (const [name, value] of Object.entries(computed))
      store.setPropertyDirect(record, name, value, { sourceType: 'CALCULATED' });
    store.associate(record, typeId, contactId);
    return record;
  };
  const drive = (
    contactId: string,
    kind: ContactActivityKind,
    at: Date | number | string | undefined,
    opts: { meetingStart?: Date | number | string } = {},
  ): { contact: SandboxRecord; meeting?: SandboxRecord } => {
    const contact = mustContact(contactId);
    const ms = toMs(at, now());
    const iso = new Date(ms).toISOString();
    const latest = (name: string): Record<string, string> => {
      const current = parseTime(contact.properties[name] ?? '');
      return current !== undefined && current >= ms ? {} : { [name]: iso };
    };
    const count = (name: string) => String(Number(contact.properties[name] ?? '0') + 1);
    // "Last engagement date": the contact's engagement with the site, a form, a meetings link or a tracked email.
    const engaged = latest('hs_last_sales_activity_timestamp');
    const set = (changes: Record<string, string>, sourceType: string) => {
      for (const [name, value] of Object.entries(changes))
        store.setPropertyDirect(contact, name, value, { sourceType });
    };
    let meeting: StoredObject | undefined;
    switch (kind) {
      case 'site_visit':
        set(
          {
            ...engaged,
            ...latest('hs_analytics_last_visit_timestamp'),
            hs_analytics_num_visits: count('hs_analytics_num_visits'),
          },
          'ANALYTICS',
        );
        break;
      case 'form_submission':
        set(
          {
            ...engaged,
            recent_conversion_date: iso,
            recent_conversion_event_name: 'Form resubmission',
            num_conversion_events: count('num_conversion_events'),
          },
          'FORM',
        );
        break;
      case 'email_open':
        set({ ...engaged, ...latest('hs_email_last_open_date') }, 'EMAIL');
        break;
      case 'inbound_chat':
        // A conversation the contact starts moves "Last contacted" like a rep's outreach does.
        set({ ...latest('notes_last_contacted'), ...latest('notes_last_updated') }, 'CONVERSATIONS');
        break;
      case 'meeting_booked': {
        const start = toMs(opts.meetingStart, ms + 2 * 86_400_000);
        meeting = engage(
          contactId,
          'meetings',
          {
            hs_timestamp: new Date(start).toISOString(),
            hs_meeting_title: 'Booked through a meetings link',
            hs_meeting_start_time: new Date(start).toISOString(),
            hs_meeting_end_time: new Date(start + 30 * 60_000).toISOString(),
            hs_meeting_outcome: 'SCHEDULED',
          },
          { hs_meeting_source: 'MEETINGS_PUBLIC', hs_engagement_source: 'MEETINGS' },
        );
        set(engaged, 'MEETINGS');
        break;
      }
    }
    return { contact: view(contact), ...(meeting ? { meeting: view(meeting) } : {}) };
  };

  const sandbox: HubSpotSandbox = {
    scopes: [...(options.scopes ?? SANDBOX_SCOPES)],
    url: `http://127.0.0.1:${port}`,
    token,
    close: async () => {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await stopped;
    },
    setFaults: (next) => {
      faults = next;
    },
    contacts: () => store.all('contacts').map(view),
    contact: (idOrEmail) => {
      const found = idOrEmail.includes('@')
        ? store.find('contacts', idOrEmail, 'email')
        : store.find('contacts', idOrEmail);
      return found ? view(found) : undefined;
    },
    tasks: () => store.all('tasks').map(view),
    tasksFor: (contactId) =>
      store
        .associationsOf('contacts', contactId, 'tasks')
        .map((l) => store.find('tasks', l.id))
        .filter((t): t is StoredObject => t !== undefined)
        .map(view),
    records: (type) => store.all(type).map(view),
    associated: (type, id, toType) => store.associationsOf(type, id, toType).map((l) => l.id),
    createContact: (properties) =>
      view(store.insert('contacts', store.prepareCreate('contacts', properties, []))),
    setContactProperty: (contactId, name, value, source) => {
      const contact = mustContact(contactId);
      store.setPropertyDirect(contact, name, value, source);
      return view(contact);
    },
    contactActivity: (contactId, kind, at, opts) => drive(contactId, kind, at, opts),
    deleteContact: (contactId) => store.remove(mustContact(contactId)),
    mergeContacts: (primaryId, secondaryId) =>
      view(store.merge(mustContact(primaryId), mustContact(secondaryId))),
    logActivity: (contactId, kind, at, properties = {}) => {
      mustContact(contactId);
      const ms = toMs(at, now());
      const type = `${kind}s` as 'calls' | 'emails' | 'meetings';
      const defaults: Record<string, string> = {
        calls: { hs_call_status: 'COMPLETED', hs_call_direction: 'OUTBOUND', hs_call_title: 'Call' },
        emails: { hs_email_direction: 'EMAIL', hs_email_status: 'SENT', hs_email_subject: 'Email' },
        meetings: { hs_meeting_outcome: 'COMPLETED', hs_meeting_title: 'Meeting' },
      }[type] as Record<string, string>;
      // Fields HubSpot sets itself (where the engagement came from) are given apart from writable ones.
      const computedNames = ['hs_engagement_source', 'hs_meeting_source'];
      const writable = Object.fromEntries(
        Object.entries(properties).filter(([k]) => !computedNames.includes(k)),
      );
      const computed = {
        hs_engagement_source: 'CRM_UI',
        ...Object.fromEntries(Object.entries(properties).filter(([k]) => computedNames.includes(k))),
      };
      return view(
        engage(
          contactId,
          type,
          { ...defaults, hs_timestamp: new Date(ms).toISOString(), ...writable },
          computed,
        ),
      );
    },
    createDeal: (contactId, properties = {}) => {
      mustContact(contactId);
      const toContact = [...ASSOCIATION_TYPES.values()].find(
        (t) => t.from === 'deals' && t.to === 'contacts',
      );
      if (!toContact) throw new Error('No deals → contacts association');
      const deal = store.insert(
        'deals',
        store.prepareCreate(
          'deals',
          { dealname: 'New deal', pipeline: 'default', dealstage: 'appointmentscheduled', ...properties },
          [],
        ),
        { sourceType: 'CRM_UI', sourceId: 'userId:2000001', updatedByUserId: 2000001 },
      );
      store.associate(deal, toContact, contactId);
      return view(deal);
    },
    setDealStage: (dealId, stage) => {
      const deal = store.find('deals', dealId);
      if (!deal) throw new Error(`No deal ${dealId} in the sandbox`);
      store.setPropertyDirect(deal, 'dealstage', stage);
      if (stage === 'closedwon' || stage === 'closedlost')
        store.setPropertyDirect(deal, 'closedate', new Date(now()).toISOString());
      return view(deal);
    },
    upsertOwner: (owner) => store.upsertOwner(owner),
    get requests() {
      return requests;
    },
    get counts() {
      const byStatus: Record<number, number> = {};
      for (const r of requests) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
      return { total: requests.length, byStatus, rateLimited: byStatus[429] ?? 0 };
    },
    reset: () => {
      store.reset();
      requests = [];
      limits.reset();
      faults = {};
    },
  };
  return sandbox;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** One draw decides the fault, so a seeded `random` gives the same sequence of failures every run. */
function pickFault(
  faults: SandboxFaults,
  path: string,
  random: () => number,
): '429' | '5xx' | 'timeout' | 'lost' | undefined {
  const { rate429 = 0, rate5xx = 0, rateTimeout = 0, rateLostAnswer = 0 } = faults;
  if (rate429 + rate5xx + rateTimeout + rateLostAnswer <= 0) return undefined;
  if (faults.only && !faults.only.test(path)) return undefined;
  const draw = random();
  if (draw < rate429) return '429';
  if (draw < rate429 + rate5xx) return '5xx';
  if (draw < rate429 + rate5xx + rateTimeout) return 'timeout';
  if (draw < rate429 + rate5xx + rateTimeout + rateLostAnswer) return 'lost';
  return undefined;
}

/** HubSpot's own 500 is JSON; a 502/503/504 usually comes from the edge proxy as an HTML page. */
function serverErrorBody(status: number): unknown {
  if (status === 500) {
    return {
      status: 'error',
      message: 'internal error',
      correlationId: randomUUID(),
      category: 'INTERNAL_ERROR',
    };
  }
  return `<html><head><title>${status} Error</title></head><body><h1>${status}</h1><p>The server could not complete the request.</p></body></html>`;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
