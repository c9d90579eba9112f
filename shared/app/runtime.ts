/**
 * The runtime every use case receives, and the whole of it wired at once: `buildRuntime` is for the
 * local runtime and the tests, which bring their own clients. Functions do not import this module's
 * values; each wires only its own ports with `runtimeFromEnv` (shared/app/wiring/runtime.ts).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoLeadStore } from '../adapters/dynamodb-store.ts';
import type { PacingStats } from '../adapters/hubspot/pacing.ts';
import type { Policy } from '../domain/compile.ts';
import type { AuthConfig } from '../http/auth.ts';
import type { Secrets, Settings } from './config.ts';
import type {
  AvailabilityStore,
  Clock,
  Crm,
  LeadStore,
  Log,
  Metrics,
  Notifier,
  PolicySource,
  SyncQueue,
  Timers,
  WaitingRoom,
} from './ports.ts';
import { httpAuth } from './wiring/auth.ts';
import type { Wiring } from './wiring/context.ts';
import { hubspotCrm } from './wiring/hubspot.ts';
import { snsNotifier } from './wiring/notifier.ts';
import { sqsSyncQueue } from './wiring/queue.ts';
import { assembleRuntime } from './wiring/runtime.ts';
import { dynamoStore } from './wiring/store.ts';
import { schedulerTimers } from './wiring/timers.ts';

/** Everything a use case may need. Ports a function did not wire throw when used. */
export interface Runtime {
  policy: Policy;
  store: DynamoLeadStore & LeadStore;
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

/** AWS clients, one each per process. */
export interface AwsClients {
  dynamo: DynamoDBClient;
  scheduler: SchedulerClient;
  sns: SNSClient;
  sqs: SQSClient;
}

/** Every port, on the given clients. */
export function fullWiring(clients: AwsClients): Required<Wiring> {
  return {
    store: dynamoStore(clients.dynamo),
    timers: schedulerTimers(clients.scheduler),
    queue: sqsSyncQueue(clients.sqs),
    notifier: snsNotifier(clients.sns),
    hubspot: hubspotCrm(clients.dynamo),
    auth: httpAuth(),
  };
}

/** Builds the whole runtime from settings, clients, secrets and a loaded policy; what the settings leave unconfigured throws when used. */
export function buildRuntime(
  s: Settings,
  clients: AwsClients,
  secrets: Secrets,
  opts: { policy: Policy; policySource?: PolicySource; clock?: Clock; log?: Log },
): Runtime {
  return assembleRuntime({ settings: s, secrets, ...opts }, fullWiring(clients));
}

/** AWS clients from the standard environment (region, credentials, `AWS_ENDPOINT_URL_*` overrides for local runs). */
export function awsClients(): AwsClients {
  return {
    dynamo: new DynamoDBClient({}),
    scheduler: new SchedulerClient({}),
    sns: new SNSClient({}),
    sqs: new SQSClient({}),
  };
}
