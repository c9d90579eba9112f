/** `POST /crm/v3/objects/{type}/search`: HubSpot's filter groups, operators, sorts and paging over the store. */

import { type CrmStore, type PropertyDefinition, parseTime, type StoredObject } from './crm.ts';
import { validationError } from './errors.ts';
import type { ObjectTypeName } from './schema.ts';

/** The part of a search request the sandbox reads (the generated client's `PublicObjectSearchRequest`). */
export interface SearchRequest {
  filterGroups?: { filters?: SearchFilter[] }[];
  sorts?: (string | { propertyName?: string; direction?: string })[];
  query?: string;
  properties?: string[];
  limit?: number;
  after?: string;
}

/** One filter. */
export interface SearchFilter {
  propertyName?: string;
  operator?: string;
  value?: unknown;
  values?: unknown[];
  highValue?: unknown;
}

/** A page of matches. */
export interface SearchPage {
  total: number;
  results: StoredObject[];
  /** The `after` cursor of the next page, when there is one. */
  next?: string;
}

const OPERATORS: ReadonlySet<string> = new Set([
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
]);

/** HubSpot's documented search limits. */
const MAX_LIMIT = 200;
const MAX_GROUPS = 5;
const MAX_FILTERS_PER_GROUP = 6;
const MAX_FILTERS = 18;
const MAX_RESULTS = 10_000;

/**
 * Runs a search over the index (trailing writes by the search lag). Groups are ORed, filters within a group
 * ANDed. Values compare by the property's type (numbers and datetimes numerically, datetimes given as epoch
 * ms or ISO 8601; strings case-insensitively, as HubSpot documents for EQ/NEQ/IN on string properties).
 */
export function search(store: CrmStore, type: ObjectTypeName, request: SearchRequest): SearchPage {
  const limit = request.limit ?? 10;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw validationError(`Invalid input: limit must be between 1 and ${MAX_LIMIT}, got ${String(limit)}`);
  }
  const offset = request.after === undefined || request.after === '' ? 0 : Number(request.after);
  if (!Number.isInteger(offset) || offset < 0) throw validationError(`Invalid input: after ${request.after}`);
  if (offset + limit > MAX_RESULTS) {
    throw validationError(`Search results are limited to ${MAX_RESULTS}: after + limit must not exceed it.`);
  }
  const groups = request.filterGroups ?? [];
  const filterCount = groups.reduce((n, g) => n + (g.filters?.length ?? 0), 0);
  if (groups.length > MAX_GROUPS || filterCount > MAX_FILTERS) {
    throw validationError(
      `Too many filters: at most ${MAX_GROUPS} filterGroups and ${MAX_FILTERS} filters in total are allowed.`,
    );
  }
  const predicates = groups.map((group) => {
    const filters = group.filters ?? [];
    if (filters.length > MAX_FILTERS_PER_GROUP) {
      throw validationError(`Too many filters in a group: at most ${MAX_FILTERS_PER_GROUP} are allowed.`);
    }
    const checks = filters.map((f) => compileFilter(store, type, f));
    return (record: StoredObject) => checks.every((check) => check(record));
  });
  const query = request.query?.trim().toLowerCase();
  // Search reads the index, which trails writes by the store's search lag: a record written a moment ago is
  // missing or shows its old values (docs/hubspot-semantics.md, search).
  const indexed = store.all(type).flatMap((record) => {
    const properties = store.searchable(record);
    return properties ? [{ ...record, properties }] : [];
  });
  const matches = indexed.filter((record) => {
    if (predicates.length > 0 && !predicates.some((p) => p(record))) return false;
    if (query) return Object.values(record.properties).some((v) => v.toLowerCase().includes(query));
    return true;
  });
  sortRecords(store, type, matches, request.sorts ?? []);
  const results = matches.slice(offset, offset + limit);
  const nextOffset = offset + results.length;
  return {
    total: matches.length,
    results,
    ...(nextOffset < matches.length && nextOffset < MAX_RESULTS ? { next: String(nextOffset) } : {}),
  };
}

function compileFilter(
  store: CrmStore,
  type: ObjectTypeName,
  filter: SearchFilter,
): (r: StoredObject) => boolean {
  const name = filter.propertyName;
  const operator = filter.operator ?? 'EQ';
  if (typeof name !== 'string' || name === '')
    throw validationError('Invalid input: filter without propertyName');
  if (!OPERATORS.has(operator)) throw validationError(`Invalid input: unknown filter operator ${operator}`);
  const definition = store.property(type, name);
  if (!definition) {
    throw validationError(
      `There was a problem with the request: property ${name} does not exist for ${type}.`,
    );
  }
  const key = (raw: unknown) => comparable(definition, String(raw));
  const needs = (field: 'value' | 'values' | 'highValue') => {
    if (filter[field] === undefined)
      throw validationError(`Invalid input: operator ${operator} needs ${field}`);
  };
  const current = (r: StoredObject) => r.properties[name];
  switch (operator) {
    case 'HAS_PROPERTY':
      return (r) => current(r) !== undefined;
    case 'NOT_HAS_PROPERTY':
      return (r) => current(r) === undefined;
    case 'IN':
    case 'NOT_IN': {
      needs('values');
      const wanted = new Set((filter.values ?? []).map(key));
      const inSet = (r: StoredObject) => {
        const v = current(r);
        return v !== undefined && wanted.has(key(v));
      };
      return operator === 'IN' ? inSet : (r) => !inSet(r);
    }
    case 'BETWEEN': {
      needs('value');
      needs('highValue');
      const low = key(filter.value);
      const high = key(filter.highValue);
      return (r) => {
        const v = current(r);
        if (v === undefined) return false;
        const k = key(v);
        return k >= low && k <= high;
      };
    }
    case 'CONTAINS_TOKEN':
    case 'NOT_CONTAINS_TOKEN': {
      needs('value');
      const pattern = new RegExp(
        `^${String(filter.value)
          .toLowerCase()
          .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
          .replaceAll('*', '.*')}$`,
      );
      const contains = (r: StoredObject) => {
        const v = current(r)?.toLowerCase();
        return v !== undefined && [v, ...v.split(/[^a-z0-9]+/)].some((token) => pattern.test(token));
      };
      return operator === 'CONTAINS_TOKEN' ? contains : (r) => !contains(r);
    }
    default: {
      needs('value');
      const target = key(filter.value);
      return (r) => {
        const v = current(r);
        if (v === undefined) return operator === 'NEQ';
        const k = key(v);
        switch (operator) {
          case 'EQ':
            return k === target;
          case 'NEQ':
            return k !== target;
          case 'LT':
            return k < target;
          case 'LTE':
            return k <= target;
          case 'GT':
            return k > target;
          default:
            return k >= target;
        }
      };
    }
  }
}

/** A value in the form that compares the way HubSpot's index does for the property's type. */
function comparable(definition: PropertyDefinition, raw: string): number | string {
  switch (definition.type) {
    case 'number': {
      const n = Number(raw);
      return Number.isNaN(n) ? raw : n;
    }
    case 'date':
    case 'datetime':
      return parseTime(raw) ?? raw;
    default:
      return raw.toLowerCase();
  }
}

function sortRecords(
  store: CrmStore,
  type: ObjectTypeName,
  records: StoredObject[],
  sorts: NonNullable<SearchRequest['sorts']>,
): void {
  const rules = sorts.map((s) => {
    if (typeof s !== 'string' && (s === null || typeof s !== 'object'))
      throw validationError('Invalid input: sorts');
    const propertyName = typeof s === 'string' ? s.replace(/^-/, '') : (s.propertyName ?? '');
    const descending = typeof s === 'string' ? s.startsWith('-') : s.direction === 'DESCENDING';
    const definition = store.property(type, propertyName);
    if (!definition) throw validationError(`Invalid input: cannot sort by unknown property ${propertyName}`);
    return { definition, descending };
  });
  records.sort((a, b) => {
    for (const { definition, descending } of rules) {
      const va = a.properties[definition.name];
      const vb = b.properties[definition.name];
      if (va === vb) continue;
      // Records without the value sort last whatever the direction.
      if (va === undefined) return 1;
      if (vb === undefined) return -1;
      const ka = comparable(definition, va);
      const kb = comparable(definition, vb);
      if (ka === kb) continue;
      const order = ka < kb ? -1 : 1;
      return descending ? -order : order;
    }
    return Number(a.id) - Number(b.id);
  });
}
