import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable, type LocalDynamo, startDynalite } from '../../infra/local/dynamo.ts';
import { loadLeadsForPeriod } from '../../shared/adapters/dynamodb-report.ts';
import { DynamoLeadStore } from '../../shared/adapters/dynamodb-store.ts';
import { CSV_COLUMNS, csvHeader } from '../../shared/app/report.ts';
import type { KpiReport } from '../../shared/domain/kpi.ts';
import { runRoute } from '../../shared/http/chain.ts';
import { type ReportRouteDeps, reportRoute } from '../../shared/http/report-route.ts';
import { getEvent } from '../helpers/http-event.ts';
import { examplePolicy } from '../helpers/policy-builder.ts';
import { lead, touched } from '../unit/kpi-fixtures.ts';

const TABLE = 'leadclock-report-route';
const NOW = Date.parse('2030-01-14T12:00:00.000Z');
const KEY = 'report-key-1';
const silent = { debug() {}, info() {}, warn() {}, error() {} };

function request(query: string, auth: string | null = `Bearer ${KEY}`) {
  const e = getEvent('/reports/sla', auth ? { authorization: auth } : {});
  return { ...e, rawQueryString: query };
}

describe('GET /reports/sla', () => {
  let dynamo: LocalDynamo;
  let db: DynamoDBClient;
  let deps: ReportRouteDeps;

  beforeAll(async () => {
    dynamo = await startDynalite();
    db = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await ensureTable(db, TABLE);
    const store = new DynamoLeadStore(db, TABLE);
    for (const l of [
      touched({
        leadId: 'R1',
        submittedAt: '2030-01-08T10:00:00.000Z',
        touchAt: '2030-01-08T10:02:00.000Z',
        teamId: 'emea-sdr',
      }),
      touched({
        leadId: 'R2',
        submittedAt: '2030-01-09T10:00:00.000Z',
        touchAt: '2030-01-09T10:04:00.000Z',
        teamId: 'emea-sdr',
        status: 'rejected',
        closedAt: '2030-01-09T11:00:00.000Z',
        closeReason: '=HYPERLINK("x"), student',
      }),
      lead({ leadId: 'R3', submittedAt: '2030-01-10T10:00:00.000Z', teamId: 'na-sdr' }),
      lead({ leadId: 'R4', submittedAt: '2030-01-01T10:00:00.000Z', teamId: 'na-sdr' }),
    ])
      await store.createLead(l);
    deps = {
      auth: {
        clientSecrets: [],
        ingestKeys: [],
        viewerKeys: [KEY],
        allowLegacySignatures: false,
        queryKeyParam: 'key',
      },
      clock: { now: () => NOW },
      policy: examplePolicy(),
      log: silent,
      loadLeads: (from, to) => loadLeadsForPeriod(db, TABLE, from, to),
    };
  });

  afterAll(async () => {
    db?.destroy();
    await dynamo?.close();
  });

  it('refuses a request without a valid bearer token', async () => {
    // Prepare
    const route = reportRoute(deps);

    // Act
    const missing = await runRoute(route, request('', null));
    const wrong = await runRoute(route, request('', 'Bearer nope'));

    // Assess
    expect(missing.statusCode).toBe(401);
    expect(wrong.statusCode).toBe(401);
  });

  it.each([
    [
      'groupBy=colour',
      'groupBy',
      'groupBy: expected one of tier, channel, form, team, owner, segment, speed, none',
    ],
    ['from=2030-02-31', 'from', 'from: expected an ISO 8601 date (2030-01-07) or date-time with a zone'],
    [
      'from=2030-01-07T10:00',
      'from',
      'from: expected an ISO 8601 date (2030-01-07) or date-time with a zone',
    ],
    ['to=yesterday', 'to', 'to: expected an ISO 8601 date (2030-01-07) or date-time with a zone'],
    ['from=2030-01-14&to=2030-01-07', 'from', 'from: must be before to'],
    ['from=2028-01-01&to=2030-01-07', 'from', 'from: the period is longer than 366 days'],
    ['format=table', 'format', 'format: expected one of json, csv, html'],
  ])('answers 400 naming the field for %s', async (query, field, message) => {
    // Prepare
    const route = reportRoute(deps);

    // Act
    const res = await runRoute(route, request(query));

    // Assess
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body ?? '{}')).toEqual({ error: { code: 'invalid', message, field } });
  });

  it("reports the last 7 days by default, as JSON, with the policy's empty teams", async () => {
    // Prepare
    const route = reportRoute(deps);

    // Act
    const res = await runRoute(route, request('groupBy=team'));

    // Assess
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toBe('application/json; charset=utf-8');
    const r = JSON.parse(res.body ?? '{}') as KpiReport;
    expect([r.from, r.to, r.now]).toEqual([
      '2030-01-07T12:00:00.000Z',
      '2030-01-14T12:00:00.000Z',
      '2030-01-14T12:00:00.000Z',
    ]);
    expect(r.groups.map((g) => [g.key, g.kpis.leads])).toEqual([
      ['apac-sdr', 0],
      ['emea-overflow', 0],
      ['emea-sdr', 2],
      ['enterprise-ae', 0],
      ['na-sdr', 1],
    ]);
    expect(r.total).toMatchObject({ leads: 3, slaDue: 3, slaMet: 2, slaAttainment: 0.6667, rejected: 1 });
  });

  it('answers CSV with one row per group and a total, neutralising formula-like reasons', async () => {
    // Prepare
    const route = reportRoute(deps);

    // Act
    const res = await runRoute(route, request('from=2030-01-08&to=2030-01-11&groupBy=segment&format=csv'));

    // Assess
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': 'attachment; filename="sla-2030-01-08.csv"',
    });
    const lines = (res.body ?? '').split('\r\n');
    expect(lines[0]).toBe(
      ['group', 'label', ...CSV_COLUMNS.map(csvHeader), 'topRejectReasons', 'topRecycleReasons'].join(','),
    );
    expect(lines.map((l) => l.split(',')[0])).toEqual([
      'group',
      '(no region)',
      'APAC',
      'EMEA',
      'NA',
      '(total)',
      '',
    ]);
    expect(lines[5]?.startsWith('(total),,3,2,')).toBe(true);
    expect(lines[5]?.endsWith(`,"'=HYPERLINK(""x""), student (1)",`)).toBe(true);
  });

  it('fails loudly (500) when no lead loader was wired', async () => {
    // Prepare
    const route = reportRoute({ ...deps, loadLeads: undefined });

    // Act
    const res = await runRoute(route, request(''));

    // Assess
    expect(res.statusCode).toBe(500);
  });
});
