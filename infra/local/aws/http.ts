import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A parsed inbound request as the emulators see it. */
export interface EmulatorRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What an emulator answers; the server adds content-length and a request id. */
export interface EmulatorResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** A listening loopback server. */
export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Where to listen; loopback and a random port unless told otherwise. */
export interface ListenOptions {
  host?: string;
  port?: number;
}

// Well above any AWS payload limit, so the emulators (not the transport) produce the real size errors.
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Starts an HTTP server that hands each fully-read request to `handle`. */
export async function startServer(
  handle: (request: EmulatorRequest) => Promise<EmulatorResponse>,
  options: ListenOptions = {},
): Promise<RunningServer> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let aborted = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        aborted = true;
        res.writeHead(413, { 'content-type': 'text/plain' }).end('request body too large');
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (aborted) return;
      const url = new URL(req.url ?? '/', 'http://localhost');
      const request: EmulatorRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      handle(request).then(
        (reply) => {
          const body = reply.body ?? '';
          res.writeHead(reply.status, {
            ...reply.headers,
            'content-length': String(Buffer.byteLength(body)),
          });
          res.end(body);
        },
        (error: unknown) => {
          // A bug in an emulator must surface as a server fault, not hang the SDK until its timeout.
          const message = error instanceof Error ? error.message : String(error);
          res.writeHead(500, { 'content-type': 'text/plain' }).end(`emulator failure: ${message}`);
        },
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        // SDK clients keep sockets alive; without this, close() would wait for their idle timeout.
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A sleep that `cancelAll` can cut short, so emulators can stop without waiting out back-offs. */
export class Sleeper {
  #pending = new Map<NodeJS.Timeout, () => void>();

  /** Resolves after `ms`, or at once when cancelled. */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(timer);
        resolve();
      }, ms);
      timer.unref();
      this.#pending.set(timer, resolve);
    });
  }

  /** Clears every pending timer and resolves its sleeper. */
  cancelAll(): void {
    for (const [timer, resolve] of this.#pending) {
      clearTimeout(timer);
      resolve();
    }
    this.#pending.clear();
  }
}
