/**
 * `npm run simulate -- --leads N --days D --policy <file> [--reps team=K[,K…] …] [--seed S] [--out report.html]
 * [--recorded leads.jsonl]`: what-if runs of a policy in simulated time. Prints a table per run (and a
 * comparison), writes a self-contained HTML report. `--help` lists the model knobs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Policy } from '../domain/compile.ts';
import { formatDuration } from '../domain/duration.ts';
import { INTENTS, type LeadInput } from '../domain/lead.ts';
import { parseLeadInput } from '../domain/lead-input.ts';
import { loadPolicy, PolicyError } from '../domain/policy.ts';
import {
  DEFAULT_TOUCH,
  formatResults,
  type Scenario,
  type SimulationResult,
  simulate,
  staffingGrid,
  staffScenario,
} from '../domain/simulate.ts';
import { renderReport } from '../domain/simulate-report.ts';
import {
  DEFAULT_ARRIVAL,
  DEFAULT_MIX,
  DEFAULT_START,
  generateLeads,
  type SyntheticStream,
} from '../domain/simulate-stream.ts';

const USAGE = `usage: npm run simulate -- [options]
  --policy <file>          policy YAML (default: config/policy.example.yaml)
  --leads <N>              synthetic leads (default 1000)
  --days <D>               days the leads arrive over (default 5)
  --start <YYYY-MM-DD>     first day (default ${DEFAULT_START}, a Monday)
  --seed <S>               integer seed (default 1); same seed, same run
  --reps <team=K[,K…]>     replace the team with K synthetic reps; a list runs once per value,
                           several --reps run every combination
  --recorded <file.jsonl>  replay normalised leads (with submittedAt) instead of synthetic ones
  --out <file.html>        HTML report (default simulation-report.html)
  --touch-median <dur>     median handling time per lead, e.g. 3m, 90s, PT2M (default 3m)
  --touch-sigma <x>        lognormal shape of handling times, 0 = always the median (default 0.6)
  --rep-median <id=dur>    a rep's own median (repeatable)
  --arrival <24 weights>   comma-separated relative arrivals per local hour 0–23
  --weekend <x>            weekend day weight against a weekday (default 0.15)
  --intents <i=w,…>        intent mix, e.g. demo=0.3,contact=0.2,content=0.5
  --regions <r=w,…>        region mix over the policy's regions; 'other' = unmapped country
  --report-zone <tz>       zone of the by-hour chart (default: the policy's default calendar)
  --progress               show the progress bar even when stderr is not a terminal
  --json                   print the results as JSON instead of tables`;

/** Raised for a bad command line; printed with the usage, exit code 2. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

function main(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      policy: { type: 'string' },
      leads: { type: 'string', default: '1000' },
      days: { type: 'string', default: '5' },
      start: { type: 'string', default: DEFAULT_START },
      seed: { type: 'string', default: '1' },
      reps: { type: 'string', multiple: true, default: [] },
      recorded: { type: 'string' },
      out: { type: 'string', default: 'simulation-report.html' },
      'touch-median': { type: 'string' },
      'touch-sigma': { type: 'string' },
      'rep-median': { type: 'string', multiple: true, default: [] },
      arrival: { type: 'string' },
      weekend: { type: 'string' },
      intents: { type: 'string' },
      regions: { type: 'string' },
      'report-zone': { type: 'string' },
      progress: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const policyFile = values.policy ?? new URL('../../config/policy.example.yaml', import.meta.url).pathname;
  let policy: Policy;
  try {
    policy = loadPolicy(readFileSync(policyFile, 'utf8'), policyFile);
  } catch (e) {
    if (e instanceof PolicyError) {
      console.error(e.message);
      return 1;
    }
    throw e;
  }

  const seed = int('--seed', values.seed, Number.MIN_SAFE_INTEGER);
  const touch = {
    medianMs: values['touch-median']
      ? duration('--touch-median', values['touch-median'])
      : DEFAULT_TOUCH.medianMs,
    sigma: values['touch-sigma'] ? num('--touch-sigma', values['touch-sigma']) : DEFAULT_TOUCH.sigma,
    medianByOwner: Object.fromEntries(
      values['rep-median'].map((kv) => {
        const [id, d] = pair('--rep-median', kv);
        return [id, duration('--rep-median', d)];
      }),
    ),
  };
  if (touch.sigma < 0) throw new UsageError('--touch-sigma: expected a number ≥ 0');

  let leads: LeadInput[];
  let streamText: string;
  if (values.recorded) {
    leads = readRecorded(values.recorded);
    streamText = `${leads.length} recorded leads from ${values.recorded}`;
  } else {
    const stream: SyntheticStream = {
      leads: int('--leads', values.leads, 0),
      days: int('--days', values.days, 1),
      start: values.start,
      arrival: {
        hourWeights: values.arrival
          ? values.arrival.split(',').map((w) => num('--arrival', w))
          : DEFAULT_ARRIVAL.hourWeights,
        weekendFactor: values.weekend ? num('--weekend', values.weekend) : DEFAULT_ARRIVAL.weekendFactor,
      },
      mix: {
        ...DEFAULT_MIX,
        ...(values.intents ? { intents: weights('--intents', values.intents, INTENTS) } : {}),
        ...(values.regions ? { regions: weights('--regions', values.regions) } : {}),
      },
    };
    try {
      leads = generateLeads(policy, stream, seed);
    } catch (e) {
      if (e instanceof RangeError) throw new UsageError(e.message);
      throw e;
    }
    streamText = `${stream.leads} synthetic leads over ${stream.days} days from ${stream.start}`;
  }

  const grid: Record<string, number[]> = {};
  for (const spec of values.reps) {
    const [team, list] = pair('--reps', spec);
    grid[team] = list.split(',').map((k) => int('--reps', k, 1));
  }
  const base: Scenario = { label: 'policy as written', policy, touch };
  let scenarios: Scenario[];
  try {
    scenarios = staffingGrid(grid).map((staffing) => staffScenario(base, staffing));
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
  if (scenarios.length > 64) throw new UsageError(`--reps: ${scenarios.length} runs; at most 64`);

  const showProgress = values.progress || process.stderr.isTTY === true;
  const bar = progressBar(scenarios.length * leads.length, showProgress);
  const started = performance.now();
  let results: SimulationResult[];
  try {
    results = scenarios.map((s, i) =>
      simulate(s, leads, {
        seed,
        reportZone: values['report-zone'],
        onProgress: (done) => bar(i * leads.length + done, s.label),
      }),
    );
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
  bar.done();
  const seconds = ((performance.now() - started) / 1000).toFixed(2);

  const out = resolve(values.out);
  writeFileSync(
    out,
    renderReport(results, [
      ['policy', policyFile],
      ['leads', streamText],
      ['seed', String(seed)],
      [
        'handling time',
        `lognormal, median ${formatDuration(touch.medianMs)}, sigma ${touch.sigma}${
          Object.keys(touch.medianByOwner).length
            ? `; own medians: ${Object.entries(touch.medianByOwner)
                .map(([id, ms]) => `${id} ${formatDuration(ms)}`)
                .join(', ')}`
            : ''
        }`,
      ],
      [
        'model',
        'one lead at a time per rep, earliest deadline first, only in the rep’s open hours; queues are not worked',
      ],
    ]),
  );
  if (values.json)
    console.log(
      JSON.stringify(
        results.map(({ outcomes: _, ...r }) => r),
        null,
        2,
      ),
    );
  else {
    console.log(
      `${streamText}; seed ${seed}; ${scenarios.length} run${scenarios.length === 1 ? '' : 's'} in ${seconds}s\n`,
    );
    console.log(formatResults(results));
    console.log(`\nreport: ${out}`);
  }
  return 0;
}

/** A progress bar on stderr, redrawn at most once per percent. */
function progressBar(
  total: number,
  enabled: boolean,
): ((done: number, label: string) => void) & { done(): void } {
  let last = -1;
  const draw = (done: number, label: string) => {
    if (!enabled || total === 0) return;
    const pct = Math.floor((done / total) * 100);
    if (pct === last) return;
    last = pct;
    const width = 30;
    const fill = Math.round((pct / 100) * width);
    process.stderr.write(
      `\r[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${String(pct).padStart(3)}% ${label}\x1b[K`,
    );
  };
  return Object.assign(draw, {
    done() {
      if (enabled && total > 0) process.stderr.write('\n');
    },
  });
}

function readRecorded(file: string): LeadInput[] {
  const leads: LeadInput[] = [];
  const problems: string[] = [];
  for (const [i, line] of readFileSync(file, 'utf8').split('\n').entries()) {
    if (!line.trim()) continue;
    let body: unknown;
    try {
      body = JSON.parse(line);
    } catch {
      problems.push(`${file}:${i + 1}: not valid JSON`);
      continue;
    }
    if (typeof body !== 'object' || body === null || !('submittedAt' in body)) {
      problems.push(`${file}:${i + 1}: submittedAt is required to replay a lead`);
      continue;
    }
    const parsed = parseLeadInput(body, new Date(0));
    if ('errors' in parsed)
      problems.push(`${file}:${i + 1}: ${parsed.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
    else leads.push(parsed.lead);
  }
  if (problems.length) throw new UsageError(problems.join('\n'));
  return leads;
}

function int(flag: string, text: string, min: number): number {
  const n = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min)
    throw new UsageError(
      `${flag}: expected a whole number${min > Number.MIN_SAFE_INTEGER ? ` ≥ ${min}` : ''}, got '${text}'`,
    );
  return n;
}

function num(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n))
    throw new UsageError(`${flag}: expected a number, got '${text}'`);
  return n;
}

/** `3m`, `90s`, `1h30m`, `500ms`, or ISO 8601 (`PT3M`). */
function duration(flag: string, text: string): number {
  const iso = /^P/i.test(text) ? isoDuration(text.toUpperCase()) : undefined;
  if (iso !== undefined) return iso;
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text)
    throw new UsageError(`${flag}: expected a duration such as 3m, 90s or PT3M, got '${text}'`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * unit[p[2] as keyof typeof unit], 0);
  if (!(ms > 0)) throw new UsageError(`${flag}: expected a positive duration, got '${text}'`);
  return Math.round(ms);
}

function isoDuration(text: string): number | undefined {
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$/.exec(text);
  if (!m || text === 'PT') return undefined;
  return Number(m[1] ?? 0) * 3_600_000 + Number(m[2] ?? 0) * 60_000 + Math.round(Number(m[3] ?? 0) * 1000);
}

function pair(flag: string, text: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0 || at === text.length - 1) throw new UsageError(`${flag}: expected key=value, got '${text}'`);
  return [text.slice(0, at), text.slice(at + 1)];
}

function weights<K extends string>(flag: string, text: string, allowed?: readonly K[]): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const kv of text.split(',')) {
    const [k, v] = pair(flag, kv);
    if (allowed && !(allowed as readonly string[]).includes(k))
      throw new UsageError(`${flag}: '${k}' is not one of ${allowed.join(', ')}`);
    out[k as K] = num(flag, v);
  }
  return out;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  if (e instanceof Error && 'code' in e && e.code === 'ENOENT') {
    console.error(e.message);
    process.exitCode = 1;
  } else {
    if (
      !(
        e instanceof UsageError ||
        (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))
      )
    )
      throw e;
    console.error(`${e.message}\n\n${USAGE}`);
    process.exitCode = 2;
  }
}
