/**
 * `npm run policy -- check <policy.yaml> [--leads <file.jsonl>] [--at <iso>] [--accounts <file.json>]`
 * Validates a policy and, given sample leads, prints tier, owner, deadline and why for each: test before going live.
 * `check --live` tests the version in use instead of a file.
 *
 * The policy is run-time configuration (shared/cli/policy-publish.ts):
 *   `npm run policy -- publish <policy.yaml>`   validate, then deploy it as a new version
 *   `npm run policy -- history`                 the versions, the live one marked
 *   `npm run policy -- rollback [--version N]`  deploy the version before the live one (or N)
 * Target: AWS AppConfig with APPCONFIG_APPLICATION, APPCONFIG_ENVIRONMENT, APPCONFIG_PROFILE and
 * APPCONFIG_STRATEGY set (the stack outputs), or `--local <file>`: the file `npm start` watches.
 * `--at` is when the leads arrive: each is routed, and its rep's clock started, at the later of its
 * submittedAt and `--at` (leads without submittedAt are submitted then).
 */

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { enrich } from '../domain/enrich.ts';
import { parseLeadInput } from '../domain/lead-input.ts';
import { checkPolicyText, PolicyError } from '../domain/policy.ts';
import { decideAll, formatDecisions } from '../domain/preview.ts';
import { audienceIssues } from '../domain/subscriptions.ts';
import { history, liveText, type PublishTarget, publish, rollback } from './policy-publish.ts';

const USAGE = `usage: npm run policy -- check <policy.yaml> [--leads <leads.jsonl>] [--at <ISO time>] [--accounts <domain-owners.json>]
       --at: when the leads arrive: each is routed and its deadline counted from the later of submittedAt and --at
       npm run policy -- check --live [--local <file>] [--leads …]
       npm run policy -- publish <policy.yaml> [--local <file>]
       npm run policy -- history [--local <file>]
       npm run policy -- rollback [--version N] [--local <file>]
AWS AppConfig is the target when APPCONFIG_APPLICATION, APPCONFIG_ENVIRONMENT, APPCONFIG_PROFILE and
APPCONFIG_STRATEGY are set (the stack outputs); --local <file> publishes to the file npm start watches.`;

function targetOf(local: string | undefined): PublishTarget | string {
  if (local) return { kind: 'local', file: local };
  const e = process.env;
  const { APPCONFIG_APPLICATION: application, APPCONFIG_ENVIRONMENT: environment } = e;
  const { APPCONFIG_PROFILE: profile, APPCONFIG_STRATEGY: strategy } = e;
  if (application && environment && profile && strategy)
    return { kind: 'appconfig', application, environment, profile, strategy };
  return 'no target: pass --local <the policy file npm start watches>, or set APPCONFIG_APPLICATION, APPCONFIG_ENVIRONMENT, APPCONFIG_PROFILE and APPCONFIG_STRATEGY (the stack outputs)';
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      leads: { type: 'string' },
      at: { type: 'string' },
      accounts: { type: 'string' },
      json: { type: 'boolean', default: false },
      live: { type: 'boolean', default: false },
      local: { type: 'string' },
      version: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, file] = positionals;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (command === 'publish' || command === 'history' || command === 'rollback') {
    const target = targetOf(values.local);
    if (typeof target === 'string') {
      console.error(target);
      return 2;
    }
    try {
      if (command === 'publish') {
        if (!file) {
          console.error(USAGE);
          return 2;
        }
        const v = await publish(target, readFileSync(file, 'utf8'), file);
        console.log(
          `${file}: valid; published as version ${v}${target.kind === 'appconfig' ? ' (deployment started)' : ` to ${target.file}`}`,
        );
      } else if (command === 'history') {
        const versions = await history(target);
        if (values.json) console.log(JSON.stringify(versions, null, 2));
        else
          for (const v of versions)
            console.log(
              `${v.live ? '*' : ' '} ${String(v.version).padStart(4)}  ${v.at ?? ''}  ${v.description ?? ''}${v.state ? ` (${v.state})` : ''}`,
            );
      } else {
        const n = values.version === undefined ? undefined : Number(values.version);
        if (n !== undefined && !Number.isInteger(n)) {
          console.error(`--version: expected a version number, got '${values.version}'`);
          return 2;
        }
        const v = await rollback(target, n);
        console.log(
          `rolled back: version ${v} is ${target.kind === 'appconfig' ? 'being deployed' : 'live'}`,
        );
      }
      return 0;
    } catch (e) {
      if (e instanceof PolicyError) {
        console.error(`${e.message}\nnothing was published`);
        return 1;
      }
      console.error((e as Error).message);
      return 1;
    }
  }
  if (command !== 'check' || (!file && !values.live)) {
    console.error(USAGE);
    return 2;
  }
  let checked: ReturnType<typeof checkPolicyText>;
  let source = file as string;
  try {
    if (values.live) {
      const target = targetOf(values.local);
      if (typeof target === 'string') {
        console.error(target);
        return 2;
      }
      const live = await liveText(target);
      source = live.source;
      checked = checkPolicyText(live.text, source);
    } else checked = checkPolicyText(readFileSync(source, 'utf8'), source);
  } catch (e) {
    if (e instanceof PolicyError) {
      console.error(e.message);
      return 1;
    }
    throw e;
  }
  const { policy, warnings } = checked;
  const unheard = audienceIssues(policy);
  if (unheard.length) {
    console.error(new PolicyError(unheard, source).message);
    return 1;
  }
  const teams = [...policy.teams.values()];
  console.log(
    `${source}: valid (${policy.mode} mode; ${policy.tiers.length} tiers, ${policy.rules.length} rules, ${teams.length} teams, ${teams.reduce((n, t) => n + t.members.length, 0)} reps, ${policy.ladder.length}-rung ladder)`,
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

process.exitCode = await main(process.argv.slice(2));
