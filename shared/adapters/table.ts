/** The single-table layout, shared by the DynamoDB adapter, the local runtime and the CDK stack. */

/** Key attribute names. */
export const KEYS = { pk: 'PK', sk: 'SK' } as const;

/** Secondary indexes: leads by deadline (sweeper) and by submission day (reports). */
export const INDEXES = {
  /** Sparse: only leads whose clock runs. GSI1PK = `DUE#<yyyy-mm-dd of dueAt>`, GSI1SK = `<dueAt ISO>#<leadId>`. */
  due: { name: 'GSI1', pk: 'GSI1PK', sk: 'GSI1SK' },
  /** GSI2PK = `DAY#<yyyy-mm-dd of submittedAt>`, GSI2SK = `<submittedAt ISO>#<leadId>`. */
  byDay: { name: 'GSI2', pk: 'GSI2PK', sk: 'GSI2SK' },
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
      Projection: { ProjectionType: 'ALL' },
    },
    {
      IndexName: 'GSI2',
      KeySchema: [
        { AttributeName: 'GSI2PK', KeyType: 'HASH' },
        { AttributeName: 'GSI2SK', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
  ],
} as const;
