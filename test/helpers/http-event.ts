/** Builds API Gateway HTTP API (payload 2.0) events for route tests, signed like HubSpot when asked. */
import { readFileSync } from 'node:fs';
import type { HttpApiEvent } from '../../shared/http/request.ts';
import { signHubSpotV3 } from '../../shared/http/signature.ts';

/** The public URL the test pretends HubSpot called. */
export const HOST = 'abc123defg.execute-api.us-east-1.amazonaws.com';

/** A POST event with a JSON body. */
export function postEvent(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
  query = '',
): HttpApiEvent {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    version: '2.0',
    rawPath: path,
    rawQueryString: query,
    headers: { host: HOST, 'content-type': 'application/json', ...headers },
    queryStringParameters: query ? Object.fromEntries(new URLSearchParams(query)) : undefined,
    requestContext: { domainName: HOST, stage: '$default', http: { method: 'POST', path } },
    body: text,
    isBase64Encoded: false,
  };
}

/** A GET event. */
export function getEvent(path: string, headers: Record<string, string> = {}): HttpApiEvent {
  return {
    version: '2.0',
    rawPath: path,
    rawQueryString: '',
    headers: { host: HOST, ...headers },
    requestContext: { domainName: HOST, stage: '$default', http: { method: 'GET', path } },
  };
}

/** A POST signed with HubSpot signature v3 at `timestamp` (epoch ms). */
export function signedEvent(path: string, body: unknown, secret: string, timestamp: number): HttpApiEvent {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const signature = signHubSpotV3(secret, 'POST', `https://${HOST}${path}`, text, String(timestamp));
  return postEvent(path, text, {
    'x-hubspot-signature-v3': signature,
    'x-hubspot-request-timestamp': String(timestamp),
  });
}

/** A HubSpot sample payload from test/fixtures/hubspot. */
export function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../fixtures/hubspot/${name}`, import.meta.url), 'utf8'));
}
