/**
 * HubSpot request signatures: v3 (HMAC-SHA256 with a timestamp, the default) and the legacy v1/v2
 * hashes (only when configuration turns them on). Pure functions over the request parts; no AWS.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Header carrying the v3 signature. */
export const SIGNATURE_V3_HEADER = 'x-hubspot-signature-v3';
/** Header carrying the v3 timestamp (epoch ms). */
export const TIMESTAMP_HEADER = 'x-hubspot-request-timestamp';
/** Header carrying the v1/v2 signature. */
export const SIGNATURE_HEADER = 'x-hubspot-signature';
/** Header naming the v1/v2 signature version. */
export const SIGNATURE_VERSION_HEADER = 'x-hubspot-signature-version';

/** Why a signature was refused; every reason maps to a 401. */
export type SignatureFailure = 'missing' | 'stale' | 'future' | 'mismatch';

/** Outcome of a signature check. */
export type SignatureResult = { ok: true } | { ok: false; reason: SignatureFailure };

/** A request body as received: the raw text, or its bytes. */
export type RawBody = string | Uint8Array;

/** Inputs of a v3 check. */
export interface HubSpotV3Input {
  /** The app's client secret(s); during a rotation the old and the new one may both be configured. */
  clientSecrets: readonly string[];
  method: string;
  /** The full public URL HubSpot called (see `publicUrl` in request.ts). */
  url: string;
  rawBody: RawBody;
  /** `X-HubSpot-Signature-v3`. */
  signature: string | undefined;
  /** `X-HubSpot-Request-Timestamp`, epoch ms, exactly as sent. */
  timestamp: string | number | undefined;
  now: Date | number;
  /** Largest accepted age, and largest accepted clock skew into the future. */
  maxAgeMs?: number;
}

/** Inputs of a v1 check: secret + body. */
export interface HubSpotV1Input {
  clientSecrets: readonly string[];
  rawBody: RawBody;
  /** `X-HubSpot-Signature`. */
  signature: string | undefined;
}

/** Inputs of a v2 check: secret + method + URI + body. */
export interface HubSpotV2Input extends HubSpotV1Input {
  method: string;
  url: string;
}

/** Inputs of a legacy check, tagged with the `X-HubSpot-Signature-Version` it claims. */
export type HubSpotLegacyInput = ({ version: 'v1' } & HubSpotV1Input) | ({ version: 'v2' } & HubSpotV2Input);

const DEFAULT_MAX_AGE_MS = 300_000;

// HubSpot decodes exactly these escapes in the URI before signing v3 (developers.hubspot.com,
// "Validate the v3 request signature"); any other escape stays as sent.
const V3_DECODED: Readonly<Record<string, string>> = {
  '3A': ':',
  '2F': '/',
  '3F': '?',
  '40': '@',
  '21': '!',
  '24': '$',
  '27': "'",
  '28': '(',
  '29': ')',
  '2A': '*',
  '2C': ',',
  '3B': ';',
};

/** The URI as HubSpot signs it for v3: the listed percent-escapes decoded, everything else untouched. */
export function hubSpotV3Uri(url: string): string {
  return url.replace(
    /%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi,
    (m, hex: string) => V3_DECODED[hex.toUpperCase()] ?? m,
  );
}

/** base64(HMAC-SHA256(secret, method + uri + body + timestamp)), the v3 signature of a request. */
export function signHubSpotV3(
  clientSecret: string,
  method: string,
  url: string,
  rawBody: RawBody,
  timestamp: string | number,
): string {
  return createHmac('sha256', clientSecret)
    .update(method.toUpperCase())
    .update(hubSpotV3Uri(url))
    .update(rawBody)
    .update(String(timestamp))
    .digest('base64');
}

/** hex(SHA-256(secret + body)), the v1 signature. */
export function signHubSpotV1(clientSecret: string, rawBody: RawBody): string {
  return createHash('sha256').update(clientSecret).update(rawBody).digest('hex');
}

/** hex(SHA-256(secret + method + uri + body)), the v2 signature. */
export function signHubSpotV2(clientSecret: string, method: string, url: string, rawBody: RawBody): string {
  return createHash('sha256')
    .update(clientSecret)
    .update(method.toUpperCase())
    .update(url)
    .update(rawBody)
    .digest('hex');
}

/**
 * Checks `X-HubSpot-Signature-v3`: timestamp within ±maxAgeMs of `now` (5 minutes by default), then
 * the HMAC against each configured secret, compared in constant time.
 */
export function verifyHubSpotV3(input: HubSpotV3Input): SignatureResult {
  const signature = input.signature?.trim();
  const ts = parseTimestamp(input.timestamp);
  if (!signature || ts === undefined) return fail('missing');
  const maxAge = input.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  const now = typeof input.now === 'number' ? input.now : input.now.getTime();
  if (now - ts.ms > maxAge) return fail('stale');
  if (ts.ms - now > maxAge) return fail('future');
  // A header that went through form decoding turns base64 '+' into ' '; base64 never contains spaces.
  const given = signature.replaceAll(' ', '+');
  return anySecretMatches(input.clientSecrets, given, (secret) =>
    signHubSpotV3(secret, input.method, input.url, input.rawBody, ts.text),
  );
}

/** Checks a v1 `X-HubSpot-Signature` (no timestamp, so no replay protection: legacy only). */
export function verifyHubSpotV1(input: HubSpotV1Input): SignatureResult {
  const signature = input.signature?.trim().toLowerCase();
  if (!signature) return fail('missing');
  return anySecretMatches(input.clientSecrets, signature, (secret) => signHubSpotV1(secret, input.rawBody));
}

/** Checks a v2 `X-HubSpot-Signature` (no timestamp, so no replay protection: legacy only). */
export function verifyHubSpotV2(input: HubSpotV2Input): SignatureResult {
  const signature = input.signature?.trim().toLowerCase();
  if (!signature) return fail('missing');
  return anySecretMatches(input.clientSecrets, signature, (secret) =>
    signHubSpotV2(secret, input.method, input.url, input.rawBody),
  );
}

/** Checks a v1 or v2 signature according to `version` (from `X-HubSpot-Signature-Version`). */
export function verifyHubSpotLegacy(input: HubSpotLegacyInput): SignatureResult {
  return input.version === 'v1' ? verifyHubSpotV1(input) : verifyHubSpotV2(input);
}

/** Constant-time string equality; unequal lengths return false without throwing. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  if (x.length !== y.length) {
    // Same amount of work as a real comparison; the length itself is not secret (it is fixed per version).
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}

function anySecretMatches(
  secrets: readonly string[],
  given: string,
  sign: (secret: string) => string,
): SignatureResult {
  let ok = false;
  // Every secret is tried, so the timing does not tell which one matched; an empty secret is never
  // usable (anyone could sign with it).
  for (const secret of secrets) if (secret.length > 0 && safeEqual(sign(secret), given)) ok = true;
  return ok ? { ok: true } : fail('mismatch');
}

function parseTimestamp(raw: string | number | undefined): { ms: number; text: string } | undefined {
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  if (!/^\d{1,16}$/.test(text)) return undefined;
  return { ms: Number(text), text };
}

function fail(reason: SignatureFailure): SignatureResult {
  return { ok: false, reason };
}
