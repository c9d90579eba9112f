/** A dynalite server on a worker thread (see `startDynalite({ thread: true })`). */
import { parentPort, workerData } from 'node:worker_threads';
import { type DynaliteThreadMessage, startDynalite } from './dynamo.ts';

const { path, port } = workerData as { path?: string; port?: number };
const db = await startDynalite({ path, port });
const port0 = parentPort as NonNullable<typeof parentPort>;
port0.on('message', async (m: DynaliteThreadMessage) => {
  if (m.kind !== 'restart' && m.kind !== 'close') return;
  try {
    if (m.kind === 'restart') await db.restart(m.downMs);
    else await db.close();
    port0.postMessage({ kind: 'done', id: m.id } satisfies DynaliteThreadMessage);
  } catch (e) {
    port0.postMessage({ kind: 'done', id: m.id, error: String(e) } satisfies DynaliteThreadMessage);
  }
});
port0.postMessage({ kind: 'listening', endpoint: db.endpoint } satisfies DynaliteThreadMessage);
