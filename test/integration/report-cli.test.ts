import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable, type LocalDynamo, startDynalite } from '../../infra/local/dynamo.ts';
import { DynamoLeadStore } from '../../shared/adapters/dynamodb-store.ts';
import { type CliIo, runReport } from '../../shared/cli/report.ts';
import { definitionsMarkdown, type KpiReport } from '../../shared/domain/kpi.ts';
import { lead, touched } from '../unit/kpi-fixtures.ts';

const TABLE = 'leadclock-report-cli';
const NOW = new Date('2030-01-20T00:00:00.000Z');

describe('npm run report', () => {
  let dynamo: LocalDynamo;
  let db: DynamoDBClient;

  beforeAll(async () => {
    dynamo = await startDynalite();
    db = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await ensureTable(db, TABLE);
    const store = new DynamoLeadStore(db, TABLE);
    await store.createLead(
      touched({
        leadId: 'C1',
        submittedAt: '2030-01-08T10:00:00.000Z',
        touchAt: '2030-01-08T10:04:30.000Z',
        teamId: 'emea-sdr',
      }),
    );
    await store.createLead(
      lead({
        leadId: 'C2',
        submittedAt: '2030-01-09T10:00:00.000Z',
        teamId: 'na-sdr',
        status: 'recycled',
        closedAt: '2030-01-09T12:00:00.000Z',
        closeReason: 'BAD_TIMING',
      }),
    );
  });

  afterAll(async () => {
    db?.destroy();
    await dynamo?.close();
  });

  /** Runs the CLI against dynalite (through the environment, as `npm run report` would) and captures what it prints. */
  async function run(args: string[], env: Record<string, string> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      env: { AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint, TABLE_NAME: TABLE, ...env },
      now: () => NOW,
    };
    const code = await runReport(args, io);
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('prints a table per team', async () => {
    // Prepare
    const args = ['--from', '2030-01-07', '--to', '2030-01-14', '--group-by', 'team'];

    // Act
    const r = await run(args);

    // Assess
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe(
      'SLA report 2030-01-07T00:00:00.000Z → 2030-01-14T00:00:00.000Z (submitted; as of 2030-01-20T00:00:00.000Z), by team',
    );
    expect(lines.slice(4, 7).map((l) => l.split(/\s{2,}/).slice(0, 8))).toEqual([
      ['emea-sdr', '1', '4m 30s', '4m 30s', '4m 30s', '4m 30s', '100.0%', '1'],
      ['na-sdr', '1', '–', '–', '–', '–', '0.0%', '1'],
      ['(total)', '2', '4m 30s', '4m 30s', '4m 30s', '4m 30s', '50.0%', '2'],
    ]);
    expect(lines.at(-1)).toBe('top recycle reasons: BAD_TIMING (1)');
  });

  it('prints JSON and CSV, with the endpoint and table given as flags', async () => {
    // Prepare
    const flags = [
      '--from',
      '2030-01-07',
      '--to',
      '2030-01-14',
      '--endpoint',
      dynamo.endpoint,
      '--table',
      TABLE,
    ];

    // Act
    const json = await run([...flags, '--format', 'json'], {
      AWS_ENDPOINT_URL_DYNAMODB: '',
      TABLE_NAME: 'nope',
    });
    const csv = await run([...flags, '--format', 'csv', '--group-by', 'tier']);

    // Assess
    expect(json.code).toBe(0);
    const report = JSON.parse(json.out) as KpiReport;
    expect(report.total).toMatchObject({ leads: 2, recycled: 1, prematureRecycles: 1 });
    expect(csv.code).toBe(0);
    expect(csv.out.split('\r\n').map((l) => l.split(',').slice(0, 3))).toEqual([
      ['group', 'label', 'leads'],
      ['t1', '', '2'],
      ['(total)', '', '2'],
      [''],
    ]);
  });

  it('lists the policy teams, empty ones included, with --policy', async () => {
    // Prepare
    const args = ['--from', '2030-01-07', '--to', '2030-01-14', '--group-by', 'team', '--format', 'json'];

    // Act
    const r = await run([...args, '--policy', 'config/policy.example.yaml']);

    // Assess
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as KpiReport).groups.map((g) => g.key)).toEqual([
      'apac-sdr',
      'emea-overflow',
      'emea-sdr',
      'enterprise-ae',
      'na-sdr',
    ]);
  });

  it('refuses bad arguments with exit code 2, naming the flag', async () => {
    // Prepare
    const bad = [['--group-by', 'colour'], ['--format', 'xml'], ['--from', '07/01/2030'], ['--nope']];

    // Act
    const results = await Promise.all(bad.map((args) => run(args)));

    // Assess
    expect(results.map((r) => r.code)).toEqual([2, 2, 2, 2]);
    expect(results.map((r) => r.err.split('\n')[0])).toEqual([
      '--group-by: expected one of tier, channel, form, team, owner, segment, speed, none',
      '--format: expected one of json, csv, table, html',
      '--from: expected an ISO 8601 date (2030-01-07) or date-time with a zone',
      "Unknown option '--nope'",
    ]);
  });

  it('prints the KPI definitions as Markdown', async () => {
    // Prepare
    const args = ['--definitions'];

    // Act
    const r = await run(args);

    // Assess
    expect(r.code).toBe(0);
    expect(r.out).toBe(definitionsMarkdown());
  });

  it('exits 1 naming the table and endpoint when DynamoDB cannot be read', async () => {
    // Prepare
    const args = ['--table', 'missing-table'];

    // Act
    const r = await run(args);

    // Assess
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^reading missing-table at ${dynamo.endpoint} failed: `));
  });
});
