/** The single-table layout, shared by the DynamoDB adapter, the local runtime and the CDK stack. */

/** Key attribute names. */
export const KEYS = { pk: 'PK', sk: 'SK' } as const;

/**
 * Partition keys of the day indexes are sharded: `DUE#<day>#<shard>` and `DAY#<day>#<shard>`, the shard
 * a hash of the lead id. One key per day took every lead's index writes: near DynamoDB's 1,000 WCU/s per
 * partition at 100 leads/s. Readers query every shard (`npm run bench -- capacity`).
 */
export const SHARDS = 8;

/** The shard of a lead (FNV-1a of its id). */
export function shardOf(leadId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < leadId.length; i++) {
    h ^= leadId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % SHARDS;
}

/** What the sweeper reads of a running lead (GSI1). */
export const DUE_ATTRIBUTES = ['leadId', 'status', 'attempt', 'timer', 'assignedAt', 'dueAt'] as const;

/**
 * What GSI2 (leads by submission day) projects: what a period read filters on without reading the items
 * (the audit log's rule/team searches). Attributes that change only at assignment, so a lead's many
 * rewrites (sync state, tasks, touches, outcomes) write no index; DynamoDB allows at most 20 per index.
 * The KPIs, the board and the review read the items themselves (dynamodb-report.ts).
 */
export const DAY_ATTRIBUTES = ['leadId', 'submittedAt', 'teamId', 'ruleId'] as const;

/** What the sweeper reads of a lead whose CRM sync is not done (GSI3). */
export const SYNC_ATTRIBUTES = [
  'leadId',
  'attempt',
  'sync',
  'syncRequestedAt',
  'receivedAt',
  'tasks',
] as const;

/** Secondary indexes: leads by deadline (sweeper), by submission day (reports), by unfinished sync (sweeper). */
export const INDEXES = {
  /** Sparse: only leads whose clock runs. GSI1PK = `DUE#<yyyy-mm-dd of dueAt>#<shard>`, GSI1SK = `<dueAt ISO>#<leadId>`. */
  due: { name: 'GSI1', pk: 'GSI1PK', sk: 'GSI1SK' },
  /** GSI2PK = `DAY#<yyyy-mm-dd of submittedAt>#<shard>`, GSI2SK = `<submittedAt ISO>#<leadId>`. */
  byDay: { name: 'GSI2', pk: 'GSI2PK', sk: 'GSI2SK' },
  /** Sparse: only leads whose CRM sync is not done. GSI3PK = `SYNC#<shard>`, GSI3SK = `<first request ISO>#<leadId>`. */
  sync: { name: 'GSI3', pk: 'GSI3PK', sk: 'GSI3SK' },
} as const;

/** Everything a CreateTable call needs besides the name and billing mode. */
export const TABLE_DEFINITION = {
  AttributeDefinitions: [
    { AttributeName: 'PK', AttributeType: 'S' },
    { AttributeName: 'SK', AttributeType: 'S' },
    { AttributeName: 'GSI1PK', AttributeType: 'S' },
    { AttributeName: 'GSI1SK', AttributeType: 'S' },
    { AttributeName: 'GSI2PK', AttributeType: 'S' },
    { AttributeName: 'GSI2SK', AttributeType: 'S' },
    { AttributeName: 'GSI3PK', AttributeType: 'S' },
    { AttributeName: 'GSI3SK', AttributeType: 'S' },
  ],
  KeySchema: [
    { AttributeName: 'PK', KeyType: 'HASH' },
    { AttributeName: 'SK', KeyType: 'RANGE' },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: 'GSI1',
      KeySchema: [
        { AttributeName: 'GSI1PK', KeyType: 'HASH' },
        { AttributeName: 'GSI1SK', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...DUE_ATTRIBUTES] },
    },
    {
      IndexName: 'GSI2',
      KeySchema: [
        { AttributeName: 'GSI2PK', KeyType: 'HASH' },
        { AttributeName: 'GSI2SK', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...DAY_ATTRIBUTES] },
    },
    {
      IndexName: 'GSI3',
      KeySchema: [
        { AttributeName: 'GSI3PK', KeyType: 'HASH' },
        { AttributeName: 'GSI3SK', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...SYNC_ATTRIBUTES] },
    },
  ],
} as const;
