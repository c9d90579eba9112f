/**
 * `npm run policy -- check <policy.yaml> [--leads <file.jsonl>] [--at <iso>] [--accounts <file.json>]`
 * Validates a policy and, given sample leads, prints tier, owner, deadline and why for each: test before going live.
 * `--at` is when the leads arrive: each is routed, and its rep's clock started, at the later of its
 * submittedAt and `--at` (leads without submittedAt are submitted then).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { enrich } from '../domain/enrich.ts';
import { parseLeadInput } from '../domain/lead-input.ts';
import { checkPolicyText, PolicyError } from '../domain/policy.ts';
import { decideAll, formatDecisions } from '../domain/preview.ts';

const USAGE = [
  'usage: npm run policy -- check <policy.yaml> [--leads <leads.jsonl>] [--at <ISO time>] [--accounts <domain-owners.json>]',
  '  --at  when the leads arrive: each is routed and its deadline counted from the later of submittedAt and --at',
].join('\n');

function main(argv: string[]): number {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      leads: { type: 'string' },
      at: { type: 'string' },
      accounts: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, file] = positionals;
  if (values.help || command !== 'check' || !file) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  let checked: ReturnType<typeof checkPolicyText>;
  try {
    checked = checkPolicyText(readFileSync(file, 'utf8'), file);
  } catch (e) {
    if (e instanceof PolicyError) {
      console.error(e.message);
      return 1;
    }
    throw e;
  }
  const { policy, warnings } = checked;
  const teams = [...policy.teams.values()];
  console.log(
    `${file}: valid (${policy.mode} mode; ${policy.tiers.length} tiers, ${policy.rules.length} rules, ${teams.length} teams, ${teams.reduce((n, t) => n + t.members.length, 0)} reps, ${policy.ladder.length}-rung ladder)`,
  );
  printWarnings(warnings.map((w) => `${w.path}${w.line ? ` (line ${w.line})` : ''}: ${w.message}`));
  if (!values.leads) return 0;

  const at = values.at === undefined ? undefined : Date.parse(values.at);
  if (at !== undefined && Number.isNaN(at)) {
    console.error(`--at: '${values.at}' is not an ISO 8601 date-time`);
    return 2;
  }
  const accounts: Record<string, string> = values.accounts
    ? JSON.parse(readFileSync(values.accounts, 'utf8'))
    : {};
  const leads = [];
  let bad = 0;
  for (const [i, line] of readFileSync(values.leads, 'utf8').split('\n').entries()) {
    if (!line.trim()) continue;
    let body: unknown;
    try {
      body = JSON.parse(line);
    } catch {
      console.error(`${values.leads}:${i + 1}: not valid JSON`);
      bad++;
      continue;
    }
    const parsed = parseLeadInput(body, new Date(at ?? Date.now()));
    if ('errors' in parsed) {
      console.error(
        `${values.leads}:${i + 1}: ${parsed.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
      );
      bad++;
      continue;
    }
    leads.push(parsed.lead);
  }
  if (at !== undefined && !values.json)
    console.log(
      `--at ${new Date(at).toISOString()}: each lead is routed, and its rep's clock started, at the later of its submittedAt and this instant`,
    );
  const decisions = decideAll(policy, leads, { at, accountOwnerOf: (d) => accounts[d] });
  console.log(values.json ? JSON.stringify(decisions, null, 2) : formatDecisions(decisions));
  const unmapped = new Map<string, number>();
  for (const l of leads) {
    const facts = enrich(policy, l);
    if (facts.unmappedIntent)
      unmapped.set(facts.unmappedIntent, (unmapped.get(facts.unmappedIntent) ?? 0) + 1);
  }
  printWarnings(
    [...unmapped].map(
      ([said, n]) =>
        `intents: '${said}' (${n} lead${n === 1 ? '' : 's'}) is not a known intent and no synonym maps it, so it is treated as other; add it under intents`,
    ),
  );
  return bad ? 1 : 0;
}

function printWarnings(lines: readonly string[]): void {
  if (lines.length === 0) return;
  console.log(`${lines.length} warning${lines.length === 1 ? '' : 's'}:`);
  for (const l of lines) console.log(`  warning: ${l}`);
}

process.exitCode = main(process.argv.slice(2));
