/** Synthesises the leadclock CDK app the way `cdk synth` does (cdk.json context), once per test file. */
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { PROJECT_ROOT } from '../../infra/constructs/leadclock-function.ts';
import { buildLeadclock, type Leadclock } from '../../infra/leadclock.ts';

/** The `context` of cdk.json, as the CLI passes it to the app. */
export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(
  readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8'),
).context;

/** Options of a test synth. */
export interface SynthOptions {
  /** Extra or overriding context (`leadclock:*` settings). */
  context?: Record<string, unknown>;
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
