/**
 * LeadStore on DynamoDB, single table, single-item conditional writes only (no transactions: every
 * step is idempotent on its own, so a crash between two writes is repaired by a retry or the sweeper).
 * A lead is a state item and a write-once detail item (lead-item.ts).
 */
import {
  type AttributeValue,
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { LeadEvent, LeadExpectation, LeadPatch, LeadRecord, LeadStore } from '../app/ports.ts';
import { CLOCK_RUNNING } from '../domain/lead.ts';
import type { MakeUpState, RoutingState } from '../domain/routing.ts';
import { DynamoAvailability } from './dynamodb-availability.ts';
import { loadLeadsForPeriod } from './dynamodb-report.ts';
import {
  APPENDED,
  DETAIL_SK,
  hasDetail,
  leadItemKeys,
  mergeItems,
  mergeLead,
  NULL_MARK,
  splitLead,
  statePatch,
  withoutKeys,
} from './lead-item.ts';
import { SHARDS, shardOf } from './table.ts';

const ROSTER_TTL_MS = 60_000;
/** Detail items kept in memory: written once, so a copy never goes stale. */
const DETAIL_CACHE = 2000;

const openKey = (ownerId: string) => ({ PK: { S: `OWNER#${ownerId}` }, SK: { S: 'OPEN' } });
const leadKey = (id: string) => ({ PK: { S: `LEAD#${id}` }, SK: { S: 'LEAD' } });
const detailKey = (id: string) => ({ PK: { S: `LEAD#${id}` }, SK: { S: DETAIL_SK } });
const dueKeys = (leadId: string, dueAt: string) => ({
  GSI1PK: `DUE#${dueAt.slice(0, 10)}#${shardOf(leadId)}`,
  GSI1SK: `${dueAt}#${leadId}`,
});
/** In the sparse sync index while the CRM sync is not done, ordered by when it was requested. */
const syncKeys = (leadId: string, since: string) => ({
  GSI3PK: `SYNC#${shardOf(leadId)}`,
  GSI3SK: `${since}#${leadId}`,
});
const shards = () => Array.from({ length: SHARDS }, (_, i) => i);

function isConditionFailure(e: unknown): boolean {
  return (
    e instanceof ConditionalCheckFailedException ||
    (e as { name?: string })?.name === 'ConditionalCheckFailedException'
  );
}

/** An index item (a projection of the state item) as a partial record. */
function toRecord(item: Record<string, AttributeValue>): LeadRecord {
  return withoutKeys(unmarshall(item)) as unknown as LeadRecord;
}

/** DynamoDB implementation of LeadStore. */
/**
 * A new lead's two items as `createLead` writes them: the state item with its index keys (the sharded day,
 * and the due and sync shards while they apply) and the write-once detail item (lead-item.ts).
 */
export function leadItems(lead: LeadRecord): {
  stateItem: Record<string, AttributeValue>;
  detailItem: Record<string, AttributeValue>;
  detail: Record<string, unknown>;
} {
  const { state, detail } = splitLead(lead);
  const extra: Record<string, string> = {
    GSI2PK: `DAY#${lead.submittedAt.slice(0, 10)}#${shardOf(lead.leadId)}`,
    GSI2SK: `${lead.submittedAt}#${lead.leadId}`,
    ...(CLOCK_RUNNING.has(lead.status) ? dueKeys(lead.leadId, lead.dueAt) : {}),
    ...(lead.sync !== 'synced' ? syncKeys(lead.leadId, lead.syncRequestedAt ?? lead.receivedAt) : {}),
  };
  return {
    stateItem: {
      ...leadKey(lead.leadId),
      ...marshall({ ...state, ...extra }, { removeUndefinedValues: true }),
    },
    detailItem: { ...detailKey(lead.leadId), ...marshall(detail, { removeUndefinedValues: true }) },
    detail,
  };
}

export class DynamoLeadStore implements LeadStore {
  readonly #db: DynamoDBClient;
  readonly #table: string;
  #roster: { at: number; inactive: ReadonlySet<string> } | undefined;
  /** Detail items by lead id, oldest first (lead-item.ts). */
  readonly #details = new Map<string, Record<string, unknown>>();

  /** The availability overlay and the waiting room, on the same table. */
  readonly availability: DynamoAvailability;

  constructor(db: DynamoDBClient, tableName: string) {
    this.#db = db;
    this.#table = tableName;
    this.availability = new DynamoAvailability(db, tableName);
  }

  loadAvailability() {
    return this.availability.loadAvailability();
  }

  async getLead(leadId: string): Promise<LeadRecord | undefined> {
    // The state item and the detail item, adjacent keys: one Query, the read units of one GetItem.
    const r = await this.#db.send(
      new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
        ExpressionAttributeValues: { ':pk': { S: `LEAD#${leadId}` }, ':sk': { S: 'LEAD' } },
        ConsistentRead: true,
      }),
    );
    const items = (r.Items ?? []).map((i) => unmarshall(i));
    const state = items.find((i) => i.SK === 'LEAD');
    if (!state) return undefined;
    const detail = items.find((i) => i.SK === DETAIL_SK);
    if (detail) this.#remember(leadId, withoutKeys(detail));
    return mergeLead(withoutKeys(state), detail);
  }

  /** A lead's detail item: from memory, else read (undefined for a lead stored before the split). */
  async #detail(leadId: string): Promise<Record<string, unknown> | undefined> {
    const known = this.#details.get(leadId);
    if (known) return known;
    const r = await this.#db.send(
      new GetItemCommand({ TableName: this.#table, Key: detailKey(leadId), ConsistentRead: true }),
    );
    if (!r.Item) return undefined;
    const detail = withoutKeys(unmarshall(r.Item));
    this.#remember(leadId, detail);
    return detail;
  }

  #remember(leadId: string, detail: Record<string, unknown>): void {
    this.#details.delete(leadId);
    this.#details.set(leadId, detail);
    if (this.#details.size > DETAIL_CACHE) {
      const oldest = this.#details.keys().next().value;
      if (oldest !== undefined) this.#details.delete(oldest);
    }
  }

  async createLead(lead: LeadRecord): Promise<boolean> {
    const { stateItem, detailItem, detail } = leadItems(lead);
    // The detail first, so a stored lead always has one. It exists already when a capture died between
    // the two writes (captures of one submission take turns: the capture lease) or this write was retried:
    // then the state item decides, and a lead not stored yet is this capture's to write.
    try {
      await this.#db.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: detailItem,
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      if (await this.#stateExists(lead.leadId)) return false;
      await this.#db.send(new PutItemCommand({ TableName: this.#table, Item: detailItem }));
    }
    try {
      await this.#db.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: stateItem,
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      // A copy: the caller's record may change after this; the stored detail does not.
      this.#remember(lead.leadId, structuredClone(detail));
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  async #stateExists(leadId: string): Promise<boolean> {
    const r = await this.#db.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: leadKey(leadId),
        ProjectionExpression: 'PK',
        ConsistentRead: true,
      }),
    );
    return r.Item !== undefined;
  }

  async updateLead(
    leadId: string,
    expect: LeadExpectation,
    patch: LeadPatch,
  ): Promise<LeadRecord | undefined> {
    // An appended list is written as the lines after the detail's: the detail is needed to tell them.
    const detail = APPENDED.some((a) => a in patch) ? await this.#detail(leadId) : undefined;
    const writes = statePatch(patch, detail);
    const names: Record<string, string> = { '#version': 'version' };
    const values: Record<string, unknown> = { ':one': 1 };
    const sets: string[] = ['#version = #version + :one'];
    const removes: string[] = [];
    let n = 0;
    const set = (attr: string, value: unknown) => {
      const k = `a${n++}`;
      names[`#${k}`] = attr;
      if (value === null || value === undefined) removes.push(`#${k}`);
      else {
        values[`:${k}`] = value === NULL_MARK ? null : value;
        sets.push(`#${k} = :${k}`);
      }
    };
    for (const [k, v] of Object.entries(writes)) if (k !== 'version' && k !== 'leadId') set(k, v);
    // Keep the sparse deadline index in step: only leads whose clock runs are in it.
    const running = patch.status ? CLOCK_RUNNING.has(patch.status) : undefined;
    if (running === false) {
      set('GSI1PK', null);
      set('GSI1SK', null);
    } else if (patch.dueAt) {
      const keys = dueKeys(leadId, patch.dueAt);
      set('GSI1PK', keys.GSI1PK);
      set('GSI1SK', keys.GSI1SK);
    }
    // And the sparse sync index: only leads whose CRM sync is not done.
    if (patch.sync === 'synced') {
      set('GSI3PK', null);
      set('GSI3SK', null);
    } else if (patch.sync) {
      // Entered once, at the first request: a lead already waiting keeps its key (no index write).
      const keys = syncKeys(leadId, patch.syncRequestedAt ?? new Date().toISOString());
      for (const [attr, value] of Object.entries(keys)) {
        const k = `a${n++}`;
        names[`#${k}`] = attr;
        values[`:${k}`] = value;
        sets.push(`#${k} = if_not_exists(#${k}, :${k})`);
      }
    }
    const conds = ['attribute_exists(PK)'];
    if (expect.version !== undefined) {
      values[':ev'] = expect.version;
      conds.push('#version = :ev');
    }
    if (expect.attempt !== undefined) {
      names['#attempt'] = 'attempt';
      values[':ea'] = expect.attempt;
      conds.push('#attempt = :ea');
    }
    if (expect.taskLease) {
      // Wall time, as the one-off keys' leases (`once`).
      const now = Math.floor(Date.now() / 1000);
      Object.assign(names, { '#pending': 'taskPending', '#until': 'taskLeaseUntil' });
      values[':lnow'] = now;
      values[':lkey'] = expect.taskLease.key;
      values[':until'] = now + expect.taskLease.seconds;
      sets.push('#pending = :lkey', '#until = :until');
      conds.push(
        '(attribute_not_exists(#until) OR #until < :lnow OR attribute_not_exists(#pending) OR #pending <> :lkey)',
      );
    }
    if (expect.status?.length) {
      names['#status'] = 'status';
      const keys = expect.status.map((s, i) => {
        values[`:es${i}`] = s;
        return `:es${i}`;
      });
      conds.push(`#status IN (${keys.join(', ')})`);
    }
    try {
      const r = await this.#db.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: leadKey(leadId),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: conds.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: marshall(values, { removeUndefinedValues: true }),
          ReturnValues: 'ALL_NEW',
        }),
      );
      if (!r.Attributes) return undefined;
      const state = withoutKeys(unmarshall(r.Attributes));
      return mergeLead(state, hasDetail(state) ? (detail ?? (await this.#detail(leadId))) : undefined);
    } catch (e) {
      if (isConditionFailure(e)) return undefined;
      throw e;
    }
  }

  async putEvent(event: LeadEvent): Promise<boolean> {
    try {
      await this.#db.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: marshall(
            { PK: `LEAD#${event.leadId}`, SK: `EV#${event.at}#${event.type}#${event.ref}`, ...event },
            { removeUndefinedValues: true, convertClassInstanceToMap: true },
          ),
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  async listEvents(leadId: string): Promise<LeadEvent[]> {
    const out: LeadEvent[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const r = await this.#db.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :ev)',
          ExpressionAttributeValues: { ':pk': { S: `LEAD#${leadId}` }, ':ev': { S: 'EV#' } },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      for (const item of r.Items ?? []) {
        const { PK: _pk, SK: _sk, ...rest } = unmarshall(item);
        out.push(rest as LeadEvent);
      }
      start = r.LastEvaluatedKey;
    } while (start);
    return out;
  }

  async claimPointer(kind: 'email' | 'contact', key: string, leadId: string): Promise<string> {
    try {
      await this.#db.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: marshall({ PK: `${kind.toUpperCase()}#${key}`, SK: 'PTR', leadId }),
          ConditionExpression: 'attribute_not_exists(leadId) OR leadId = :me',
          ExpressionAttributeValues: { ':me': { S: leadId } },
        }),
      );
      return leadId;
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      return (await this.getPointer(kind, key)) ?? leadId;
    }
  }

  async getPointer(kind: 'email' | 'contact', key: string): Promise<string | undefined> {
    const r = await this.#db.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: { PK: { S: `${kind.toUpperCase()}#${key}` }, SK: { S: 'PTR' } },
        ConsistentRead: true,
      }),
    );
    return r.Item?.leadId?.S;
  }

  async releasePointer(kind: 'email' | 'contact', key: string, leadId: string): Promise<void> {
    try {
      await this.#db.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: { PK: { S: `${kind.toUpperCase()}#${key}` }, SK: { S: 'PTR' } },
          // A delete with a condition, written as an update so a missing item is not an error path.
          UpdateExpression: 'REMOVE leadId',
          ConditionExpression: 'leadId = :me',
          ExpressionAttributeValues: { ':me': { S: leadId } },
        }),
      );
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
  }

  async movePointer(kind: 'email' | 'contact', key: string, from: string, to: string): Promise<boolean> {
    try {
      await this.#db.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: marshall({ PK: `${kind.toUpperCase()}#${key}`, SK: 'PTR', leadId: to }),
          ConditionExpression: 'attribute_not_exists(leadId) OR leadId = :from OR leadId = :to',
          ExpressionAttributeValues: { ':from': { S: from }, ':to': { S: to } },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  async loadRoutingState(teamIds: readonly string[], ownerIds: readonly string[]): Promise<RoutingState> {
    const keys = [
      ...new Set(teamIds.map((t) => `TEAM#${t}|ROT`)),
      ...new Set(ownerIds.map((o) => `OWNER#${o}|OPEN`)),
    ].map((k) => {
      const [pk, sk] = k.split('|') as [string, string];
      return { PK: { S: pk }, SK: { S: sk } };
    });
    const cursors: Record<string, number> = {};
    const weights: Record<string, Record<string, number>> = {};
    const openCounts: Record<string, number> = {};
    const dayCounts: Record<string, Record<string, number>> = {};
    const makeUp: Record<string, MakeUpState> = {};
    for (let i = 0; i < keys.length; i += 100) {
      let pending: Record<string, AttributeValue>[] | undefined = keys.slice(i, i + 100);
      for (let tries = 0; pending?.length; tries++) {
        const r = await this.#db.send(
          new BatchGetItemCommand({
            RequestItems: { [this.#table]: { Keys: pending, ConsistentRead: true } },
          }),
        );
        for (const item of r.Responses?.[this.#table] ?? []) {
          const v = unmarshall(item);
          const pk = String(v.PK);
          if (pk.startsWith('TEAM#')) {
            const team = pk.slice(5);
            if (typeof v.cursor === 'number') cursors[team] = v.cursor;
            if (v.weights) weights[team] = v.weights as Record<string, number>;
            if (v.owed || v.taken)
              makeUp[team] = {
                owed: (v.owed ?? {}) as Record<string, number>,
                taken: (v.taken ?? {}) as Record<string, { day: string; n: number }>,
              };
          } else if (pk.startsWith('OWNER#')) {
            const owner = pk.slice(6);
            openCounts[owner] = v.leads instanceof Set ? v.leads.size : 0;
            // Daily counts are attributes `dYYYY-MM-DD` of the same item: the last few days are enough.
            const days = Object.keys(v)
              .filter((k) => /^d\d{4}-\d{2}-\d{2}$/.test(k))
              .sort()
              .slice(-3);
            if (days.length)
              dayCounts[owner] = Object.fromEntries(days.map((k) => [k.slice(1), Number(v[k])]));
          }
        }
        pending = r.UnprocessedKeys?.[this.#table]?.Keys as Record<string, AttributeValue>[] | undefined;
        if (pending?.length) {
          if (tries > 8) throw new Error('DynamoDB left keys unprocessed after 8 retries');
          await new Promise((res) => setTimeout(res, 10 * 2 ** tries));
        }
      }
    }
    return { cursors, weights, openCounts, dayCounts, makeUp, inactiveOwners: await this.#inactiveOwners() };
  }

  async #inactiveOwners(): Promise<ReadonlySet<string>> {
    const now = Date.now();
    if (this.#roster && now - this.#roster.at < ROSTER_TTL_MS) return this.#roster.inactive;
    const r = await this.#db.send(
      new GetItemCommand({ TableName: this.#table, Key: { PK: { S: 'ROSTER' }, SK: { S: 'INACTIVE' } } }),
    );
    const inactive = new Set<string>(r.Item?.owners?.SS ?? []);
    this.#roster = { at: now, inactive };
    return inactive;
  }

  /** Replaces the set of owners archived or deactivated in HubSpot (accounts sync). */
  async setInactiveOwners(ownerIds: readonly string[]): Promise<void> {
    const item: Record<string, AttributeValue> = { PK: { S: 'ROSTER' }, SK: { S: 'INACTIVE' } };
    if (ownerIds.length) item.owners = { SS: [...new Set(ownerIds)] };
    await this.#db.send(new PutItemCommand({ TableName: this.#table, Item: item }));
    this.#roster = undefined;
  }

  async addInactiveOwner(ownerId: string): Promise<void> {
    await this.#db.send(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: { PK: { S: 'ROSTER' }, SK: { S: 'INACTIVE' } },
        UpdateExpression: 'ADD owners :o',
        ExpressionAttributeValues: { ':o': { SS: [ownerId] } },
      }),
    );
    this.#roster = undefined;
  }

  async takeSlot(
    ownerId: string,
    cap: number | undefined,
    leadId: string,
    quota?: { day: string; max: number },
  ): Promise<boolean> {
    // A set of lead ids, not a counter: taking a slot twice for one lead (an SDK retry, a redelivery)
    // counts once. The day's count for a quota (a `dYYYY-MM-DD` attribute) goes in the same update.
    const conditions: string[] = [];
    const values: Record<string, AttributeValue> = { ':id': { SS: [leadId] } };
    if (cap !== undefined) {
      conditions.push('(attribute_not_exists(#leads) OR size(#leads) < :cap OR contains(#leads, :lead))');
      values[':cap'] = { N: String(cap) };
      values[':lead'] = { S: leadId };
    }
    if (quota) {
      conditions.push('(attribute_not_exists(#day) OR #day < :max)');
      values[':max'] = { N: String(quota.max) };
      values[':one'] = { N: '1' };
    }
    try {
      await this.#db.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: openKey(ownerId),
          UpdateExpression: quota ? 'ADD #leads :id, #day :one' : 'ADD #leads :id',
          ...(conditions.length ? { ConditionExpression: conditions.join(' AND ') } : {}),
          ExpressionAttributeNames: { '#leads': 'leads', ...(quota ? { '#day': `d${quota.day}` } : {}) },
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  async releaseSlot(ownerId: string, leadId: string): Promise<void> {
    await this.#db.send(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: openKey(ownerId),
        UpdateExpression: 'DELETE #leads :id',
        ExpressionAttributeNames: { '#leads': 'leads' },
        ExpressionAttributeValues: { ':id': { SS: [leadId] } },
      }),
    );
  }

  async openLeads(ownerId: string): Promise<string[]> {
    const r = await this.#db.send(
      new GetItemCommand({ TableName: this.#table, Key: openKey(ownerId), ConsistentRead: true }),
    );
    return r.Item?.leads?.SS ?? [];
  }

  async takeTicket(teamId: string): Promise<number> {
    // One atomic ADD per pick: concurrent captures each get their own position in the rotation.
    const r = await this.#db.send(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: { PK: { S: `TEAM#${teamId}` }, SK: { S: 'ROT' } },
        UpdateExpression: 'ADD #seq :one',
        ExpressionAttributeNames: { '#seq': 'seq' },
        ExpressionAttributeValues: { ':one': { N: '1' } },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(r.Attributes?.seq?.N ?? '1');
  }

  async saveRotation(
    teamId: string,
    rotation: { cursor?: number; weights?: Record<string, number>; makeUp?: MakeUpState },
  ): Promise<void> {
    const sets: string[] = [];
    const values: Record<string, unknown> = {};
    if (rotation.makeUp !== undefined) {
      sets.push('#owed = :o', '#taken = :t');
      values[':o'] = rotation.makeUp.owed;
      values[':t'] = rotation.makeUp.taken;
    }
    if (rotation.cursor !== undefined) {
      sets.push('#cursor = :c');
      values[':c'] = rotation.cursor;
    }
    if (rotation.weights !== undefined) {
      sets.push('#weights = :w');
      values[':w'] = rotation.weights;
    }
    if (!sets.length) return;
    // Last writer wins: under concurrent captures two leads may see one cursor; caps stay exact regardless.
    await this.#db.send(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: { PK: { S: `TEAM#${teamId}` }, SK: { S: 'ROT' } },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeNames: {
          ...(rotation.cursor !== undefined ? { '#cursor': 'cursor' } : {}),
          ...(rotation.weights !== undefined ? { '#weights': 'weights' } : {}),
          ...(rotation.makeUp !== undefined ? { '#owed': 'owed', '#taken': 'taken' } : {}),
        },
        ExpressionAttributeValues: marshall(values),
      }),
    );
  }

  async getAccountOwner(domain: string): Promise<string | undefined> {
    const r = await this.#db.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: { PK: { S: `ACCOUNT#${domain}` }, SK: { S: 'OWNER' } },
      }),
    );
    return r.Item?.ownerId?.S;
  }

  /** Sets (or, with undefined, clears) the account owner of a company domain (accounts sync). */
  async setAccountOwner(domain: string, ownerId: string | undefined): Promise<void> {
    const Key = { PK: { S: `ACCOUNT#${domain}` }, SK: { S: 'OWNER' } };
    if (ownerId === undefined) {
      await this.#db.send(
        new UpdateItemCommand({ TableName: this.#table, Key, UpdateExpression: 'REMOVE ownerId' }),
      );
    } else {
      await this.#db.send(
        new PutItemCommand({ TableName: this.#table, Item: { ...Key, ownerId: { S: ownerId } } }),
      );
    }
  }

  async once(key: string, ttlSeconds: number): Promise<boolean> {
    const now = Math.floor(Date.now() / 1000);
    try {
      await this.#db.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: { PK: { S: `ONCE#${key}` }, SK: { S: 'ONCE' }, expiresAt: { N: String(now + ttlSeconds) } },
          // expiresAt doubles as the table's TTL attribute; the condition makes an expired record reusable before TTL deletes it.
          ConditionExpression: 'attribute_not_exists(PK) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': { N: String(now) } },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  async forget(key: string): Promise<void> {
    await this.#db.send(
      new DeleteItemCommand({ TableName: this.#table, Key: { PK: { S: `ONCE#${key}` }, SK: { S: 'ONCE' } } }),
    );
  }

  async held(key: string): Promise<boolean> {
    const r = await this.#db.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: { PK: { S: `ONCE#${key}` }, SK: { S: 'ONCE' } },
        ConsistentRead: true,
      }),
    );
    const expires = Number(r.Item?.expiresAt?.N ?? '0');
    return expires >= Math.floor(Date.now() / 1000);
  }

  async settle(key: string, ttlSeconds: number): Promise<void> {
    const expires = Math.floor(Date.now() / 1000) + ttlSeconds;
    await this.#db.send(
      new PutItemCommand({
        TableName: this.#table,
        Item: { PK: { S: `ONCE#${key}` }, SK: { S: 'ONCE' }, expiresAt: { N: String(expires) } },
      }),
    );
  }

  async findRunning(
    now: Date,
    days: number,
    ahead: number,
    opts: { whole?: boolean } = {},
  ): Promise<LeadRecord[]> {
    const out: LeadRecord[] = [];
    for (let d = -days; d <= ahead; d++) {
      const day = new Date(now.getTime() + d * 86_400_000).toISOString().slice(0, 10);
      const parts = await Promise.all(
        shards().map((shard) =>
          this.#queryAll({
            IndexName: 'GSI1',
            KeyConditionExpression: 'GSI1PK = :pk',
            ExpressionAttributeValues: { ':pk': { S: `DUE#${day}#${shard}` } },
          }),
        ),
      );
      out.push(...parts.flat());
    }
    // GSI1 projects what the sweeper reads; the board wants whole leads.
    return opts.whole ? this.#getMany(out.map((l) => l.leadId)) : out;
  }

  /** Whole leads by id (BatchGetItem of both items, eventually consistent), in the order given; missing ones left out. */
  async #getMany(ids: readonly string[]): Promise<LeadRecord[]> {
    const items: Record<string, unknown>[] = [];
    for (let i = 0; i < ids.length; i += 50) {
      let pending: Record<string, AttributeValue>[] | undefined = leadItemKeys(ids.slice(i, i + 50), true);
      for (let tries = 0; pending?.length; tries++) {
        const r = await this.#db.send(
          new BatchGetItemCommand({ RequestItems: { [this.#table]: { Keys: pending } } }),
        );
        for (const item of r.Responses?.[this.#table] ?? []) items.push(unmarshall(item));
        pending = r.UnprocessedKeys?.[this.#table]?.Keys as Record<string, AttributeValue>[] | undefined;
        if (pending?.length) {
          if (tries > 8) throw new Error('DynamoDB left keys unprocessed after 8 retries');
          await new Promise((res) => setTimeout(res, 10 * 2 ** tries));
        }
      }
    }
    for (const item of items)
      if (item.SK === DETAIL_SK) this.#remember(String(item.PK).slice(5), withoutKeys({ ...item }));
    const found = mergeItems(items);
    return ids.flatMap((id) => found.get(id) ?? []);
  }

  async listSubmitted(from: Date, to: Date): Promise<LeadRecord[]> {
    // The report's read pattern (GSI2 day partitions, sharded and sliced, never a scan), whole leads.
    const items = await loadLeadsForPeriod(this.#db, this.#table, from, to, { whole: true });
    return items as unknown as LeadRecord[];
  }

  async findUnsynced(requestedBefore: Date): Promise<LeadRecord[]> {
    // GSI3 holds ids only; the candidates (waiting since before the cut-off: few) are read whole.
    const parts = await Promise.all(
      shards().map((shard) =>
        this.#queryAll({
          IndexName: 'GSI3',
          KeyConditionExpression: 'GSI3PK = :pk AND GSI3SK < :before',
          ExpressionAttributeValues: {
            ':pk': { S: `SYNC#${shard}` },
            ':before': { S: requestedBefore.toISOString() },
          },
        }),
      ),
    );
    return this.#getMany(parts.flat().map((l) => l.leadId));
  }

  async #queryAll(
    q: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName'>,
  ): Promise<LeadRecord[]> {
    const out: LeadRecord[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const r = await this.#db.send(
        new QueryCommand({ TableName: this.#table, ...q, ExclusiveStartKey: start }),
      );
      for (const item of r.Items ?? []) out.push(toRecord(item));
      start = r.LastEvaluatedKey;
    } while (start);
    return out;
  }

  async getMarker(name: string): Promise<string | undefined> {
    const r = await this.#db.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: { PK: { S: `MARKER#${name}` }, SK: { S: 'MARKER' } },
      }),
    );
    return r.Item?.value?.S;
  }

  async setMarker(name: string, value: string): Promise<void> {
    await this.#db.send(
      new PutItemCommand({
        TableName: this.#table,
        Item: { PK: { S: `MARKER#${name}` }, SK: { S: 'MARKER' }, value: { S: value } },
      }),
    );
  }

  /** Leads whose clock runs and whose deadline is before `before` (sweeper), oldest first, over the last `days` days. */
  async findDue(before: Date, days = 2, limit = 500): Promise<LeadRecord[]> {
    const out: LeadRecord[] = [];
    for (let d = days - 1; d >= 0 && out.length < limit; d--) {
      const day = new Date(before.getTime() - d * 86_400_000).toISOString().slice(0, 10);
      for (const shard of shards()) {
        let start: Record<string, AttributeValue> | undefined;
        do {
          if (out.length >= limit) break;
          const r = await this.#db.send(
            new QueryCommand({
              TableName: this.#table,
              IndexName: 'GSI1',
              KeyConditionExpression: 'GSI1PK = :pk AND GSI1SK < :before',
              ExpressionAttributeValues: {
                ':pk': { S: `DUE#${day}#${shard}` },
                ':before': { S: before.toISOString() },
              },
              ExclusiveStartKey: start,
              Limit: limit - out.length,
            }),
          );
          for (const item of r.Items ?? []) out.push(toRecord(item));
          start = out.length < limit ? r.LastEvaluatedKey : undefined;
        } while (start);
      }
    }
    return out;
  }
}
