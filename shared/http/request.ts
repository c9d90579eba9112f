/**
 * Helpers over API Gateway HTTP API events (payload format 2.0), typed locally so nothing here depends
 * on AWS packages; the local runtime builds the same shape.
 */

/** The parts of an HTTP API (payload 2.0) event these helpers read. */
export interface HttpApiEvent {
  version?: string;
  routeKey?: string;
  rawPath?: string;
  rawQueryString?: string;
  headers?: Record<string, string | undefined>;
  queryStringParameters?: Record<string, string | undefined>;
  pathParameters?: Record<string, string | undefined>;
  requestContext?: {
    domainName?: string;
    stage?: string;
    requestId?: string;
    timeEpoch?: number;
    http?: { method?: string; path?: string; sourceIp?: string };
  };
  body?: string | null;
  isBase64Encoded?: boolean;
}

/** How the public URL of a request is rebuilt. */
export interface PublicUrlOptions {
  /** API mapping key of a custom domain (e.g. `api`), added after the host on a custom domain. */
  basePath?: string;
  /** The public origin plus any prefix (e.g. `https://hooks.example.com/leadclock`); wins over Host. */
  publicBaseUrl?: string;
}

/** Options of the body guard. */
export interface JsonBodyOptions {
  /** Largest accepted body in bytes (after base64 decoding); 256 KB by default. */
  maxBytes?: number;
  /** Deepest accepted nesting of arrays and objects; 32 by default. */
  maxDepth?: number;
}

/** Result of the body guard; failures carry the HTTP status and error code to answer with. */
export type JsonBodyResult =
  | { ok: true; value: unknown }
  | {
      ok: false;
      status: 413 | 415 | 400;
      code: 'body_too_large' | 'unsupported_media_type' | 'invalid_json';
      message: string;
    };

/** The request parts a HubSpot signature check needs. */
export interface SignatureParts {
  method: string;
  url: string;
  rawBody: string;
  signatureV3: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
  signatureVersion: string | undefined;
}

const DEFAULT_MAX_BYTES = 256 * 1024;
const DEFAULT_MAX_DEPTH = 32;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A header value, looked up case-insensitively; undefined when absent. */
export function header(event: HttpApiEvent, name: string): string | undefined {
  const headers = event.headers;
  if (!headers) return undefined;
  if (Object.hasOwn(headers, name)) return stringOrUndefined(headers[name]);
  const wanted = name.toLowerCase();
  for (const key of Object.keys(headers))
    if (key.toLowerCase() === wanted) return stringOrUndefined(headers[key]);
  return undefined;
}

/** The token of `Authorization: Bearer <token>`, or undefined. */
export function bearerToken(event: HttpApiEvent): string | undefined {
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(header(event, 'authorization') ?? '');
  return m?.[1];
}

/** A query-string parameter (the first value when repeated), or undefined. */
export function queryParam(event: HttpApiEvent, name: string): string | undefined {
  if (event.rawQueryString) return new URLSearchParams(event.rawQueryString).get(name) ?? undefined;
  const params = event.queryStringParameters;
  if (!params || !Object.hasOwn(params, name)) return undefined;
  return stringOrUndefined(params[name])?.split(',')[0];
}

/** The body exactly as the client sent it, base64-decoded when API Gateway encoded it. */
export function rawBody(event: HttpApiEvent): string {
  const body = event.body ?? '';
  return event.isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
}

/**
 * The URL the client called, which HubSpot signs: `https://` + Host (or the request context's domain)
 * + the stage on an execute-api host (`/prod`, not for `$default`) or the base path on a custom domain
 * + the route path + `?query` when there is one. `publicBaseUrl` replaces everything before the route
 * path (custom domains, proxies, the local runtime).
 */
export function publicUrl(event: HttpApiEvent, options: PublicUrlOptions = {}): string {
  const stage = event.requestContext?.stage;
  const namedStage = stage && stage !== '$default' ? stage : undefined;
  const basePath = options.basePath?.replace(/^\/+|\/+$/g, '') || undefined;
  // A named stage's segment is already in rawPath on AWS (and may be missing in emulators), and a
  // mapping key may be too: strip both, then add back what the public URL really has.
  let path = event.rawPath || event.requestContext?.http?.path || '/';
  if (!path.startsWith('/')) path = `/${path}`;
  if (namedStage) path = stripPrefix(path, namedStage);
  if (basePath) path = stripPrefix(path, basePath);
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  if (options.publicBaseUrl) return `${options.publicBaseUrl.replace(/\/+$/, '')}${path}${query}`;
  const host = header(event, 'host') ?? event.requestContext?.domainName ?? 'localhost';
  const executeApi = /\.execute-api\.[a-z0-9-]+\.amazonaws\.com(\.cn)?(:\d+)?$/i.test(host);
  const prefix = executeApi ? (namedStage ? `/${namedStage}` : '') : basePath ? `/${basePath}` : '';
  return `https://${host}${prefix}${path}${query}`;
}

/** Everything a HubSpot signature check reads from the request. */
export function signatureParts(event: HttpApiEvent, options: PublicUrlOptions = {}): SignatureParts {
  return {
    method: (event.requestContext?.http?.method ?? 'POST').toUpperCase(),
    url: publicUrl(event, options),
    rawBody: rawBody(event),
    signatureV3: header(event, 'x-hubspot-signature-v3'),
    timestamp: header(event, 'x-hubspot-request-timestamp'),
    signature: header(event, 'x-hubspot-signature'),
    signatureVersion: header(event, 'x-hubspot-signature-version'),
  };
}

/**
 * Parses a JSON body defensively, never throwing: 415 for a non-JSON content type, 413 over `maxBytes`,
 * 400 for an empty, malformed or too deeply nested body. `__proto__`, `constructor` and `prototype`
 * keys are dropped so the value is safe to spread or merge.
 */
export function parseJsonBody(event: HttpApiEvent, options: JsonBodyOptions = {}): JsonBodyResult {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  try {
    const contentType = header(event, 'content-type');
    if (contentType !== undefined && contentType.trim() !== '' && !isJsonMediaType(contentType)) {
      return refuse(415, 'unsupported_media_type', 'expected Content-Type: application/json');
    }
    const body = event.body ?? '';
    let bytes: Buffer | undefined;
    if (event.isBase64Encoded) {
      // Bound the work before decoding: 4 base64 characters carry 3 bytes.
      if (Math.floor((body.length * 3) / 4) - 2 > maxBytes) return tooLarge(maxBytes);
      bytes = Buffer.from(body, 'base64');
      if (bytes.length > maxBytes) return tooLarge(maxBytes);
    } else if (body.length > maxBytes || Buffer.byteLength(body, 'utf8') > maxBytes) {
      // UTF-8 takes at least one byte per UTF-16 unit, so the length alone can already refuse.
      return tooLarge(maxBytes);
    }
    let text = bytes ? bytes.toString('utf8') : body;
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.trim() === '') return refuse(400, 'invalid_json', 'the body is empty; expected JSON');
    if (nestingDepth(text) > maxDepth) {
      return refuse(400, 'invalid_json', `the JSON is nested more than ${maxDepth} levels deep`);
    }
    const value: unknown = JSON.parse(text, (key, v) => (FORBIDDEN_KEYS.has(key) ? undefined : v));
    return { ok: true, value };
  } catch (e) {
    const detail = e instanceof SyntaxError ? `: ${e.message}` : '';
    return refuse(400, 'invalid_json', `the body is not valid JSON${detail}`);
  }
}

/** Whether a Content-Type names JSON (`application/json`, `application/*+json`), parameters ignored. */
export function isJsonMediaType(contentType: string): boolean {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || /^application\/[a-z0-9.!#$&^_-]+\+json$/.test(type);
}

/** Deepest nesting of arrays/objects in JSON text, strings skipped; runs before JSON.parse so depth is bounded early. */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

function stripPrefix(path: string, segment: string): string {
  const p = `/${segment}`;
  if (path === p) return '/';
  return path.startsWith(`${p}/`) ? path.slice(p.length) : path;
}

function stringOrUndefined(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function tooLarge(maxBytes: number): JsonBodyResult {
  const limit = maxBytes >= 1024 ? `${Math.floor(maxBytes / 1024)} KB` : `${maxBytes} bytes`;
  return refuse(413, 'body_too_large', `the body is over ${limit}`);
}

function refuse(
  status: 413 | 415 | 400,
  code: 'body_too_large' | 'unsupported_media_type' | 'invalid_json',
  message: string,
): JsonBodyResult {
  return { ok: false, status, code, message };
}
