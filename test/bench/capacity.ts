/**
 * `npm run bench -- capacity`: DynamoDB capacity per lead, counted as DynamoDB charges it, on the table
 * AND its indexes (dynalite charges no index writes, so the meter computes them), for capture → CRM sync →
 * first touch (HubSpot webhook) → its status sync, and for a breach (reassignment and its sync); the peak
 * WCU per partition key at 100 leads per second; and the cost per 1,000 leads (notifications excluded).
 *
 * How capacity is counted (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html,
 * …/GSI.html#GSI.ThroughputConsiderations, …/CapacityUnitCalculations.html):
 * - a write costs ceil(larger of the item's size before and after / 1 KB) WRU, even when its condition fails;
 * - each GSI the write changes costs ceil(projected index item / 1 KB): a put when the item enters the index,
 *   a delete when it leaves, both when its index key changes, one update when a projected attribute
 *   changes, nothing when none does;
 * - a strongly consistent GetItem costs ceil(size / 4 KB) RRU, an eventually consistent one half;
 *   BatchGetItem per item; a Query the returned items' total size rounded up to 4 KB per page (half when
 *   eventually consistent, as every GSI Query is).
 * The meter reads each written item before and after (through a second, unmetered client) to size it.
 */
import { readFileSync } from 'node:fs';
import {
  type AttributeValue,
  DynamoDBClient,
  GetItemCommand,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { LOCAL, startLocalStack } from '../../infra/local/stack.ts';
import { TABLE_DEFINITION } from '../../shared/adapters/table.ts';
import { handleBreach } from '../../shared/app/breach.ts';
import { syncBatch } from '../../shared/app/crm-sync.ts';
import { loadPolicy } from '../../shared/domain/policy.ts';
import { runRoute } from '../../shared/http/chain.ts';
import { captureRoute, hubspotWebhookRoute } from '../../shared/http/routes.ts';
import { postEvent } from '../helpers/http-event.ts';
import { propertyChange, webhookEvent } from '../helpers/live.ts';

/** us-east-1 list prices (public price pages, read at the time of writing; check your region). */
export const PRICES = {
  /** DynamoDB on-demand, per write request unit (aws.amazon.com/dynamodb/pricing/on-demand). */
  wru: 0.625 / 1e6,
  /** DynamoDB on-demand, per read request unit. */
  rru: 0.125 / 1e6,
  /** Lambda arm64, per GB-second and per request (aws.amazon.com/lambda/pricing). */
  lambdaGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  /** API Gateway HTTP API, per request (first 300 M a month). */
  httpRequest: 1.0 / 1e6,
  /** SQS standard, per request. */
  sqsRequest: 0.4 / 1e6,
  /** EventBridge Scheduler, per invocation (only breaches invoke: a send to the timer queue). */
  schedulerInvocation: 1.0 / 1e6,
} as const;

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const NOW = Date.parse('2030-01-07T09:00:00Z');
const KB = 1024;
const LEADS = 50;
/** Share of leads that breach, for the cost (the README's assumption). */
const BREACH_RATE = 0.1;

// ---------------------------------------------------------------- item sizes

function valueSize(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S);
  if (v.N !== undefined) return Math.ceil(v.N.replace(/^-|\.|e.*$/gi, '').replace(/^0+/, '').length / 2) + 1;
  if (v.B !== undefined) return v.B.length;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS) return v.SS.reduce((n, s) => n + Buffer.byteLength(s), 0);
  if (v.NS) return v.NS.reduce((n, s) => n + valueSize({ N: s }), 0);
  if (v.L) return 3 + v.L.reduce((n, x) => n + 1 + valueSize(x), 0);
  if (v.M)
    return 3 + Object.entries(v.M).reduce((n, [k, x]) => n + 1 + Buffer.byteLength(k) + valueSize(x), 0);
  return 0;
}

/** An item's size as DynamoDB counts it: attribute names plus values. */
export function itemSize(item: Record<string, AttributeValue> | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k) + valueSize(v), 0);
}

interface IndexSpec {
  name: string;
  pk: string;
  sk: string;
  include?: readonly string[];
}
const INDEX_SPECS: IndexSpec[] = TABLE_DEFINITION.GlobalSecondaryIndexes.map((g) => ({
  name: g.IndexName,
  pk: g.KeySchema[0].AttributeName,
  sk: g.KeySchema[1].AttributeName,
  include: g.Projection.ProjectionType === 'INCLUDE' ? g.Projection.NonKeyAttributes : undefined,
}));

/** The index's copy of an item, or undefined when the item is not in the index (sparse). */
function projected(spec: IndexSpec, item: Record<string, AttributeValue> | undefined) {
  if (!item?.[spec.pk] || !item[spec.sk]) return undefined;
  if (!spec.include) return item;
  const keep = new Set(['PK', 'SK', spec.pk, spec.sk, ...spec.include]);
  return Object.fromEntries(Object.entries(item).filter(([k]) => keep.has(k)));
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const sortKeys = (item: Record<string, AttributeValue> | undefined) =>
  item && Object.fromEntries(Object.entries(item).sort(([a], [b]) => a.localeCompare(b)));

// ---------------------------------------------------------------- the meter

/** Capacity counted so far: per target (table or index), per partition key. */
class Meter {
  wru: Record<string, number> = {};
  rru: Record<string, number> = {};
  /** WRU by target and item kind (PK and SK prefixes). */
  kinds: Record<string, number> = {};
  byKey = new Map<string, { wru: number; leads: Set<string> }>();
  phase = '';
  lead = '';

  /** `base`: the written item's own PK, which tells whose write it is when no lead is being run. */
  write(target: string, units: number, pk: string, base: string, sk = '') {
    if (units <= 0) return;
    this.wru[target] = (this.wru[target] ?? 0) + units;
    const kind = `${target}:${pk.replace(/#.*$/, '')}${sk ? `/${sk.replace(/#.*$/, '')}` : ''}`;
    this.kinds[kind] = (this.kinds[kind] ?? 0) + units;
    const k = `${target}:${pk}`;
    const e = this.byKey.get(k) ?? { wru: 0, leads: new Set<string>() };
    e.wru += units;
    e.leads.add(this.lead || base);
    this.byKey.set(k, e);
  }

  read(target: string, units: number) {
    this.rru[target] = (this.rru[target] ?? 0) + units;
  }

  totals() {
    const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
    return { wru: sum(this.wru), rru: sum(this.rru) };
  }

  reset() {
    this.wru = {};
    this.rru = {};
  }
}

function keyOf(input: { Key?: Record<string, AttributeValue>; Item?: Record<string, AttributeValue> }) {
  const src = input.Key ?? input.Item ?? {};
  return { PK: src.PK as AttributeValue, SK: src.SK as AttributeValue };
}

/** Adds the meter to `client`: every call is sized as DynamoDB would charge it. */
function instrument(client: DynamoDBClient, shadow: DynamoDBClient, meter: Meter, table: string): void {
  const get = async (key: Record<string, AttributeValue>) =>
    (await shadow.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName as string;
      // biome-ignore lint/suspicious/noExplicitAny: the command inputs differ by command; each branch reads its own.
      const input = args.input as any;
      if (name === 'PutItemCommand' || name === 'UpdateItemCommand' || name === 'DeleteItemCommand') {
        const key = keyOf(input);
        const before = await get(key);
        let failed = false;
        try {
          return await next(args);
        } catch (e) {
          failed = true;
          throw e;
        } finally {
          const after = failed ? before : await get(key);
          const pk = String(key.PK.S);
          meter.write(
            'table',
            Math.max(1, Math.ceil(Math.max(itemSize(before), itemSize(after)) / KB)),
            pk,
            pk,
            String(key.SK?.S ?? ''),
          );
          if (!failed) {
            for (const spec of INDEX_SPECS) {
              const a = sortKeys(projected(spec, before));
              const b = sortKeys(projected(spec, after));
              const target = spec.name;
              if (!a && !b) continue;
              const keyMoved = a && b && (!same(a[spec.pk], b[spec.pk]) || !same(a[spec.sk], b[spec.sk]));
              if (a && (!b || keyMoved))
                meter.write(target, Math.ceil(itemSize(a) / KB), String(a[spec.pk]?.S), pk);
              if (b && (!a || keyMoved || !same(a, b)))
                meter.write(target, Math.ceil(itemSize(b) / KB), String(b[spec.pk]?.S), pk);
            }
          }
        }
      }
      if (name === 'BatchWriteItemCommand') {
        // The audit log's search terms (issue 17): small new items, no index attributes; each put is charged
        // on its own size, as BatchWriteItem charges (DynamoDB's pricing page).
        for (const r of input.RequestItems[table] ?? []) {
          const item = r.PutRequest?.Item ?? r.DeleteRequest?.Key;
          if (item)
            meter.write(
              'table',
              Math.max(1, Math.ceil(itemSize(item) / KB)),
              String(item.PK?.S),
              String(item.PK?.S),
              String(item.SK?.S ?? ''),
            );
        }
      }
      const out = await next(args);
      // biome-ignore lint/suspicious/noExplicitAny: as above, per command.
      const res = out.output as any;
      if (name === 'GetItemCommand') {
        meter.read(
          'table',
          Math.max(1, Math.ceil(itemSize(res.Item) / (4 * KB))) * (input.ConsistentRead ? 1 : 0.5),
        );
      } else if (name === 'BatchGetItemCommand') {
        const req = input.RequestItems[table] ?? {};
        for (const item of res.Responses?.[table] ?? [])
          meter.read('table', Math.ceil(itemSize(item) / (4 * KB)) * (req.ConsistentRead ? 1 : 0.5));
      } else if (name === 'QueryCommand') {
        const q = input as QueryCommandInput;
        const size = (res.Items ?? []).reduce(
          (n: number, i: Record<string, AttributeValue>) => n + itemSize(i),
          0,
        );
        meter.read(
          q.IndexName ?? 'table',
          Math.max(1, Math.ceil(size / (4 * KB))) * (q.ConsistentRead ? 1 : 0.5),
        );
      }
      return out;
    },
    { step: 'initialize', name: 'capacityMeter' },
  );
}

// ---------------------------------------------------------------- the run

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

/** Capacity per lead and per breach, the hottest partition key at 100 leads/s, and the cost per 1,000 leads. */
export async function benchCapacity(): Promise<Record<string, unknown>> {
  const policy = loadPolicy(readFileSync('config/policy.example.yaml', 'utf8'));
  for (const t of policy.teams.values()) for (const m of t.members) m.maxOpen = 100_000;
  let now = NOW;
  const meter = new Meter();
  let shadow: DynamoDBClient | undefined;
  const stack = await startLocalStack({
    policy,
    clock: { now: () => now },
    scheduler: { autoFire: false },
    consumeSync: false,
    log: silent,
    instrumentDynamo: (client) => {
      shadow = new DynamoDBClient({
        endpoint: client.config.endpoint as never,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      instrument(client, shadow, meter, LOCAL.table);
    },
  });
  const counts = { sqsSends: 0 };
  const sendOriginal = stack.rt.queue.send.bind(stack.rt.queue);
  stack.rt.queue.send = async (m) => {
    counts.sqsSends++;
    return sendOriginal(m);
  };
  try {
    const capture = captureRoute(stack.rt);
    const webhook = hubspotWebhookRoute(stack.rt);
    const submit = async (i: number, tag: string) => {
      const res = await runRoute(
        capture,
        postEvent(
          '/leads',
          {
            email: `${tag}${i}@company${i % 37}.example`,
            firstName: 'Cap',
            lastName: `Lead ${i}`,
            company: `Company ${i % 37}`,
            phone: '+4930123456',
            country: ['DE', 'US', 'FR', 'CA'][i % 4],
            intent: ['demo', 'contact', 'pricing', 'demo'][i % 4],
            channel: 'form',
            formId: 'demo-request',
            pageUrl: 'https://www.example.com/demo',
            sourceEventId: `${tag}-${i}`,
          },
          { authorization: `Bearer ${stack.ingestKey}` },
        ),
      );
      if (res.statusCode !== 202) throw new Error(`capture answered ${res.statusCode}: ${res.body}`);
      return JSON.parse(res.body ?? '{}').leadId as string;
    };
    const sync = async (ids: string[], reason: string) => {
      for (let i = 0; i < ids.length; i += 100) {
        const batch = ids.slice(i, i + 100).map((leadId) => ({
          id: `${reason}-${leadId}`,
          body: JSON.stringify({ leadId, reason, attempt: 1 }),
          receiveCount: 1,
        }));
        const failed = await syncBatch(stack.rt, batch);
        if (failed.length) throw new Error(`${failed.length} syncs failed`);
      }
    };
    const phases: Record<string, { wru: number; rru: number }> = {};
    const phase = async (name: string, fn: () => Promise<void>) => {
      meter.reset();
      meter.phase = name;
      await fn();
      meter.phase = '';
      const t = meter.totals();
      phases[name] = { wru: round(t.wru / LEADS), rru: round(t.rru / LEADS) };
      return { wru: { ...meter.wru }, rru: { ...meter.rru } };
    };

    // Warm-up: routing state, the roster, HubSpot properties.
    await submit(0, 'warm');

    // 1. capture → sync → touch → status sync.
    const ids: string[] = [];
    const byTarget: Record<string, { wru: number; rru: number }> = {};
    const collect = (r: { wru: Record<string, number>; rru: Record<string, number> }) => {
      const at = (k: string) => {
        const e = byTarget[k] ?? { wru: 0, rru: 0 };
        byTarget[k] = e;
        return e;
      };
      for (const [k, v] of Object.entries(r.wru)) at(k).wru += v / LEADS;
      for (const [k, v] of Object.entries(r.rru)) at(k).rru += v / LEADS;
    };
    collect(
      await phase('capture', async () => {
        for (let i = 1; i <= LEADS; i++) {
          meter.lead = `lead${i}`;
          ids.push(await submit(i, 'cap'));
        }
        meter.lead = '';
      }),
    );
    collect(await phase('sync', () => sync(ids, 'assigned')));
    now += 60_000;
    collect(
      await phase('touch', async () => {
        let eventId = 9_000_000;
        for (const [i, leadId] of ids.entries()) {
          meter.lead = `lead${i + 1}`;
          const lead = await stack.rt.store.getLead(leadId);
          const events = [
            propertyChange({
              eventId: eventId++,
              contactId: lead!.hubspotContactId as string,
              property: 'hs_lead_status',
              value: 'ATTEMPTED_TO_CONTACT',
              occurredAt: now,
            }),
          ];
          const res = await runRoute(webhook, webhookEvent(stack, events, now));
          if (res.statusCode >= 300) throw new Error(`webhook answered ${res.statusCode}`);
        }
        meter.lead = '';
        // The bench's own getLead per lead (consistent, under 4 KB): not the product's.
        meter.rru.table = (meter.rru.table ?? 0) - ids.length;
      }),
    );
    collect(await phase('statusSync', () => sync(ids, 'status')));
    const leadKinds = Object.fromEntries(Object.entries(meter.kinds).map(([k, v]) => [k, round(v / LEADS)]));
    const leadKeys = new Map([...meter.byKey].map(([k, e]) => [k, { wru: e.wru, leads: new Set(e.leads) }]));
    const lead = Object.values(phases).reduce((a, p) => ({ wru: a.wru + p.wru, rru: a.rru + p.rru }), {
      wru: 0,
      rru: 0,
    });

    // 2. A breach: capture and sync (counted above), the deadline passes, reassignment, its sync.
    const breachIds: string[] = [];
    for (let i = 1; i <= LEADS; i++) breachIds.push(await submit(i, 'late'));
    await sync(breachIds, 'assigned');
    now += 6 * 3_600_000;
    const breachPhases: Record<string, { wru: number; rru: number }> = {};
    meter.reset();
    for (const leadId of breachIds) {
      const l = await stack.rt.store.getLead(leadId);
      await handleBreach(stack.rt, { leadId, attempt: l!.attempt });
    }
    meter.rru.table = (meter.rru.table ?? 0) - breachIds.length;
    const b1 = meter.totals();
    breachPhases.breach = { wru: round(b1.wru / LEADS), rru: round(b1.rru / LEADS) };
    meter.reset();
    for (let i = 0; i < breachIds.length; i += 100) {
      const batch = breachIds.slice(i, i + 100).map((leadId) => ({
        id: `re-${leadId}`,
        body: JSON.stringify({ leadId, reason: 'assigned', attempt: 2 }),
        receiveCount: 1,
      }));
      await syncBatch(stack.rt, batch);
    }
    const b2 = meter.totals();
    breachPhases.reassignmentSync = { wru: round(b2.wru / LEADS), rru: round(b2.rru / LEADS) };
    const breach = {
      wru: breachPhases.breach.wru + breachPhases.reassignmentSync.wru,
      rru: breachPhases.breach.rru + breachPhases.reassignmentSync.rru,
    };

    // 3. The hottest partition key at 100 leads/s: keys shared by leads (index day shards, routing
    //    state, counters), their WRU per lead of the capture → touch path × 100.
    let peak = { key: '', wcu: 0 };
    for (const [key, e] of leadKeys) {
      if (e.leads.size < 2) continue; // a lead's own item: written a few times, not per second
      const wcu = (e.wru / LEADS) * 100;
      if (wcu > peak.wcu) peak = { key, wcu };
    }

    // 4. Cost per 1,000 leads, notifications excluded.
    const perLead = {
      dynamoWrites: (lead.wru + BREACH_RATE * breach.wru) * PRICES.wru,
      dynamoReads: (lead.rru + BREACH_RATE * breach.rru) * PRICES.rru,
      // capture + touch webhook at ~30 ms and 1 GB, crm-sync ~1 s per 100 leads, twice (README, Cost).
      lambda: (2 * 0.03 + 2 * 0.01) * 1 * PRICES.lambdaGbSecond + (2 + 2 / 100) * PRICES.lambdaRequest,
      httpApi: 2 * PRICES.httpRequest,
      // Sync-queue sends, their receives and deletes (batches of 10); a breach's timer is one more send (the
      // Scheduler to the timer queue) with its receive and delete.
      sqs: ((counts.sqsSends / LEADS) * 1 + 2 / 10 + BREACH_RATE * (1 + 2 / 10)) * PRICES.sqsRequest,
      scheduler: BREACH_RATE * PRICES.schedulerInvocation,
    };
    const cost = Object.values(perLead).reduce((a, b) => a + b, 0) * 1000;
    return {
      capacity: {
        leads: LEADS,
        path: 'capture → CRM sync → first touch (HubSpot webhook) → status sync',
        wruPerLead: round(lead.wru),
        rruPerLead: round(lead.rru),
        phases,
        byTarget: Object.fromEntries(
          Object.entries(byTarget).map(([k, v]) => [k, { wru: round(v.wru), rru: round(v.rru) }]),
        ),
        wruPerBreach: round(breach.wru),
        rruPerBreach: round(breach.rru),
        breachPhases,
        wruPerLeadByItem: leadKinds,
        peakWcuPerPartitionKey: round(peak.wcu, 1),
        peakPartitionKey: peak.key,
        leadsPerSecond: 100,
        costPer1000Leads: round(cost, 4),
        costBreakdownPer1000Leads: Object.fromEntries(
          Object.entries(perLead).map(([k, v]) => [k, round(v * 1000, 5)]),
        ),
        assumptions: `prices us-east-1 list (${JSON.stringify(PRICES)}); breach rate ${BREACH_RATE}; notifications (SNS) excluded`,
      },
    };
  } finally {
    await stack.close();
    shadow?.destroy();
  }
}
