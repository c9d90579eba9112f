/** Shared set-up of the integration tests that run the live path on the local stack. */
import { readFileSync } from 'node:fs';
import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { LOCAL, type LocalStack, type LocalStackOptions, startLocalStack } from '../../infra/local/stack.ts';
import { logger } from '../../shared/app/logging.ts';
import type { Log } from '../../shared/app/ports.ts';
import { loadPolicy } from '../../shared/domain/policy.ts';
import { runRoute } from '../../shared/http/chain.ts';
import type { HttpResult } from '../../shared/http/errors.ts';
import { captureRoute } from '../../shared/http/routes.ts';
import { fixture, postEvent, signedEvent } from './http-event.ts';

/** Monday 2030-01-07 09:00 UTC: 10:00 in Berlin, 04:00 in New York, 20:00 in Sydney. */
export const NOW = Date.parse('2030-01-07T09:00:00Z');

/** The example policy every integration test runs. */
export const policy = loadPolicy(readFileSync('config/policy.example.yaml', 'utf8'));

/** A log that says nothing. */
export const silent: Log = { debug() {}, info() {}, warn() {}, error() {} };

/** A clock the test moves by hand. */
export interface ManualClock {
  now(): number;
  set(ms: number | string): void;
}

/** A manual clock starting at `start`. */
export function manualClock(start: number = NOW): ManualClock {
  let t = start;
  return {
    now: () => t,
    set: (ms) => {
      t = typeof ms === 'number' ? ms : Date.parse(ms);
    },
  };
}

/** Starts the local stack with the example policy, a fixed or manual clock, timers that never fire, and no logs. */
export function startStack(options: Partial<LocalStackOptions> = {}): Promise<LocalStack> {
  // runRoute logs refusals through the process-wide logger.
  logger.setLogLevel('SILENT');
  return startLocalStack({
    policy,
    clock: { now: () => NOW },
    scheduler: { autoFire: false },
    log: silent,
    ...options,
  });
}

/**
 * Records that the owner was told about the lead's current attempt, as crm-sync does after its
 * notification: for stacks that do not consume the sync queue (a breach is never paged before it).
 */
export async function markTold(stack: Pick<LocalStack, 'rt'>, leadId: string): Promise<void> {
  const lead = await stack.rt.store.getLead(leadId);
  if (lead) await stack.rt.store.updateLead(leadId, {}, { notifiedAttempt: lead.attempt });
}

/** Every item in the stack's table, unmarshalled. */
export async function scanTable(stack: LocalStack): Promise<Record<string, unknown>[]> {
  const db = new DynamoDBClient({
    endpoint: stack.dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const out: Record<string, unknown>[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const r = await db.send(
        new ScanCommand({ TableName: LOCAL.table, ExclusiveStartKey: start, ConsistentRead: true }),
      );
      for (const item of r.Items ?? []) out.push(unmarshall(item));
      start = r.LastEvaluatedKey;
    } while (start);
    return out;
  } finally {
    db.destroy();
  }
}

/** The workflow webhook sample (profile shape), typed for the fields tests edit. */
export interface WorkflowContact {
  vid: number;
  'canonical-vid': number;
  properties: Record<string, { value: string; versions?: unknown[] }>;
  'form-submissions': { timestamp: number; 'conversion-id': string; [field: string]: unknown }[];
  'identity-profiles': { identities: { type: string; value: string }[] }[];
  [field: string]: unknown;
}

/** A fresh copy of the workflow webhook sample. */
export function workflowContact(): WorkflowContact {
  return fixture('workflow-webhook-contact.json') as WorkflowContact;
}

/** The parsed JSON body of a response. */
// biome-ignore lint/suspicious/noExplicitAny: assertions read arbitrary JSON; a wrong path fails the assertion.
export function bodyOf(res: HttpResult): Record<string, any> {
  return JSON.parse(res.body ?? 'null');
}

/** mulberry32: a small seeded PRNG, so fault injection repeats run for run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A `contact.propertyChange` app webhook event. */
export function propertyChange(e: {
  eventId: number;
  contactId: string;
  property: string;
  value: string;
  occurredAt: number | string;
  changeSource?: string;
  sourceId?: string;
}) {
  return {
    eventId: e.eventId,
    subscriptionId: 2002,
    portalId: 62515,
    appId: 54321,
    occurredAt: typeof e.occurredAt === 'number' ? e.occurredAt : Date.parse(e.occurredAt),
    subscriptionType: 'contact.propertyChange',
    attemptNumber: 0,
    objectId: Number(e.contactId),
    propertyName: e.property,
    propertyValue: e.value,
    changeSource: e.changeSource ?? 'CRM_UI',
    sourceId: e.sourceId ?? 'userId:1234567',
  };
}

/** POST /hubspot/webhooks with `events`, signed v3 at `timestamp`. */
export function webhookEvent(stack: LocalStack, events: unknown[], timestamp: number) {
  return signedEvent('/hubspot/webhooks', events, stack.clientSecret, timestamp);
}

/** CRM object type ids of the objects whose `object.creation` webhooks the tests send. */
export const OBJECT_TYPE_IDS = { call: '0-48', email: '0-49', meeting: '0-47', deal: '0-3' } as const;

/** An `object.creation` app webhook event, made by a user in HubSpot. */
export function objectCreated(e: {
  eventId: number;
  kind: keyof typeof OBJECT_TYPE_IDS;
  objectId: string;
  occurredAt: number;
}) {
  return {
    eventId: e.eventId,
    subscriptionId: 3003,
    portalId: 62515,
    appId: 54321,
    occurredAt: e.occurredAt,
    subscriptionType: 'object.creation',
    attemptNumber: 0,
    objectId: Number(e.objectId),
    objectTypeId: OBJECT_TYPE_IDS[e.kind],
    changeSource: 'CRM_UI',
  };
}

let contactLeads = 0;
/**
 * A demo request submitted at NOW by a new HubSpot contact of the sandbox whose existing owner is 1001 (due
 * NOW + 5 min): the capture's answer, the contact and the lead. Nothing is synced yet.
 */
export async function contactLead(
  stack: LocalStack,
  name: string,
  domain: string,
): Promise<{ res: HttpResult; contactId: string; leadId: string }> {
  const email = `${name}.${++contactLeads}@${domain}`;
  const contact = stack.sandbox!.createContact({ email, firstname: name });
  const res = await runRoute(
    captureRoute(stack.rt),
    postEvent(
      '/leads',
      {
        email,
        intent: 'demo',
        submittedAt: new Date(NOW).toISOString(),
        hubspotContactId: contact.id,
        existingOwnerId: '1001',
      },
      { authorization: `Bearer ${stack.ingestKey}` },
    ),
  );
  return { res, contactId: contact.id, leadId: String(bodyOf(res).leadId) };
}
