import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = new URL('../../shared/cli/simulate.ts', import.meta.url).pathname;
const POLICY = new URL('../../config/policy.example.yaml', import.meta.url).pathname;
const SAMPLES = new URL('../../config/sample-leads.jsonl', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'leadclock-sim-'));

function run(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 20_000 });
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run simulate', () => {
  it('runs the example policy once per --reps value, prints the tables and writes the report', () => {
    // Prepare
    const out = join(dir, 'report.html');

    // Act
    const r = run([
      '--policy',
      POLICY,
      '--leads',
      '80',
      '--days',
      '2',
      '--seed',
      '3',
      '--reps',
      'emea-sdr=1,2',
      '--out',
      out,
    ]);

    // Assess
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(
      /^80 synthetic leads over 2 days from 2026-11-23; seed 3; 2 runs in \d+\.\d\ds\n/,
    );
    expect(r.stdout).toContain('run: emea-sdr=1 (seed 3)\nteam ');
    expect(r.stdout).toContain('run: emea-sdr=2 (seed 3)\nteam ');
    expect(r.stdout).toContain('comparison (attainment per team on the right)\nrun ');
    expect(r.stdout.trimEnd().endsWith(`report: ${out}`)).toBe(true);
    const html = readFileSync(out, 'utf8');
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('data-run="emea-sdr=1"');
    expect(html).toContain('data-run="emea-sdr=2"');
  });

  it('writes simulation-report.html in the working directory by default and draws the bar with --progress', () => {
    // Prepare
    const args = ['--leads', '30', '--days', '1', '--progress'];

    // Act
    const r = run(args);

    // Assess
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('100% policy as written');
    expect(readFileSync(join(dir, 'simulation-report.html'), 'utf8')).toContain(
      '<dd>30 synthetic leads over 1 days',
    );
  });

  it('replays recorded leads', () => {
    // Prepare
    const args = ['--recorded', SAMPLES, '--out', join(dir, 'recorded.html')];

    // Act
    const r = run(args);

    // Assess
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`8 recorded leads from ${SAMPLES}`);
    expect(r.stdout).toMatch(/\nall +8 /);
  });

  it('refuses a bad command line with exit code 2 and the usage', () => {
    // Prepare
    const args = ['--reps', 'nope=2', '--leads', '5'];

    // Act
    const r = run(args);

    // Assess
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe("--reps: no team 'nope' in the policy");
    expect(r.stderr).toContain('usage: npm run simulate');
  });
});
