/**
 * `npm run review -- --month 2026-11 [--out <dir>] [--pilot team=emea-sdr --baseline 2026-10 --metric slaAttainment]
 * [--target 0.9] [--policy <policy.yaml>] [--url <url> --key <key>] [--endpoint <url>] [--table <name>]`
 * The monthly review: writes review-<month>.html (charts) and review-<month>.csv, and prints each team's
 * staffing suggestion. Reads where `npm run report` does (./source.ts): a running leadclock's
 * GET /reports/review (the local `npm start` out of the box), or the DynamoDB table.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadLeadsForPeriod } from '../adapters/dynamodb-report.ts';
import { formatReview, monthlyReview, parseReviewParams, type ReviewParams } from '../app/review.ts';
import { loadPolicy, PolicyError } from '../domain/policy.ts';
import { PILOT_METRICS, type Review } from '../domain/review.ts';
import { type CliIo, dynamoClient, processIo, resolveSource } from './source.ts';

const USAGE = `usage: npm run review -- [--month YYYY-MM] [--out <dir>] [--target 0.9]
       [--pilot <team|tier|channel|form|owner|segment|speed>=<key> --baseline YYYY-MM [--metric ${Object.keys(PILOT_METRICS).join('|')}]]
       [--policy <policy.yaml>] [--url <leadclock URL> --key <viewer key>] [--endpoint <url>] [--table <name>]
  month: the calendar month in the policy's time zone (default: last month)
  Reads a running leadclock (--url, else the local npm start), or the DynamoDB table (--endpoint/--table).`;

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
        url: { type: 'string' },
        key: { type: 'string' },
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
  const dir = resolve(str('out') ?? '.');
  const source = resolveSource(str, io.env);
  let review: Review;
  try {
    review =
      source.kind === 'http'
        ? await reviewOverHttp(source, str)
        : await reviewFromTable(source, str('policy') ?? io.env.LEADCLOCK_POLICY, parsed.value, io);
  } catch (e) {
    io.err(e instanceof PolicyError ? e.message : (e as Error).message);
    return 1;
  }
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
}

/** The review from the table, with the policy the staffing what-if replays the month through. */
async function reviewFromTable(
  source: { endpoint?: string; table: string },
  policyFile: string | undefined,
  params: ReviewParams,
  io: CliIo,
): Promise<Review> {
  const file = policyFile ?? 'config/policy.example.yaml';
  const policy = loadPolicy(readFileSync(file, 'utf8'), file);
  const db = dynamoClient(source.endpoint, io.env);
  try {
    // Whole items: the staffing what-if replays each lead's input through the policy.
    return await monthlyReview(params, policy, io.now(), (f, t) =>
      loadLeadsForPeriod(db, source.table, f, t, { whole: true }),
    );
  } catch (e) {
    throw new Error(
      `reading ${source.table}${source.endpoint ? ` at ${source.endpoint}` : ''} failed: ${(e as Error).message}`,
    );
  } finally {
    db.destroy();
  }
}

/** GET /reports/review of a running leadclock (its own policy); the HTML and CSV are drawn here. */
async function reviewOverHttp(
  source: { url: string; key?: string },
  str: (k: string) => string | undefined,
): Promise<Review> {
  if (!source.key) throw new Error('--key: the review API needs the viewer key (LEADCLOCK_KEY)');
  const q = new URLSearchParams({ format: 'json' });
  for (const k of ['month', 'target', 'pilot', 'baseline', 'metric'] as const) {
    const v = str(k);
    if (v !== undefined) q.set(k, v);
  }
  let res: Response;
  try {
    res = await fetch(`${source.url}/reports/review?${q}`, {
      headers: { authorization: `Bearer ${source.key}` },
    });
  } catch (e) {
    throw new Error(`reading ${source.url} failed: ${(e as Error).message} (is npm start running?)`);
  }
  const body = await res.text();
  if (!res.ok) throw new Error(`GET ${source.url}/reports/review: ${res.status} ${body.slice(0, 500)}`);
  return JSON.parse(body) as Review;
}

if (import.meta.main) process.exitCode = await runReview(process.argv.slice(2));
