/**
 * `npm run bench`: prints the project's performance figures as JSON (see README, Performance).
 * `npm run bench -- burst [--leads 5000] [--seconds 60] [--concurrency 64]`: the webinar burst.
 * `npm run bench -- faults [--leads 400] [--seconds 8] [--seed 20300107] [--only hubspot,sns,…]`: fault runs.
 * `npm run bench -- review [--leads 100000]`: the monthly review over a month of leads and outcomes.
 * `npm run bench -- runtime-config`: seconds from a policy publish or an availability change to its first lead.
 * `npm run bench -- capacity`: DynamoDB WRU/RRU per lead (table and indexes), peak WCU per key, cost.
 * `npm run bench -- wave [--leads 2000] [--workers 4]`: the morning wave of breaches (`--leads 200` for a quick run).
 * `npm run bench -- routing`: the domain figures alone (routing decision, qualify + route + deadline, clock).
 * `npm run bench -- board [--leads 10000]`: audit-log search over that many leads (100000 for the issue-17 figure, ~5 min of writes), board data for 2,000 open leads.
 */
import { parseArgs } from 'node:util';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    leads: { type: 'string' },
    seconds: { type: 'string' },
    concurrency: { type: 'string' },
    seed: { type: 'string' },
    only: { type: 'string' },
    workers: { type: 'string' },
  },
});

function num(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name}: expected a positive number, got '${text}'`);
  return n;
}

const mode = positionals[0];
let results: Record<string, unknown>;
if (mode === undefined) {
  const { benchDomain } = await import('./domain.ts');
  const { benchLive } = await import('./live.ts');
  const { benchReport } = await import('./report.ts');
  const { benchBundles } = await import('./bundles.ts');
  const { benchRuntimeConfig } = await import('./runtime-config.ts');
  results = {
    node: process.version,
    at: new Date().toISOString(),
    ...benchDomain(),
    ...(await benchLive()),
    ...(await benchReport()),
    ...(await import('./review.ts')).benchReview(),
    ...(await benchBundles()),
    ...(await benchRuntimeConfig()),
  };
} else if (mode === 'runtime-config') {
  const { benchRuntimeConfig } = await import('./runtime-config.ts');
  results = { node: process.version, at: new Date().toISOString(), ...(await benchRuntimeConfig()) };
} else if (mode === 'burst') {
  const { benchBurst } = await import('./burst.ts');
  results = {
    node: process.version,
    at: new Date().toISOString(),
    ...(await benchBurst({
      leads: num('leads', values.leads, 5000),
      seconds: num('seconds', values.seconds, 60),
      concurrency: num('concurrency', values.concurrency, 64),
    })),
  };
} else if (mode === 'faults') {
  const { benchFaults } = await import('./faults.ts');
  results = {
    node: process.version,
    at: new Date().toISOString(),
    ...(await benchFaults({
      leads: num('leads', values.leads, 400),
      seconds: num('seconds', values.seconds, 8),
      seed: num('seed', values.seed, 20300107),
      only: values.only?.split(',').map((s) => s.trim()),
    })),
  };
} else if (mode === 'board') {
  const { benchBoard } = await import('./board.ts');
  results = {
    node: process.version,
    at: new Date().toISOString(),
    ...(await benchBoard({ leads: num('leads', values.leads, 10_000) })),
  };
} else if (mode === 'review') {
  const { benchReview } = await import('./review.ts');
  results = {
    node: process.version,
    at: new Date().toISOString(),
    ...benchReview(num('leads', values.leads, 100_000)),
  };
} else if (mode === 'capacity') {
  const { benchCapacity } = await import('./capacity.ts');
  results = { node: process.version, at: new Date().toISOString(), ...(await benchCapacity()) };
} else if (mode === 'wave') {
  const { benchWave } = await import('./wave.ts');
  results = {
    node: process.version,
    at: new Date().toISOString(),
    ...(await benchWave({
      leads: num('leads', values.leads, 2000),
      workers: num('workers', values.workers, 4),
    })),
  };
} else if (mode === 'routing') {
  const { benchDomain } = await import('./domain.ts');
  results = { node: process.version, at: new Date().toISOString(), ...benchDomain() };
} else {
  throw new Error(
    `unknown bench '${mode}': expected no argument, 'burst', 'faults', 'routing', 'review', 'runtime-config', 'capacity', 'wave' or 'board'`,
  );
}
console.log(JSON.stringify(results, null, 2));
