/**
 * The report's read model on DynamoDB: the leads submitted in a period, read through GSI2 (leads by
 * submission day) and never by a Scan. One Query per day partition `DAY#yyyy-mm-dd#<shard>` (SHARDS
 * per day, table.ts) and time slice of that day, with `GSI2SK BETWEEN <slice start ISO> AND <slice end ISO>`: the sort key is
 * `<submittedAt ISO>#<leadId>`, so `<end ISO>#…` sorts after `<end ISO>` and the range is exactly
 * [start, end). Slices run in parallel (bounded), each paginated; only the attributes the KPIs read are
 * projected, which keeps contact details out of the report and the responses small (read units are
 * charged on the items read, projection or not).
 */
import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { KpiLead } from '../domain/kpi.ts';
import { COLD_ATTRIBUTES, HOT_INPUT, leadItemKeys, mergeItems } from './lead-item.ts';
import { DAY_ATTRIBUTES, INDEXES, SHARDS } from './table.ts';

const DAY_MS = 86_400_000;

/** Attributes (paths) of a lead item the KPIs read, including the proposed outcome fields. */
export const REPORT_ATTRIBUTES = [
  'leadId',
  'status',
  'tier',
  'input.channel',
  'input.formId',
  'input.formTitle',
  'region',
  'teamId',
  'ownerId',
  'queueId',
  'alert',
  'submittedAt',
  'receivedAt',
  'dueAt',
  'firstTouchAt',
  'speedMs',
  'speedWallMs',
  'slaOutcome',
  'breachCount',
  'breachedAt',
  'missedBy',
  'recoveredAt',
  'attemptsLogged',
  'firstAttemptAt',
  'closedAt',
  'closeReason',
  'acceptedAt',
  'meetingAt',
  'contactedAt',
  'contactAttempts',
  'misroutedAt',
  'repeatCount',
  'qualifiedAt',
  'deals',
  // Who held a breached lead at its first deadline (the report's breaches by rep).
  'previousOwners',
] as const;

/** How the period is read. */
export interface PeriodReadOptions {
  /** Time slices per day partition, queried in parallel (a busy day reads faster); 4 unless given. */
  slicesPerDay?: number;
  /** Queries in flight at once; 16 unless given. */
  concurrency?: number;
  /** Items per Query page; DynamoDB's 1 MB page unless given. */
  pageSize?: number;
  /** Other attributes (paths) to read instead of the KPI attributes (the board's, the review's). */
  attributes?: readonly string[];
  /** Whole items (the lead store's listSubmitted). */
  whole?: boolean;
}

/** One Query of the plan: a day partition and a [start, end) slice of it. */
export interface PeriodSlice {
  day: string;
  start: string;
  end: string;
}

/** The Queries that read [from, to): per UTC day partition, `slicesPerDay` equal slices clipped to the period. */
export function periodSlices(from: Date, to: Date, slicesPerDay = 4): PeriodSlice[] {
  const a = from.getTime();
  const b = to.getTime();
  const out: PeriodSlice[] = [];
  const step = DAY_MS / slicesPerDay;
  for (let day = Math.floor(a / DAY_MS) * DAY_MS; day < b; day += DAY_MS) {
    const name = new Date(day).toISOString().slice(0, 10);
    for (let i = 0; i < slicesPerDay; i++) {
      const s = Math.max(a, Math.round(day + i * step));
      const e = Math.min(b, Math.round(day + (i + 1) * step));
      if (s < e) out.push({ day: name, start: new Date(s).toISOString(), end: new Date(e).toISOString() });
    }
  }
  return out;
}

/** A ProjectionExpression over attribute paths, with its names. */
export function projectionOf(paths: readonly string[]): {
  projection: string;
  names: Record<string, string>;
} {
  const names: Record<string, string> = {};
  const projection = paths
    .map((path) =>
      path
        .split('.')
        .map((part) => {
          const k = `#${part}`;
          names[k] = part;
          return k;
        })
        .join('.'),
    )
    .join(', ');
  return { projection, names };
}

const KPI_PROJECTION = projectionOf(REPORT_ATTRIBUTES);

async function querySlice(
  db: DynamoDBClient,
  table: string,
  s: PeriodSlice,
  shard: number,
  pageSize: number | undefined,
  { projection, names } = KPI_PROJECTION,
): Promise<KpiLead[]> {
  const out: KpiLead[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const r = await db.send(
      new QueryCommand({
        TableName: table,
        IndexName: INDEXES.byDay.name,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :start AND :end',
        ProjectionExpression: projection,
        ExpressionAttributeNames: {
          ...names,
          '#pk': INDEXES.byDay.pk,
          '#sk': INDEXES.byDay.sk,
        },
        ExpressionAttributeValues: {
          ':pk': { S: `DAY#${s.day}#${shard}` },
          ':start': { S: s.start },
          ':end': { S: s.end },
        },
        ExclusiveStartKey: start,
        Limit: pageSize,
      }),
    );
    for (const item of r.Items ?? []) out.push(unmarshall(item) as KpiLead);
    start = r.LastEvaluatedKey;
  } while (start);
  return out;
}

/**
 * The leads submitted in [from, to), ordered by submittedAt, with the attributes the KPIs read (or
 * `opts.attributes`). GSI2 finds them: it projects only a handful of attributes that change at assignment
 * (DynamoDB allows at most 20 projected attributes per index, and every projected attribute a lead rewrite
 * changes costs an index write). When the wanted attributes are all in the index, the index answers;
 * otherwise the items are read by BatchGetItem (100 keys a call, with the same projection), which costs
 * the same read units as a Query over a whole-item projection would.
 */
export async function loadLeadsForPeriod(
  db: DynamoDBClient,
  table: string,
  from: Date,
  to: Date,
  opts: PeriodReadOptions = {},
): Promise<KpiLead[]> {
  const slices = periodSlices(from, to, opts.slicesPerDay ?? 4).flatMap((slice) =>
    Array.from({ length: SHARDS }, (_, shard) => ({ slice, shard })),
  );
  const wanted = opts.attributes ?? REPORT_ATTRIBUTES;
  const inIndex = wanted.every((p) =>
    (DAY_ATTRIBUTES as readonly string[]).includes(p.split('.')[0] as string),
  );
  const fromIndex = inIndex ? projectionOf(wanted) : projectionOf(['leadId', 'submittedAt']);
  const results: KpiLead[][] = new Array(slices.length);
  let next = 0;
  const worker = async () => {
    while (next < slices.length) {
      const i = next++;
      const { slice, shard } = slices[i] as { slice: PeriodSlice; shard: number };
      results[i] = await querySlice(db, table, slice, shard, opts.pageSize, fromIndex);
    }
  };
  const concurrency = opts.concurrency ?? 16;
  await Promise.all(Array.from({ length: Math.min(concurrency, slices.length) }, worker));
  // Shards interleave within a slice: order by submission, as one partition per day read.
  const found = results
    .flat()
    .sort((a, b) =>
      a.submittedAt < b.submittedAt ? -1 : a.submittedAt > b.submittedAt ? 1 : a.leadId < b.leadId ? -1 : 1,
    );
  if (inIndex) return found;
  return batchGetLeads(
    db,
    table,
    found.map((l) => l.leadId),
    // A cold attribute (lead-item.ts) is read with the whole lead.
    opts.whole || needsDetail(wanted) ? undefined : projectionOf(wanted),
    concurrency,
  );
}

/**
 * Whether reading `paths` needs a lead's detail item (lead-item.ts): the KPI and board projections read the
 * state item alone.
 */
export function needsDetail(paths: readonly string[]): boolean {
  const cold = new Set<string>(COLD_ATTRIBUTES);
  const hotInput = new Set<string>(HOT_INPUT);
  return paths.some((p) => {
    const [root, field] = p.split('.');
    if (root === 'input') return field === undefined || !hotInput.has(field);
    return cold.has(root as string);
  });
}

/**
 * Reads leads by id, 100 keys a BatchGetItem, in the order given; unprocessed keys are retried with
 * backoff. Whole leads (no projection) are read with their detail items, two keys a lead.
 */
async function batchGetLeads(
  db: DynamoDBClient,
  table: string,
  ids: readonly string[],
  projected: { projection: string; names: Record<string, string> } | undefined,
  concurrency: number,
): Promise<KpiLead[]> {
  const byId = new Map<string, KpiLead>();
  const whole = projected === undefined;
  const chunks: string[][] = [];
  const per = whole ? 50 : 100;
  for (let i = 0; i < ids.length; i += per) chunks.push(ids.slice(i, i + per));
  const wholeItems: Record<string, unknown>[] = [];
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++] as string[];
      let pending: Record<string, AttributeValue>[] | undefined = leadItemKeys(chunk, whole);
      for (let tries = 0; pending?.length; tries++) {
        const r: BatchGetItemCommandOutput = await db.send(
          new BatchGetItemCommand({
            RequestItems: {
              [table]: {
                Keys: pending,
                ...(projected
                  ? { ProjectionExpression: projected.projection, ExpressionAttributeNames: projected.names }
                  : {}),
              },
            },
          }),
        );
        const items = (r.Responses?.[table] ?? []).map((item) => unmarshall(item));
        if (whole) {
          // Both items of a lead come back in the same response or, unprocessed, in a later one.
          for (const item of items) wholeItems.push(item);
        } else
          for (const item of items) {
            const lead = item as KpiLead;
            byId.set(lead.leadId, lead);
          }
        pending = r.UnprocessedKeys?.[table]?.Keys as Record<string, AttributeValue>[] | undefined;
        if (pending?.length) {
          if (tries > 8) throw new Error('DynamoDB left keys unprocessed after 8 retries');
          await new Promise((res) => setTimeout(res, 10 * 2 ** tries));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
  if (whole) for (const [id, lead] of mergeItems(wholeItems)) byId.set(id, lead as unknown as KpiLead);
  return ids.flatMap((id) => byId.get(id) ?? []);
}
