/**
 * An HTTP load generator for POST /leads: real requests over loopback on keep-alive sockets, a bounded
 * pool of requests in flight, paced so `leads` spread evenly over `seconds`. A 5xx or a dropped
 * connection is retried with back-off, as HubSpot retries a workflow webhook; a 4xx is final.
 */
import { Agent, request } from 'node:http';
import { Worker } from 'node:worker_threads';

/** What to send and how fast. */
export interface LoadOptions {
  /** Base URL of the gateway, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** Ingest key, sent as a bearer token. */
  key: string;
  leads: number;
  seconds: number;
  /** Requests in flight at most (one keep-alive socket each). */
  concurrency: number;
  /** The JSON body of lead `i`; a retry resends the same body. */
  body(i: number): unknown;
  /** Tries per lead, the first included (default 8). */
  maxTries?: number;
  /** First retry delay; doubles per try (default 250 ms). */
  retryBaseMs?: number;
}

/** The outcome of one lead's delivery. */
export interface Delivery {
  i: number;
  /** Status of the last try; 0 when the connection failed. */
  status: number;
  leadId?: string;
  tries: number;
  /** Epoch ms the last try was answered. */
  answeredAt: number;
  /** Client-observed latency of the last try. */
  latencyMs: number;
}

/** Everything the run observed. */
export interface LoadResult {
  deliveries: Delivery[];
  startedAt: number;
  wallMs: number;
  /** Latest a request left after its planned time (the pool was full, or the event loop busy). */
  maxStartLagMs: number;
  /** Tries answered with a 5xx or a connection error, later retried or not. */
  serverErrors: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

function post(
  agent: Agent,
  url: URL,
  key: string,
  payload: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          authorization: `Bearer ${key}`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', () => resolve({ status: 0, body: '' }));
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('client timeout')));
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(payload);
  });
}

/** Sends `leads` captures paced over `seconds` with at most `concurrency` in flight. */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency, maxFreeSockets: o.concurrency });
  const url = new URL('/leads', o.url);
  const maxTries = o.maxTries ?? 8;
  const retryBaseMs = o.retryBaseMs ?? 250;
  const intervalMs = (o.seconds * 1000) / o.leads;
  const deliveries: Delivery[] = [];
  let inFlight = 0;
  const waiters: (() => void)[] = [];
  const acquire = async () => {
    while (inFlight >= o.concurrency) await new Promise<void>((r) => waiters.push(r));
    inFlight++;
  };
  const release = () => {
    inFlight--;
    waiters.shift()?.();
  };
  let maxStartLagMs = 0;
  let serverErrors = 0;

  const deliver = async (i: number, plannedAt: number): Promise<void> => {
    const payload = JSON.stringify(o.body(i));
    for (let tries = 1; ; tries++) {
      await acquire();
      if (tries === 1) maxStartLagMs = Math.max(maxStartLagMs, Date.now() - plannedAt);
      const t0 = performance.now();
      const res = await post(agent, url, o.key, payload).finally(release);
      const latencyMs = performance.now() - t0;
      const retry = res.status === 0 || res.status >= 500;
      if (retry) serverErrors++;
      if (!retry || tries >= maxTries) {
        let leadId: string | undefined;
        try {
          leadId = (JSON.parse(res.body) as { leadId?: string }).leadId;
        } catch {
          leadId = undefined;
        }
        deliveries.push({ i, status: res.status, leadId, tries, answeredAt: Date.now(), latencyMs });
        return;
      }
      await sleep(retryBaseMs * 2 ** (tries - 1));
    }
  };

  const startedAt = Date.now();
  const running: Promise<void>[] = [];
  for (let i = 0; i < o.leads; i++) {
    const plannedAt = startedAt + i * intervalMs;
    await sleep(plannedAt - Date.now());
    // Hold the pacing loop while the pool is full, so a slow server is visible as start lag.
    while (inFlight >= o.concurrency) await new Promise<void>((r) => waiters.push(r));
    running.push(deliver(i, plannedAt));
  }
  await Promise.all(running);
  agent.destroy();
  deliveries.sort((a, b) => a.i - b.i);
  return { deliveries, startedAt, wallMs: Date.now() - startedAt, maxStartLagMs, serverErrors };
}

/**
 * `runLoad` on a worker thread, with the bodies computed up front: the clients' CPU (HubSpot's, a
 * partner's) is not the server's, so it should not queue behind leadclock on the same event loop.
 */
export function runLoadInThread(
  o: Omit<LoadOptions, 'body'>,
  bodies: readonly unknown[],
): Promise<LoadResult> {
  const worker = new Worker(new URL('./load-thread.ts', import.meta.url), {
    workerData: { options: { ...o, leads: bodies.length }, bodies },
  });
  return new Promise<LoadResult>((resolve, reject) => {
    worker.once('message', (r: LoadResult) => {
      resolve(r);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}
