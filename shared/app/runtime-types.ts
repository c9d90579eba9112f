/**
 * The runtime a handler receives, named in ports and domain types only: the composition root
 * (shared/wiring) builds it, the HTTP routes (shared/http) and the handlers read it, and neither has to
 * climb into the other for the type. Nothing here knows AWS, HubSpot or HTTP.
 */
import type { Policy } from '../domain/compile.ts';
import type {
  AvailabilityStore,
  Clock,
  Crm,
  LeadStore,
  Log,
  Metrics,
  Notifier,
  SyncQueue,
  Timers,
  WaitingRoom,
} from './ports.ts';

/** Credentials and options of the HTTP routes' authentication; secrets hold two values during a rotation. */
export interface AuthConfig {
  /** HubSpot app client secret(s): current, and the previous one while rotating. */
  clientSecrets: readonly string[];
  /** Ingest keys for `Authorization: Bearer` or the query parameter: current, and the previous one while rotating. */
  ingestKeys: readonly string[];
  /** Viewer keys (board, leads, reports): current, and the previous one while rotating. */
  viewerKeys?: readonly string[];
  /** Admin keys (everything a viewer may, plus lead events, availability and policy). */
  adminKeys?: readonly string[];
  /** v1/v2 signatures carry no timestamp and can be replayed: off unless turned on. */
  allowLegacySignatures: boolean;
  /** Query parameter that may carry the ingest key (HubSpot's "API key" option can only add it to the URL). */
  queryKeyParam: string;
  /** Public origin and prefix HubSpot calls, when it is not the Host header (custom domains, proxies). */
  publicBaseUrl?: string;
  basePath?: string;
}

/** Counters of the CRM's pacing a caller can read for metrics and the bench. */
export interface PacingStats {
  requests: number;
  rateLimited: number;
  retries: number;
  failures: number;
  /** DynamoDB traffic of the shared budget, when the budget is the DynamoDB one. */
  budget?: { reads: number; writes: number; conflicts: number };
}

/** Everything a use case may need. Ports a function did not wire throw when used. */
export interface Runtime {
  policy: Policy;
  store: LeadStore;
  timers: Timers;
  queue: SyncQueue;
  notifier: Notifier;
  crm: Crm;
  /** False when the secret holds no HubSpot token yet: `crm` then throws on use (crm-sync holds its messages). */
  hubspotConfigured?: boolean;
  clock: Clock;
  log: Log;
  auth: AuthConfig;
  hubspotAppUrl?: string;
  hubspotStats: PacingStats;
  /** Business metrics: EMF in Lambda, nothing locally unless given. */
  metrics: Metrics;
  /** The availability overlay managers change at run time, and the waiting room (with the store). */
  availability?: AvailabilityStore;
  waiting?: WaitingRoom;
  /** Seconds between two waiting-room digests of one team. */
  digestEverySeconds?: number;
}
