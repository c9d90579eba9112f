/**
 * Who may call leadclock: HubSpot signatures (v3; v1/v2 only when turned on), or a key with a scope:
 * an ingest key may only submit leads; a viewer key reads the board, leads and reports; an admin key
 * also records lead events, changes availability and publishes policy (and may submit leads).
 */

import type { AuthConfig } from '../app/runtime-types.ts';
import { HttpError } from './errors.ts';
import { bearerToken, type HttpApiEvent, queryParam, signatureParts } from './request.ts';
import { safeEqual, verifyHubSpotLegacy, verifyHubSpotV3 } from './signature.ts';

/** Credentials and options (defined beside the Runtime that carries them, shared/app/runtime-types.ts). */
export type { AuthConfig };

/** How a request proved who it is. */
export type AuthMethod = 'signature-v3' | 'signature-legacy' | 'bearer' | 'query-key';

const unauthorized = (message: string) =>
  new HttpError(401, 'unauthorized', message, { headers: { 'www-authenticate': 'Bearer' } });
const forbidden = (message: string) => new HttpError(403, 'forbidden', message);

function keyMatches(keys: readonly string[], given: string): boolean {
  // Every key is compared, so timing does not reveal which one (or whether any) is configured.
  let ok = false;
  for (const k of keys) if (k && safeEqual(k, given)) ok = true;
  return ok;
}

/** What a key may do. */
export type KeyScope = 'ingest' | 'viewer' | 'admin';

/** The scope of a key, or undefined when it is none of ours. Every list is compared, whatever matches. */
export function keyScope(cfg: AuthConfig, given: string): KeyScope | undefined {
  const admin = keyMatches(cfg.adminKeys ?? [], given);
  const viewer = keyMatches(cfg.viewerKeys ?? [], given);
  const ingest = keyMatches(cfg.ingestKeys, given);
  return admin ? 'admin' : viewer ? 'viewer' : ingest ? 'ingest' : undefined;
}

/** A valid key used where its scope does not reach: 403 naming what the key may do and what is needed. */
function wrongScope(scope: KeyScope, need: 'submit' | 'viewer' | 'admin'): HttpError {
  const may =
    scope === 'ingest'
      ? 'an ingest key may only submit leads (POST /leads)'
      : 'a viewer key may only read the board, leads and reports';
  const needs =
    need === 'submit'
      ? 'submitting leads needs an ingest or admin key'
      : need === 'viewer'
        ? 'reading needs a viewer or admin key'
        : 'this needs an admin key';
  return forbidden(`${may}; ${needs}`);
}

/** Checks a HubSpot signature; `allowKeys` also accepts the ingest key (POST /leads). Throws 401 otherwise. */
export function authenticate(
  event: HttpApiEvent,
  cfg: AuthConfig,
  now: number,
  allowKeys: boolean,
): AuthMethod {
  const parts = signatureParts(event, { publicBaseUrl: cfg.publicBaseUrl, basePath: cfg.basePath });
  if (parts.signatureV3 !== undefined) {
    const r = verifyHubSpotV3({
      clientSecrets: cfg.clientSecrets,
      method: parts.method,
      url: parts.url,
      rawBody: parts.rawBody,
      signature: parts.signatureV3,
      timestamp: parts.timestamp,
      now,
    });
    if (r.ok) return 'signature-v3';
    throw unauthorized(
      r.reason === 'stale'
        ? 'the request timestamp is more than 5 minutes old'
        : r.reason === 'future'
          ? 'the request timestamp is in the future'
          : r.reason === 'missing'
            ? 'X-HubSpot-Request-Timestamp is missing'
            : 'the HubSpot signature does not match',
    );
  }
  if (parts.signature !== undefined) {
    if (!cfg.allowLegacySignatures)
      throw unauthorized('v1/v2 HubSpot signatures are turned off; use signature v3 or an ingest key');
    const version = parts.signatureVersion?.toLowerCase() === 'v2' ? 'v2' : 'v1';
    const r = verifyHubSpotLegacy({
      version,
      clientSecrets: cfg.clientSecrets,
      method: parts.method,
      url: parts.url,
      rawBody: parts.rawBody,
      signature: parts.signature,
    });
    if (r.ok) return 'signature-legacy';
    throw unauthorized('the HubSpot signature does not match');
  }
  if (allowKeys) {
    const bearer = bearerToken(event);
    if (bearer !== undefined) {
      const scope = keyScope(cfg, bearer);
      if (scope === 'ingest' || scope === 'admin') return 'bearer';
      if (scope) throw wrongScope(scope, 'submit');
      throw unauthorized('the bearer token is not a valid ingest key');
    }
    const q = queryParam(event, cfg.queryKeyParam);
    if (q !== undefined) {
      const scope = keyScope(cfg, q);
      if (scope === 'ingest' || scope === 'admin') return 'query-key';
      if (scope) throw wrongScope(scope, 'submit');
      throw unauthorized('the key query parameter is not a valid ingest key');
    }
    throw unauthorized(
      'sign the request (X-HubSpot-Signature-v3) or send an ingest key (Authorization: Bearer <key>)',
    );
  }
  throw unauthorized('X-HubSpot-Signature-v3 is required');
}

/**
 * Checks the bearer token of the read APIs (`viewer`: a viewer or admin key) and of the changing ones
 * (`admin`). A valid key without the scope gets 403, an unknown one 401.
 */
export function requireBearer(event: HttpApiEvent, cfg: AuthConfig, need: 'viewer' | 'admin'): KeyScope {
  const bearer = bearerToken(event);
  if (bearer === undefined) throw unauthorized('Authorization: Bearer <key> is required');
  const scope = keyScope(cfg, bearer);
  if (!scope) throw unauthorized('the bearer token is not valid');
  if (scope === 'admin' || (scope === 'viewer' && need === 'viewer')) return scope;
  throw wrongScope(scope, need);
}
