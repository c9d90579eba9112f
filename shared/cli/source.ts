/**
 * Where the reporting CLIs (`npm run report`, `npm run review`) read from; first match wins:
 *  1. `--url` / LEADCLOCK_URL (+ `--key` / LEADCLOCK_KEY): the HTTP API of a running leadclock, the way the
 *     board reaches it;
 *  2. `--endpoint` / AWS_ENDPOINT_URL_DYNAMODB or `--table` / TABLE_NAME: the DynamoDB table directly;
 *  3. the running `npm start` on this machine (its URL and viewer key in .leadclock/local.json, or
 *     LEADCLOCK_LOCAL_FILE), so the CLIs work against `npm start` out of the box;
 *  4. the `leadclock` table in AWS.
 */
import { existsSync, readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** Where a CLI writes, and what it reads from its surroundings (tests pass their own). */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Record<string, string | undefined>;
  now: () => Date;
}

/** The process's own streams, environment and clock. */
export const processIo: CliIo = {
  out: (t) => console.log(t),
  err: (t) => console.error(t),
  env: process.env,
  now: () => new Date(),
};

/** Where `npm start` leaves its URL and viewer key for the reporting CLIs (mode 600; removed on stop). */
export const LOCAL_FILE = '.leadclock/local.json';

/** A resolved source. */
export type Source =
  | { kind: 'http'; url: string; key?: string }
  | { kind: 'dynamo'; endpoint?: string; table: string };

/** Resolves the source from the flags (`url`, `key`, `endpoint`, `table`) and the environment. */
export function resolveSource(
  flag: (name: 'url' | 'key' | 'endpoint' | 'table') => string | undefined,
  env: Record<string, string | undefined>,
): Source {
  const endpoint = flag('endpoint') ?? (env.AWS_ENDPOINT_URL_DYNAMODB || undefined);
  const table = flag('table') ?? env.TABLE_NAME;
  let url = flag('url') ?? env.LEADCLOCK_URL;
  let key = flag('key') ?? env.LEADCLOCK_KEY;
  if (!url && !endpoint && !table) {
    const local = readLocal(env.LEADCLOCK_LOCAL_FILE ?? LOCAL_FILE);
    if (local) {
      url = local.url;
      key ??= local.key;
    }
  }
  if (url) return { kind: 'http', url: url.replace(/\/+$/, ''), ...(key ? { key } : {}) };
  return { kind: 'dynamo', ...(endpoint ? { endpoint } : {}), table: table ?? 'leadclock' };
}

/** A DynamoDB client for `endpoint` (dynalite takes any credentials; real AWS uses the standard chain). */
export function dynamoClient(
  endpoint: string | undefined,
  env: Record<string, string | undefined>,
): DynamoDBClient {
  const local = endpoint !== undefined && !env.AWS_ACCESS_KEY_ID;
  return new DynamoDBClient({
    ...(endpoint ? { endpoint } : {}),
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(local ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
}

function readLocal(file: string): { url: string; key: string } | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as { url?: unknown; key?: unknown };
    return typeof v.url === 'string' && typeof v.key === 'string' ? { url: v.url, key: v.key } : undefined;
  } catch {
    return undefined;
  }
}
