/**
 * `npm run report -- --from <iso> --to <iso> --group-by team [--format table|json|csv]`
 * SLA KPIs over a period, read from a DynamoDB endpoint (`--endpoint`, default AWS_ENDPOINT_URL_DYNAMODB)
 * and table (`--table`, default TABLE_NAME or `leadclock`). `--definitions` prints the KPI definitions.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadLeadsForPeriod } from '../adapters/dynamodb-report.ts';
import { formatReport, parseReportParams, policyOptions, REPORT_FORMATS, slaReport } from '../app/report.ts';
import { definitionsMarkdown, GROUP_BY } from '../domain/kpi.ts';
import { loadPolicy, PolicyError } from '../domain/policy.ts';

const USAGE = `usage: npm run report -- [--from <ISO date>] [--to <ISO date>] [--group-by ${GROUP_BY.join('|')}]
       [--format table|json|csv] [--endpoint <url>] [--table <name>] [--policy <policy.yaml>] [--definitions]
  from/to: an ISO 8601 date (UTC midnight) or date-time with a zone; the period is [from, to), the last 7 days by default`;

/** Where the CLI writes, and what it reads from its surroundings (tests pass their own). */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Record<string, string | undefined>;
  now: () => Date;
}

const processIo: CliIo = {
  out: (t) => console.log(t),
  err: (t) => console.error(t),
  env: process.env,
  now: () => new Date(),
};

/** Runs the report command; returns the exit code (0 ok, 1 failed, 2 bad usage). */
export async function runReport(argv: string[], io: CliIo = processIo): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        'group-by': { type: 'string' },
        format: { type: 'string' },
        endpoint: { type: 'string' },
        table: { type: 'string' },
        policy: { type: 'string' },
        definitions: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    io.err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (values.definitions) {
    io.out(definitionsMarkdown());
    return 0;
  }
  const str = (k: string) => values[k] as string | undefined;
  const names = { from: 'from', to: 'to', groupBy: 'group-by', format: 'format' } as const;
  const parsed = parseReportParams(
    (name) => (name === 'format' ? (str('format') ?? 'table') : str(names[name])),
    io.now(),
    REPORT_FORMATS,
  );
  if (!parsed.ok) {
    io.err(`--${names[parsed.field as keyof typeof names] ?? parsed.field}: ${parsed.message}\n${USAGE}`);
    return 2;
  }
  const { from, to, groupBy, format } = parsed.value;
  const policyFile = str('policy') ?? io.env.LEADCLOCK_POLICY;
  let options = {};
  if (policyFile) {
    try {
      options = policyOptions(loadPolicy(readFileSync(policyFile, 'utf8'), policyFile), groupBy);
    } catch (e) {
      io.err(e instanceof PolicyError ? e.message : `--policy: ${(e as Error).message}`);
      return 1;
    }
  }
  const endpoint = str('endpoint') ?? io.env.AWS_ENDPOINT_URL_DYNAMODB;
  const table = str('table') ?? io.env.TABLE_NAME ?? 'leadclock';
  const local = endpoint !== undefined && !io.env.AWS_ACCESS_KEY_ID;
  const db = new DynamoDBClient({
    ...(endpoint ? { endpoint } : {}),
    region: io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    // A local endpoint (dynalite) takes any credentials; real AWS uses the standard chain.
    ...(local ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
  try {
    const report = await slaReport({ from, to, groupBy, now: io.now(), ...options }, (f, t) =>
      loadLeadsForPeriod(db, table, f, t),
    );
    io.out(formatReport(report, format).body);
    return 0;
  } catch (e) {
    io.err(`reading ${table}${endpoint ? ` at ${endpoint}` : ''} failed: ${(e as Error).message}`);
    return 1;
  } finally {
    db.destroy();
  }
}

if (import.meta.main) process.exitCode = await runReport(process.argv.slice(2));
