/**
 * Crm on HubSpot through deep imports of the generated CRM APIs (about 400 KB bundled, against 5 MB for
 * the full client), paced and retried by leadclock's own policy.
 */
// One generic objects module serves contacts, companies, tasks and engagements: each codegen module
// carries its own models and serializer (75–160 KB), so one module instead of five keeps bundles small.
import * as associationsLib from '@hubspot/api-client/lib/codegen/crm/associations/v4/index.js';
import * as objectsLib from '@hubspot/api-client/lib/codegen/crm/objects/index.js';
import * as ownersLib from '@hubspot/api-client/lib/codegen/crm/owners/index.js';
import type { Crm, CrmTask } from '../../app/ports.ts';
import { isAmbiguous, type PacingOptions, paced } from './pacing.ts';

/** Association type id: task → contact (HUBSPOT_DEFINED). */
const TASK_TO_CONTACT = 204;
const ACTIVITY_TYPES = ['calls', 'emails', 'meetings'] as const;
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

  constructor(cfg: HubSpotConfig) {
    this.#pacing = cfg.pacing;
    const o = deepConfig(objectsLib, cfg.baseUrl, cfg.accessToken);
    this.#batch = new objectsLib.BatchApi(o);
    this.#basic = new objectsLib.BasicApi(o);
    this.#search = new objectsLib.SearchApi(o);
    this.#owners = new ownersLib.OwnersApi(deepConfig(ownersLib, cfg.baseUrl, cfg.accessToken));
    this.#associations = new associationsLib.BasicApi(
      deepConfig(associationsLib, cfg.baseUrl, cfg.accessToken),
    );
  }

  #call<T>(fn: () => Promise<T>, idempotent = true): Promise<T> {
    return paced(fn, idempotent ? this.#pacing : { ...this.#pacing, idempotent: false });
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

  async findTasks(keys: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (let i = 0; i < keys.length; i += 100) {
      const chunk = keys.slice(i, i + 100);
      let after: string | undefined;
      do {
        const r = await this.#call(() =>
          this.#search.doSearch('tasks', {
            filterGroups: [
              { filters: [{ propertyName: 'leadclock_task_key', operator: 'IN' as never, values: chunk }] },
            ],
            properties: ['leadclock_task_key'],
            limit: 100,
            after,
          } as never),
        );
        for (const t of r.results) {
          const key = t.properties?.leadclock_task_key;
          if (key) out.set(key, t.id);
        }
        after = r.paging?.next?.after;
      } while (after);
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
          const found = await this.findTasks(chunk.map((t) => t.key));
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

  async activitySince(contactId: string, since: string): Promise<string | undefined> {
    const sinceMs = Date.parse(since);
    const c = await this.#call(() =>
      this.#basic.getById('contacts', contactId, [
        'hs_last_sales_activity_timestamp',
        'notes_last_contacted',
      ]),
    );
    const stamps = [c.properties?.hs_last_sales_activity_timestamp, c.properties?.notes_last_contacted]
      .map((v) => (v ? Date.parse(/^\d+$/.test(v) ? new Date(Number(v)).toISOString() : v) : Number.NaN))
      .filter((ms) => Number.isFinite(ms) && ms > sinceMs);
    if (stamps.length) return new Date(Math.max(...stamps)).toISOString();
    // Rollups can lag: an associated call, email or meeting created since assignment also counts.
    for (const type of ACTIVITY_TYPES) {
      const r = await this.#call(() =>
        this.#associations.getPage('contacts', contactId, type, undefined, 100),
      );
      if (r.results.length === 0) continue;
      const ids = r.results.map((x) => String(x.toObjectId));
      const found = await this.#activityAfter(type, ids, sinceMs);
      if (found) return found;
    }
    return undefined;
  }

  async #activityAfter(
    type: (typeof ACTIVITY_TYPES)[number],
    ids: string[],
    sinceMs: number,
  ): Promise<string | undefined> {
    const r = await this.#call(() =>
      this.#batch.read(type, {
        inputs: ids.slice(0, 100).map((id) => ({ id })),
        properties: ['hs_timestamp', 'hs_email_direction'],
        propertiesWithHistory: [],
      }),
    );
    const times = r.results
      // Incoming emails and auto-replies are not a rep reaching out.
      .filter((o) => type !== 'emails' || (o.properties?.hs_email_direction ?? 'EMAIL') === 'EMAIL')
      .map((o) => Date.parse(o.properties?.hs_timestamp ?? ''))
      .filter((ms) => ms > sinceMs);
    return times.length ? new Date(Math.max(...times)).toISOString() : undefined;
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
      const r = await this.#call(() =>
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

  async owners(): Promise<{ id: string; email?: string; name?: string; archived: boolean }[]> {
    const out: { id: string; email?: string; name?: string; archived: boolean }[] = [];
    for (const archived of [false, true]) {
      let after: string | undefined;
      do {
        const r = await this.#call(() => this.#owners.getPage(undefined, after, 100, archived));
        for (const o of r.results) {
          out.push({
            id: String(o.id),
            email: o.email,
            name: [o.firstName, o.lastName].filter(Boolean).join(' ') || undefined,
            archived,
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
