/** The HubSpot CRM endpoints the sandbox answers, mapped onto the store. Shapes follow `@hubspot/api-client` v14. */

import type { CrmStore, PropertyDefinition, PropertyGroupDefinition, StoredObject } from './crm.ts';
import { HubSpotHttpError, notFound, validationError } from './errors.ts';
import { defaultAssociationType, OBJECT_TYPES, type ObjectTypeName, resolveObjectType } from './schema.ts';
import { type SearchRequest, search } from './search.ts';

/** A parsed request, as the router sees it. */
export interface ApiRequest {
  method: string;
  /** Path segments without empty ones: `/crm/v3/owners/` → `['crm', 'v3', 'owners']`. */
  segments: string[];
  query: URLSearchParams;
  body: unknown;
}

/** What a route answers. */
export interface ApiResponse {
  status: number;
  body?: unknown;
}

/** HubSpot's batch endpoints take at most 100 inputs. */
export const BATCH_LIMIT = 100;
/** A batch read that asks for property history takes at most 50 (HubSpot's 400 names the limit). */
export const HISTORY_BATCH_LIMIT = 50;

/** Routes a request; throws `HubSpotHttpError` for HubSpot-shaped failures. */
export function route(store: CrmStore, request: ApiRequest): ApiResponse {
  const { method, segments: s } = request;
  if (s[0] !== 'crm') throw notFound(`No route for ${method} /${s.join('/')}`);
  const version = s[1];
  const area = s[2];
  if (version === 'v3' && area === 'owners') return owners(store, request, s.slice(3));
  if (version === 'v3' && area === 'properties' && s[3] !== undefined) {
    return properties(store, request, objectType(s[3]), s.slice(4));
  }
  if (version === 'v3' && area === 'objects' && s[3] !== undefined) {
    return objects(store, request, objectType(s[3]), s.slice(4));
  }
  if (version === 'v4' && area === 'associations' && s[5] === 'batch' && s[6] === 'read' && s.length === 7) {
    return batchAssociations(store, request, objectType(s[3] ?? ''), objectType(s[4] ?? ''));
  }
  if (version === 'v4' && area === 'objects' && s[3] !== undefined && s[5] === 'associations') {
    return associations(store, request, objectType(s[3]), s[4] ?? '', s.slice(6));
  }
  throw notFound(`No route for ${method} /${s.join('/')}`);
}

function objectType(raw: string): ObjectTypeName {
  const type = resolveObjectType(raw);
  if (!type) throw validationError(`Unable to infer object type from: ${raw}`);
  return type;
}

function methodNotAllowed(request: ApiRequest): never {
  throw new HubSpotHttpError(405, {
    message: `Method ${request.method} not allowed on /${request.segments.join('/')}`,
    category: 'METHOD_NOT_ALLOWED',
  });
}

// ------------------------------------------------------------------ objects

function objects(store: CrmStore, request: ApiRequest, type: ObjectTypeName, rest: string[]): ApiResponse {
  const { method, query } = request;
  const body = asObject(request.body);
  const [first, second] = rest;
  if (first === undefined) {
    if (method === 'POST') {
      const record = store.insert(type, store.prepareCreate(type, body.properties, body.associations));
      return { status: 201, body: render(store, record, 'all') };
    }
    if (method === 'GET') return listObjects(store, type, query);
    return methodNotAllowed(request);
  }
  if (first === 'merge' && rest.length === 1 && method === 'POST' && type === 'contacts') {
    // POST /crm/v3/objects/contacts/merge {primaryObjectId, objectIdToMerge}: answers the surviving contact.
    const primary = store.find(type, String(body.primaryObjectId ?? ''));
    const secondary = store.find(type, String(body.objectIdToMerge ?? ''));
    if (!primary || !secondary) throw notFound('Object not found.  objectId are usually numeric.');
    return { status: 200, body: render(store, store.merge(primary, secondary), 'all') };
  }
  if (first === 'search' && rest.length === 1 && method === 'POST') {
    const page = search(store, type, body as SearchRequest);
    const wanted = Array.isArray(body.properties) ? body.properties.map(String) : undefined;
    return {
      status: 200,
      body: {
        total: page.total,
        results: page.results.map((r) => render(store, r, wanted)),
        ...(page.next ? { paging: { next: { after: page.next } } } : {}),
      },
    };
  }
  if (first === 'batch' && second !== undefined && rest.length === 2) {
    if (method !== 'POST') return methodNotAllowed(request);
    return batch(store, type, second, body);
  }
  if (rest.length === 1) {
    const idProperty = query.get('idProperty') ?? undefined;
    const record = store.find(type, first, idProperty);
    if (!record) throw notFound('Object not found.  objectId are usually numeric.', { id: [first] });
    if (method === 'GET') {
      const wanted = listParam(query, 'properties');
      const out = render(store, record, wanted);
      const assocTypes = listParam(query, 'associations');
      const withHistory = listParam(query, 'propertiesWithHistory');
      return {
        status: 200,
        body: {
          ...out,
          ...(withHistory ? { propertiesWithHistory: historyBlock(store, record, withHistory) } : {}),
          ...(assocTypes ? associationsBlock(store, record, assocTypes) : {}),
        },
      };
    }
    if (method === 'DELETE') {
      // Archive: the record leaves reads (404) and associations; HubSpot answers 204.
      store.remove(record);
      return { status: 204 };
    }
    if (method === 'PATCH') {
      store.update(record, store.prepareUpdate(record, body.properties));
      return { status: 200, body: render(store, record, 'all') };
    }
    return methodNotAllowed(request);
  }
  throw notFound(`No route for ${method} /${request.segments.join('/')}`);
}

function listObjects(store: CrmStore, type: ObjectTypeName, query: URLSearchParams): ApiResponse {
  const limit = Number(query.get('limit') ?? '10');
  const offset = Number(query.get('after') ?? '0');
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    throw validationError('limit must be between 1 and 100');
  const all = store.all(type);
  const page = all.slice(offset, offset + limit);
  const wanted = listParam(query, 'properties');
  return {
    status: 200,
    body: {
      results: page.map((r) => render(store, r, wanted)),
      ...(offset + limit < all.length ? { paging: { next: { after: String(offset + limit) } } } : {}),
    },
  };
}

interface BatchInput {
  id?: unknown;
  idProperty?: unknown;
  properties?: unknown;
  associations?: unknown;
}

function batch(
  store: CrmStore,
  type: ObjectTypeName,
  action: string,
  body: Record<string, unknown>,
): ApiResponse {
  if (!Array.isArray(body.inputs)) throw validationError('Invalid input JSON: "inputs" must be an array');
  const inputs = body.inputs as BatchInput[];
  if (inputs.length > BATCH_LIMIT) {
    throw validationError(
      `Batch input limit exceeded: ${inputs.length} inputs, the maximum is ${BATCH_LIMIT}.`,
    );
  }
  const startedAt = new Date(store.now()).toISOString();
  const complete = (results: unknown[], status = 200, errors: unknown[] = []): ApiResponse => ({
    status: errors.length > 0 ? 207 : status,
    body: {
      status: 'COMPLETE',
      results,
      ...(errors.length > 0 ? { numErrors: errors.length, errors } : {}),
      startedAt,
      completedAt: new Date(store.now()).toISOString(),
    },
  });
  const notFoundError = (ids: string[]) => ({
    status: 'error',
    category: 'OBJECT_NOT_FOUND',
    message: `Could not get some ${OBJECT_TYPES[type].label} objects, they may be deleted or not exist. Check that ids are valid.`,
    context: { ids },
  });
  switch (action) {
    case 'read': {
      const idProperty = typeof body.idProperty === 'string' ? body.idProperty : undefined;
      const wanted = Array.isArray(body.properties) ? body.properties.map(String) : undefined;
      const withHistory =
        Array.isArray(body.propertiesWithHistory) && body.propertiesWithHistory.length > 0
          ? body.propertiesWithHistory.map(String)
          : undefined;
      // Property history is read 50 records a request at most (docs/hubspot-semantics.md).
      if (withHistory && inputs.length > HISTORY_BATCH_LIMIT) {
        throw validationError(
          `The maximum number of inputs supported in a batch request for property histories is ${HISTORY_BATCH_LIMIT}. Please reduce the number of items and try again`,
        );
      }
      const results: unknown[] = [];
      const missing: string[] = [];
      for (const input of inputs) {
        const id = String(input.id ?? '');
        const record = store.find(type, id, idProperty);
        if (record)
          results.push({
            ...render(store, record, wanted),
            ...(withHistory ? { propertiesWithHistory: historyBlock(store, record, withHistory) } : {}),
          });
        else missing.push(id);
      }
      return complete(results, 200, missing.length > 0 ? [notFoundError(missing)] : []);
    }
    case 'create': {
      // All inputs are validated before any is written: one bad input fails the whole batch, as in HubSpot.
      const pending = new Map<string, string>();
      const prepared = inputs.map((input) =>
        store.prepareCreate(type, input.properties, input.associations, pending),
      );
      return complete(
        prepared.map((p) => render(store, store.insert(type, p), 'all')),
        201,
      );
    }
    case 'update': {
      rejectDuplicateIds(inputs);
      const pending = new Map<string, string>();
      const missing: string[] = [];
      const planned: [StoredObject, Record<string, string>][] = [];
      for (const input of inputs) {
        const id = String(input.id ?? '');
        const idProperty = typeof input.idProperty === 'string' ? input.idProperty : undefined;
        const record = store.find(type, id, idProperty);
        if (!record) missing.push(id);
        else planned.push([record, store.prepareUpdate(record, input.properties, pending)]);
      }
      const results = planned.map(([record, changes]) => render(store, store.update(record, changes), 'all'));
      // Missing ids do not fail the batch: HubSpot answers 207 with the rest done and one OBJECT_NOT_FOUND error.
      return complete(results, 200, missing.length > 0 ? [notFoundError(missing)] : []);
    }
    case 'upsert': {
      rejectDuplicateIds(inputs);
      const pending = new Map<string, string>();
      const planned = inputs.map((input) => {
        const id = String(input.id ?? '');
        const idProperty = input.idProperty;
        if (typeof idProperty !== 'string' || idProperty === '') {
          throw validationError('Invalid input: upsert needs idProperty, the name of a unique property');
        }
        const existing = store.find(type, id, idProperty);
        if (existing) return { existing, changes: store.prepareUpdate(existing, input.properties, pending) };
        const properties = { ...asObject(input.properties), [idProperty]: id };
        return { create: store.prepareCreate(type, properties, undefined, pending) };
      });
      const results = planned.map((plan) =>
        plan.existing
          ? { ...render(store, store.update(plan.existing, plan.changes), 'all'), new: false }
          : { ...render(store, store.insert(type, plan.create), 'all'), new: true },
      );
      return complete(results);
    }
    default:
      throw notFound(`No batch action ${action}`);
  }
}

function rejectDuplicateIds(inputs: BatchInput[]): void {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const input of inputs) {
    const id = String(input.id ?? '');
    if (seen.has(id)) duplicates.add(id);
    seen.add(id);
  }
  if (duplicates.size > 0)
    throw validationError(`Duplicate IDs found in batch input: [${[...duplicates].join(', ')}]`);
}

/**
 * A record as the API returns it. `'all'` (writes) returns every stored value; otherwise the requested
 * properties (or the type's defaults), with `null` for a known property that has no value. Unknown requested
 * names are left out silently, as HubSpot does.
 */
export function render(store: CrmStore, record: StoredObject, wanted: string[] | undefined | 'all') {
  let properties: Record<string, string | null>;
  if (wanted === 'all') {
    properties = { ...record.properties };
  } else {
    properties = {};
    const names = wanted && wanted.length > 0 ? wanted : OBJECT_TYPES[record.type].defaults;
    for (const name of names) {
      if (store.property(record.type, name)) properties[name] = record.properties[name] ?? null;
    }
  }
  return {
    id: record.id,
    properties,
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
    archived: false,
  };
}

/** `propertiesWithHistory`: each property's values, newest first, with who changed it. */
function historyBlock(store: CrmStore, record: StoredObject, names: string[]) {
  const out: Record<string, unknown[]> = {};
  for (const name of names) {
    if (!store.property(record.type, name)) continue;
    out[name] = [...(record.history[name] ?? [])].reverse().map((v) => ({
      value: v.value,
      timestamp: new Date(v.timestamp).toISOString(),
      sourceType: v.sourceType,
      ...(v.sourceId ? { sourceId: v.sourceId } : {}),
      ...(v.updatedByUserId ? { updatedByUserId: v.updatedByUserId } : {}),
    }));
  }
  return out;
}

function associationsBlock(store: CrmStore, record: StoredObject, types: string[]) {
  const out: Record<string, { results: { id: string; type: string }[] }> = {};
  for (const raw of types) {
    const toType = resolveObjectType(raw);
    if (!toType) continue;
    const linked = store.associationsOf(record.type, record.id, toType);
    if (linked.length === 0) continue;
    out[toType] = {
      results: linked.map((l) => ({
        id: l.id,
        type: `${OBJECT_TYPES[record.type].singular}_to_${OBJECT_TYPES[toType].singular}`,
      })),
    };
  }
  return Object.keys(out).length > 0 ? { associations: out } : {};
}

// ------------------------------------------------------------------ associations v4

function associations(
  store: CrmStore,
  request: ApiRequest,
  type: ObjectTypeName,
  id: string,
  rest: string[],
): ApiResponse {
  const { method, query } = request;
  if (rest.length === 1 && method === 'GET') {
    const toType = objectType(rest[0] ?? '');
    const limit = Number(query.get('limit') ?? '500');
    const offset = Number(query.get('after') ?? '0');
    const linked = store.associationsOf(type, id, toType);
    const page = linked.slice(offset, offset + limit);
    return {
      status: 200,
      body: {
        // HubSpot sends toObjectId as a JSON number, although the generated client types it as a string.
        results: page.map((l) => ({
          toObjectId: Number(l.id),
          associationTypes: l.typeIds.map((typeId) => ({ category: 'HUBSPOT_DEFINED', typeId, label: null })),
        })),
        ...(offset + limit < linked.length ? { paging: { next: { after: String(offset + limit) } } } : {}),
      },
    };
  }
  if (rest.length === 3 && rest[0] === 'default' && method === 'PUT') {
    const toType = objectType(rest[1] ?? '');
    const toId = rest[2] ?? '';
    const association = defaultAssociationType(type, toType);
    if (!association) throw validationError(`No default association from ${type} to ${toType}`);
    const from = store.find(type, id);
    if (!from) throw notFound(`No ${type} with id ${id}`, { ids: [id] });
    store.associate(from, association, toId);
    const now = new Date(store.now()).toISOString();
    const spec = (typeId: number, a: string, b: string) => ({
      from: { id: a },
      to: { id: b },
      associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeId },
    });
    return {
      status: 200,
      body: {
        status: 'COMPLETE',
        results: [spec(association.typeId, id, toId), spec(association.inverse, toId, id)],
        startedAt: now,
        completedAt: now,
      },
    };
  }
  throw notFound(`No route for ${method} /${request.segments.join('/')}`);
}

/** Most associations one input of a batch read returns; the rest come through `paging.next.after`. */
const BATCH_ASSOCIATION_PAGE = 500;

/**
 * `POST /crm/v4/associations/{from}/{to}/batch/read` `{inputs: [{id, after?}]}` (at most 1000): each record's
 * associations, 500 per input with `paging` for more; records with none are reported in `errors` (207).
 */
function batchAssociations(
  store: CrmStore,
  request: ApiRequest,
  from: ObjectTypeName,
  to: ObjectTypeName,
): ApiResponse {
  if (request.method !== 'POST') return methodNotAllowed(request);
  const body = asObject(request.body);
  if (!Array.isArray(body.inputs)) throw validationError('Invalid input JSON: "inputs" must be an array');
  const inputs = body.inputs as { id?: unknown; after?: unknown }[];
  if (inputs.length > 1000)
    throw validationError(`Batch input limit exceeded: ${inputs.length} inputs, the maximum is 1000.`);
  const now = new Date(store.now()).toISOString();
  const results: unknown[] = [];
  const none: string[] = [];
  for (const input of inputs) {
    const id = String(input.id ?? '');
    const offset = Number(input.after ?? '0') || 0;
    const linked = store.associationsOf(from, id, to);
    if (linked.length === 0) {
      none.push(id);
      continue;
    }
    const page = linked.slice(offset, offset + BATCH_ASSOCIATION_PAGE);
    results.push({
      from: { id },
      to: page.map((l) => ({
        toObjectId: Number(l.id),
        associationTypes: l.typeIds.map((typeId) => ({ category: 'HUBSPOT_DEFINED', typeId, label: null })),
      })),
      ...(offset + page.length < linked.length
        ? { paging: { next: { after: String(offset + page.length) } } }
        : {}),
    });
  }
  const errors = none.map((id) => ({
    status: 'error',
    category: 'OBJECT_NOT_FOUND',
    message: `No ${to} is associated with ${from} ${id}.`,
    context: { fromObjectId: [id] },
  }));
  return {
    status: errors.length > 0 ? 207 : 200,
    body: {
      status: 'COMPLETE',
      results,
      ...(errors.length > 0 ? { numErrors: errors.length, errors } : {}),
      startedAt: now,
      completedAt: now,
    },
  };
}

// ------------------------------------------------------------------ owners

function owners(store: CrmStore, request: ApiRequest, rest: string[]): ApiResponse {
  const { method, query } = request;
  if (method !== 'GET') return methodNotAllowed(request);
  const archived = query.get('archived') === 'true';
  if (rest.length === 0) {
    const limit = Number(query.get('limit') ?? '100');
    const offset = Number(query.get('after') ?? '0');
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      throw validationError('limit must be between 1 and 500');
    }
    if (!Number.isInteger(offset) || offset < 0)
      throw validationError(`Invalid after: ${query.get('after')}`);
    const email = query.get('email')?.toLowerCase();
    // archived=true lists only archived owners; the default lists only active ones.
    const matching = store
      .owners()
      .filter(
        (o) => (o.archived ?? false) === archived && (email === undefined || o.email.toLowerCase() === email),
      );
    const page = matching.slice(offset, offset + limit);
    return {
      status: 200,
      body: {
        results: page.map(renderOwner),
        ...(offset + limit < matching.length ? { paging: { next: { after: String(offset + limit) } } } : {}),
      },
    };
  }
  if (rest.length === 1) {
    const key = rest[0] ?? '';
    const byUserId = query.get('idProperty') === 'userId';
    const owner = store.owners().find((o) => (byUserId ? String(o.userId) === key : o.id === key));
    if (!owner || (owner.archived ?? false) !== archived) throw notFound(`Owner ${key} not found`);
    return { status: 200, body: renderOwner(owner) };
  }
  throw notFound(`No route for ${method} /${request.segments.join('/')}`);
}

function renderOwner(owner: ReturnType<CrmStore['owners']>[number]) {
  return {
    id: owner.id,
    email: owner.email,
    type: 'PERSON',
    firstName: owner.firstName,
    lastName: owner.lastName,
    // A deactivated user keeps its owner record: userId becomes null, userIdIncludingInactive stays.
    userId: owner.active === false ? null : owner.userId,
    userIdIncludingInactive: owner.userId,
    createdAt: new Date(owner.createdAt).toISOString(),
    updatedAt: new Date(owner.updatedAt).toISOString(),
    archived: owner.archived ?? false,
    teams: (owner.teams ?? []).map((t) => ({ id: t.id, name: t.name, primary: t.primary ?? false })),
  };
}

// ------------------------------------------------------------------ properties

function properties(store: CrmStore, request: ApiRequest, type: ObjectTypeName, rest: string[]): ApiResponse {
  const { method } = request;
  const body = asObject(request.body);
  if (rest.length === 0) {
    if (method === 'GET')
      return { status: 200, body: { results: store.properties(type).map(renderProperty) } };
    if (method === 'POST') return { status: 201, body: renderProperty(store.createProperty(type, body)) };
    return methodNotAllowed(request);
  }
  if (rest[0] === 'groups') {
    if (rest.length === 1) {
      if (method === 'GET') return { status: 200, body: { results: store.groups(type).map(renderGroup) } };
      if (method === 'POST') return { status: 201, body: renderGroup(store.createGroup(type, body)) };
      return methodNotAllowed(request);
    }
    if (rest.length === 2 && method === 'GET') {
      const group = store.group(type, rest[1] ?? '');
      if (!group) throw notFound(`Property group ${rest[1]} does not exist`);
      return { status: 200, body: renderGroup(group) };
    }
  }
  if (rest.length === 1 && (method === 'GET' || method === 'PATCH')) {
    const definition = store.property(type, rest[0] ?? '');
    if (!definition) throw notFound(`Property ${rest[0]} does not exist`);
    if (method === 'PATCH')
      return { status: 200, body: renderProperty(store.updateProperty(type, definition, body)) };
    return { status: 200, body: renderProperty(definition) };
  }
  // DELETE /crm/v3/properties/{objectType}/{propertyName} archives a property: 204, gone from reads.
  if (rest.length === 1 && method === 'DELETE') {
    if (!store.archiveProperty(type, rest[0] ?? '')) throw notFound(`Property ${rest[0]} does not exist`);
    return { status: 204 };
  }
  throw notFound(`No route for ${method} /${request.segments.join('/')}`);
}

function renderProperty(p: PropertyDefinition) {
  return {
    name: p.name,
    label: p.label,
    type: p.type,
    fieldType: p.fieldType,
    description: p.description,
    groupName: p.groupName,
    options: p.options,
    displayOrder: p.displayOrder,
    calculated: false,
    externalOptions: false,
    hasUniqueValue: p.hasUniqueValue,
    hidden: p.hidden,
    formField: p.formField,
    ...(p.hubspotDefined ? { hubspotDefined: true } : {}),
    modificationMetadata: {
      archivable: !p.hubspotDefined,
      readOnlyDefinition: p.hubspotDefined,
      readOnlyValue: p.readOnly,
    },
    createdAt: new Date(p.createdAt).toISOString(),
    updatedAt: new Date(p.updatedAt).toISOString(),
    archived: false,
  };
}

function renderGroup(g: PropertyGroupDefinition) {
  return { name: g.name, label: g.label, displayOrder: g.displayOrder, archived: false };
}

// ------------------------------------------------------------------ helpers

function asObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** A list query parameter, given repeated (`properties=a&properties=b`, the client) or comma-separated. */
function listParam(query: URLSearchParams, name: string): string[] | undefined {
  const values = query.getAll(name).flatMap((v) => v.split(','));
  const cleaned = values.map((v) => v.trim()).filter((v) => v !== '');
  return cleaned.length > 0 ? cleaned : undefined;
}
