/**
 * The routing audit log on DynamoDB (issue 17). Search terms are small items in the lead table:
 *   PK = `AUDIT#<kind>#<value>`, SK = `<submittedAt ISO>#<leadId>`, plus `leadId`.
 * One item per term (≈ 60–90 bytes: 1 WCU), no index attributes (no GSI write). A lead costs its email
 * term, up to four name/company words, its owner and its team at capture, and one term per owner or team
 * change: 6–8 WCU per lead. No TTL: terms live as long as the leads do. A search Queries the term
 * partitions (SK BETWEEN the period), intersects them, BatchGets the leads and verifies each one against
 * the query; with no term (a rule or a period), it reads the period through GSI2 like the report. Never a Scan.
 *
 * `AuditedLeadStore` writes the terms: capture terms BEFORE the lead is created (a failed term write fails
 * the capture, which is retried; a retried write is idempotent), owner terms after an owner change.
 */
import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  type DynamoDBClient,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { LeadPatch, LeadRecord } from '../app/ports.ts';
import { type AuditQuery, type AuditTerm, captureTerms, matches, queryTerms } from '../domain/audit.ts';
import { loadLeadsForPeriod, REPORT_ATTRIBUTES } from './dynamodb-report.ts';
import { DynamoLeadStore } from './dynamodb-store.ts';
import { DETAIL_SK, hasDetail, leadItemKeys, mergeItems } from './lead-item.ts';

/** What the board reads of a lead: the KPI attributes, names, owner history and links. */
export const BOARD_ATTRIBUTES: readonly string[] = [
  ...REPORT_ATTRIBUTES,
  'input.firstName',
  'input.lastName',
  'input.email',
  'input.company',
  'ownerName',
  'ruleId',
  'mode',
  'assignedAt',
  'hubspotContactId',
];

const FAR_PAST = '0000';
const FAR_FUTURE = '9999';

/** The key of a term item. */
export function termKey(t: AuditTerm, submittedAt: string, leadId: string) {
  return { PK: { S: `AUDIT#${t.kind}#${t.value}` }, SK: { S: `${submittedAt}#${leadId}` } };
}

/** Writes term items: one BatchWriteItem per 25 (one request per capture), unprocessed items retried. */
export async function writeTerms(
  db: DynamoDBClient,
  table: string,
  terms: readonly AuditTerm[],
  submittedAt: string,
  leadId: string,
): Promise<void> {
  const items = terms.map((t) => ({
    PutRequest: { Item: { ...termKey(t, submittedAt, leadId), leadId: { S: leadId } } },
  }));
  for (let i = 0; i < items.length; i += 25) {
    let pending = items.slice(i, i + 25);
    for (let tries = 0; pending.length; tries++) {
      if (tries > 6) throw new Error('audit terms: unprocessed items after 6 retries');
      if (tries > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** tries)));
      const r: BatchWriteItemCommandOutput = await db.send(
        new BatchWriteItemCommand({ RequestItems: { [table]: pending } }),
      );
      pending = (r.UnprocessedItems?.[table] ?? []) as typeof pending;
    }
  }
}

/** A lead store that lists leads in the audit log as it writes them. */
export class AuditedLeadStore extends DynamoLeadStore {
  readonly #db: DynamoDBClient;
  readonly #table: string;
  constructor(db: DynamoDBClient, table: string) {
    super(db, table);
    this.#db = db;
    this.#table = table;
  }

  override async createLead(lead: LeadRecord): Promise<boolean> {
    // Before the lead, not beside it: a retried capture whose lead exists returns without createLead.
    await writeTerms(this.#db, this.#table, captureTerms(lead), lead.submittedAt, lead.leadId);
    return super.createLead(lead);
  }

  override async updateLead(
    leadId: string,
    expect: Parameters<DynamoLeadStore['updateLead']>[1],
    patch: LeadPatch,
  ): Promise<LeadRecord | undefined> {
    const next = await super.updateLead(leadId, expect, patch);
    const terms: AuditTerm[] = [];
    if (next && typeof patch.ownerId === 'string') terms.push({ kind: 'owner', value: patch.ownerId });
    if (next && typeof patch.teamId === 'string') terms.push({ kind: 'team', value: patch.teamId });
    if (next && terms.length) {
      // After the change (the term needs submittedAt); a failed write does not undo the change.
      try {
        await writeTerms(this.#db, this.#table, terms, next.submittedAt, leadId);
      } catch {
        // The lead stays findable by its email, words, period and other owners; the record keeps the history.
      }
    }
    return next;
  }

  /** The board's read: leads submitted in [from, to) with the attributes the board shows (GSI2, projected). */
  async listBoard(from: Date, to: Date): Promise<LeadRecord[]> {
    const items = await loadLeadsForPeriod(this.#db, this.#table, from, to, { attributes: BOARD_ATTRIBUTES });
    return items as unknown as LeadRecord[];
  }

  /** Searches the audit log (see `searchAudit`). */
  searchAudit(q: AuditQuery, limit: number): Promise<AuditResult> {
    return searchAudit(this.#db, this.#table, q, limit);
  }
}

/** Lead ids listed under a term, in [from, to) of submission, newest first: up to `cap`, and whether that is all. */
async function termLeads(
  db: DynamoDBClient,
  table: string,
  t: AuditTerm,
  from: string,
  to: string,
  cap: number,
): Promise<{ ids: string[]; complete: boolean }> {
  const ids: string[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const r = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :a AND :b',
        ExpressionAttributeValues: {
          ':pk': { S: `AUDIT#${t.kind}#${t.value}` },
          ':a': { S: from },
          ':b': { S: to },
        },
        ProjectionExpression: 'leadId',
        ScanIndexForward: false,
        ExclusiveStartKey: start,
        Limit: cap + 1 - ids.length,
      }),
    );
    for (const item of r.Items ?? []) if (item.leadId?.S) ids.push(item.leadId.S);
    start = ids.length <= cap ? r.LastEvaluatedKey : undefined;
  } while (start);
  return ids.length > cap ? { ids: ids.slice(0, cap), complete: false } : { ids, complete: true };
}

/** Items by key (BatchGetItem, 100 keys a call, in parallel), unmarshalled, in no particular order. */
async function batchGet(
  db: DynamoDBClient,
  table: string,
  keys: readonly Record<string, AttributeValue>[],
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  const chunks: Record<string, AttributeValue>[][] = [];
  for (let i = 0; i < keys.length; i += 100) chunks.push(keys.slice(i, i + 100));
  await Promise.all(
    chunks.map(async (chunk) => {
      let pending: Record<string, AttributeValue>[] | undefined = chunk;
      for (let tries = 0; pending?.length; tries++) {
        if (tries > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** tries)));
        if (tries > 6) throw new Error('audit: unprocessed keys after 6 retries');
        const r: BatchGetItemCommandOutput = await db.send(
          new BatchGetItemCommand({ RequestItems: { [table]: { Keys: pending } } }),
        );
        for (const item of r.Responses?.[table] ?? []) out.push(unmarshall(item));
        pending = r.UnprocessedKeys?.[table]?.Keys;
      }
    }),
  );
  return out;
}

/** Whole lead records by id (state and detail items, lead-item.ts), in the order given. */
export async function getLeads(
  db: DynamoDBClient,
  table: string,
  ids: readonly string[],
): Promise<LeadRecord[]> {
  return inOrder(ids, mergeItems(await batchGet(db, table, leadItemKeys(ids, true))));
}

function inOrder(ids: readonly string[], found: Map<string, LeadRecord>): LeadRecord[] {
  return ids.map((id) => found.get(id)).filter((l): l is LeadRecord => l !== undefined);
}

/** A search's answer: matching leads, newest first, and whether more matched than `limit`. */
export interface AuditResult {
  leads: LeadRecord[];
  truncated: boolean;
}

/** Ids and the fields a rule/period-only search filters on: a small projection of GSI2. */
const TERMLESS_ATTRIBUTES = ['leadId', 'submittedAt', 'teamId', 'ruleId'] as const;

/**
 * Searches the audit log. Leads' state items are fetched newest first, 100 a BatchGet, and verified
 * against the query until `limit` + 1 match (so `truncated` is exact); the detail items of the leads
 * returned are read last. With no term (a rule or a period only) the period's GSI2 day partitions are
 * read with a four-attribute projection and filtered before the BatchGets.
 */
export async function searchAudit(
  db: DynamoDBClient,
  table: string,
  q: AuditQuery,
  limit: number,
): Promise<AuditResult> {
  const groups = queryTerms(q);
  const from = q.from === undefined ? FAR_PAST : new Date(q.from).toISOString();
  const to = q.to === undefined ? FAR_FUTURE : new Date(q.to).toISOString();
  let ids: string[];
  let partial = false;
  if (groups.length === 0) {
    if (q.from === undefined || q.to === undefined)
      throw new Error('searchAudit: a period is needed without a term');
    const rows = (await loadLeadsForPeriod(db, table, new Date(q.from), new Date(q.to), {
      attributes: TERMLESS_ATTRIBUTES,
    })) as unknown as { leadId: string; teamId?: string; ruleId?: string }[];
    ids = rows
      .filter((r) => (!q.team || r.teamId === q.team) && (!q.rule || r.ruleId === q.rule))
      .map((r) => r.leadId)
      .reverse();
  } else {
    // Each group is a union (an owner given by a name two reps share); groups intersect. A first probe of
    // 200 ids per term usually finds a complete, selective list; only when none is does the search read
    // on, up to `cap` ids per term.
    const cap = Math.max(limit * 2, 1000);
    const probe = (n: number) =>
      Promise.all(
        groups.map(async (g) => {
          const parts = await Promise.all(g.map((t) => termLeads(db, table, t, from, to, n)));
          return { ids: [...new Set(parts.flatMap((p) => p.ids))], complete: parts.every((p) => p.complete) };
        }),
      );
    let lists = await probe(200);
    if (!lists.some((l) => l.complete)) lists = await probe(cap);
    lists.sort((a, b) => Number(b.complete) - Number(a.complete) || a.ids.length - b.ids.length);
    const complete = lists.filter((l) => l.complete).map((l) => new Set(l.ids));
    const base = lists[0] ?? { ids: [], complete: true };
    ids = base.ids.filter((id) => complete.every((set) => set.has(id)));
    partial = !base.complete;
  }
  // Verified on the state items, which hold every field a search checks; the detail items (routing
  // explanation, the rest of the input) are read for the leads shown only.
  const hits: LeadRecord[] = [];
  const states = new Map<string, Record<string, unknown>>();
  for (let i = 0; i < ids.length && hits.length <= limit; i += 100) {
    const items = await batchGet(db, table, leadItemKeys(ids.slice(i, i + 100), false));
    for (const item of items) states.set(String(item.leadId), item);
    const page = inOrder(ids.slice(i, i + 100), mergeItems(items));
    page.sort((a, b) => b.submittedAt.localeCompare(a.submittedAt));
    for (const l of page) if (matches(l, q)) hits.push(l);
  }
  const shown = hits.slice(0, limit).map((l) => l.leadId);
  const withDetail = shown.filter((id) => hasDetail(states.get(id) ?? {}));
  const details = await batchGet(
    db,
    table,
    leadItemKeys(withDetail, true).filter((k) => k.SK.S === DETAIL_SK),
  );
  const whole = mergeItems([...shown.map((id) => states.get(id) ?? {}), ...details]);
  return { leads: inOrder(shown, whole), truncated: partial || hits.length > limit };
}
