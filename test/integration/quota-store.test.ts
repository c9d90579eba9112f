import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable, type LocalDynamo, startDynalite } from '../../infra/local/dynamo.ts';
import { DynamoLeadStore } from '../../shared/adapters/dynamodb-store.ts';

describe('daily quotas and make-up in DynamoDB (dynalite)', () => {
  let dynamo: LocalDynamo;
  let store: DynamoLeadStore;

  beforeAll(async () => {
    dynamo = await startDynalite();
    const db = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await ensureTable(db, 'leadclock-quota');
    store = new DynamoLeadStore(db, 'leadclock-quota');
  });
  afterAll(async () => {
    await dynamo?.close();
  });

  it('counts a lead on the rep’s day only with its open slot, and refuses both at the quota', async () => {
    // Prepare
    const day = { day: '2026-11-23', max: 2 };

    // Act: five concurrent takes against a quota of two and a cap of ten.
    const taken = await Promise.all(
      Array.from({ length: 5 }, (_, i) => store.takeSlot('q1', 10, `L-quota-${i}`, day)),
    );
    const nextDay = await store.takeSlot('q1', 10, 'L-quota-next', { day: '2026-11-24', max: 2 });
    const state = await store.loadRoutingState([], ['q1']);

    // Assess
    expect(taken.filter(Boolean)).toHaveLength(2);
    expect(nextDay).toBe(true);
    expect(state.openCounts.q1).toBe(3);
    expect(state.dayCounts?.q1).toEqual({ '2026-11-23': 2, '2026-11-24': 1 });
  });

  it('keeps the make-up state with the team’s rotation', async () => {
    // Prepare
    const makeUp = { owed: { '2': 3 }, taken: { '2': { day: '2026-11-25', n: 1 } } };

    // Act
    await store.saveRotation('sales', { cursor: 1 });
    await store.saveRotation('sales', { makeUp });
    const state = await store.loadRoutingState(['sales'], []);

    // Assess
    expect(state.cursors.sales).toBe(1);
    expect(state.makeUp?.sales).toEqual(makeUp);
  });
});
