/**
 * `npm run report` against a running `npm start`, out of the box: npm start leaves its URL and key in its
 * local file, and the report reads GET /reports/sla the way the board does (no DynamoDB endpoint given).
 */
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliIo, runReport } from '../../shared/cli/report.ts';
import { runReview } from '../../shared/cli/review.ts';
import type { KpiReport } from '../../shared/domain/kpi.ts';
import { api, type LeadclockProcess, startLeadclock } from './leadclock-process.ts';

describe('npm run report against npm start', () => {
  let lc: LeadclockProcess;
  const localFile = join(mkdtempSync(join(tmpdir(), 'leadclock-report-')), 'local.json');
  async function run(args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      // No endpoint, no table, no URL: only what npm start left behind.
      env: { LEADCLOCK_LOCAL_FILE: localFile },
      now: () => new Date(),
    };
    const code = await runReport(args, io);
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  beforeAll(async () => {
    lc = await startLeadclock({
      LEADCLOCK_QUIET: '1',
      LEADCLOCK_POLICY: 'test/fixtures/policies/breach.yaml',
      LEADCLOCK_LOCAL_FILE: localFile,
    });
    for (const [first, country] of [
      ['Rhea', 'DE'],
      ['Remy', 'US'],
    ] as const) {
      const r = await api(lc, 'POST', '/leads', {
        email: `${first.toLowerCase()}.${Date.now()}@report.example`,
        firstName: first,
        lastName: 'Report',
        country,
        channel: 'form',
        intent: 'content',
      });
      expect(r.status).toBe(202);
    }
  });
  afterAll(async () => {
    expect(await lc?.stop(5000)).toBe(0);
    // Assess: the file goes with the run.
    expect(existsSync(localFile)).toBe(false);
  });

  it('finds the running npm start and reads today as one day, grouped by owner with rep names', async () => {
    // Prepare
    const today = new Date().toISOString().slice(0, 10);
    expect(statSync(localFile).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(localFile, 'utf8'))).toEqual({ url: lc.url, key: lc.viewerKey });

    // Act
    const json = await run(['--from', today, '--to', today, '--group-by', 'owner', '--format', 'json']);
    const csv = await run(['--from', today, '--to', today, '--group-by', 'owner', '--format', 'csv']);
    const table = await run(['--from', today, '--to', today]);

    // Assess
    expect(json.err).toBe('');
    expect(json.code).toBe(0);
    const report = JSON.parse(json.out) as KpiReport;
    expect(report.from).toBe(`${today}T00:00:00.000Z`);
    expect(Date.parse(report.to) - Date.parse(report.from)).toBe(86_400_000);
    expect(report.total.leads).toBe(2);
    expect(report.groups.find((g) => g.key === '601')?.label).toBe('Solo Rep');
    expect(csv.code).toBe(0);
    expect(csv.out.split('\r\n')[0]).toContain('speedBusinessMedian,');
    expect(csv.out).toContain('601,Solo Rep,1,');
    expect(table.code).toBe(0);
    expect(table.out).toContain('SLA report');
  });

  it('writes an HTML report with the charts', async () => {
    // Prepare
    const out = join(tmpdir(), `leadclock-report-${Date.now()}.html`);

    // Act
    const r = await run(['--format', 'html', '--out', out]);

    // Assess
    expect(r.code).toBe(0);
    const html = readFileSync(out, 'utf8');
    for (const title of [
      'Attainment by hour of day',
      'Attainment by weekday',
      'Speed-to-lead distribution',
      'Breaches by rep',
      'Breaches by tier',
      'Top reject reasons by source',
      'Top recycle reasons by source',
    ])
      expect(html).toContain(title);
    expect(html).not.toContain('<script');
  });

  it('npm run review reads the running npm start too, and writes the HTML and CSV of the month', async () => {
    // Prepare
    const month = new Date().toISOString().slice(0, 7);
    const dir = mkdtempSync(join(tmpdir(), 'leadclock-review-start-'));
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      env: { LEADCLOCK_LOCAL_FILE: localFile },
      now: () => new Date(),
    };

    // Act
    const code = await runReview(['--month', month, '--out', dir], io);

    // Assess: the server's review (its policy, its data), drawn here.
    expect(err.join('\n')).toBe('');
    expect(code).toBe(0);
    const csv = readFileSync(join(dir, `review-${month}.csv`), 'utf8').split('\r\n');
    expect(csv.find((l) => l.startsWith('total,'))?.split(',')[2]).toBe('2');
    expect(readFileSync(join(dir, `review-${month}.html`), 'utf8')).toContain(`monthly review: ${month}`);
  });
});
