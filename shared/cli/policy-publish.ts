/**
 * Publishing a policy as run-time configuration: validate, then deploy a new version; list the history;
 * roll back. Two targets serve the same commands:
 * - AWS AppConfig (APPCONFIG_APPLICATION, APPCONFIG_ENVIRONMENT, APPCONFIG_PROFILE, APPCONFIG_STRATEGY:
 *   the stack outputs): a hosted configuration version (the precompiled policy, which the profile's
 *   validator checks again), deployed with the strategy that rolls back on the project's alarms.
 * - Local (`--local <watched policy file>`, what `npm start` watches): the file is replaced atomically
 *   and every published version is kept in `<file>.history/`.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parsePolicy } from '../domain/policy.ts';
import { precompiledPolicyJson } from '../domain/policy-json.ts';

/** Where published versions go. */
export type PublishTarget =
  | { kind: 'local'; file: string }
  | { kind: 'appconfig'; application: string; environment: string; profile: string; strategy: string };

/** One version in the history. */
export interface PolicyVersion {
  version: number;
  at?: string;
  description?: string;
  /** Deployed now (the live version). */
  live: boolean;
  state?: string;
}

/** Validates policy YAML; throws PolicyError naming every problem with its path. Returns the precompiled JSON. */
export function validateForPublish(text: string, source: string): string {
  return precompiledPolicyJson(parsePolicy(text, source), basename(source));
}

// ---------------------------------------------------------------------------------------------- local

const historyDir = (file: string) => `${file}.history`;

function localVersions(file: string): { version: number; path: string }[] {
  const dir = historyDir(file);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => /^(\d+)-/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ version: Number(m[1]), path: join(dir, m.input) }))
    .sort((a, b) => a.version - b.version);
}

/** Writes `text` to the watched file atomically (a rename), and keeps it in the history. */
function installLocal(file: string, text: string, at: Date, note: string): number {
  const dir = historyDir(file);
  mkdirSync(dir, { recursive: true });
  const versions = localVersions(file);
  if (versions.length === 0 && existsSync(file)) {
    // The file as it was before the first publish is version 1, so it can be rolled back to.
    copyFileSync(file, join(dir, `1-${at.toISOString().replace(/[:.]/g, '')}-initial.yaml`));
    versions.push({ version: 1, path: '' });
  }
  const version = (versions.at(-1)?.version ?? 0) + 1;
  writeFileSync(join(dir, `${version}-${at.toISOString().replace(/[:.]/g, '')}-${note}.yaml`), text);
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, file);
  return version;
}

function liveLocalVersion(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const current = readFileSync(file, 'utf8');
  const match = localVersions(file)
    .reverse()
    .find((v) => readFileSync(v.path, 'utf8') === current);
  return match?.version;
}

// ------------------------------------------------------------------------------------------ appconfig

async function appConfig() {
  return import('@aws-sdk/client-appconfig');
}

/** Publishes `text` (YAML) after validating it; returns the new version number. */
export async function publish(
  target: PublishTarget,
  text: string,
  source: string,
  at = new Date(),
): Promise<number> {
  const json = validateForPublish(text, source);
  if (target.kind === 'local') return installLocal(target.file, text, at, 'publish');
  const sdk = await appConfig();
  const client = new sdk.AppConfigClient({});
  const created = await client.send(
    new sdk.CreateHostedConfigurationVersionCommand({
      ApplicationId: target.application,
      ConfigurationProfileId: target.profile,
      Content: new TextEncoder().encode(json),
      ContentType: 'application/json',
      Description: `${basename(source)} published ${at.toISOString()}`.slice(0, 1024),
    }),
  );
  const version = created.VersionNumber as number;
  await deploy(target, version, `publish of ${basename(source)}`);
  return version;
}

async function deploy(target: Extract<PublishTarget, { kind: 'appconfig' }>, version: number, why: string) {
  const sdk = await appConfig();
  await new sdk.AppConfigClient({}).send(
    new sdk.StartDeploymentCommand({
      ApplicationId: target.application,
      EnvironmentId: target.environment,
      ConfigurationProfileId: target.profile,
      DeploymentStrategyId: target.strategy,
      ConfigurationVersion: String(version),
      Description: `leadclock: ${why}`.slice(0, 1024),
    }),
  );
}

/** The versions, oldest first, with the live one marked. */
export async function history(target: PublishTarget): Promise<PolicyVersion[]> {
  if (target.kind === 'local') {
    const live = liveLocalVersion(target.file);
    return localVersions(target.file).map((v) => {
      const m = /^\d+-([\dT-]+Z)-([\w-]+)\.yaml$/.exec(basename(v.path));
      return { version: v.version, at: m?.[1], description: m?.[2], live: v.version === live };
    });
  }
  const sdk = await appConfig();
  const client = new sdk.AppConfigClient({});
  const [versions, deployments] = await Promise.all([
    client.send(
      new sdk.ListHostedConfigurationVersionsCommand({
        ApplicationId: target.application,
        ConfigurationProfileId: target.profile,
        MaxResults: 50,
      }),
    ),
    client.send(
      new sdk.ListDeploymentsCommand({
        ApplicationId: target.application,
        EnvironmentId: target.environment,
        MaxResults: 50,
      }),
    ),
  ]);
  const latest = (deployments.Items ?? []).find((d) => d.State === 'COMPLETE' || d.State === 'DEPLOYING');
  return (versions.Items ?? [])
    .map((v) => ({
      version: v.VersionNumber as number,
      description: v.Description,
      live: String(v.VersionNumber) === latest?.ConfigurationVersion,
      state: String(v.VersionNumber) === latest?.ConfigurationVersion ? latest?.State : undefined,
    }))
    .sort((a, b) => a.version - b.version);
}

/** Deploys `version`, or the version before the live one; returns the version now deployed. */
export async function rollback(target: PublishTarget, version?: number, at = new Date()): Promise<number> {
  const versions = await history(target);
  const liveIndex = versions.findIndex((v) => v.live);
  const to =
    version ??
    (liveIndex > 0
      ? versions[liveIndex - 1]?.version
      : versions.length > 1
        ? versions.at(-2)?.version
        : undefined);
  if (to === undefined || !versions.some((v) => v.version === to))
    throw new Error(version === undefined ? 'no earlier version to roll back to' : `no version ${version}`);
  if (target.kind === 'local') {
    const v = localVersions(target.file).find((x) => x.version === to) as { path: string };
    const text = readFileSync(v.path, 'utf8');
    validateForPublish(text, v.path);
    installLocal(target.file, text, at, `rollback-to-${to}`);
    return to;
  }
  await deploy(target, to, `rollback to version ${to}`);
  return to;
}

/** The live policy text: the watched file, or the version AppConfig serves now. */
export async function liveText(target: PublishTarget): Promise<{ text: string; source: string }> {
  if (target.kind === 'local') return { text: readFileSync(target.file, 'utf8'), source: target.file };
  const data = await import('@aws-sdk/client-appconfigdata');
  const client = new data.AppConfigDataClient({});
  const session = await client.send(
    new data.StartConfigurationSessionCommand({
      ApplicationIdentifier: target.application,
      EnvironmentIdentifier: target.environment,
      ConfigurationProfileIdentifier: target.profile,
    }),
  );
  const r = await client.send(
    new data.GetLatestConfigurationCommand({ ConfigurationToken: session.InitialConfigurationToken }),
  );
  const json = JSON.parse(new TextDecoder().decode(r.Configuration)) as { doc: unknown };
  // YAML is a superset of JSON: the live document goes through the same check as a file would.
  return { text: JSON.stringify(json.doc), source: `appconfig:${target.profile} (live)` };
}
