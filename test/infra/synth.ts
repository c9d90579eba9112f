/** Synthesises the leadclock CDK app the way `cdk synth` does (cdk.json context), once per test file. */
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { PROJECT_ROOT } from '../../infra/constructs/leadclock-function.ts';
import { buildLeadclock, type Leadclock } from '../../infra/leadclock.ts';

/**
 * The `context` of cdk.json, as the CLI passes it to the app, with the committed example deployment
 * config in place of config/deploy.json (which each installation creates and git ignores).
 */
export const CDK_JSON_CONTEXT: Record<string, unknown> = {
  ...JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')).context,
  'leadclock:config': 'config/deploy.example.json',
};

let liveCopy: string | undefined;
/**
 * The example policy made into "your own" (one target account added), so it deploys live with its
 * subscriptions, as a real installation's policy does. The file lives as long as the test process.
 */
export function livePolicyFile(): string {
  if (liveCopy) return liveCopy;
  const text = readFileSync(join(PROJECT_ROOT, 'config/policy.example.yaml'), 'utf8');
  const changed = text.replace(
    'targetAccounts: [bigbank.example, globex.example]',
    'targetAccounts: [bigbank.example, globex.example, initech.example]',
  );
  if (changed === text) throw new Error('livePolicyFile: the example policy changed; update this helper');
  const dir = mkdtempSync(join(tmpdir(), 'leadclock-live-policy-'));
  liveCopy = join(dir, 'policy.yaml');
  writeFileSync(liveCopy, changed);
  return liveCopy;
}

/** Options of a test synth. */
export interface SynthOptions {
  /** Extra or overriding context (`leadclock:*` settings). */
  context?: Record<string, unknown>;
  /** Deploy the example policy as it is (shadow, no subscriptions) instead of a live copy of it. */
  examplePolicy?: boolean;
  /** Run esbuild for every function (slow); otherwise bundling is skipped as with `cdk synth --exclusively`. */
  bundle?: boolean;
}

const scratch: string[] = [];

/** A fresh directory under the OS temp dir, removed by `removeScratch`. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

/** Removes every directory `scratchDir` made (a linked node_modules is unlinked, never followed). */
export function removeScratch(): void {
  for (const dir of scratch.splice(0)) {
    const link = join(dir, 'node_modules');
    if (existsSync(link) && lstatSync(link).isSymbolicLink()) unlinkSync(link);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A leadclock app built with cdk.json's context, not yet synthesised. */
export function leadclockApp(opts: SynthOptions = {}): Leadclock & { app: App; outdir: string } {
  const outdir = scratchDir('leadclock-cdk-');
  const app = new App({
    outdir,
    context: {
      ...CDK_JSON_CONTEXT,
      ...(opts.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...(opts.examplePolicy ? {} : { 'leadclock:policy': livePolicyFile() }),
      ...opts.context,
    },
  });
  return { app, outdir, ...buildLeadclock(app) };
}

/** A synthesised leadclock app with both templates. */
export interface Synthesised extends Leadclock {
  app: App;
  outdir: string;
  assembly: CloudAssembly;
  statefulTemplate: Template;
  statelessTemplate: Template;
}

/** Builds and synthesises the app (cdk-nag runs as part of it and throws on any unacknowledged finding). */
export function synthLeadclock(opts: SynthOptions = {}): Synthesised {
  const built = leadclockApp(opts);
  const assembly = built.app.synth();
  const template = (stackName: string) => Template.fromJSON(assembly.getStackByName(stackName).template);
  return {
    ...built,
    assembly,
    statefulTemplate: template(built.stateful.stackName),
    statelessTemplate: template(built.stateless.stackName),
  };
}

/** Logical ids of the resources of `type` whose properties match `pred`. */
export function logicalIds(
  template: Template,
  type: string,
  pred: (props: Record<string, unknown>) => boolean = () => true,
): string[] {
  return Object.entries(template.findResources(type))
    .filter(([, r]) => pred((r as { Properties?: Record<string, unknown> }).Properties ?? {}))
    .map(([id]) => id);
}
