/**
 * `npm run review -- --month 2026-11 [--out <dir>] [--pilot team=emea-sdr --baseline 2026-10 --metric slaAttainment]
 * [--target 0.9] [--policy <policy.yaml>] [--endpoint <url>] [--table <name>]`
 * The monthly review: writes review-<month>.html (charts) and review-<month>.csv, and prints each team's
 * staffing suggestion. Reads leads like `npm run report` (DynamoDB endpoint and table).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadLeadsForPeriod } from '../adapters/dynamodb-report.ts';
import { formatReview, monthlyReview, parseReviewParams } from '../app/review.ts';
import { loadPolicy, PolicyError } from '../domain/policy.ts';
import { PILOT_METRICS } from '../domain/review.ts';
import type { CliIo } from './report.ts';

const USAGE = `usage: npm run review -- [--month YYYY-MM] [--out <dir>] [--target 0.9]
       [--pilot <team|tier|channel|form|owner|segment|speed>=<key> --baseline YYYY-MM [--metric ${Object.keys(PILOT_METRICS).join('|')}]]
       [--policy <policy.yaml>] [--endpoint <url>] [--table <name>]
  month: the calendar month in the policy's time zone (default: last month)`;

const processIo: CliIo = {
  out: (t) => console.log(t),
  err: (t) => console.error(t),
  env: process.env,
  now: () => new Date(),
};

/** Runs the review command; returns the exit code (0 ok, 1 failed, 2 bad usage). */
export async function runReview(argv: string[], io: CliIo = processIo): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        month: { type: 'string' },
        out: { type: 'string' },
        target: { type: 'string' },
        pilot: { type: 'string' },
        baseline: { type: 'string' },
        metric: { type: 'string' },
        policy: { type: 'string' },
        endpoint: { type: 'string' },
        table: { type: 'string' },
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
  const str = (k: string) => values[k] as string | undefined;
  const parsed = parseReviewParams((name) => (name === 'format' ? 'json' : str(name)), io.now());
  if (!parsed.ok) {
    io.err(`--${parsed.field}: ${parsed.message}\n${USAGE}`);
    return 2;
  }
  const policyFile = str('policy') ?? io.env.LEADCLOCK_POLICY ?? 'config/policy.example.yaml';
  let policy: ReturnType<typeof loadPolicy>;
  try {
    policy = loadPolicy(readFileSync(policyFile, 'utf8'), policyFile);
  } catch (e) {
    io.err(e instanceof PolicyError ? e.message : `--policy: ${(e as Error).message}`);
    return 1;
  }
  const endpoint = str('endpoint') ?? io.env.AWS_ENDPOINT_URL_DYNAMODB;
  const table = str('table') ?? io.env.TABLE_NAME ?? 'leadclock';
  const local = endpoint !== undefined && !io.env.AWS_ACCESS_KEY_ID;
  const db = new DynamoDBClient({
    ...(endpoint ? { endpoint } : {}),
    region: io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(local ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
  try {
    // Whole items: the staffing what-if replays each lead's input through the policy.
    const review = await monthlyReview(parsed.value, policy, io.now(), (f, t) =>
      loadLeadsForPeriod(db, table, f, t, { whole: true }),
    );
    const dir = resolve(str('out') ?? '.');
    mkdirSync(dir, { recursive: true });
    const html = join(dir, `review-${review.month}.html`);
    const csv = join(dir, `review-${review.month}.csv`);
    writeFileSync(html, formatReview(review, 'html').body);
    writeFileSync(csv, formatReview(review, 'csv').body);
    const t = review.total;
    io.out(
      [
        `review ${review.month} (${review.zone}): ${t.leads} leads, attainment ${t.slaAttainment === null ? '–' : `${(t.slaAttainment * 100).toFixed(1)}%`}, ${t.breached} breaches`,
        ...review.staffing.map((s) => `  ${s.suggestion}`),
        ...(review.pilot ? [`  pilot ${review.pilot.segment}: ${review.pilot.verdict}`] : []),
        `wrote ${html}`,
        `wrote ${csv}`,
      ].join('\n'),
    );
    return 0;
  } catch (e) {
    io.err(`reading ${table}${endpoint ? ` at ${endpoint}` : ''} failed: ${(e as Error).message}`);
    return 1;
  } finally {
    db.destroy();
  }
}

if (import.meta.main) process.exitCode = await runReview(process.argv.slice(2));
