/**
 * The lead store's two items per lead (shared/adapters/lead-item.ts) on dynalite: what each write stores,
 * what every reader gets back, and leads written before the split read as they always did.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable, type LocalDynamo, startDynalite } from '../../infra/local/dynamo.ts';
import { AuditedLeadStore, writeTerms } from '../../shared/adapters/dynamodb-audit.ts';
import { loadLeadsForPeriod } from '../../shared/adapters/dynamodb-report.ts';
import { shardOf } from '../../shared/adapters/table.ts';
import type { LeadRecord } from '../../shared/app/ports.ts';
import { captureTerms } from '../../shared/domain/audit.ts';
import { itemSize } from '../bench/capacity.ts';
import { lead } from '../unit/kpi-fixtures.ts';

const TABLE = 'leadclock-lead-store';

/** A lead as capture stores it: the bench's lead (test/bench/capacity.ts), routed with a four-line trail. */
function captured(leadId: string, submittedAt: string, firstName = 'Cap'): LeadRecord {
  return lead({
    leadId,
    submittedAt,
    input: {
      email: `${firstName.toLowerCase()}1@company1.example`,
      firstName,
      lastName: 'Lead 1',
      company: 'Company 1',
      phone: '+4930123456',
      country: 'US',
      channel: 'form',
      intent: 'contact',
      formId: 'demo-request',
      pageUrl: 'https://www.example.com/demo',
      sourceEventId: `cap-${leadId}`,
      submittedAt,
      partial: false,
    },
    dedupeKey: `src:cap-${leadId}`,
    region: 'NA',
    domain: 'company1.example',
    tier: 'high-intent',
    reasons: ['intent contact → high-intent (15m business time)'],
    trail: [
      'no match: existing-owner, named-accounts, enterprise, emea',
      'rule na: matched → team na-sdr',
      '  nobody on shift in na-sdr; next on duty at 2030-01-07T14:00:00.000Z',
      'chosen 2001 (Sam Carter): round robin',
    ],
    ownerId: '2001',
    ownerName: 'Sam Carter',
    teamId: 'na-sdr',
    ruleId: 'na',
    calendarId: 'new-york',
    slaDueAt: '2030-01-07T14:15:00.000Z',
    systemDelayMs: 0,
    lateArrival: false,
    repeatCount: 0,
    sync: 'queued',
    syncRequestedAt: submittedAt,
    notifiedAttempt: 0,
  });
}

describe('the lead store: a state item and a detail item per lead (dynalite)', () => {
  let dynamo: LocalDynamo;
  let db: DynamoDBClient;
  let store: AuditedLeadStore;

  const raw = async (leadId: string, sk: string) => {
    const r = await db.send(
      new GetItemCommand({ TableName: TABLE, Key: { PK: { S: `LEAD#${leadId}` }, SK: { S: sk } } }),
    );
    return r.Item;
  };

  beforeAll(async () => {
    dynamo = await startDynalite();
    db = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await ensureTable(db, TABLE);
    store = new AuditedLeadStore(db, TABLE);
  });

  afterAll(async () => {
    db?.destroy();
    await dynamo?.close();
  });

  it('stores a new lead as a state item under 1 KB and a detail item, and reads it back whole', async () => {
    // Prepare
    const l = captured('LNEW1', '2030-01-07T09:00:00.000Z');

    // Act
    const created = await store.createLead(l);
    const state = await raw('LNEW1', 'LEAD');
    const detail = await raw('LNEW1', 'LEAD#DETAIL');

    // Assess
    expect(created).toBe(true);
    expect(await store.getLead('LNEW1')).toEqual(l);
    expect(itemSize(state)).toBeLessThan(1024);
    expect(unmarshall(state ?? {})).not.toHaveProperty('trail');
    expect(unmarshall(detail ?? {})).toMatchObject({ trail: l.trail, input: l.input, response: l.response });
  });

  it('writes a reassignment’s routing lines to the state item alone, and every reader gets the whole trail', async () => {
    // Prepare
    const l = captured('LNEW2', '2030-01-07T09:01:00.000Z');
    await store.createLead(l);
    const trail = [...l.trail, 'breach rung 1: reassigned', 'chosen 2002 (Alex Kim): round robin'];
    const detailBefore = await raw('LNEW2', 'LEAD#DETAIL');

    // Act
    const updated = await store.updateLead('LNEW2', { version: 1 }, { trail, ownerId: '2002', attempt: 2 });
    const fresh = new AuditedLeadStore(db, TABLE);
    const readByAnother = await fresh.getLead('LNEW2');
    const updatedByAnother = await fresh.updateLead('LNEW2', {}, { timer: 'armed' });
    const inPeriod = (
      await fresh.listSubmitted(new Date('2030-01-07T09:01:00.000Z'), new Date('2030-01-07T09:02:00.000Z'))
    )[0];

    // Assess
    expect(updated?.trail).toEqual(trail);
    expect(unmarshall((await raw('LNEW2', 'LEAD')) ?? {}).trail).toEqual(trail.slice(4));
    expect(await raw('LNEW2', 'LEAD#DETAIL')).toEqual(detailBefore);
    expect(readByAnother).toEqual({ ...l, trail, ownerId: '2002', attempt: 2, version: 2 });
    expect(updatedByAnother).toEqual({
      ...l,
      trail,
      ownerId: '2002',
      attempt: 2,
      version: 3,
      timer: 'armed',
    });
    expect(inPeriod).toEqual(updatedByAnother);
  });

  it('creates a lead over the detail item a capture left when it died between its two writes, and refuses a lead that exists', async () => {
    // Prepare
    const l = captured('LNEW3', '2030-01-07T09:02:00.000Z');
    await db.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: marshall({
          PK: 'LEAD#LNEW3',
          SK: 'LEAD#DETAIL',
          trail: ['a dead capture’s routing'],
          input: {},
        }),
      }),
    );

    // Act
    const first = await store.createLead(l);
    const again = await store.createLead({ ...l, trail: ['a second delivery’s routing'] });

    // Assess
    expect(first).toBe(true);
    expect(again).toBe(false);
    expect(await new AuditedLeadStore(db, TABLE).getLead('LNEW3')).toEqual(l);
  });

  it('reads, changes, lists and finds a lead written before the split (one whole item)', async () => {
    // Prepare: the item as the store wrote it before, with its search terms.
    const old = captured('LOLD1', '2030-01-07T09:03:00.000Z', 'Olga');
    await db.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: marshall(
          {
            PK: 'LEAD#LOLD1',
            SK: 'LEAD',
            GSI2PK: `DAY#2030-01-07#${shardOf('LOLD1')}`,
            GSI2SK: `${old.submittedAt}#LOLD1`,
            GSI3PK: `SYNC#${shardOf('LOLD1')}`,
            GSI3SK: `${old.submittedAt}#LOLD1`,
            ...old,
          },
          { removeUndefinedValues: true },
        ),
      }),
    );
    await writeTerms(db, TABLE, captureTerms(old), old.submittedAt, 'LOLD1');
    const trail = [...old.trail, 'breach rung 1: reassigned'];
    const from = new Date('2030-01-07T09:03:00.000Z');
    const to = new Date('2030-01-07T09:04:00.000Z');

    // Act
    const read = await store.getLead('LOLD1');
    const updated = await store.updateLead('LOLD1', { version: 1 }, { trail, remindAt: null });
    const listed = await store.listSubmitted(from, to);
    const unsynced = await store.findUnsynced(new Date('2030-01-08T00:00:00.000Z'));
    const kpi = await loadLeadsForPeriod(db, TABLE, from, to);
    const found = await store.searchAudit({ q: 'olga1@company1.example' }, 10);

    // Assess
    expect(read).toEqual(old);
    const after = { ...old, trail, version: 2 };
    delete after.remindAt;
    expect(updated).toEqual(after);
    expect(unmarshall((await raw('LOLD1', 'LEAD')) ?? {}).trail).toEqual(trail);
    expect(await raw('LOLD1', 'LEAD#DETAIL')).toBeUndefined();
    expect(listed).toEqual([after]);
    expect(unsynced.find((x) => x.leadId === 'LOLD1')).toEqual(after);
    expect(kpi[0]).toMatchObject({ leadId: 'LOLD1', input: { channel: 'form', formId: 'demo-request' } });
    expect(found.leads).toEqual([after]);
  });

  it('finds a new lead in the audit log with its whole record (routing explanation included)', async () => {
    // Prepare
    const l = captured('LNEW4', '2030-01-07T09:05:00.000Z', 'Nina');
    await store.createLead(l);

    // Act
    const byEmail = await store.searchAudit({ q: 'nina1@company1.example' }, 10);
    const byWord = await store.searchAudit({ q: 'nina', owners: ['2001'] }, 10);

    // Assess
    expect(byEmail.leads).toEqual([l]);
    expect(byWord.leads).toEqual([l]);
  });

  it('gives the right to create a task to one worker at a time, per task, until it is given back or expires', async () => {
    // Prepare
    await store.createLead(captured('LNEW5', '2030-01-07T09:06:00.000Z'));
    const lease = (key: string, seconds = 120) =>
      store.updateLead('LNEW5', { taskLease: { key, seconds } }, {});

    // Act
    const first = await lease('LNEW5:1');
    const second = await lease('LNEW5:1');
    const nextAttempt = await lease('LNEW5:2');
    await store.updateLead('LNEW5', {}, { taskLeaseUntil: null });
    const afterRelease = await lease('LNEW5:2', -5);
    const afterExpiry = await lease('LNEW5:2');

    // Assess
    expect(first?.taskPending).toBe('LNEW5:1');
    expect(second).toBeUndefined();
    expect(nextAttempt?.taskPending).toBe('LNEW5:2');
    expect(afterRelease?.taskPending).toBe('LNEW5:2');
    expect(afterExpiry?.taskPending).toBe('LNEW5:2');
  });
});
