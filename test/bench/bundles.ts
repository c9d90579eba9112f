/**
 * Bundle bench: every function built with the CDK construct's esbuild options, its size, and its cold
 * start measured as the time a fresh `node` process takes to import the bundle (median of 10), next to a
 * bare handler that only imports `@aws-sdk/client-dynamodb`, built and measured the same way.
 *
 * The import runs the handler's whole cold start (`runtimeFromEnv`: env validation, the precompiled policy,
 * the SDK clients and adapters the function wires) with a complete environment whose endpoints point at nothing, and without `SECRETS_ARN`,
 * so the secret comes from the environment: the one network call of a real cold start (Secrets Manager)
 * is not measured. `@aws-sdk/*` stays external as in Lambda and resolves from this project's node_modules.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import {
  BUNDLED_POLICY,
  ESBUILD_OPTIONS,
  PROJECT_ROOT,
  precompiledPolicy,
} from '../../infra/constructs/leadclock-function.ts';
import { FUNCTIONS } from '../../infra/stateless-stack.ts';

/** Name of the reference handler in the results. */
export const BARE = 'bare-dynamodb';

const BARE_SOURCE = `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
const client = new DynamoDBClient({});
export const handler = async () => ({ statusCode: 200, body: String(await client.config.region()) });
`;

/** A complete leadclock environment whose endpoints lead nowhere (port 9, discard): nothing is called at import. */
export function offlineEnv(): Record<string, string> {
  const nowhere = 'http://127.0.0.1:9';
  return {
    PATH: process.env.PATH ?? '',
    NODE_OPTIONS: '--enable-source-maps',
    AWS_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_ENDPOINT_URL: nowhere,
    POWERTOOLS_SERVICE_NAME: 'leadclock',
    POWERTOOLS_METRICS_NAMESPACE: 'leadclock',
    LEADCLOCK_POLICY: BUNDLED_POLICY,
    TABLE_NAME: 'leadclock-bench',
    SCHEDULE_GROUP: 'leadclock',
    BREACH_TARGET_ARN: 'arn:aws:lambda:eu-central-1:000000000000:function:leadclock-sla-breach',
    SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/leadclock-scheduler',
    SCHEDULER_DLQ_ARN: 'arn:aws:sqs:eu-central-1:000000000000:leadclock-timer-dlq',
    SYNC_QUEUE_URL: `${nowhere}/000000000000/leadclock-sync`,
    NOTIFY_TOPIC_ARN: 'arn:aws:sns:eu-central-1:000000000000:leadclock',
    HUBSPOT_ACCESS_TOKEN: 'bench-token',
    HUBSPOT_BASE_URL: nowhere,
    HUBSPOT_CLIENT_SECRETS: 'bench-client-secret',
    INGEST_KEYS: 'bench-ingest-key-0123456789',
  };
}

/** A built bundle. */
export interface BuiltBundle {
  dir: string;
  /** Size of index.mjs (the source map ships beside it but is read only when an error is printed). */
  bytes: number;
}

/** Builds each function (and the bare handler) into `<outDir>/<name>/index.mjs` with the precompiled policy beside it, as the construct does. */
export async function buildBundles(outDir: string): Promise<Record<string, BuiltBundle>> {
  const { banner, external, alias, ...options } = ESBUILD_OPTIONS;
  const out: Record<string, BuiltBundle> = {};
  for (const name of [...FUNCTIONS.map((f) => f.name), BARE]) {
    const dir = join(outDir, name);
    mkdirSync(dir, { recursive: true });
    await build({
      ...options,
      mainFields: [...options.mainFields],
      banner: { js: banner },
      external: [...external],
      alias: { ...alias },
      bundle: true,
      logLevel: 'error',
      outfile: join(dir, 'index.mjs'),
      ...(name === BARE
        ? { stdin: { contents: BARE_SOURCE, resolveDir: PROJECT_ROOT, loader: 'ts' as const } }
        : { entryPoints: [join(PROJECT_ROOT, 'functions', name, 'handler.ts')] }),
    });
    writeFileSync(
      join(dir, BUNDLED_POLICY),
      precompiledPolicy(join(PROJECT_ROOT, 'config/policy.example.yaml')),
    );
    out[name] = { dir, bytes: statSync(join(dir, 'index.mjs')).size };
  }
  return out;
}

/** Links the project's node_modules into `dir`, so external `@aws-sdk/*` imports resolve as they do in Lambda. */
export function linkNodeModules(dir: string): void {
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
}

const IMPORT_AND_TIME =
  "const t0 = performance.now(); const m = await import('./index.mjs'); " +
  "if (typeof m.handler !== 'function') throw new Error('no handler export'); " +
  'process.stdout.write(String(performance.now() - t0));';

/** Milliseconds a fresh node process takes to import the bundle in `dir` (its whole module init). */
export function importMillis(dir: string): number {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', IMPORT_AND_TIME], {
    cwd: dir,
    env: offlineEnv(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return Number(out);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** `bundles.<function>.kb`, `.initMillis` (median of `runs`), `.initRatio` (to the bare handler), and the same for the bare handler. */
export async function benchBundles(runs = 10): Promise<Record<string, unknown>> {
  const root = mkdtempSync(join(tmpdir(), 'leadclock-bundles-'));
  try {
    linkNodeModules(root);
    const built = await buildBundles(root);
    const init: Record<string, number> = {};
    // Interleaved runs, so drift in machine load affects every bundle alike.
    const samples: Record<string, number[]> = Object.fromEntries(Object.keys(built).map((n) => [n, []]));
    for (let i = 0; i < runs; i++)
      for (const [name, b] of Object.entries(built)) samples[name]?.push(importMillis(b.dir));
    for (const [name, xs] of Object.entries(samples)) init[name] = median(xs);
    const bare = init[BARE] as number;
    const bundles: Record<string, Record<string, number>> = {};
    for (const [name, b] of Object.entries(built)) {
      const ms = init[name] as number;
      bundles[name] = {
        kb: Number((b.bytes / 1024).toFixed(1)),
        initMillis: Number(ms.toFixed(1)),
        ...(name === BARE ? {} : { initRatio: Number((ms / bare).toFixed(2)) }),
      };
    }
    return { bundles };
  } finally {
    unlinkSync(join(root, 'node_modules'));
    rmSync(root, { recursive: true, force: true });
  }
}
