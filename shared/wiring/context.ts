/**
 * Wiring by port: each module of this folder builds one adapter and imports only that adapter and its
 * client, so a function bundles and constructs only what it asks for (see runtime.ts here).
 */
import type { DynamoLeadStore } from '../adapters/dynamodb-store.ts';
import type { Crm, LeadStore, Metrics, Notifier, SyncQueue, Timers } from '../app/ports.ts';
import type { AuthConfig, PacingStats } from '../app/runtime-types.ts';
import type { Need, Secrets, Settings } from './config.ts';

/** What a factory builds from: validated settings, the secrets, the HubSpot counters and the metrics of the runtime. */
export interface WiringContext {
  settings: Settings;
  secrets: Secrets;
  hubspotStats: PacingStats;
  metrics: Metrics;
}

/** Builds an adapter; undefined when the settings do not configure it. */
export type Factory<T> = (ctx: WiringContext) => T | undefined;

/** What each need wires. */
export interface Ports {
  store: DynamoLeadStore & LeadStore;
  timers: Timers;
  queue: SyncQueue;
  notifier: Notifier;
  hubspot: Crm;
  auth: AuthConfig;
}

/** A function's adapters by need: the keys are what its settings must provide (`readSettings`). */
export type Wiring = { [K in Need]?: Factory<Ports[K]> };
