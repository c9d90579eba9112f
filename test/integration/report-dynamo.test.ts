import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable, type LocalDynamo, startDynalite } from '../../infra/local/dynamo.ts';
import { loadLeadsForPeriod, periodSlices } from '../../shared/adapters/dynamodb-report.ts';
import { DynamoLeadStore } from '../../shared/adapters/dynamodb-store.ts';
import { SHARDS } from '../../shared/adapters/table.ts';
import { slaReport } from '../../shared/app/report.ts';
import { lead, touched } from '../unit/kpi-fixtures.ts';

const TABLE = 'leadclock-report';
const FROM = new Date('2030-01-07T00:00:00.000Z');
const TO = new Date('2030-01-09T18:00:00.000Z');

describe('periodSlices', () => {
  it('cuts a period into day partitions and equal slices, clipped to [from, to)', () => {
    // Prepare
    const from = new Date('2030-01-07T13:30:00.000Z');
    const to = new Date('2030-01-08T07:00:00.000Z');

    // Act
    const slices = periodSlices(from, to, 4);

    // Assess
    expect(slices).toEqual([
      { day: '2030-01-07', start: '2030-01-07T13:30:00.000Z', end: '2030-01-07T18:00:00.000Z' },
      { day: '2030-01-07', start: '2030-01-07T18:00:00.000Z', end: '2030-01-08T00:00:00.000Z' },
      { day: '2030-01-08', start: '2030-01-08T00:00:00.000Z', end: '2030-01-08T06:00:00.000Z' },
      { day: '2030-01-08', start: '2030-01-08T06:00:00.000Z', end: '2030-01-08T07:00:00.000Z' },
    ]);
  });
});

describe('loadLeadsForPeriod on dynalite', () => {
  let dynamo: LocalDynamo;
  let db: DynamoDBClient;
  const commands: string[] = [];

  beforeAll(async () => {
    dynamo = await startDynalite();
    db = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    db.middlewareStack.add(
      (next, context) => (args) => {
        commands.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'recordCommands' },
    );
    await ensureTable(db, TABLE);
    const store = new DynamoLeadStore(db, TABLE);
    const leads = [
      lead({ leadId: 'B1', submittedAt: '2030-01-06T23:59:59.999Z' }),
      lead({ leadId: 'F0', submittedAt: '2030-01-07T00:00:00.000Z' }),
      lead({ leadId: 'S1', submittedAt: '2030-01-07T05:59:59.999Z' }),
      lead({ leadId: 'S2', submittedAt: '2030-01-07T06:00:00.000Z' }),
      touched({
        leadId: 'M2',
        submittedAt: '2030-01-08T12:00:00.000Z',
        receivedAt: '2030-01-08T12:00:02.000Z',
        touchAt: '2030-01-08T12:03:00.000Z',
        status: 'accepted',
        acceptedAt: '2030-01-08T12:30:00.000Z',
        repeatCount: 1,
        region: 'EMEA',
        input: {
          email: 'jane@example.com',
          firstName: 'Jane',
          channel: 'demo_request',
          intent: 'demo',
          formId: 'f-1',
          formTitle: 'Book a demo',
          submittedAt: '2030-01-08T12:00:00.000Z',
          partial: false,
        },
      }),
      lead({ leadId: 'M1', submittedAt: '2030-01-08T12:00:00.000Z' }),
      lead({ leadId: 'L1', submittedAt: '2030-01-09T17:59:59.999Z' }),
      lead({ leadId: 'T0', submittedAt: '2030-01-09T18:00:00.000Z' }),
      lead({ leadId: 'A1', submittedAt: '2030-01-10T01:00:00.000Z' }),
    ];
    for (const l of leads) expect(await store.createLead(l)).toBe(true);
    // Items that share the table but are not leads: events, pointers, counters.
    await store.putEvent({
      leadId: 'M1',
      at: '2030-01-08T12:00:00.000Z',
      type: 'captured',
      ref: '0',
      data: {},
    });
    await store.claimPointer('email', 'hash-of-jane', 'M2');
    await store.takeSlot('o1', undefined, 'M2');
  });

  afterAll(async () => {
    db?.destroy();
    await dynamo?.close();
  });

  it("returns exactly the period's leads, in submission order: Queries on GSI2, then one BatchGet of the items", async () => {
    // Prepare
    commands.length = 0;

    // Act
    const leads = await loadLeadsForPeriod(db, TABLE, FROM, TO);

    // Assess
    expect(leads.map((l) => l.leadId)).toEqual(['F0', 'S1', 'S2', 'M1', 'M2', 'L1']);
    // 4 slices on the 7th and the 8th, 3 on the 9th (18:00–24:00 is past `to`), each on every one of the
    // SHARDS partitions of its day: one page each. GSI2 projects only what changes at assignment (DynamoDB
    // allows 20 attributes per index), so the KPI attributes come from one BatchGetItem per 100 leads.
    expect(commands).toEqual([...Array(11 * SHARDS).fill('QueryCommand'), 'BatchGetItemCommand']);
  });

  it('projects only what the KPIs read: no contact details, no internal keys', async () => {
    // Prepare
    const from = new Date('2030-01-08T12:00:00.000Z');
    const to = new Date('2030-01-08T12:00:00.001Z');

    // Act
    const leads = await loadLeadsForPeriod(db, TABLE, from, to);

    // Assess
    expect(leads.find((l) => l.leadId === 'M2')).toEqual({
      leadId: 'M2',
      status: 'accepted',
      tier: 't1',
      input: { channel: 'demo_request', formId: 'f-1', formTitle: 'Book a demo' },
      region: 'EMEA',
      teamId: 'emea',
      ownerId: 'o1',
      alert: false,
      submittedAt: '2030-01-08T12:00:00.000Z',
      receivedAt: '2030-01-08T12:00:02.000Z',
      dueAt: '2030-01-08T12:05:00.000Z',
      firstTouchAt: '2030-01-08T12:03:00.000Z',
      speedMs: 180_000,
      speedWallMs: 180_000,
      slaOutcome: 'met',
      breachCount: 0,
      attemptsLogged: 1,
      firstAttemptAt: '2030-01-08T12:03:00.000Z',
      acceptedAt: '2030-01-08T12:30:00.000Z',
      repeatCount: 1,
      previousOwners: [],
    });
  });

  it('pages through a slice and gives the same leads whatever the slicing', async () => {
    // Prepare
    commands.length = 0;

    // Act
    const paged = await loadLeadsForPeriod(db, TABLE, FROM, TO, { pageSize: 1, slicesPerDay: 1 });
    const pages = commands.length;
    const hourly = await loadLeadsForPeriod(db, TABLE, FROM, TO, { slicesPerDay: 24, concurrency: 4 });

    // Assess
    expect(paged.map((l) => l.leadId)).toEqual(['F0', 'S1', 'S2', 'M1', 'M2', 'L1']);
    expect(hourly.map((l) => l.leadId)).toEqual(['F0', 'S1', 'S2', 'M1', 'M2', 'L1']);
    // Days 7, 8, 9 × SHARDS partitions: a page per lead plus the last (empty, or alone) one per partition;
    // then the items' one BatchGetItem.
    expect(pages).toBe(6 + 3 * SHARDS + 1);
  });

  it('feeds the report use case', async () => {
    // Prepare
    const now = new Date('2030-01-10T00:00:00.000Z');

    // Act
    const r = await slaReport({ from: FROM, to: TO, now, groupBy: 'channel' }, (f, t) =>
      loadLeadsForPeriod(db, TABLE, f, t),
    );

    // Assess
    expect(r.groups.map((g) => [g.key, g.kpis.leads])).toEqual([
      ['demo_request', 1],
      ['form', 5],
    ]);
    expect(r.total).toMatchObject({
      leads: 6,
      touched: 1,
      slaDue: 6,
      slaMet: 1,
      overdueOpen: 5,
      accepted: 1,
      timeToAcceptanceMedianMs: 1_800_000,
      outcomeTracked: 1,
      repeatInquiries: 1,
      duplicateRate: 0.5,
    });
  });
});
