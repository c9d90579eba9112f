/** dynalite, an embedded DynamoDB, for tests and the local runtime. */
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { TABLE_DEFINITION } from '../../shared/adapters/table.ts';

/** A running dynalite server. */
export interface LocalDynamo {
  endpoint: string;
  /**
   * Stops the server (dropping open connections, closing the store), stays down `downMs`, then listens
   * again on the same port over the same data: a database restart, for fault runs. Needs `path`.
   */
  restart(downMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Where dynalite keeps its data and listens. */
export interface DynaliteOptions {
  /** Keep data on disk here (in memory when absent); a restart needs it. */
  path?: string;
  /** Port on 127.0.0.1 (default: any free port). */
  port?: number;
  /**
   * Run dynalite on its own thread, as DynamoDB runs on someone else's machine: the process under test
   * then spends its CPU on leadclock, not on the database (benchmarks).
   */
  thread?: boolean;
}

/** Starts dynalite on 127.0.0.1 (random port unless given); `path` keeps data on disk across restarts. */
export async function startDynalite(opts: DynaliteOptions = {}): Promise<LocalDynamo> {
  if (opts.thread) return startDynaliteThread(opts);
  const server = dynalite({ path: opts.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections?.();
    });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async restart(downMs = 0) {
      if (!opts.path) throw new Error('an in-memory dynalite loses its data on restart: give it a path');
      await close();
      await new Promise((r) => setTimeout(r, downMs));
      // dynalite reopens its store from `path` when it listens again after a close.
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
    },
    close,
  };
}

/** Messages between a dynalite thread and its owner. */
export type DynaliteThreadMessage =
  | { kind: 'listening'; endpoint: string }
  | { kind: 'done'; id: number; error?: string }
  | { kind: 'restart'; id: number; downMs: number }
  | { kind: 'close'; id: number };

async function startDynaliteThread(opts: DynaliteOptions): Promise<LocalDynamo> {
  const worker = new Worker(new URL('./dynamo-thread.ts', import.meta.url), {
    workerData: { path: opts.path, port: opts.port },
  });
  const pending = new Map<number, { resolve(): void; reject(e: Error): void }>();
  let next = 0;
  const endpoint = await new Promise<string>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (m: DynaliteThreadMessage) => {
      if (m.kind === 'listening') resolve(m.endpoint);
      if (m.kind !== 'done') return;
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.error) p?.reject(new Error(m.error));
      else p?.resolve();
    });
  });
  const ask = (m: { kind: 'restart'; downMs: number } | { kind: 'close' }) =>
    new Promise<void>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...m, id });
    });
  let closed = false;
  return {
    endpoint,
    restart: (downMs = 0) => ask({ kind: 'restart', downMs }),
    async close() {
      if (closed) return;
      closed = true;
      await ask({ kind: 'close' });
      await worker.terminate();
    },
  };
}

/** Creates the leadclock table if it does not exist, and waits until it is active. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        ...structuredClone(TABLE_DEFINITION),
      } as never),
    );
  } catch (e) {
    if (!(e instanceof ResourceInUseException)) throw e;
  }
  for (let i = 0; i < 50; i++) {
    const t = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (t.Table?.TableStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}
