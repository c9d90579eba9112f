/** The load generator on its own thread (see `runLoadInThread`). */
import { parentPort, workerData } from 'node:worker_threads';
import { type LoadOptions, runLoad } from './load.ts';

const { options, bodies } = workerData as { options: Omit<LoadOptions, 'body'>; bodies: unknown[] };
const result = await runLoad({ ...options, body: (i) => bodies[i] });
parentPort?.postMessage(result);
