/**
 * Crm on HubSpot through deep imports of the generated CRM APIs (about 400 KB bundled, against 5 MB for
 * the full client), paced and retried by leadclock's own policy.
 */
// One generic objects module serves contacts, companies, tasks and engagements: each codegen module
// carries its own models and serializer (75–160 KB), so one module instead of five keeps bundles small.
import * as associationsLib from '@hubspot/api-client/lib/codegen/crm/associations/v4/index.js';
import * as objectsLib from '@hubspot/api-client/lib/codegen/crm/objects/index.js';
import * as ownersLib from '@hubspot/api-client/lib/codegen/crm/owners/index.js';
import { type ContactActivity, type Crm, CrmRefusedError, type CrmTask } from '../../app/ports.ts';
import type { EngagementFacts, EngagementKind } from '../../domain/touch.ts';
import { isAmbiguous, type PacingOptions, paced } from './pacing.ts';

/** Association type id: task → contact (HUBSPOT_DEFINED). */
const TASK_TO_CONTACT = 204;
type EngagementType = 'calls' | 'emails' | 'meetings';
const ENGAGEMENT_TYPES: readonly [EngagementKind, EngagementType][] = [
  ['call', 'calls'],
  ['email', 'emails'],
  ['meeting', 'meetings'],
];
/** What domain/touch.ts needs to judge an engagement. */
const ENGAGEMENT_PROPERTIES = [
  'hs_timestamp',
  'hs_createdate',
  'hs_call_disposition',
  'hs_meeting_start_time',
  'hs_meeting_outcome',
  'hs_email_direction',
  'hs_call_direction',
  'hs_meeting_source',
  'hs_engagement_source',
  'hubspot_owner_id',
];
/** What a deal outcome needs (domain/outcomes.ts dealFact). */
const DEAL_PROPERTIES = [
  'amount',
  'dealstage',
  'hs_is_closed_won',
  'hs_is_closed',
  'createdate',
  'closedate',
];
/** What breach verification reads of a contact (with `hs_lead_status` history). */
const CONTACT_PROPERTIES = [
  'hs_sa_first_engagement_date',
  'hs_sa_first_engagement_object_type',
  'hs_merged_object_ids',
];
/**
 * Most contacts per batch read that asks for property history: HubSpot refuses more with "The maximum
 * number of inputs supported in a batch request for property histories is 50" (docs/hubspot-rate-limits.md).
 */
const HISTORY_BATCH = 50;
/** Tries of one task batch, each after reconciling by key (as many as a paced call gets). */
const MAX_CREATE_ROUNDS = 6;

interface DeepLib<Server, Config> {
  createConfiguration(params: {
    baseServer: Server;
    authMethods: { oauth2: { accessToken: string } };
  }): Config;
  ServerConfiguration: new (url: string, variables: Record<string, never>) => Server;
}

/** A configuration for one deep-imported codegen module (each module has its own classes). */
export function deepConfig<Server, Config>(
  lib: DeepLib<Server, Config>,
  baseUrl: string,
  accessToken: string,
): Config {
  return lib.createConfiguration({
    baseServer: new lib.ServerConfiguration(baseUrl.replace(/\/+$/, ''), {}),
    authMethods: { oauth2: { accessToken } },
  });
}

/** HubSpot connection settings. */
export interface HubSpotConfig {
  baseUrl: string;
  accessToken: string;
  pacing: PacingOptions;
}

/** Crm implemented on the HubSpot CRM v3/v4 APIs. */
export class HubSpotCrm implements Crm {
  readonly #pacing: PacingOptions;
  readonly #batch: objectsLib.BatchApi;
  readonly #basic: objectsLib.BasicApi;
  readonly #search: objectsLib.SearchApi;
  readonly #owners: ownersLib.OwnersApi;
  readonly #associations: associationsLib.BasicApi;
  readonly #associationsBatch: associationsLib.BatchApi;

  constructor(cfg: HubSpotConfig) {
    this.#pacing = cfg.pacing;
    const o = deepConfig(objectsLib, cfg.baseUrl, cfg.accessToken);
    this.#batch = new objectsLib.BatchApi(o);
    this.#basic = new objectsLib.BasicApi(o);
    this.#search = new objectsLib.SearchApi(o);
    this.#owners = new ownersLib.OwnersApi(deepConfig(ownersLib, cfg.baseUrl, cfg.accessToken));
    const a = deepConfig(associationsLib, cfg.baseUrl, cfg.accessToken);
    this.#associations = new associationsLib.BasicApi(a);
    this.#associationsBatch = new associationsLib.BatchApi(a);
  }

  async #call<T>(fn: () => Promise<T>, idempotent = true): Promise<T> {
    try {
      return await paced(fn, idempotent ? this.#pacing : { ...this.#pacing, idempotent: false });
    } catch (e) {
      throw refusal(e);
    }
  }

  /** A CRM search: it counts against HubSpot's search limit as well as the general one. */
  #find<T>(fn: () => Promise<T>): Promise<T> {
    return paced(fn, { ...this.#pacing, kind: 'search' });
  }

  async upsertContacts(
    inputs: readonly { email: string; properties: Record<string, string> }[],
  ): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (let i = 0; i < inputs.length; i += 100) {
      const chunk = inputs.slice(i, i + 100);
      // Upsert by email is idempotent, so an ambiguous failure is simply retried.
      const r = await this.#call(() =>
        this.#batch.upsert('contacts', {
          inputs: chunk.map((x) => ({
            id: x.email.toLowerCase(),
            idProperty: 'email',
            properties: { ...x.properties, email: x.email },
          })),
        }),
      );
      for (const res of r.results) {
        const email = String(res.properties?.email ?? '').toLowerCase();
        if (email) out.set(email, res.id);
      }
    }
    return out;
  }

  async createContact(properties: Record<string, string>): Promise<string> {
    const r = await this.#call(() => this.#basic.create('contacts', { properties, associations: [] }));
    return r.id;
  }

  async updateContacts(
    inputs: readonly { id: string; properties: Record<string, string> }[],
  ): Promise<Set<string>> {
    const missing = new Set<string>();
    for (let i = 0; i < inputs.length; i += 100) {
      const chunk = inputs.slice(i, i + 100);
      const r = await this.#call(() =>
        this.#batch.update('contacts', {
          inputs: chunk.map((x) => ({ id: x.id, properties: x.properties })),
        }),
      );
      // 207: the rest was applied; the errors name ids HubSpot does not know.
      for (const err of (r as { errors?: { context?: Record<string, string[]> }[] }).errors ?? []) {
        for (const id of err.context?.ids ?? []) missing.add(String(id));
      }
    }
    return missing;
  }

  async findTasks(tasks: readonly Pick<CrmTask, 'key' | 'contactId'>[]): Promise<Map<string, string>> {
    // Through the contacts' task associations and reads by id: both are consistent right after a write,
    // while search lags by seconds and would miss a task an ambiguous create just made.
    const out = new Map<string, string>();
    const wanted = new Set(tasks.map((t) => t.key));
    const byContact = await this.#associatedIdsOf(
      'contacts',
      [...new Set(tasks.map((t) => t.contactId))],
      'tasks',
    );
    const taskIds = new Set([...byContact.values()].flat());
    for (const t of await this.#readAll('tasks', [...taskIds], ['leadclock_task_key'])) {
      const key = t.properties?.leadclock_task_key;
      if (key && wanted.has(key) && !out.has(key)) out.set(key, t.id);
    }
    return out;
  }

  async createTasks(tasks: readonly CrmTask[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (let i = 0; i < tasks.length; i += 100) {
      let chunk = tasks.slice(i, i + 100);
      for (let round = 0; chunk.length; round++) {
        try {
          // Not retried blindly: after an ambiguous failure the batch may exist; the catch reconciles first.
          const r = await this.#call(
            () => this.#batch.create('tasks', { inputs: chunk.map(toTaskInput) }),
            false,
          );
          for (const t of r.results) {
            const key = t.properties?.leadclock_task_key;
            if (key) out.set(key, t.id);
          }
          chunk = [];
        } catch (e) {
          // The batch may have been applied before the failure: look the keys up, create only what is missing.
          if (!isAmbiguous(e) || round >= MAX_CREATE_ROUNDS - 1) throw e;
          const found = await this.findTasks(chunk);
          for (const [k, id] of found) out.set(k, id);
          chunk = chunk.filter((t) => !found.has(t.key));
        }
      }
    }
    return out;
  }

  async completeTasks(taskIds: readonly string[]): Promise<void> {
    for (let i = 0; i < taskIds.length; i += 100) {
      const chunk = taskIds.slice(i, i + 100);
      await this.#call(() =>
        this.#batch.update('tasks', {
          inputs: chunk.map((id) => ({ id, properties: { hs_task_status: 'COMPLETED' } })),
        }),
      );
    }
  }

  async moveTasks(moves: readonly { taskId: string; dueAt: string }[]): Promise<void> {
    for (let i = 0; i < moves.length; i += 100) {
      const chunk = moves.slice(i, i + 100);
      await this.#call(() =>
        this.#batch.update('tasks', {
          inputs: chunk.map((m) => ({ id: m.taskId, properties: { hs_timestamp: m.dueAt } })),
        }),
      );
    }
  }

  async contactActivity(contactId: string): Promise<ContactActivity> {
    const contact = await this.#contact(contactId);
    if (!contact) return { contact: 'deleted' };
    const engagements: EngagementFacts[] = [];
    for (const [kind, type] of ENGAGEMENT_TYPES) {
      const ids = await this.#associatedIds('contacts', contact.id, type);
      for (const o of await this.#readAll(type, ids, ENGAGEMENT_PROPERTIES))
        engagements.push({ kind, id: o.id, properties: o.properties ?? {} });
    }
    return activityOf(contact, contactId, engagements);
  }

  /**
   * Many contacts' activity in a few calls: the contacts with their lead-status history in batch reads of
   * 50 (HubSpot's cap when `propertiesWithHistory` is asked), each engagement type's associations in one v4
   * batch read per 1000 contacts, and the engagements in batch reads of 100. A contact the batch read does
   * not return under its own id (deleted, or merged into another) is looked up alone, following the merge.
   */
  async contactActivities(contactIds: readonly string[]): Promise<Map<string, ContactActivity>> {
    const unique = [...new Set(contactIds)];
    const found = new Map<string, objectsLib.SimplePublicObject>();
    for (let i = 0; i < unique.length; i += HISTORY_BATCH) {
      const chunk = unique.slice(i, i + HISTORY_BATCH);
      const r = await this.#call(() =>
        this.#batch.read('contacts', {
          inputs: chunk.map((id) => ({ id })),
          properties: CONTACT_PROPERTIES,
          propertiesWithHistory: ['hs_lead_status'],
        }),
      );
      for (const c of r.results) if (chunk.includes(c.id)) found.set(c.id, c);
    }
    const present = unique.filter((id) => found.has(id));
    const engagements = new Map<string, EngagementFacts[]>(present.map((id) => [id, []]));
    for (const [kind, type] of ENGAGEMENT_TYPES) {
      const linked = present.length ? await this.#associatedIdsOf('contacts', present, type) : new Map();
      const records = new Map(
        (await this.#readAll(type, [...new Set([...linked.values()].flat())], ENGAGEMENT_PROPERTIES)).map(
          (o) => [o.id, o],
        ),
      );
      for (const [contactId, ids] of linked as Map<string, string[]>)
        for (const id of ids) {
          const o = records.get(id);
          if (o) engagements.get(contactId)?.push({ kind, id: o.id, properties: o.properties ?? {} });
        }
    }
    const out = new Map<string, ContactActivity>();
    for (const id of present)
      out.set(id, activityOf(found.get(id) as objectsLib.SimplePublicObject, id, engagements.get(id) ?? []));
    for (const id of unique) if (!found.has(id)) out.set(id, await this.contactActivity(id));
    return out;
  }

  async engagement(
    kind: EngagementKind,
    id: string,
  ): Promise<{ facts: EngagementFacts; contactIds: string[] } | undefined> {
    const type = ENGAGEMENT_TYPES.find(([k]) => k === kind)?.[1] as EngagementType;
    const [record] = await this.#readAll(type, [id], ENGAGEMENT_PROPERTIES);
    if (!record) return undefined;
    const contactIds = await this.#associatedIds(type, record.id, 'contacts');
    return { facts: { kind, id: record.id, properties: record.properties ?? {} }, contactIds };
  }

  async deal(
    id: string,
  ): Promise<{ properties: Record<string, string | null | undefined>; contactIds: string[] } | undefined> {
    const [record] = await this.#readAll('deals', [id], DEAL_PROPERTIES);
    if (!record) return undefined;
    return {
      properties: record.properties ?? {},
      contactIds: await this.#associatedIds('deals', record.id, 'contacts'),
    };
  }

  /**
   * The contact, or the contact it was merged into: HubSpot answers a merged-away id with the surviving
   * record, and the survivor lists merged ids in `hs_merged_object_ids`. Undefined on 404 (deleted).
   */
  async #contact(contactId: string) {
    const props = CONTACT_PROPERTIES;
    try {
      return await this.#call(() => this.#basic.getById('contacts', contactId, props, ['hs_lead_status']));
    } catch (e) {
      if ((e as { code?: number }).code !== 404) throw e;
    }
    // Not found by id: a merge HubSpot no longer redirects is still named by the survivor's merged ids.
    const r = await this.#find(() =>
      this.#search.doSearch('contacts', {
        filterGroups: [
          {
            filters: [
              { propertyName: 'hs_merged_object_ids', operator: 'CONTAINS_TOKEN' as never, value: contactId },
            ],
          },
        ],
        properties: ['hs_merged_object_ids'],
        limit: 10,
      } as never),
    );
    const survivor = r.results.find((c) =>
      String(c.properties?.hs_merged_object_ids ?? '')
        .split(';')
        .includes(contactId),
    );
    if (!survivor) return undefined;
    try {
      return await this.#call(() => this.#basic.getById('contacts', survivor.id, props, ['hs_lead_status']));
    } catch (e) {
      if ((e as { code?: number }).code === 404) return undefined;
      throw e;
    }
  }

  /** Every id of `toType` associated with a record, through all pages. */
  async #associatedIds(fromType: string, id: string, toType: string): Promise<string[]> {
    const out: string[] = [];
    let after: string | undefined;
    do {
      const r = await this.#call(() => this.#associations.getPage(fromType, id, toType, after, 500));
      for (const x of r.results) out.push(String(x.toObjectId));
      after = r.paging?.next?.after;
    } while (after);
    return out;
  }

  /** The associated ids of many records: one batch read per 1000, then each record's further pages. */
  async #associatedIdsOf(
    fromType: string,
    ids: readonly string[],
    toType: string,
  ): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (let i = 0; i < ids.length; i += 1000) {
      const chunk = ids.slice(i, i + 1000);
      // 207 names the records with no associations; they simply have none.
      const r = await this.#call(() =>
        this.#associationsBatch.getPage(fromType, toType, { inputs: chunk.map((id) => ({ id })) }),
      );
      for (const res of r.results) {
        const from = String(res._from.id);
        const linked = res.to.map((x) => String(x.toObjectId));
        let after = res.paging?.next?.after;
        while (after) {
          const page = await this.#call(() => this.#associations.getPage(fromType, from, toType, after, 500));
          linked.push(...page.results.map((x) => String(x.toObjectId)));
          after = page.paging?.next?.after;
        }
        out.set(from, linked);
      }
    }
    return out;
  }

  /** Records by id, 100 per batch read; ids HubSpot no longer has are left out (207). */
  async #readAll(type: string, ids: readonly string[], properties: string[]) {
    const out: objectsLib.SimplePublicObject[] = [];
    for (let i = 0; i < ids.length; i += 100) {
      const chunk = ids.slice(i, i + 100);
      const r = await this.#call(() =>
        this.#batch.read(type, {
          inputs: chunk.map((id) => ({ id })),
          properties,
          propertiesWithHistory: [],
        }),
      );
      out.push(...r.results);
    }
    return out;
  }

  async companyOwners(since?: string): Promise<{ domain: string; ownerId?: string; modifiedAt?: string }[]> {
    const out: { domain: string; ownerId?: string; modifiedAt?: string }[] = [];
    const props = ['domain', 'hubspot_owner_id', 'hs_lastmodifieddate'];
    const push = (results: { properties?: Record<string, string | null> }[]) => {
      for (const c of results) {
        const domain = c.properties?.domain?.trim().toLowerCase();
        if (domain)
          out.push({
            domain,
            ownerId: c.properties?.hubspot_owner_id || undefined,
            modifiedAt: c.properties?.hs_lastmodifieddate ?? undefined,
          });
      }
    };
    let after: string | undefined;
    if (since === undefined) {
      do {
        const r = await this.#call(() => this.#basic.getPage('companies', 100, after, props));
        push(r.results);
        after = r.paging?.next?.after;
      } while (after);
      return out;
    }
    // Incremental: companies modified since the last run, oldest first, so a crash resumes where it stopped.
    do {
      const r = await this.#find(() =>
        this.#search.doSearch('companies', {
          filterGroups: [
            {
              filters: [
                {
                  propertyName: 'hs_lastmodifieddate',
                  operator: 'GTE' as never,
                  value: String(Date.parse(since)),
                },
              ],
            },
          ],
          sorts: ['hs_lastmodifieddate'],
          properties: props,
          limit: 100,
          after,
        } as never),
      );
      push(r.results);
      after = r.paging?.next?.after;
    } while (after);
    return out;
  }

  async owners(): Promise<
    { id: string; email?: string; name?: string; archived: boolean; active: boolean }[]
  > {
    const out: { id: string; email?: string; name?: string; archived: boolean; active: boolean }[] = [];
    for (const archived of [false, true]) {
      let after: string | undefined;
      do {
        const r = await this.#call(() => this.#owners.getPage(undefined, after, 100, archived));
        for (const o of r.results) {
          // A deactivated user keeps its owner record; HubSpot then sends userId null and only
          // userIdIncludingInactive. A person owner without an active user cannot work a lead.
          const deactivated =
            o.type !== 'QUEUE' &&
            (o.userId === undefined || o.userId === null) &&
            o.userIdIncludingInactive !== undefined &&
            o.userIdIncludingInactive !== null;
          out.push({
            id: String(o.id),
            email: o.email,
            name: [o.firstName, o.lastName].filter(Boolean).join(' ') || undefined,
            archived,
            active: !archived && !deactivated,
          });
        }
        after = r.paging?.next?.after;
      } while (after);
    }
    return out;
  }
}

function toTaskInput(t: CrmTask) {
  return {
    properties: {
      hs_timestamp: t.dueAt,
      hs_task_subject: t.subject,
      hs_task_body: t.body,
      hs_task_status: 'NOT_STARTED',
      hs_task_priority: t.priority,
      hs_task_type: 'CALL',
      leadclock_task_key: t.key,
      ...(t.ownerId ? { hubspot_owner_id: t.ownerId } : {}),
    },
    associations: [
      {
        to: { id: t.contactId },
        types: [
          {
            associationCategory: objectsLib.AssociationSpecAssociationCategoryEnum.HubspotDefined,
            associationTypeId: TASK_TO_CONTACT,
          },
        ],
      },
    ],
  };
}

/** HubSpot's 400 (VALIDATION_ERROR: a property value, an owner id) as a {@link CrmRefusedError}; other errors as they are. */
function refusal(e: unknown): unknown {
  if ((e as { code?: unknown })?.code !== 400) return e;
  const body = (e as { body?: unknown }).body;
  const text = typeof body === 'string' ? body : JSON.stringify(body ?? {});
  const message = (body as { message?: unknown })?.message;
  return new CrmRefusedError(
    typeof message === 'string' ? message.slice(0, 500) : 'HubSpot refused the request',
    {
      invalidOwner: text.includes('INVALID_OWNER_ID'),
      cause: e,
    },
  );
}

/** A contact read (with its lead-status history) and its engagements, as domain/touch.ts judges them. */
function activityOf(
  contact: objectsLib.SimplePublicObject,
  requestedId: string,
  engagements: EngagementFacts[],
): ContactActivity {
  return {
    contact: 'found',
    contactId: contact.id,
    ...(contact.id !== requestedId ? { mergedFrom: requestedId } : {}),
    facts: {
      engagements,
      firstEngagementAt: contact.properties?.hs_sa_first_engagement_date ?? undefined,
      firstEngagementType: contact.properties?.hs_sa_first_engagement_object_type ?? undefined,
      leadStatusHistory: (contact.propertiesWithHistory?.hs_lead_status ?? []).map((v) => ({
        value: String(v.value ?? ''),
        timestamp: v.timestamp instanceof Date ? v.timestamp.toISOString() : String(v.timestamp),
        sourceType: v.sourceType,
        sourceId: v.sourceId,
        updatedByUserId: v.updatedByUserId,
      })),
    },
  };
}
