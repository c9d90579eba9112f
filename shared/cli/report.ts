/**
 * `npm run report -- --from <date> --to <date> --group-by team [--format table|json|csv|html] [--out file]`
 * SLA KPIs over a period. Where it reads, first match wins:
 *  1. `--url` / LEADCLOCK_URL (+ `--key` / LEADCLOCK_KEY): GET /reports/sla of a running leadclock, the way
 *     the board reaches it;
 *  2. `--endpoint` / AWS_ENDPOINT_URL_DYNAMODB or `--table` / TABLE_NAME: the DynamoDB table directly;
 *  3. the running `npm start` on this machine (its URL and key in .leadclock/local.json, or
 *     LEADCLOCK_LOCAL_FILE), so `npm run report` works against `npm start` out of the box;
 *  4. the `leadclock` table in AWS.
 * `--from X --to X` with the same date is that whole day; dates are midnight in `--tz` (UTC by default).
 * `--definitions` prints the KPI definitions.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadLeadsForPeriod } from '../adapters/dynamodb-report.ts';
import { formatReport, fullReport, parseReportParams, policyOptions, REPORT_FORMATS } from '../app/report.ts';
import { definitionsMarkdown, GROUP_BY, type KpiReport } from '../domain/kpi.ts';
import { loadPolicy, PolicyError } from '../domain/policy.ts';
import { type CliIo, dynamoClient, processIo, resolveSource } from './source.ts';

export { LOCAL_FILE } from './source.ts';

const USAGE = `usage: npm run report -- [--from <ISO date>] [--to <ISO date>] [--group-by ${GROUP_BY.join('|')}]
       [--format table|json|csv|html] [--out <file>] [--tz <IANA zone>] [--url <leadclock URL> --key <key>]
       [--endpoint <url>] [--table <name>] [--policy <policy.yaml>] [--definitions]
  from/to: an ISO 8601 date (midnight in --tz, UTC by default) or date-time with a zone; the period is
  [from, to), the last 7 days by default; --from X --to X (the same date) is that whole day.
  Reads a running leadclock (--url, else the local npm start), or the DynamoDB table (--endpoint/--table).`;

export type { CliIo } from './source.ts';

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
        tz: { type: 'string' },
        url: { type: 'string' },
        key: { type: 'string' },
        out: { type: 'string' },
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
  const names = { from: 'from', to: 'to', groupBy: 'group-by', format: 'format', tz: 'tz' } as const;
  const parsed = parseReportParams(
    (name) => (name === 'format' ? (str('format') ?? 'table') : str(names[name])),
    io.now(),
    REPORT_FORMATS,
  );
  if (!parsed.ok) {
    io.err(`--${names[parsed.field as keyof typeof names] ?? parsed.field}: ${parsed.message}\n${USAGE}`);
    return 2;
  }
  const { from, to, groupBy, format, zone } = parsed.value;
  const write = (body: string) => {
    const out = str('out');
    if (out) {
      writeFileSync(out, body);
      io.out(`wrote ${out}`);
    } else io.out(body);
  };
  const source = resolveSource(str, io.env);
  if (source.kind === 'http')
    return reportOverHttp(io, { url: source.url, key: source.key, from, to, groupBy, format, zone }, write);

  const policyFile = str('policy') ?? io.env.LEADCLOCK_POLICY;
  let options = {};
  let policy: ReturnType<typeof loadPolicy> | undefined;
  if (policyFile) {
    try {
      policy = loadPolicy(readFileSync(policyFile, 'utf8'), policyFile);
      options = policyOptions(policy, groupBy);
    } catch (e) {
      io.err(e instanceof PolicyError ? e.message : `--policy: ${(e as Error).message}`);
      return 1;
    }
  }
  const { table, endpoint } = source;
  const db = dynamoClient(endpoint, io.env);
  try {
    const { report, charts } = await fullReport(
      { from, to, groupBy, now: io.now(), ...options },
      (f, t) => loadLeadsForPeriod(db, table, f, t),
      { format, zone, policy },
    );
    write(formatReport(report, format, charts).body);
    return 0;
  } catch (e) {
    io.err(`reading ${table}${endpoint ? ` at ${endpoint}` : ''} failed: ${(e as Error).message}`);
    return 1;
  } finally {
    db.destroy();
  }
}

/** Reads GET /reports/sla of a running leadclock (JSON, formatted here; HTML as the server draws it). */
async function reportOverHttp(
  io: CliIo,
  o: { url: string; key?: string; from: Date; to: Date; groupBy: string; format: string; zone: string },
  write: (body: string) => void,
): Promise<number> {
  if (!o.key) {
    io.err(`--key: the report API needs the viewer/ingest key (LEADCLOCK_KEY)\n${USAGE}`);
    return 2;
  }
  const q = new URLSearchParams({
    from: o.from.toISOString(),
    to: o.to.toISOString(),
    groupBy: o.groupBy,
    tz: o.zone,
    format: o.format === 'html' || o.format === 'csv' ? o.format : 'json',
  });
  const base = o.url.replace(/\/+$/, '');
  try {
    const res = await fetch(`${base}/reports/sla?${q}`, { headers: { authorization: `Bearer ${o.key}` } });
    const body = await res.text();
    if (!res.ok) {
      io.err(`GET ${base}/reports/sla: ${res.status} ${body.slice(0, 500)}`);
      return 1;
    }
    write(
      o.format === 'table' || o.format === 'json'
        ? formatReport(JSON.parse(body) as KpiReport, o.format as 'table').body
        : body,
    );
    return 0;
  } catch (e) {
    io.err(`reading ${base} failed: ${(e as Error).message} (is npm start running?)`);
    return 1;
  }
}

if (import.meta.main) process.exitCode = await runReport(process.argv.slice(2));
