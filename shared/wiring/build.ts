/**
 * The whole runtime wired at once: `buildRuntime` is for the local runtime and the tests, which bring
 * their own clients. Functions do not import this module's values; each wires only its own ports with
 * `runtimeFromEnv` (shared/wiring/runtime.ts). The `Runtime` type itself is shared/app/runtime-types.ts.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Clock, Log, PolicySource } from '../app/ports.ts';
import type { Runtime } from '../app/runtime-types.ts';
import type { Policy } from '../domain/compile.ts';
import { httpAuth } from './auth.ts';
import type { Secrets, Settings } from './config.ts';
import type { Wiring } from './context.ts';
import { hubspotCrm } from './hubspot.ts';
import { snsNotifier } from './notifier.ts';
import { sqsSyncQueue } from './queue.ts';
import { assembleRuntime } from './runtime.ts';
import { dynamoStore } from './store.ts';
import { schedulerTimers } from './timers.ts';

/** The runtime every use case receives (re-exported; defined in shared/app/runtime-types.ts). */
export type { Runtime };

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
