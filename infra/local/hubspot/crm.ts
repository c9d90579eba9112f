/** The sandbox portal's state and HubSpot's write rules: property validation, owners, associations, rollups. */

import { conflict, notFound, type PropertyProblem, propertyValuesError, validationError } from './errors.ts';
import {
  ASSOCIATION_TYPES,
  type AssociationType,
  OBJECT_TYPES,
  type ObjectTypeName,
  type PropertyOption,
  type PropertyType,
  SALES_ACTIVITY_TYPES,
  SEED_GROUPS,
  SEED_PROPERTIES,
} from './schema.ts';

/** An owner to seed (a HubSpot user who can own records). */
export interface SandboxOwnerSeed {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  archived?: boolean;
  teams?: readonly { id: string; name: string; primary?: boolean }[];
  /** The HubSpot user id; derived from the owner id when omitted. */
  userId?: number;
  /** False for a deactivated user: the owner stays, with `userId: null` and only `userIdIncludingInactive`. */
  active?: boolean;
}

/** Who made a change, as property history reports it (`sourceType`, `sourceId`, `updatedByUserId`). */
export interface ChangeSource {
  sourceType: string;
  sourceId?: string;
  updatedByUserId?: number;
}

/** One entry of a property's history. */
export interface HistoryEntry extends ChangeSource {
  value: string;
  timestamp: number;
}

/** A write through the API by a private app: HubSpot records it as an integration's change. */
export const API_SOURCE: ChangeSource = { sourceType: 'INTEGRATION', sourceId: 'private-app' };

/** A stored record. Times are epoch milliseconds; property values are strings, as HubSpot keeps them. */
export interface StoredObject {
  id: string;
  type: ObjectTypeName;
  properties: Record<string, string>;
  createdAt: number;
  updatedAt: number;
  /** Every value each property took, oldest first (`propertiesWithHistory`). */
  history: Record<string, HistoryEntry[]>;
  /** What the search index holds: copies of the properties as written at `at`, visible `searchLagMs` later. */
  indexed: { at: number; properties: Record<string, string> }[];
}

/** A property definition as stored (the generated client's `Property`, minus rendering). */
export interface PropertyDefinition {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: string;
  groupName: string;
  description: string;
  options: PropertyOption[];
  displayOrder: number;
  hidden: boolean;
  formField: boolean;
  hasUniqueValue: boolean;
  hubspotDefined: boolean;
  readOnly: boolean;
  createdAt: number;
  updatedAt: number;
}

/** A property group as stored. */
export interface PropertyGroupDefinition {
  name: string;
  label: string;
  displayOrder: number;
}

/** One association given with a create (`{to: {id}, types: [{associationCategory, associationTypeId}]}`). */
export interface AssociationInput {
  to?: { id?: unknown };
  types?: { associationCategory?: unknown; associationTypeId?: unknown }[];
}

/** A create, validated and normalised, ready to insert. */
export interface PreparedCreate {
  properties: Record<string, string>;
  associations: { type: AssociationType; toId: string }[];
}

const PROPERTY_TYPES: ReadonlySet<string> = new Set([
  'string',
  'number',
  'date',
  'datetime',
  'enumeration',
  'bool',
  'phone_number',
]);
const FIELD_TYPES: ReadonlySet<string> = new Set([
  'text',
  'textarea',
  'number',
  'date',
  'select',
  'radio',
  'checkbox',
  'booleancheckbox',
  'calculation_equation',
  'file',
  'html',
  'phonenumber',
]);
const PROPERTY_NAME = /^[a-z][a-z0-9_]*$/;
const FIRST_ENGAGEMENT = [
  'hs_sa_first_engagement_date',
  'hs_sa_first_engagement_object_type',
  'hs_sa_first_engagement_descr',
];
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MIDNIGHT_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The sandbox portal: records, schema, owners and associations, plus HubSpot's validation of writes. */
export class CrmStore {
  readonly #now: () => number;
  readonly #ownerSeeds: readonly SandboxOwnerSeed[];
  #objects = new Map<ObjectTypeName, Map<string, StoredObject>>();
  #properties = new Map<ObjectTypeName, Map<string, PropertyDefinition>>();
  #groups = new Map<ObjectTypeName, Map<string, PropertyGroupDefinition>>();
  #owners = new Map<string, SandboxOwnerSeed & { createdAt: number; updatedAt: number }>();
  /** `type:id` → `toType:toId` → association type ids. Both directions are stored. */
  #associations = new Map<string, Map<string, Set<number>>>();
  #nextId = 0;
  readonly #firstId: number;
  /** Merged-away contact id → the surviving contact's id. */
  #mergedInto = new Map<string, string>();
  /** How long a write takes to reach the search index (ms). */
  searchLagMs = 0;

  constructor(owners: readonly SandboxOwnerSeed[], now: () => number, firstId = 100_001) {
    this.#now = now;
    this.#ownerSeeds = owners;
    this.#firstId = firstId;
    this.reset();
  }

  /** The sandbox clock, in epoch milliseconds. */
  now(): number {
    return this.#now();
  }

  /** Back to the seeded state: standard schema, seeded owners, no records. */
  reset(): void {
    const at = this.#now();
    this.#objects = new Map();
    this.#properties = new Map();
    this.#groups = new Map();
    this.#associations = new Map();
    this.#mergedInto = new Map();
    // Ids start high and are shared by all types, so a task id passed where a contact id belongs fails.
    this.#nextId = this.#firstId;
    for (const type of Object.keys(OBJECT_TYPES) as ObjectTypeName[]) {
      this.#objects.set(type, new Map());
      const groups = new Map<string, PropertyGroupDefinition>();
      SEED_GROUPS[type].forEach((g, i) => {
        groups.set(g.name, { ...g, displayOrder: i });
      });
      this.#groups.set(type, groups);
      const properties = new Map<string, PropertyDefinition>();
      SEED_PROPERTIES[type].forEach((seed, i) => {
        properties.set(seed.name, {
          name: seed.name,
          label: seed.label,
          type: seed.type,
          fieldType: seed.fieldType,
          groupName: seed.groupName,
          description: '',
          options: (seed.options ?? []).map((value, displayOrder) => ({
            label: value,
            value,
            displayOrder,
            hidden: false,
          })),
          displayOrder: i,
          hidden: false,
          formField: !seed.readOnly,
          hasUniqueValue: seed.hasUniqueValue ?? false,
          hubspotDefined: true,
          readOnly: seed.readOnly ?? false,
          createdAt: at,
          updatedAt: at,
        });
      });
      this.#properties.set(type, properties);
    }
    this.#owners = new Map();
    for (const owner of this.#ownerSeeds) this.upsertOwner(owner);
  }

  // ---------------------------------------------------------------- owners

  /** Adds or replaces an owner (tests use it to archive or add reps mid-run). */
  upsertOwner(owner: SandboxOwnerSeed): void {
    const at = this.#now();
    const previous = this.#owners.get(owner.id);
    this.#owners.set(owner.id, {
      ...owner,
      userId: owner.userId ?? (Number.parseInt(owner.id, 10) || 0) + 1_000_000,
      createdAt: previous?.createdAt ?? at,
      updatedAt: at,
    });
  }

  /** All owners, seed order, archived ones included. */
  owners(): (SandboxOwnerSeed & { createdAt: number; updatedAt: number })[] {
    return [...this.#owners.values()];
  }

  /** One owner by id, or undefined. */
  owner(id: string): (SandboxOwnerSeed & { createdAt: number; updatedAt: number }) | undefined {
    return this.#owners.get(id);
  }

  // ---------------------------------------------------------------- schema

  /** The properties of a type, in display order. */
  properties(type: ObjectTypeName): PropertyDefinition[] {
    return [...this.#map(this.#properties, type).values()];
  }

  /** One property definition, or undefined. */
  property(type: ObjectTypeName, name: string): PropertyDefinition | undefined {
    return this.#map(this.#properties, type).get(name);
  }

  /** Creates a custom property; 409 when the name is taken, 400 for a bad definition or unknown group. */
  /** Archives (removes) a custom property; false when there is none of that name. */
  archiveProperty(type: ObjectTypeName, name: string): boolean {
    return this.#map(this.#properties, type).delete(name);
  }

  createProperty(type: ObjectTypeName, body: Record<string, unknown>): PropertyDefinition {
    const missing = ['name', 'label', 'type', 'fieldType', 'groupName'].filter(
      (k) => typeof body[k] !== 'string' || body[k] === '',
    );
    if (missing.length > 0) {
      throw validationError(
        `Invalid input: missing required field(s) ${missing.join(', ')}`,
        missing.map((k) => ({ message: `${k} is required`, code: 'REQUIRED_FIELD', in: k })),
      );
    }
    const name = String(body.name);
    const properties = this.#map(this.#properties, type);
    if (properties.has(name))
      throw conflict(`Property named '${name}' already exists.`, 'OBJECT_ALREADY_EXISTS');
    if (!PROPERTY_NAME.test(name) || name.startsWith('hs_')) {
      throw validationError(
        `Property name '${name}' is invalid: use lower-case letters, digits and underscores, starting with a letter and not with hs_.`,
      );
    }
    const propertyType = String(body.type);
    const fieldType = String(body.fieldType);
    if (!PROPERTY_TYPES.has(propertyType)) throw validationError(`Invalid property type '${propertyType}'.`);
    if (!FIELD_TYPES.has(fieldType)) throw validationError(`Invalid field type '${fieldType}'.`);
    const groupName = String(body.groupName);
    if (!this.#map(this.#groups, type).has(groupName)) {
      throw validationError(`Property group '${groupName}' does not exist for ${type}.`);
    }
    const options = parseOptions(body.options);
    const at = this.#now();
    const definition: PropertyDefinition = {
      name,
      label: String(body.label),
      type: propertyType as PropertyType,
      fieldType,
      groupName,
      description: typeof body.description === 'string' ? body.description : '',
      options,
      displayOrder: typeof body.displayOrder === 'number' ? body.displayOrder : -1,
      hidden: body.hidden === true,
      formField: body.formField === true,
      hasUniqueValue: body.hasUniqueValue === true,
      hubspotDefined: false,
      readOnly: false,
      createdAt: at,
      updatedAt: at,
    };
    properties.set(name, definition);
    return definition;
  }

  /**
   * Updates a custom property (PATCH): label, description, group and options; `options` replaces the whole
   * list, so a caller adding one sends every option. HubSpot's own definitions are read-only.
   */
  updateProperty(
    type: ObjectTypeName,
    definition: PropertyDefinition,
    body: Record<string, unknown>,
  ): PropertyDefinition {
    if (definition.hubspotDefined)
      throw validationError(
        `Property ${definition.name} is defined by HubSpot; its definition cannot be changed.`,
      );
    if (body.options !== undefined) definition.options = parseOptions(body.options);
    if (typeof body.label === 'string' && body.label !== '') definition.label = body.label;
    if (typeof body.description === 'string') definition.description = body.description;
    if (typeof body.groupName === 'string') {
      if (!this.#map(this.#groups, type).has(body.groupName))
        throw validationError(`Property group '${body.groupName}' does not exist for ${type}.`);
      definition.groupName = body.groupName;
    }
    definition.updatedAt = this.#now();
    return definition;
  }

  /** The property groups of a type. */
  groups(type: ObjectTypeName): PropertyGroupDefinition[] {
    return [...this.#map(this.#groups, type).values()];
  }

  /** One property group, or undefined. */
  group(type: ObjectTypeName, name: string): PropertyGroupDefinition | undefined {
    return this.#map(this.#groups, type).get(name);
  }

  /** Creates a property group; 409 when the name is taken. */
  createGroup(type: ObjectTypeName, body: Record<string, unknown>): PropertyGroupDefinition {
    if (typeof body.name !== 'string' || body.name === '' || typeof body.label !== 'string') {
      throw validationError('Invalid input: name and label are required');
    }
    const groups = this.#map(this.#groups, type);
    if (groups.has(body.name)) {
      throw conflict(`A property group named '${body.name}' already exists.`, 'OBJECT_ALREADY_EXISTS');
    }
    const group = {
      name: body.name,
      label: body.label,
      displayOrder: typeof body.displayOrder === 'number' ? body.displayOrder : -1,
    };
    groups.set(body.name, group);
    return group;
  }

  // ---------------------------------------------------------------- records

  /** All records of a type, in creation order. */
  all(type: ObjectTypeName): StoredObject[] {
    return [...this.#map(this.#objects, type).values()];
  }

  /** Finds a record by id, or by a unique property when `idProperty` is given (emails match case-insensitively). */
  find(type: ObjectTypeName, id: string, idProperty?: string): StoredObject | undefined {
    const records = this.#map(this.#objects, type);
    if (idProperty === undefined || idProperty === 'hs_object_id') {
      // A merged-away id answers with the surviving record (which lists it in hs_merged_object_ids).
      const merged = type === 'contacts' ? this.#mergedInto.get(id) : undefined;
      return records.get(merged ?? id);
    }
    const definition = this.property(type, idProperty);
    if (!definition?.hasUniqueValue) {
      throw validationError(
        `Unable to perform update/upsert by non-unique ${OBJECT_TYPES[type].typeId} property ${idProperty}`,
      );
    }
    const wanted = normaliseUnique(idProperty, id);
    for (const record of records.values()) {
      if (record.properties[idProperty] === wanted) return record;
    }
    return undefined;
  }

  /** Validates a create (properties, required ones, uniqueness, associations) without changing anything. */
  prepareCreate(
    type: ObjectTypeName,
    properties: unknown,
    associations: unknown,
    pendingUnique: Map<string, string> = new Map(),
  ): PreparedCreate {
    const normalised = this.validateProperties(type, properties, { creating: true });
    this.#checkUnique(type, normalised, undefined, pendingUnique);
    return { properties: normalised, associations: this.#validateAssociations(type, associations) };
  }

  /** Inserts a prepared create and applies HubSpot's side effects (defaults, association rollups). */
  insert(type: ObjectTypeName, prepared: PreparedCreate, source: ChangeSource = API_SOURCE): StoredObject {
    const config = OBJECT_TYPES[type];
    const at = this.#now();
    const id = String(this.#nextId++);
    const iso = new Date(at).toISOString();
    const record: StoredObject = {
      id,
      type,
      properties: {},
      createdAt: at,
      updatedAt: at,
      history: {},
      indexed: [],
    };
    record.properties[config.createdProperty] = iso;
    record.properties[config.modifiedProperty] = iso;
    record.properties.hs_object_id = id;
    if (type === 'tasks') record.properties.hs_task_status = 'NOT_STARTED';
    this.#apply(record, prepared.properties, at, source);
    this.#map(this.#objects, type).set(id, record);
    for (const { type: association, toId } of prepared.associations)
      this.associate(record, association, toId);
    return record;
  }

  /** Validates an update of an existing record without changing anything. */
  prepareUpdate(
    record: StoredObject,
    properties: unknown,
    pendingUnique?: Map<string, string>,
  ): Record<string, string> {
    const normalised = this.validateProperties(record.type, properties, { creating: false });
    this.#checkUnique(record.type, normalised, record.id, pendingUnique);
    return normalised;
  }

  /** Applies a validated update. */
  update(record: StoredObject, properties: Record<string, string>): StoredObject {
    this.#apply(record, properties, this.#now(), API_SOURCE);
    return record;
  }

  /** Archives (deletes) a record: reads by id answer 404 from now on; associations go with it. */
  remove(record: StoredObject): void {
    this.#map(this.#objects, record.type).delete(record.id);
    const key = `${record.type}:${record.id}`;
    for (const other of this.#associations.get(key)?.keys() ?? []) this.#associations.get(other)?.delete(key);
    this.#associations.delete(key);
  }

  /**
   * Merges `secondary` into `primary` as HubSpot does: the secondary's associations move to the primary,
   * its id joins the primary's `hs_merged_object_ids`, and reads of the old id answer with the primary.
   */
  merge(primary: StoredObject, secondary: StoredObject): StoredObject {
    if (primary.type !== 'contacts' || secondary.type !== 'contacts' || primary.id === secondary.id)
      throw validationError('Merging needs two different contacts');
    const key = `${secondary.type}:${secondary.id}`;
    for (const [other, typeIds] of this.#associations.get(key) ?? []) {
      const [otherType, otherId] = other.split(':') as [ObjectTypeName, string];
      const target = this.#map(this.#objects, otherType).get(otherId);
      if (!target) continue;
      for (const typeId of typeIds) {
        const association = ASSOCIATION_TYPES.get(typeId);
        if (association) {
          this.#link(primary, target, typeId);
          this.#link(target, primary, association.inverse);
        }
      }
    }
    const mergedIds = [
      ...(primary.properties.hs_merged_object_ids ?? '').split(';').filter(Boolean),
      secondary.id,
      ...(secondary.properties.hs_merged_object_ids ?? '').split(';').filter(Boolean),
    ];
    this.remove(secondary);
    for (const id of mergedIds) this.#mergedInto.set(id, primary.id);
    this.#apply(primary, { hs_merged_object_ids: mergedIds.join(';') }, this.#now(), API_SOURCE);
    return primary;
  }

  /** The properties search sees for a record now: the newest copy the index has caught up with, if any. */
  searchable(record: StoredObject): Record<string, string> | undefined {
    const visibleFrom = this.#now() - this.searchLagMs;
    let out: Record<string, string> | undefined;
    for (const copy of record.indexed) if (copy.at <= visibleFrom) out = copy.properties;
    return out;
  }

  /**
   * Sets a property bypassing API validation (read-only properties included), the way HubSpot itself or a
   * user in the UI would; throws when the property does not exist at all.
   */
  setPropertyDirect(
    record: StoredObject,
    name: string,
    value: string | null,
    source: ChangeSource = { sourceType: 'CRM_UI', sourceId: 'userId:2000001', updatedByUserId: 2000001 },
  ): void {
    const definition = this.property(record.type, name);
    if (!definition) throw new Error(`Unknown ${record.type} property ${name}`);
    const normalised = this.#normaliseValue(record.type, definition, value ?? '');
    if (typeof normalised !== 'string') throw new Error(`${name}: ${normalised.message}`);
    this.#apply(record, { [name]: normalised }, this.#now(), source);
  }

  /** Links two records (both directions) and runs the activity rollup when an engagement meets a contact. */
  associate(from: StoredObject, association: AssociationType, toId: string): void {
    const target = this.#map(this.#objects, association.to).get(toId);
    if (!target) throw notFound(`No ${association.to} with id ${toId}`, { ids: [toId] });
    this.#link(from, target, association.typeId);
    this.#link(target, from, association.inverse);
    if (association.to === 'contacts') this.#rollUpActivity(target, from);
  }

  /** The records of `toType` associated with a record, with the type ids of each link. */
  associationsOf(
    type: ObjectTypeName,
    id: string,
    toType: ObjectTypeName,
  ): { id: string; typeIds: number[] }[] {
    const links = this.#associations.get(`${type}:${id}`);
    if (!links) return [];
    const out: { id: string; typeIds: number[] }[] = [];
    for (const [key, typeIds] of links) {
      const [linkedType, linkedId] = key.split(':') as [string, string];
      if (linkedType === toType) out.push({ id: linkedId, typeIds: [...typeIds].sort((a, b) => a - b) });
    }
    return out.sort((a, b) => Number(a.id) - Number(b.id));
  }

  /**
   * HubSpot's property-value rules: the property must exist (PROPERTY_DOESNT_EXIST), be writable
   * (READ_ONLY_VALUE) and hold a value of its type; owners must be active owners. All problems are reported
   * at once, as HubSpot does. Returns the values normalised the way HubSpot stores them.
   */
  validateProperties(
    type: ObjectTypeName,
    raw: unknown,
    opts: { creating: boolean },
  ): Record<string, string> {
    if (raw !== undefined && (raw === null || typeof raw !== 'object' || Array.isArray(raw))) {
      throw validationError('Invalid input: properties must be an object of property name to value');
    }
    const input = (raw ?? {}) as Record<string, unknown>;
    const problems: PropertyProblem[] = [];
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(input)) {
      const definition = this.property(type, name);
      if (!definition) {
        problems.push({ name, code: 'PROPERTY_DOESNT_EXIST', message: `Property "${name}" does not exist` });
        continue;
      }
      if (definition.readOnly) {
        problems.push({
          name,
          code: 'READ_ONLY_VALUE',
          message: `${name} is a read only property; its value cannot be set.`,
        });
        continue;
      }
      const text = value === null || value === undefined ? '' : String(value);
      const result = this.#normaliseValue(type, definition, text);
      if (typeof result === 'string') out[name] = result;
      else problems.push({ name, ...result });
    }
    if (opts.creating) {
      for (const name of OBJECT_TYPES[type].required) {
        if (!out[name]) {
          problems.push({
            name,
            code: 'MISSING_REQUIRED_PROPERTY',
            message: `Property "${name}" is required`,
          });
        }
      }
    }
    if (problems.length > 0) throw propertyValuesError(problems);
    return out;
  }

  #normaliseValue(
    type: ObjectTypeName,
    definition: PropertyDefinition,
    text: string,
  ): string | { code: string; message: string } {
    // An empty string clears a property of any type.
    if (text === '') return '';
    const { name } = definition;
    if (name === 'hubspot_owner_id') {
      const owner = this.#owners.get(text);
      return owner && !owner.archived
        ? text
        : { code: 'INVALID_OWNER_ID', message: `${text} is not a valid owner id` };
    }
    if (type === 'contacts' && name === 'email') {
      const email = text.trim().toLowerCase();
      return EMAIL.test(email)
        ? email
        : { code: 'INVALID_EMAIL', message: `Email address ${text} is invalid` };
    }
    switch (definition.type) {
      case 'number':
        return Number.isFinite(Number(text)) && text.trim() !== ''
          ? text.trim()
          : { code: 'INVALID_INTEGER', message: `${text} was not a valid number.` };
      case 'bool':
        return /^(true|false)$/i.test(text)
          ? text.toLowerCase()
          : { code: 'INVALID_BOOLEAN', message: `${text} was not a valid boolean (true or false).` };
      case 'datetime': {
        const ms = parseTime(text);
        return ms === undefined
          ? { code: 'INVALID_DATETIME', message: `${text} was not a valid long or ISO 8601 datetime.` }
          : new Date(ms).toISOString();
      }
      case 'date': {
        const ms = parseTime(text);
        if (ms === undefined || ms % 86_400_000 !== 0) {
          return {
            code: 'INVALID_DATE',
            message: `${text} is not a valid date: it must be midnight UTC, as epoch milliseconds or YYYY-MM-DD.`,
          };
        }
        return new Date(ms).toISOString().slice(0, 10);
      }
      case 'enumeration': {
        // Multi-select (checkbox) values are ;-separated; each must be an option.
        const values = definition.fieldType === 'checkbox' ? text.split(';') : [text];
        const allowed = new Set(definition.options.map((o) => o.value));
        const bad = values.filter((v) => !allowed.has(v));
        return bad.length === 0
          ? text
          : {
              code: 'INVALID_OPTION',
              message: `${bad.join(';')} was not one of the allowed options: [${[...allowed].join(', ')}]`,
            };
      }
      default:
        return text;
    }
  }

  #checkUnique(
    type: ObjectTypeName,
    properties: Record<string, string>,
    selfId: string | undefined,
    pending: Map<string, string> = new Map(),
  ): void {
    for (const [name, value] of Object.entries(properties)) {
      if (value === '' || !this.property(type, name)?.hasUniqueValue) continue;
      const key = `${name}:${value}`;
      const existing = this.find(type, value, name);
      if (existing && existing.id !== selfId) {
        const label = type === 'contacts' ? 'Contact' : OBJECT_TYPES[type].label;
        throw conflict(`${label} already exists. Existing ID: ${existing.id}`);
      }
      const earlier = pending.get(key);
      if (earlier !== undefined && earlier !== selfId) {
        throw validationError(`Duplicate ${name} in batch input: ${value}`);
      }
      pending.set(key, selfId ?? '(new)');
    }
  }

  #validateAssociations(type: ObjectTypeName, raw: unknown): PreparedCreate['associations'] {
    if (raw === undefined || raw === null) return [];
    if (!Array.isArray(raw)) throw validationError('Invalid input: associations must be an array');
    const out: PreparedCreate['associations'] = [];
    for (const entry of raw as AssociationInput[]) {
      const toId = entry?.to?.id;
      if (typeof toId !== 'string' && typeof toId !== 'number') {
        throw validationError('Invalid input: every association needs to.id');
      }
      const types = Array.isArray(entry.types) ? entry.types : [];
      if (types.length === 0)
        throw validationError('Invalid input: every association needs at least one type');
      for (const spec of types) {
        const typeId = Number(spec.associationTypeId);
        const association = ASSOCIATION_TYPES.get(typeId);
        if (!association || spec.associationCategory !== 'HUBSPOT_DEFINED' || association.from !== type) {
          throw validationError(
            `${String(spec.associationCategory)} association type ${String(spec.associationTypeId)} is not valid from ${type}.`,
            [{ message: 'invalid association type', code: 'INVALID_ASSOCIATION_TYPE' }],
          );
        }
        if (!this.#map(this.#objects, association.to).has(String(toId))) {
          throw validationError(
            `One or more associations are invalid: no ${association.to} with id ${toId}.`,
            [
              {
                message: `${association.to} ${toId} does not exist`,
                code: 'INVALID_OBJECT_ID',
                context: { ids: [String(toId)] },
              },
            ],
          );
        }
        out.push({ type: association, toId: String(toId) });
      }
    }
    return out;
  }

  #apply(record: StoredObject, properties: Record<string, string>, at: number, source: ChangeSource): void {
    const iso = new Date(at).toISOString();
    const changes: Record<string, string> = { ...properties };
    if (
      record.type === 'contacts' &&
      changes.hubspot_owner_id !== undefined &&
      changes.hubspot_owner_id !== (record.properties.hubspot_owner_id ?? '')
    ) {
      // The first-engagement rollups belong to the current owner: a new owner starts them afresh.
      for (const name of FIRST_ENGAGEMENT) changes[name] ??= '';
    }
    for (const [name, value] of Object.entries(changes)) {
      const previous = record.properties[name];
      if (value === '') delete record.properties[name];
      else record.properties[name] = value;
      if (value !== (previous ?? '')) {
        const versions = record.history[name] ?? [];
        versions.push({ value, timestamp: at, ...source });
        record.history[name] = versions;
      }
      if (name === 'hubspot_owner_id' && value !== '' && value !== previous) {
        record.properties.hubspot_owner_assigneddate = iso;
      }
      if (record.type === 'contacts' && name === 'email') {
        if (value === '') delete record.properties.hs_email_domain;
        else record.properties.hs_email_domain = value.slice(value.indexOf('@') + 1);
      }
      // HubSpot calculates whether a deal is closed (won) from its stage.
      if (record.type === 'deals' && name === 'dealstage') {
        record.properties.hs_is_closed_won = String(value === 'closedwon');
        record.properties.hs_is_closed = String(value === 'closedwon' || value === 'closedlost');
      }
      if (record.type === 'tasks' && name === 'hs_task_status') {
        if (value === 'COMPLETED') record.properties.hs_task_completion_date = iso;
        else delete record.properties.hs_task_completion_date;
      }
    }
    record.updatedAt = at;
    record.properties[OBJECT_TYPES[record.type].modifiedProperty] = iso;
    // The search index catches up `searchLagMs` later; older copies it has moved past are dropped.
    const visibleFrom = at - this.searchLagMs;
    const keepFrom = record.indexed.findLastIndex((c) => c.at <= visibleFrom);
    if (keepFrom > 0) record.indexed.splice(0, keepFrom);
    record.indexed.push({ at, properties: { ...record.properties } });
  }

  #link(from: StoredObject, to: StoredObject, typeId: number): void {
    const fromKey = `${from.type}:${from.id}`;
    let links = this.#associations.get(fromKey);
    if (!links) {
      links = new Map();
      this.#associations.set(fromKey, links);
    }
    const toKey = `${to.type}:${to.id}`;
    let typeIds = links.get(toKey);
    if (!typeIds) {
      typeIds = new Set();
      links.set(toKey, typeIds);
    }
    typeIds.add(typeId);
  }

  /**
   * HubSpot's contact rollups when an engagement is associated: any engagement moves "Last Activity Date"
   * (notes_last_updated); a call, meeting or one-to-one email moves "Last Contacted" (notes_last_contacted)
   * and the contacted count, and a rep's outbound call, email or logged meeting after the owner was assigned
   * sets the owner's first engagement (hs_sa_first_engagement_*) once. "Last Engagement Date"
   * (hs_last_sales_activity_timestamp) is the contact's own engagement and is not moved by a rep's activity
   * (see `contactActivity`). Dates only move forward, like HubSpot's max() rollups.
   */
  #rollUpActivity(contact: StoredObject, activity: StoredObject): void {
    if (activity.type === 'contacts' || activity.type === 'companies') return;
    const at = parseTime(activity.properties.hs_timestamp ?? '') ?? activity.createdAt;
    const latest = (name: string): Record<string, string> => {
      const current = parseTime(contact.properties[name] ?? '');
      return current !== undefined && current >= at ? {} : { [name]: new Date(at).toISOString() };
    };
    const changes: Record<string, string> = { ...latest('notes_last_updated') };
    const p = activity.properties;
    const isSalesActivity =
      SALES_ACTIVITY_TYPES.has(activity.type) &&
      (activity.type !== 'emails' || p.hs_email_direction !== 'FORWARDED_EMAIL');
    if (isSalesActivity) {
      Object.assign(changes, latest('notes_last_contacted'));
      changes.num_contacted_notes = String(Number(contact.properties.num_contacted_notes ?? '0') + 1);
    }
    const byRep =
      isSalesActivity &&
      p.hs_call_direction !== 'INBOUND' &&
      (p.hs_email_direction ?? 'EMAIL') === 'EMAIL' &&
      p.hs_meeting_source !== 'MEETINGS_PUBLIC' &&
      !['SEQUENCES', 'AUTOMATION_PLATFORM'].includes(p.hs_engagement_source ?? '');
    const assigned = parseTime(contact.properties.hubspot_owner_assigneddate ?? '');
    if (
      byRep &&
      contact.properties.hubspot_owner_id &&
      !contact.properties.hs_sa_first_engagement_date &&
      (assigned === undefined || at >= assigned)
    ) {
      changes.hs_sa_first_engagement_date = new Date(at).toISOString();
      changes.hs_sa_first_engagement_object_type = OBJECT_TYPES[activity.type].label;
      changes.hs_sa_first_engagement_descr = `${OBJECT_TYPES[activity.type].singular} logged`;
    }
    this.#apply(contact, changes, this.#now(), { sourceType: 'CALCULATED' });
  }

  #map<V>(maps: Map<ObjectTypeName, Map<string, V>>, type: ObjectTypeName): Map<string, V> {
    const map = maps.get(type);
    if (!map) throw new Error(`No ${type} store`);
    return map;
  }
}

/**
 * Enumeration options as HubSpot's OptionInput requires them: `label`, `value` and `hidden` (a boolean) on
 * each, `displayOrder` optional. A missing `hidden` is refused, naming the option.
 */
function parseOptions(raw: unknown): PropertyOption[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw validationError('Invalid input: options must be an array');
  return (raw as Record<string, unknown>[]).map((o, i) => {
    const problems = [
      typeof o?.label !== 'string' ? 'label' : undefined,
      typeof o?.value !== 'string' ? 'value' : undefined,
      typeof o?.hidden !== 'boolean' ? 'hidden' : undefined,
    ].filter((x): x is string => x !== undefined);
    if (problems.length > 0) {
      throw validationError(
        `Invalid input JSON on line 1: options[${i}] is missing required field(s) ${problems.join(', ')}`,
        problems.map((k) => ({
          message: `${k} is required`,
          code: 'REQUIRED_FIELD',
          in: `options[${i}].${k}`,
        })),
      );
    }
    return {
      label: String(o.label),
      value: String(o.value),
      displayOrder: typeof o.displayOrder === 'number' ? o.displayOrder : i,
      hidden: o.hidden === true,
      ...(typeof o.description === 'string' ? { description: o.description } : {}),
    };
  });
}

/** Epoch milliseconds from `1700000000000`, an ISO 8601 datetime or `YYYY-MM-DD`; undefined otherwise. */
export function parseTime(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^-?\d+$/.test(trimmed)) return Number(trimmed);
  if (!MIDNIGHT_DATE.test(trimmed) && !/^\d{4}-\d{2}-\d{2}T/.test(trimmed)) return undefined;
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Unique values are compared the way HubSpot stores them (emails lower-case). */
function normaliseUnique(property: string, value: string): string {
  return property === 'email' ? value.trim().toLowerCase() : value;
}
