/** Who may call leadclock: HubSpot signatures (v3; v1/v2 only when turned on) or an ingest key. */

import { HttpError } from './errors.ts';
import { bearerToken, type HttpApiEvent, queryParam, signatureParts } from './request.ts';
import { safeEqual, verifyHubSpotLegacy, verifyHubSpotV3 } from './signature.ts';

/** Credentials and options; secrets hold two values during a rotation. */
export interface AuthConfig {
  /** HubSpot app client secret(s): current, and the previous one while rotating. */
  clientSecrets: readonly string[];
  /** Ingest keys for `Authorization: Bearer` or the query parameter: current, and the previous one while rotating. */
  ingestKeys: readonly string[];
  /** v1/v2 signatures carry no timestamp and can be replayed: off unless turned on. */
  allowLegacySignatures: boolean;
  /** Query parameter that may carry the ingest key (HubSpot's "API key" option can only add it to the URL). */
  queryKeyParam: string;
  /** Public origin and prefix HubSpot calls, when it is not the Host header (custom domains, proxies). */
  publicBaseUrl?: string;
  basePath?: string;
}

/** How a request proved who it is. */
export type AuthMethod = 'signature-v3' | 'signature-legacy' | 'bearer' | 'query-key';

const unauthorized = (message: string) =>
  new HttpError(401, 'unauthorized', message, { headers: { 'www-authenticate': 'Bearer' } });

function keyMatches(keys: readonly string[], given: string): boolean {
  // Every key is compared, so timing does not reveal which one (or whether any) is configured.
  let ok = false;
  for (const k of keys) if (k && safeEqual(k, given)) ok = true;
  return ok;
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
      if (keyMatches(cfg.ingestKeys, bearer)) return 'bearer';
      throw unauthorized('the bearer token is not a valid ingest key');
    }
    const q = queryParam(event, cfg.queryKeyParam);
    if (q !== undefined) {
      if (keyMatches(cfg.ingestKeys, q)) return 'query-key';
      throw unauthorized('the key query parameter is not a valid ingest key');
    }
    throw unauthorized(
      'sign the request (X-HubSpot-Signature-v3) or send an ingest key (Authorization: Bearer <key>)',
    );
  }
  throw unauthorized('X-HubSpot-Signature-v3 is required');
}

/** Checks the bearer token of the read and event APIs. */
export function requireBearer(event: HttpApiEvent, cfg: AuthConfig): void {
  const bearer = bearerToken(event);
  if (bearer === undefined) throw unauthorized('Authorization: Bearer <key> is required');
  if (!keyMatches(cfg.ingestKeys, bearer)) throw unauthorized('the bearer token is not valid');
}
