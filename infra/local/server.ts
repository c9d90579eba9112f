/**
 * A local HTTP server that speaks API Gateway's HTTP API payload 2.0 to the same routes the Lambda
 * functions serve, so `npm start` exercises exactly the deployed code paths.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Route, runRoute } from '../../shared/http/chain.ts';
import type { HttpResult } from '../../shared/http/errors.ts';
import type { HttpApiEvent } from '../../shared/http/request.ts';

/** A route table entry: method, a path pattern with `{param}` segments, the route. */
export interface RouteEntry {
  method: 'GET' | 'POST';
  path: string;
  route: Route;
}

/** API Gateway refuses payloads over 10 MB before the function runs; so does the local gateway. */
const GATEWAY_MAX_BYTES = 10 * 1024 * 1024;
/** How long the rest of a refused body is read and dropped before the connection is cut. */
const DRAIN_MS = 10_000;

function match(pattern: string, path: string): Record<string, string> | undefined {
  const p = pattern.split('/');
  const a = path.split('/');
  if (p.length !== a.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const seg = p[i] as string;
    const got = a[i] as string;
    if (seg.startsWith('{') && seg.endsWith('}')) {
      if (!got) return undefined;
      // API Gateway hands a malformed escape (`%E0%A4%A`) over as it came; decoding it must not throw (a 500).
      params[seg.slice(1, -1)] = safeDecode(got);
    } else if (seg !== got) return undefined;
  }
  return params;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Reads the body. Past the limit nothing more is kept: the rest is read and dropped, so a client still
 * sending gets the 413 instead of a connection reset (closing a socket with unread data resets it).
 */
function readBody(req: IncomingMessage): Promise<Buffer | 'too_large'> {
  return new Promise((resolve, reject) => {
    // A declared length over the limit is refused before a byte is kept.
    let over = Number(req.headers['content-length'] ?? 0) > GATEWAY_MAX_BYTES;
    if (over) resolve('too_large');
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > GATEWAY_MAX_BYTES) {
        over = true;
        chunks.length = 0;
        resolve('too_large');
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? 'too_large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Turns a Node request into an HTTP API (payload 2.0) event. Binary bodies are base64-encoded, as API Gateway does. */
export function toEvent(
  req: IncomingMessage,
  body: Buffer,
  routeKey: string,
  pathParameters: Record<string, string>,
): HttpApiEvent {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  const contentType = headers['content-type'] ?? '';
  const text = /json|text|x-www-form-urlencoded/.test(contentType) || contentType === '';
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    queryStringParameters: url.search ? Object.fromEntries(url.searchParams) : undefined,
    pathParameters,
    requestContext: {
      domainName: headers.host ?? 'localhost',
      stage: '$default',
      requestId: randomUUID(),
      timeEpoch: Date.now(),
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      },
    },
    body: body.length ? (text ? body.toString('utf8') : body.toString('base64')) : undefined,
    isBase64Encoded: body.length > 0 && !text,
  };
}

function send(res: ServerResponse, r: HttpResult): void {
  res.writeHead(r.statusCode, r.headers ?? {});
  res.end(r.body ?? '');
}

/** Starts the gateway on `port` (0 = random) at 127.0.0.1 unless `host` says otherwise. */
export async function startGateway(
  routes: readonly RouteEntry[],
  opts: { port?: number; host?: string } = {},
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    try {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      let found: { entry: RouteEntry; params: Record<string, string> } | undefined;
      let pathKnown = false;
      for (const entry of routes) {
        const params = match(entry.path, path);
        if (!params) continue;
        pathKnown = true;
        if (entry.method === req.method) {
          found = { entry, params };
          break;
        }
      }
      if (!found) {
        send(res, {
          statusCode: pathKnown ? 405 : 404,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            error: {
              code: pathKnown ? 'method_not_allowed' : 'not_found',
              message: `no route for ${req.method} ${path}`,
            },
          }),
        });
        return;
      }
      const body = await readBody(req);
      if (body === 'too_large') {
        send(res, {
          statusCode: 413,
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: JSON.stringify({ error: { code: 'body_too_large', message: 'request entity too large' } }),
        });
        // The rest is dropped as it comes, for a while; a client that never stops is cut off.
        const cutOff = setTimeout(() => req.destroy(), DRAIN_MS).unref();
        req.once('close', () => clearTimeout(cutOff));
        return;
      }
      const event = toEvent(req, body, `${found.entry.method} ${found.entry.path}`, found.params);
      send(res, await runRoute(found.entry.route, event));
    } catch {
      if (!res.headersSent)
        send(res, {
          statusCode: 500,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ error: { code: 'internal', message: 'internal error' } }),
        });
    }
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host && opts.host !== '0.0.0.0' ? opts.host : '127.0.0.1'}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
