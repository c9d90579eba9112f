/**
 * `npm start`: runs leadclock on this machine. Environment: LEADCLOCK_POLICY (policy file, default the
 * example), PORT (default 3000), LEADCLOCK_DATA_DIR (keep state across restarts), HUBSPOT_ACCESS_TOKEN
 * (use a real portal instead of the sandbox), LEADCLOCK_INGEST_KEY / LEADCLOCK_VIEWER_KEY / LEADCLOCK_ADMIN_KEY (fix the keys),
 * LEADCLOCK_SANDBOX_TOKEN (fix the HubSpot sandbox's bearer token, so a script or test can inspect the
 * sandbox), LEADCLOCK_QUIET=1 (print errors only), LEADCLOCK_LOCAL_FILE (where `npm run report` finds this
 * run's URL and key; .leadclock/local.json by default, mode 600, removed on stop).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { startLocalRuntime } from '../../infra/local/runtime.ts';
import { LOCAL } from '../../infra/local/stack.ts';
import { PolicyError } from '../domain/policy.ts';
import { LOCAL_TARGET_FILE, type LocalTargetFile } from './doctor-target.ts';

const env = process.env;
const policyPath = env.LEADCLOCK_POLICY ?? 'config/policy.example.yaml';
const port = Number(env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`PORT: expected a port number, got '${env.PORT}'`);
  process.exit(2);
}
const quiet = env.LEADCLOCK_QUIET === '1';
const print = (level: string) => (message: string, data?: Record<string, unknown>) => {
  if (quiet && level !== 'error') return;
  console.log(
    `${new Date().toISOString().slice(11, 19)} ${level.padEnd(5)} ${message}${data ? ` ${JSON.stringify(data)}` : ''}`,
  );
};

try {
  const rt = await startLocalRuntime({
    policyPath,
    port,
    host: env.HOST,
    dataDir: env.LEADCLOCK_DATA_DIR,
    hubspotAccessToken: env.HUBSPOT_ACCESS_TOKEN,
    ingestKey: env.LEADCLOCK_INGEST_KEY,
    viewerKey: env.LEADCLOCK_VIEWER_KEY,
    adminKey: env.LEADCLOCK_ADMIN_KEY,
    sandboxToken: env.LEADCLOCK_SANDBOX_TOKEN,
    // AWS fires a timer anywhere within its minute; demos with second-long SLAs scale that minute down.
    ...(env.LEADCLOCK_SCHEDULER_PRECISION_MS
      ? { schedulerPrecisionMs: Number(env.LEADCLOCK_SCHEDULER_PRECISION_MS) }
      : {}),
    log: { debug: () => {}, info: print('info'), warn: print('warn'), error: print('error') },
  });
  const key = rt.stack.ingestKey;
  // For `npm run doctor -- --local`: endpoints and this run's throwaway credentials (never a real token).
  const target: LocalTargetFile = {
    apiUrl: rt.url,
    snsEndpoint: rt.stack.sns.url,
    notifyTopicArn: rt.stack.topicArn,
    hubspotBaseUrl: rt.stack.env.HUBSPOT_BASE_URL ?? '',
    hubspotToken: rt.stack.sandbox?.token,
    hubspotClientSecret: rt.stack.clientSecret,
    ingestKey: key,
    policyPath,
    smsDeliveryStatusRoleArn: LOCAL.smsDeliveryStatusRole,
  };
  mkdirSync(dirname(LOCAL_TARGET_FILE), { recursive: true });
  writeFileSync(LOCAL_TARGET_FILE, JSON.stringify(target, null, 2), { mode: 0o600 });
  // `npm run report` reaches this run the way the board does: its URL and viewer key (reads only),
  // readable by this user only.
  const localFile = env.LEADCLOCK_LOCAL_FILE ?? '.leadclock/local.json';
  try {
    mkdirSync(dirname(localFile), { recursive: true });
    writeFileSync(localFile, JSON.stringify({ url: rt.url, key: rt.stack.viewerKey }), { mode: 0o600 });
  } catch (e) {
    print('warn')(`could not write ${localFile} (npm run report will need --url and --key)`, {
      error: String(e),
    });
  }
  const sample = JSON.stringify({
    email: 'jane.doe@example.com',
    firstName: 'Jane',
    lastName: 'Doe',
    company: 'Example Corp',
    country: 'DE',
    intent: 'demo',
    channel: 'form',
  });
  console.log(`
leadclock is running (${env.HUBSPOT_ACCESS_TOKEN ? 'real HubSpot portal' : `HubSpot sandbox at ${rt.stack.sandbox?.url}`}; policy ${policyPath}${env.LEADCLOCK_DATA_DIR ? `; data in ${env.LEADCLOCK_DATA_DIR}` : '; data in memory'})

  API          ${rt.url}/leads
  SLA board    ${rt.url}/#key=${rt.stack.viewerKey}
  Ingest key   ${key}
  Viewer key   ${rt.stack.viewerKey}
  Admin key    ${rt.stack.adminKey}
  Webhook secret (HubSpot signature v3) ${rt.stack.clientSecret}

Submit a lead:
  curl -s -X POST ${rt.url}/leads -H 'Authorization: Bearer ${key}' -H 'Content-Type: application/json' -d '${sample}'

Then look it up:   curl -s ${rt.url}/leads/<leadId> -H 'Authorization: Bearer ${rt.stack.viewerKey}'
Ctrl-C stops it.
`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('stopping…');
    try {
      if ((JSON.parse(readFileSync(localFile, 'utf8')) as { url?: string }).url === rt.url) rmSync(localFile);
    } catch {
      // Already gone, or another run's.
    }
    await rt.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (e) {
  console.error(
    e instanceof PolicyError ? e.message : `leadclock failed to start: ${(e as Error).stack ?? e}`,
  );
  process.exit(1);
}
