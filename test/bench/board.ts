/**
 * `npm run bench -- board [--leads 10000]`: the routing audit log and the board against dynalite.
 *  - audit: `--leads` leads (10,000 by default, to stay under a minute; 100,000 takes ~5 min of writes) and their search terms written in bulk (BatchWriteItem,
 *    the same items AuditedLeadStore writes one lead at a time), then searches timed end to end through
 *    searchAudit + the entries: by email, by company word, by owner (a rep with ~500 leads), by owner and
 *    team over one day, and a team-only day (GSI2). p50 and p95 of 15 runs each.
 *  - board: 2,000 open leads (clocks running) written with createLead; boardData timed (p50 of 15).
 * Caveat: dynalite is an emulator on LevelDB (here on its own thread); figures are the cost of our query plan and the
 * client path on this machine, not DynamoDB's latency (single-digit ms per Query in a region).
 */

import { readFileSync } from 'node:fs';
import { type AttributeValue, BatchWriteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTable, startDynalite } from '../../infra/local/dynamo.ts';
import { AuditedLeadStore, termKey } from '../../shared/adapters/dynamodb-audit.ts';
import { leadItems } from '../../shared/adapters/dynamodb-store.ts';
import { AUDIT_LIMIT, auditLog } from '../../shared/app/audit.ts';
import type { LeadRecord } from '../../shared/app/ports.ts';
import { type AuditQuery, captureTerms } from '../../shared/domain/audit.ts';
import { loadPolicy } from '../../shared/domain/policy.ts';
import { boardData } from '../../shared/http/board-route.ts';
import { generateLeads } from './report.ts';

const FIRST = ['Ana', 'Ben', 'Chloe', 'Dev', 'Emil', 'Fatima', 'Gus', 'Hana', 'Ivo', 'Jun', 'Kai', 'Lena'];
const LAST = ['Adams', 'Berg', 'Costa', 'Dunn', 'Evans', 'Fischer', 'Garcia', 'Huang', 'Ito', 'Jensen'];

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] as number;
};

async function timed(runs: number, fn: () => Promise<unknown>) {
  await fn(); // warm
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return { p50: Math.round(pct(ms, 0.5) * 10) / 10, p95: Math.round(pct(ms, 0.95) * 10) / 10 };
}

async function batchWrite(db: DynamoDBClient, table: string, items: Record<string, AttributeValue>[]) {
  const chunks: Record<string, AttributeValue>[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      let req = { [table]: (chunks[next++] ?? []).map((Item) => ({ PutRequest: { Item } })) };
      while (req[table]?.length) {
        const r = await db.send(new BatchWriteItemCommand({ RequestItems: req }));
        req = { [table]: (r.UnprocessedItems?.[table] ?? []) as (typeof req)[string] };
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** `npm run bench -- board` */
export async function benchBoard(opts: { leads: number }): Promise<Record<string, unknown>> {
  // On its own thread, as DynamoDB runs on someone else's machine (the burst bench does the same).
  const dynamo = await startDynalite({ thread: true });
  const db = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await ensureTable(db, 'bench');
    const store = new AuditedLeadStore(db, 'bench');
    const policy = loadPolicy(readFileSync('config/policy.example.yaml', 'utf8'));

    // Audit: n leads over four weeks, 200 reps, 1 in 8 reassigned once (a second owner term).
    const to = new Date(Date.now() - 3_600_000);
    const from = new Date(to.getTime() - 28 * 86_400_000);
    const leads = generateLeads(opts.leads, from, to, 17).map((l, i) => ({
      ...l,
      input: {
        ...l.input,
        firstName: FIRST[i % FIRST.length],
        lastName: LAST[(i * 7) % LAST.length],
        company: `Company${i % 20_000} Labs`,
      },
      previousOwners: i % 8 === 0 ? [String(1000 + ((i + 1) % 200))] : [],
    })) as LeadRecord[];
    const w0 = performance.now();
    const items: Record<string, AttributeValue>[] = [];
    let terms = 0;
    for (const l of leads) {
      // As the store writes them (sharded day key, due keys while the clock runs, the detail item).
      const { stateItem, detailItem } = leadItems(l);
      items.push(stateItem, detailItem);
      const ts = [...captureTerms(l), ...l.previousOwners.map((o) => ({ kind: 'owner' as const, value: o }))];
      terms += ts.length;
      for (const t of ts) items.push({ ...termKey(t, l.submittedAt, l.leadId), leadId: { S: l.leadId } });
    }
    await batchWrite(db, 'bench', items);
    const writeSeconds = Math.round((performance.now() - w0) / 100) / 10;

    const target = leads[Math.floor(leads.length / 2)] as LeadRecord;
    const dayFrom = Date.parse(target.submittedAt.slice(0, 10));
    const search = (q: AuditQuery) => () =>
      auditLog(
        (query, limit) => store.searchAudit(query, limit),
        (id) => store.listEvents(id),
        policy,
        q,
        AUDIT_LIMIT,
      );
    const check = async (q: AuditQuery, want: (n: number) => boolean, what: string) => {
      const r = await search(q)();
      if (!want(r.entries.length)) throw new Error(`audit ${what}: ${r.entries.length} entries`);
      return r.entries.length;
    };
    const cases: Record<string, AuditQuery> = {
      email: { q: target.input.email },
      company: { q: target.input.company },
      owner: { owners: [target.ownerId ?? '1000'] },
      ownerTeamDay: {
        owners: [target.ownerId ?? '1000'],
        team: target.teamId,
        from: dayFrom,
        to: dayFrom + 86_400_000,
      },
      teamDay: { team: target.teamId, from: dayFrom, to: dayFrom + 86_400_000 },
    };
    const audit: Record<string, unknown> = {};
    for (const [name, q] of Object.entries(cases)) {
      const entries = await check(q, (n) => n >= 1, name);
      audit[name] = { entries, ...(await timed(15, search(q))) };
    }

    // Board: 2,000 open leads in a fresh table.
    await ensureTable(db, 'board');
    const boardStore = new AuditedLeadStore(db, 'board');
    const now = Date.now();
    const open = generateLeads(2000, new Date(now - 20 * 3_600_000), new Date(now), 23).map((l, i) => ({
      ...l,
      status: 'routed' as const,
      firstTouchAt: undefined,
      slaOutcome: undefined,
      speedMs: undefined,
      speedWallMs: undefined,
      closedAt: undefined,
      breachCount: 0,
      breachedAt: undefined,
      dueAt: new Date(now + 60_000 + i * 30_000).toISOString(),
      assignedAt: l.submittedAt,
      previousOwners: [],
    })) as LeadRecord[];
    for (let i = 0; i < open.length; i += 32)
      await Promise.all(open.slice(i, i + 32).map((l) => boardStore.createLead(l)));
    const rt = { store: boardStore, policy, hubspotAppUrl: 'https://app.hubspot.com/contacts/1' };
    const first = await boardData(rt, now);
    if (first.leads.length < 2000) throw new Error(`board: ${first.leads.length} rows`);
    const board = {
      openLeads: 2000,
      rows: first.leads.length,
      bytes: JSON.stringify(first).length,
      ...(await timed(15, () => boardData(rt, now))),
    };

    return {
      board: {
        audit: {
          leads: opts.leads,
          pageSize: AUDIT_LIMIT,
          termItems: terms,
          termsPerLead: Math.round((terms / opts.leads) * 100) / 100,
          writeSeconds,
          searches: audit,
        },
        board,
        measured:
          'dynalite (an emulator on LevelDB, on its own thread) on this machine: the cost of the query plan and client path, not DynamoDB latency; audit: search + BatchGet + entries (timelines for the first 25) end to end; board: boardData (GSI2 8 days, projected, + routing state) for 2,000 open leads',
      },
    };
  } finally {
    db.destroy();
    await dynamo.close();
  }
}
