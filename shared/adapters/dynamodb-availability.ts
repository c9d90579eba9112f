/**
 * The availability overlay and the waiting room on the single table (single-item conditional writes).
 *
 * - `AVAIL` / `<ownerId>`: a rep's overlay (JSON) and its version; `AVAILLOG` / `<at>#<ownerId>#<n>`: who
 *   changed what and when. The overlay is one small partition read per routing decision, cached for a
 *   second per process (a change made in this process is seen at once).
 * - `WAIT#<teamId>` / `<tier rank>#<submittedAt>#<leadId>`: leads nobody in the team can take, in the
 *   order they leave: hottest tier first, then oldest.
 */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import type { AvailabilityLogEntry, AvailabilityStore, WaitingEntry, WaitingRoom } from '../app/ports.ts';
import type { Overlay, OwnerOverlay } from '../domain/availability.ts';

const CACHE_MS = 1000;

function conditionFailed(e: unknown): boolean {
  return (
    e instanceof ConditionalCheckFailedException ||
    (e as { name?: string })?.name === 'ConditionalCheckFailedException'
  );
}

/** The overlay and waiting room of one table. */
export class DynamoAvailability implements AvailabilityStore, WaitingRoom {
  readonly #db: DynamoDBClient;
  readonly #table: string;
  #cache: { at: number; overlay: Overlay } | undefined;

  constructor(db: DynamoDBClient, table: string) {
    this.#db = db;
    this.#table = table;
  }

  async loadAvailability(): Promise<Overlay> {
    const now = Date.now();
    if (this.#cache && now - this.#cache.at < CACHE_MS) return this.#cache.overlay;
    const out = new Map<string, OwnerOverlay>();
    let start: Record<string, AttributeValue> | undefined;
    do {
      const r = await this.#db.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': { S: 'AVAIL' } },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of r.Items ?? []) {
        const e = JSON.parse(item.overlay?.S ?? '{}') as OwnerOverlay;
        out.set(e.ownerId, e);
      }
      start = r.LastEvaluatedKey;
    } while (start);
    this.#cache = { at: now, overlay: out };
    return out;
  }

  async availabilityEntry(ownerId: string): Promise<{ entry?: OwnerOverlay; version: number }> {
    const r = await this.#db.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: { PK: { S: 'AVAIL' }, SK: { S: ownerId } },
        ConsistentRead: true,
      }),
    );
    if (!r.Item) return { version: 0 };
    return {
      entry: JSON.parse(r.Item.overlay?.S ?? '{}') as OwnerOverlay,
      version: Number(r.Item.version?.N ?? 0),
    };
  }

  async saveAvailability(
    entry: OwnerOverlay,
    expectVersion: number,
    log: AvailabilityLogEntry | { at: string; by: string; change?: undefined },
  ): Promise<boolean> {
    try {
      await this.#db.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: {
            PK: { S: 'AVAIL' },
            SK: { S: entry.ownerId },
            overlay: { S: JSON.stringify(entry) },
            version: { N: String(expectVersion + 1) },
            updatedAt: { S: log.at },
            updatedBy: { S: log.by },
          },
          ConditionExpression: expectVersion === 0 ? 'attribute_not_exists(PK)' : 'version = :v',
          ExpressionAttributeValues: expectVersion === 0 ? undefined : { ':v': { N: String(expectVersion) } },
        }),
      );
    } catch (e) {
      if (conditionFailed(e)) return false;
      throw e;
    }
    this.#cache = undefined;
    // Bookkeeping (a count of missed SLAs) changes the overlay without a change to log.
    if (!log.change) return true;
    await this.#db.send(
      new PutItemCommand({
        TableName: this.#table,
        Item: {
          PK: { S: 'AVAILLOG' },
          SK: { S: `${log.at}#${entry.ownerId}#${expectVersion + 1}` },
          entry: { S: JSON.stringify(log) },
        },
      }),
    );
    return true;
  }

  async availabilityLog(limit: number): Promise<AvailabilityLogEntry[]> {
    const r = await this.#db.send(
      new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'AVAILLOG' } },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (r.Items ?? []).map((i) => JSON.parse(i.entry?.S ?? '{}') as AvailabilityLogEntry);
  }

  /** Puts a lead in its team's waiting room (idempotent: the key derives from the lead). */
  async enterWaiting(e: WaitingEntry): Promise<void> {
    await this.#db.send(
      new PutItemCommand({
        TableName: this.#table,
        Item: {
          PK: { S: `WAIT#${e.teamId}` },
          SK: { S: e.key },
          leadId: { S: e.leadId },
          tier: { S: e.tier },
          submittedAt: { S: e.submittedAt },
          enteredAt: { S: e.enteredAt },
        },
      }),
    );
  }

  /** The team's waiting room in drain order. */
  async listWaiting(teamId: string, limit = 100): Promise<WaitingEntry[]> {
    const r = await this.#db.send(
      new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': { S: `WAIT#${teamId}` } },
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    return (r.Items ?? []).map((i) => ({
      teamId,
      key: i.SK?.S as string,
      leadId: i.leadId?.S as string,
      tier: i.tier?.S as string,
      submittedAt: i.submittedAt?.S as string,
      enteredAt: i.enteredAt?.S as string,
    }));
  }

  /** How many leads wait in the team's room. */
  async countWaiting(teamId: string): Promise<number> {
    let count = 0;
    let start: Record<string, AttributeValue> | undefined;
    do {
      const r = await this.#db.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': { S: `WAIT#${teamId}` } },
          Select: 'COUNT',
          ExclusiveStartKey: start,
        }),
      );
      count += r.Count ?? 0;
      start = r.LastEvaluatedKey;
    } while (start);
    return count;
  }

  async leaveWaiting(teamId: string, key: string): Promise<void> {
    await this.#db.send(
      new DeleteItemCommand({
        TableName: this.#table,
        Key: { PK: { S: `WAIT#${teamId}` }, SK: { S: key } },
      }),
    );
  }
}
