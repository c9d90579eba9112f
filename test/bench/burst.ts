/**
 * The webinar burst: `leads` sign-ups over `seconds`, sent as real HTTP requests to the local gateway,
 * against a HubSpot sandbox that enforces 190 requests / 10 s with 150 ms latency. Measures capture
 * latency, how soon every SLA timer exists in the Scheduler emulator, how soon every lead has its task
 * in HubSpot, and what that cost in HubSpot requests and 429s.
 *
 * The clock is fixed at a Monday morning in 2030: deadlines are computed from it, so the timers are
 * real `at()` schedules that the Scheduler emulator (on the wall clock) never reaches during the run.
 * That keeps breaches out of a throughput figure without changing any SLA window.
 *
 * Threads: the load generator, dynalite and crm-sync run on threads of their own, as the callers,
 * DynamoDB and the crm-sync Lambda run on other machines than capture in AWS. Capture (gateway and use
 * case), the Scheduler/SNS/SQS emulators and the HubSpot sandbox share the main thread; at about 1 ms of
 * CPU per AWS SDK call, that thread is the limit of a local burst.
 */
import { readFileSync } from 'node:fs';
import { startGateway } from '../../infra/local/server.ts';
import { LOCAL, startLocalStack } from '../../infra/local/stack.ts';
import { scheduleName } from '../../shared/adapters/scheduler-timers.ts';
import { leadCalendar } from '../../shared/app/lead-events.ts';
import { logger } from '../../shared/app/logging.ts';
import type { LeadRecord, Log } from '../../shared/app/ports.ts';
import { elapsed } from '../../shared/domain/clock.ts';
import type { Policy } from '../../shared/domain/compile.ts';
import { loadPolicy } from '../../shared/domain/policy.ts';
import { captureRoute } from '../../shared/http/routes.ts';
import { runLoadInThread } from './load.ts';
import { summary } from './stats.ts';

const silent: Log = { debug() {}, info() {}, warn() {}, error() {} };
/** Monday 2030-01-07 09:00 UTC: Berlin and Sydney reps are on shift, New York's come on later. */
const NOW = Date.parse('2030-01-07T09:00:00Z');
/** The sandbox's limit (Professional/Enterprise: 190 per 10 s). */
const HUBSPOT_LIMIT = { max: 190, intervalMs: 10_000 };
/**
 * leadclock's own budget. The two crm-sync workers of the local stack run in one process and share one
 * runtime, so one budget paces both; 10 under the limit absorbs the gap between the moment a request is
 * counted here and the moment it reaches the sandbox.
 */
const BUDGET = '180/10s';

/** Burst options. */
export interface BurstOptions {
  leads: number;
  seconds: number;
  /** Requests in flight at most. */
  concurrency?: number;
  /** How long to wait for the sync after the last capture. */
  syncTimeoutMs?: number;
}

/** The body of webinar sign-up `i`: mostly webinar attendees (nurture), one in ten asking for a demo. */
export function signUp(i: number, run: string): Record<string, unknown> {
  return {
    email: `burst${i}@company${i % 211}.example`,
    firstName: 'Burst',
    lastName: `L${i}`,
    company: `Company ${i % 211}`,
    country: ['DE', 'US', 'AU', 'FR', 'GB', 'CA'][i % 6],
    intent: i % 10 === 0 ? 'demo' : 'webinar',
    channel: 'webinar',
    formTitle: 'Webinar: speed to lead',
    sourceEventId: `${run}-${i}`,
  };
}

function countBy(keys: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, digits = 1) => Number(x.toFixed(digits));

/**
 * Per team, leads per rep among the pool's eligible members (active, not on PTO at `now`), and the
 * spread: the largest difference between two reps (goal ≤ 1 for round robin and least loaded; for a
 * weighted team, `maxShareError` is the largest distance from a rep's exact weighted share).
 */
export function fairness(policy: Policy, leads: readonly LeadRecord[], now: number) {
  const out: Record<
    string,
    {
      strategy: string;
      leads: number;
      perRep: Record<string, number>;
      spread: number;
      maxShareError?: number;
    }
  > = {};
  for (const team of policy.teams.values()) {
    const eligible = team.members.filter((m) => m.active && !m.pto.some(([f, t]) => f <= now && now < t));
    const perRep: Record<string, number> = Object.fromEntries(eligible.map((m) => [m.ownerId, 0]));
    let total = 0;
    for (const l of leads) {
      if (l.teamId !== team.id || !l.ownerId || !(l.ownerId in perRep)) continue;
      perRep[l.ownerId] = (perRep[l.ownerId] ?? 0) + 1;
      total++;
    }
    if (total === 0) continue;
    const counts = Object.values(perRep);
    const entry: (typeof out)[string] = {
      strategy: team.strategy,
      leads: total,
      perRep,
      spread: Math.max(...counts) - Math.min(...counts),
    };
    if (team.strategy === 'weighted') {
      const weights = eligible.reduce((sum, m) => sum + m.weight, 0);
      entry.maxShareError = round(
        Math.max(...eligible.map((m) => Math.abs((perRep[m.ownerId] ?? 0) - (total * m.weight) / weights))),
        2,
      );
    }
    out[team.id] = entry;
  }
  return out;
}

/** Share of leads whose rep deadline gives less than the tier's window from assignment (goal 0). */
export function shortenedWindowShare(policy: Policy, leads: readonly LeadRecord[]): number {
  if (leads.length === 0) return 0;
  const shortened = leads.filter((l) => {
    const given = elapsed(Date.parse(l.assignedAt), Date.parse(l.dueAt), leadCalendar(policy, l));
    return given < l.windowMs - 1000;
  }).length;
  return round(shortened / leads.length, 4);
}

/** Runs the burst and returns its figures. */
export async function benchBurst(o: BurstOptions): Promise<Record<string, unknown>> {
  logger.setLogLevel('SILENT');
  const policy = loadPolicy(readFileSync('config/policy.example.yaml', 'utf8'));
  // Caps raised: with 10 open leads per rep a 5,000-lead burst measures the fallback queue, not throughput.
  for (const t of policy.teams.values()) for (const m of t.members) m.maxOpen = 1_000_000;
  const stack = await startLocalStack({
    policy,
    clock: { now: () => NOW },
    log: silent,
    // DynamoDB and crm-sync get threads of their own, as they run elsewhere than capture in AWS.
    dynamoThread: true,
    syncThread: { fixedNow: NOW },
    hubspotBudget: BUDGET,
    sandbox: { rateLimit: HUBSPOT_LIMIT, latencyMs: 150 },
  });
  const gateway = await startGateway([{ method: 'POST', path: '/leads', route: captureRoute(stack.rt) }]);
  stack.rt.auth = { ...stack.rt.auth, publicBaseUrl: gateway.url };
  const sandbox = stack.sandbox!;
  try {
    const requestsBefore = sandbox.counts.total;
    const rateLimitedBefore = sandbox.counts.rateLimited;
    const run = `burst-${Date.now().toString(36)}`;
    const elu0 = performance.eventLoopUtilization();
    const load = await runLoadInThread(
      {
        url: gateway.url,
        key: stack.ingestKey,
        leads: o.leads,
        seconds: o.seconds,
        concurrency: o.concurrency ?? 64,
      },
      Array.from({ length: o.leads }, (_, i) => signUp(i, run)),
    );
    const accepted = load.deliveries.filter((d) => d.status >= 200 && d.status < 300 && d.leadId);
    const leadIds = new Set(accepted.map((d) => d.leadId as string));

    // Synced: one task per accepted lead in the sandbox (keyed `<leadId>:1`).
    const deadline = Date.now() + (o.syncTimeoutMs ?? 180_000);
    let tasks = sandbox.tasks();
    while (Date.now() < deadline) {
      tasks = sandbox.tasks();
      if (tasks.length >= leadIds.size) break;
      await sleep(500);
    }
    let drainedAt: number | undefined;
    try {
      await stack.sqs.drain(Math.max(1000, deadline - Date.now()), [LOCAL.syncQueue]);
      drainedAt = Date.now();
    } catch {
      drainedAt = undefined;
    }
    const elu = performance.eventLoopUtilization(elu0).utilization;
    tasks = sandbox.tasks();
    const taskAt = new Map<string, number>();
    let duplicateTasks = 0;
    for (const t of tasks) {
      const key = t.properties.leadclock_task_key ?? '';
      if (taskAt.has(key)) duplicateTasks++;
      else taskAt.set(key, Date.parse(t.createdAt));
    }

    // Armed: every lead has its `lc-<leadId>-1` schedule; its creation time is the emulator's record.
    let armed = 0;
    let lastArmedAt = 0;
    let maxDelayAfter202 = Number.NEGATIVE_INFINITY;
    let armedAfter202Over1s = 0;
    let lastTaskAt = 0;
    let synced = 0;
    for (const d of accepted) {
      const s = stack.scheduler.get(LOCAL.scheduleGroup, scheduleName(d.leadId as string, 1));
      if (s) {
        armed++;
        lastArmedAt = Math.max(lastArmedAt, s.createdAt);
        const delay = s.createdAt - d.answeredAt;
        maxDelayAfter202 = Math.max(maxDelayAfter202, delay);
        if (delay > 1000) armedAfter202Over1s++;
      }
      const at = taskAt.get(`${d.leadId}:1`);
      if (at !== undefined) {
        synced++;
        lastTaskAt = Math.max(lastTaskAt, at);
      }
    }
    const stored = (
      await stack.rt.store.listSubmitted(new Date(NOW - 86_400_000), new Date(NOW + 86_400_000))
    ).filter((l) => leadIds.has(l.leadId));
    const requests = sandbox.counts.total - requestsBefore;
    const rateLimited = sandbox.counts.rateLimited - rateLimitedBefore;
    const latencies = accepted.map((d) => d.latencyMs);
    const lost = leadIds.size - synced + (o.leads - accepted.length);
    const allSyncedAfterMs = synced === leadIds.size ? lastTaskAt - load.startedAt : null;
    return {
      burst: {
        leads: o.leads,
        seconds: o.seconds,
        concurrency: o.concurrency ?? 64,
        hubspot: { limit: '190/10s', latencyMs: 150, budget: BUDGET },
        captured: accepted.length,
        refused: load.deliveries.length - accepted.length,
        serverErrors: load.serverErrors,
        lost,
        captureMillis: { ...summary(latencies, 1), max: round(Math.max(...latencies)) },
        // Pool picks per rep under the burst's concurrency, and whether any rep got less than the tier window.
        fairness: fairness(policy, stored, NOW),
        shortenedWindowShare: shortenedWindowShare(policy, stored),
        sendWallSeconds: round(load.wallMs / 1000),
        maxSendLagMs: Math.round(load.maxStartLagMs),
        // Busy share of the one thread that runs leadclock, the emulators and the sandbox (dynalite has its own).
        mainThreadUtilization: round(elu, 2),
        timers: {
          armed,
          allArmedAfterSeconds: armed ? round((lastArmedAt - load.startedAt) / 1000, 2) : null,
          // Negative: capture arms the timer before it answers 202.
          maxDelayAfter202Ms: armed ? maxDelayAfter202 : null,
          armedLaterThan1s: armedAfter202Over1s,
        },
        sync: {
          leadsWithTask: synced,
          duplicateTasks,
          allSyncedAfterSeconds: allSyncedAfterMs === null ? null : round(allSyncedAfterMs / 1000),
          queueDrainedAfterSeconds: drainedAt ? round((drainedAt - load.startedAt) / 1000) : null,
          hubspotRequests: requests,
          leadsPerRequest: requests ? round(synced / requests) : null,
          rateLimited429: rateLimited,
          rateLimitedPercent: requests ? round((rateLimited / requests) * 100, 2) : 0,
          byStatus: countBy(sandbox.requests.slice(requestsBefore).map((r) => String(r.status))),
          notifications: stack.sns.outbox().length,
        },
        goals: {
          zeroLost: lost === 0,
          timersWithin1s: armed === leadIds.size && armedAfter202Over1s === 0,
          syncWithin90s: allSyncedAfterMs !== null && allSyncedAfterMs <= 90_000,
          rateLimitedAtMost1Percent: requests > 0 && rateLimited <= requests * 0.01,
          roundRobinWithinOne: Object.values(fairness(policy, stored, NOW))
            .filter((f) => f.strategy !== 'weighted')
            .every((f) => f.spread <= 1),
          fullWindowForEveryRep: shortenedWindowShare(policy, stored) === 0,
        },
      },
    };
  } finally {
    await gateway.close();
    await stack.close();
  }
}
