/** HTTP authentication: HubSpot client secrets and ingest keys (from the secret), and the auth settings. */
import type { Factory, Ports } from './context.ts';

/** The AuthConfig of the HTTP routes. */
export function httpAuth(): Factory<Ports['auth']> {
  return ({ settings: s, secrets }) => ({
    clientSecrets: secrets.hubspotClientSecrets,
    ingestKeys: secrets.ingestKeys,
    viewerKeys: secrets.viewerKeys ?? [],
    adminKeys: secrets.adminKeys ?? [],
    allowLegacySignatures: s.ALLOW_LEGACY_SIGNATURES,
    queryKeyParam: s.INGEST_KEY_QUERY_PARAM,
    publicBaseUrl: s.PUBLIC_BASE_URL,
  });
}
