/**
 * Report benchmark (issue 7): the pure KPI computation over 100,000 leads submitted in one week, and,
 * separately, reading 10,000 leads of a week back from dynalite through the report's query pattern.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { ensureTable, startDynalite } from '../../infra/local/dynamo.ts';
import { loadLeadsForPeriod, periodSlices } from '../../shared/adapters/dynamodb-report.ts';
import { DynamoLeadStore } from '../../shared/adapters/dynamodb-store.ts';
import type { LeadRecord } from '../../shared/app/ports.ts';
import { computeKpis, GROUP_BY, type GroupBy } from '../../shared/domain/kpi.ts';
import { CHANNELS } from '../../shared/domain/lead.ts';

const FROM = new Date('2030-01-07T00:00:00.000Z');
const TO = new Date('2030-01-14T00:00:00.000Z');
const NOW = new Date('2030-01-16T12:00:00.000Z');
const MIN = 60_000;
const PATTERN =
  'GSI2 Query per day partition DAY#yyyy-mm-dd, 4 parallel time slices per day (GSI2SK BETWEEN <start ISO> AND <end ISO>), paginated, projecting the KPI attributes; no Scan';

/** A small deterministic PRNG (mulberry32), so every run measures the same leads. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `n` plausible leads submitted in [from, to): most touched, some breached, recovered, parked, closed, unowned. */
export function generateLeads(n: number, from = FROM, to = TO, seed = 7): LeadRecord[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const span = to.getTime() - from.getTime();
  const reasons = ['no budget', 'student', 'competitor', 'wrong region', 'BAD_TIMING', 'no response', 'spam'];
  const out: LeadRecord[] = [];
  for (let i = 0; i < n; i++) {
    const t = from.getTime() + Math.floor((span * i) / n);
    const iso = (ms: number) => new Date(t + ms).toISOString();
    const team = `team-${i % 10}`;
    const owner = String(1000 + (i % 200));
    const windowMs = pick([5, 60, 240, 1440]) * MIN;
    const alert = r() < 0.03;
    const breached = r() < 0.12;
    const touchedAfter =
      r() < 0.88 ? Math.floor(windowMs * 2 * r() ** 2) + (breached ? windowMs : 0) : undefined;
    const roll = r();
    const closed =
      touchedAfter === undefined
        ? undefined
        : roll < 0.1
          ? 'rejected'
          : roll < 0.2
            ? 'recycled'
            : roll < 0.5
              ? 'accepted'
              : undefined;
    const status: LeadRecord['status'] =
      closed ??
      (touchedAfter !== undefined
        ? 'touched'
        : breached
          ? r() < 0.5
            ? 'parked'
            : 'routed'
          : alert
            ? 'unroutable'
            : 'routed');
    const submittedAt = iso(0);
    const dueAt = iso(windowMs);
    const lead: LeadRecord & Record<string, unknown> = {
      leadId: `Lbench${String(i).padStart(8, '0')}`,
      dedupeKey: `src:bench:${i}`,
      status,
      version: 3,
      attempt: breached ? 2 : 1,
      input: {
        email: `lead${i}@example.com`,
        channel: pick(CHANNELS),
        intent: 'demo',
        formId: `form-${i % 50}`,
        formTitle: `Form ${i % 50}`,
        submittedAt,
        partial: false,
      },
      region: pick(['EMEA', 'NA', 'APAC', 'LATAM']),
      freeMail: false,
      targetAccount: false,
      tier: pick(['hand-raiser', 'high-intent', 'nurture', 'incomplete']),
      tierRank: 1,
      windowMs,
      reasons: ['intent demo'],
      trail: ['rule r1: matched'],
      ownerId: alert ? undefined : owner,
      teamId: alert ? undefined : team,
      queueId: alert ? 'default' : undefined,
      mode: 'live',
      alert,
      calendarId: 'always',
      submittedAt,
      receivedAt: iso(Math.floor(r() * 20_000)),
      assignedAt: iso(breached ? windowMs : 0),
      dueAt,
      previousOwners: breached ? [String(1000 + ((i + 1) % 200))] : [],
      holdsSlot: false,
      breachCount: breached ? 1 : 0,
      attemptsLogged: touchedAfter === undefined ? 0 : 1 + Math.floor(r() * 7),
      tasks: {},
      timer: 'armed',
      sync: 'synced',
      notifiedAttempt: 1,
      response: {
        leadId: `Lbench${i}`,
        status: 'routed',
        tier: 'hand-raiser',
        ownerId: owner,
        queue: null,
        dueAt,
      },
      repeatCount: r() < 0.05 ? 1 : 0,
    };
    if (breached) lead.breachedAt = iso(windowMs);
    if (touchedAfter !== undefined) {
      lead.firstTouchAt = iso(touchedAfter);
      lead.firstAttemptAt = lead.firstTouchAt;
      lead.speedWallMs = touchedAfter;
      lead.speedMs = Math.floor(touchedAfter * 0.6);
      lead.slaOutcome = !breached && touchedAfter <= windowMs ? 'met' : 'late';
      if (breached) lead.recoveredAt = lead.firstTouchAt;
      if (r() < 0.4) {
        lead.contactedAt = iso(touchedAfter + 30 * MIN);
        lead.contactAttempts = 1 + Math.floor(r() * 4);
      }
      if (r() < 0.15) lead.meetingAt = iso(touchedAfter + 2 * 86_400_000 * r());
    }
    if (closed === 'accepted') lead.acceptedAt = iso((touchedAfter ?? 0) + 60 * MIN);
    if (closed === 'rejected' || closed === 'recycled') {
      lead.closedAt = iso((touchedAfter ?? 0) + 86_400_000 * 5 * r());
      lead.closeReason = pick(reasons);
    }
    if (r() < 0.02) lead.misroutedAt = iso(10 * MIN);
    out.push(lead);
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function timeKpis(leads: readonly LeadRecord[], groupBy: GroupBy, runs: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = computeKpis(leads, { from: FROM, to: TO, now: NOW, groupBy });
    out.push(Math.round((performance.now() - t0) * 10) / 10);
    if (r.total.leads !== leads.length)
      throw new Error(`expected ${leads.length} leads, got ${r.total.leads}`);
  }
  return out;
}

/** Writes `n` leads to dynalite and reads them back through loadLeadsForPeriod; times the read. */
async function dynaliteLoad(n: number): Promise<Record<string, unknown>> {
  const dynamo = await startDynalite();
  const db = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  let queries = 0;
  db.middlewareStack.add(
    (next, context) => (args) => {
      if (context.commandName === 'QueryCommand') queries++;
      return next(args);
    },
    { step: 'initialize', name: 'countQueries' },
  );
  try {
    await ensureTable(db, 'bench');
    const store = new DynamoLeadStore(db, 'bench');
    const leads = generateLeads(n, FROM, TO, 11);
    const w0 = performance.now();
    for (let i = 0; i < leads.length; i += 32)
      await Promise.all(leads.slice(i, i + 32).map((l) => store.createLead(l)));
    const writeMillis = Math.round(performance.now() - w0);
    await loadLeadsForPeriod(db, 'bench', FROM, TO); // warm the client and dynalite
    queries = 0;
    const r0 = performance.now();
    const read = await loadLeadsForPeriod(db, 'bench', FROM, TO);
    const loadMillis = Math.round(performance.now() - r0);
    if (read.length !== n) throw new Error(`read ${read.length} of ${n} leads`);
    const k0 = performance.now();
    computeKpis(read, { from: FROM, to: TO, now: NOW, groupBy: 'team' });
    const kpiMillis = Math.round(performance.now() - k0);
    // DynamoDB sizes an item as attribute names plus values; the marshalled JSON is a close upper bound.
    const sample = leads.slice(0, 200);
    const itemBytes = Math.round(
      sample.reduce(
        (s, l) => s + Buffer.byteLength(JSON.stringify(marshall(l, { removeUndefinedValues: true }))),
        0,
      ) / sample.length,
    );
    return {
      records: n,
      writeMillis,
      loadMillis,
      perRecordMicros: Math.round((loadMillis * 1000) / n),
      kpiMillis,
      queries,
      slices: periodSlices(FROM, TO).length,
      approxItemBytes: itemBytes,
      // Eventually consistent Query: 0.5 read unit per 4 KB of items read (projection does not reduce it).
      estimatedReadUnitsPer100k: Math.ceil(((100_000 * itemBytes) / 4096) * 0.5),
    };
  } finally {
    db.destroy();
    await dynamo.close();
  }
}

/** `npm run bench` figures: report.millis is the median of 5 KPI computations over 100,000 leads, grouped by team. */
export async function benchReport(): Promise<Record<string, unknown>> {
  const leads = generateLeads(100_000);
  timeKpis(leads, 'team', 2); // warm-up
  const runs = timeKpis(leads, 'team', 5);
  const byGroupBy = Object.fromEntries(GROUP_BY.map((g) => [g, median(timeKpis(leads, g, 3))]));
  let dynalite: Record<string, unknown>;
  try {
    dynalite = await dynaliteLoad(10_000);
  } catch (e) {
    dynalite = { error: String(e) };
  }
  return {
    report: {
      leads: leads.length,
      millis: median(runs),
      runs,
      groupBy: 'team',
      byGroupBy,
      pattern: PATTERN,
      measured:
        'millis: computeKpis alone (pure, in memory) over 100,000 generated lead records of one week, median of 5 runs after 2 warm-ups; dynalite: 10,000 records written with createLead, then loadLeadsForPeriod over the week timed end to end (an in-process emulator: a per-record cost of the client path, not of DynamoDB itself)',
      dynalite,
    },
  };
}
