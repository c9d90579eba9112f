/**
 * Fault runs: one fault at a time, injected in the emulators or the HubSpot sandbox while a burst of
 * leads is captured over HTTP; then the clock moves on, due timers fire, the sweeper repairs what it
 * must, and an audit checks the promise: every accepted lead has an owner, a task and a running timer,
 * no task is duplicated, no rep notification is lost, and no lead is breached before its deadline.
 *
 * Randomness (which request fails, which batch dies) comes from seeded generators, so a run repeats.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway } from '../../infra/local/server.ts';
import {
  LOCAL,
  type LocalStack,
  type LocalStackOptions,
  startLocalStack,
  syncConsumer,
} from '../../infra/local/stack.ts';
import { scheduleName } from '../../shared/adapters/scheduler-timers.ts';
import { contactProperties } from '../../shared/app/crm-sync.ts';
import { logger } from '../../shared/app/logging.ts';
import type { Log } from '../../shared/app/ports.ts';
import { sweep } from '../../shared/app/sweeper.ts';
import { CLOCK_RUNNING } from '../../shared/domain/lead.ts';
import { loadPolicy } from '../../shared/domain/policy.ts';
import { captureRoute } from '../../shared/http/routes.ts';
import { seeded } from '../helpers/live.ts';
import { type Delivery, runLoad } from './load.ts';

/** The faults, one per run. */
export const FAULT_CASES = ['hubspot', 'sns', 'scheduler', 'worker-kill', 'dynalite-restart'] as const;
/** One fault. */
export type FaultCase = (typeof FAULT_CASES)[number];

/** Options of one fault run. */
export interface FaultRunOptions {
  leads: number;
  /** Captures are spread over this many seconds. */
  seconds: number;
  seed: number;
  /** Requests in flight at most (default 16). */
  concurrency?: number;
  /**
   * The sync queue's visibility timeout: how long a failed or dead batch waits to come back. Default 8 s,
   * and 30 s (the local stack's) with HubSpot faults, where a batch retrying through timeouts takes
   * seconds: it must finish within the visibility, as a Lambda is stopped by its timeout well before.
   */
  syncVisibilityMs?: number;
  /** The sandbox's latency (default 150 ms). */
  hubspotLatencyMs?: number;
  /** leadclock's HubSpot call timeout (default 1000 ms). */
  hubspotTimeoutMs?: number;
}

/** What the audit found. */
export interface FaultAudit {
  /** Leads answered 202 (distinct lead ids). */
  accepted: number;
  /** Accepted leads with an owner (leadclock and the HubSpot contact agree), the task of their current attempt, and a timer at their deadline while their clock runs. */
  withOwnerTaskTimer: number;
  /** Which part was missing, per lead short of the above. */
  missing: { record: number; owner: number; task: number; timer: number };
  duplicateTasks: number;
  duplicateContacts: number;
  /** Assignment notifications expected (one per lead per attempt) with none in the SNS outbox. */
  notificationsLost: number;
  /** Extra copies of an assignment notification (allowed: at least once). */
  notificationsRepeated: number;
  /** `breached` events recorded before the deadline they breached. */
  falseBreaches: number;
  /** Breaches with no breach page in the SNS outbox (every rung of the example ladder pages someone). */
  pagesLost: number;
  /** Breaches of deadlines that had passed (the clock moves 16 minutes, past hand-raiser deadlines). */
  breaches: number;
}

/** The figures of one fault run. */
export interface FaultFigures extends FaultAudit {
  fault: string;
  leads: number;
  /** Deliveries that never got a 2xx after retries. */
  refused: number;
  /** Capture tries answered 5xx or dropped (then retried, as HubSpot does). */
  captureServerErrors: number;
  injected: Record<string, number>;
  /** What the sweeper did, summed over its runs (two per clock step). */
  sweeper: {
    runs: number;
    timersRearmed: number;
    syncsRequeued: number;
    breachesFired: number;
    errors: number;
  };
  syncDeadLetters: number;
  hubspotRequests: number;
  seconds: number;
  ok: boolean;
}

/** Monday 2030-01-07 09:00 UTC, 10:00 in Berlin: Berlin-routed demo requests are due at 09:05, contact-us at 09:15. */
export const T0 = Date.parse('2030-01-07T09:00:00Z');
/** Past the hand-raiser and high-intent deadlines and the sweeper's 15-minute stuck-sync threshold. */
const STEP_MS = 16 * 60_000;
const SWEEP_ROUNDS = 3;
/** A second sweep this long after the step: within the sweeper's cadence, short of the reassigned deadlines. */
const SWEEP_EVERY_MS = 2 * 60_000;
const silent: Log = { debug() {}, info() {}, warn() {}, error() {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Lead `i` of a fault run: mostly webinar sign-ups (24 h), every 10th a demo request, every 10th+5 a contact-us. */
function lead(i: number, run: string): Record<string, unknown> {
  return {
    email: `fault${i}@company${i % 37}.example`,
    firstName: 'Fault',
    lastName: `L${i}`,
    company: `Company ${i % 37}`,
    country: ['DE', 'US', 'AU', 'FR', 'GB', 'CA'][i % 6],
    intent: i % 10 === 0 ? 'demo' : i % 10 === 5 ? 'contact' : 'webinar',
    channel: 'webinar',
    sourceEventId: `${run}-${i}`,
  };
}

/** `port` whose method `at` never returns once the call went through: the worker "dies" right there. */
function dying<T extends object>(port: T, at: keyof T, die: () => void): T {
  return new Proxy(port, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown;
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => Promise<unknown>;
      if (prop !== at) return fn.bind(target);
      return async (...args: unknown[]) => {
        await fn.apply(target, args);
        die();
        // Nothing after this line of the worker runs: DynamoDB never records what HubSpot or SNS now holds.
        return new Promise(() => {});
      };
    },
  });
}

/** Where a crm-sync worker dies: after the contact upsert, after the task create, after the rep notification. */
const KILL_POINTS = ['upsertContacts', 'createTasks', 'publish'] as const;

interface Harness {
  stack: LocalStack;
  injected: Record<string, number>;
  /** Started when the load starts (a mid-run restart, say). */
  during?: (loadMs: number) => Promise<void>;
  cleanup?: () => void;
}

async function startCase(fault: FaultCase, o: FaultRunOptions, clock: { now(): number }): Promise<Harness> {
  const policy = loadPolicy(readFileSync('config/policy.example.yaml', 'utf8'));
  // Caps raised so every lead is routed to a rep: the audit is about faults, not the overflow queue.
  for (const t of policy.teams.values()) for (const m of t.members) m.maxOpen = 1_000_000;
  const rng = seeded(o.seed);
  const injected: Record<string, number> = {};
  const counting = (name: string, rate: number) => () => {
    const r = rng();
    if (r < rate) injected[name] = (injected[name] ?? 0) + 1;
    return r;
  };
  const base: LocalStackOptions = {
    policy,
    clock,
    log: silent,
    hubspotBudget: '180/10s',
    hubspotTimeoutMs: o.hubspotTimeoutMs ?? 1000,
    sandbox: { rateLimit: { max: 190, intervalMs: 10_000 }, latencyMs: o.hubspotLatencyMs ?? 150 },
    // Timers run on the run's clock: they fire when it passes their deadline, not before.
    scheduler: { now: () => clock.now(), tickMs: 50 },
    syncVisibilityMs: o.syncVisibilityMs ?? (fault === 'hubspot' ? 30_000 : 8000),
  };
  switch (fault) {
    case 'hubspot': {
      const stack = await startLocalStack({
        ...base,
        sandbox: {
          ...base.sandbox,
          random: rng,
          // Hung requests are dropped after 2 s; the client gives up after 1 s.
          faults: { rate5xx: 0.15, rateTimeout: 0.15, hangMs: 2000 },
        },
      });
      return { stack, injected };
    }
    case 'sns': {
      const stack = await startLocalStack({ ...base, sns: { failRate: 0.2, random: counting('sns', 0.2) } });
      return { stack, injected };
    }
    case 'scheduler': {
      const stack = await startLocalStack({
        ...base,
        scheduler: { ...base.scheduler, throttleRate: 0.1, random: counting('scheduler', 0.1) },
      });
      return { stack, injected };
    }
    case 'worker-kill': {
      const stack = await startLocalStack({ ...base, consumeSync: false });
      // The crm-sync consumer, except that some invocations die right after a HubSpot write and before
      // DynamoDB records it: a Lambda killed (timeout, OOM) mid-batch. Its messages come back after the
      // visibility timeout, with nothing released.
      const handler = syncConsumer(stack.rt, stack.taskLeaseSeconds);
      let invocations = 0;
      const died = (at: string) => {
        injected[`killedAfter_${at}`] = (injected[`killedAfter_${at}`] ?? 0) + 1;
      };
      stack.sqs.attachConsumer(
        LOCAL.syncQueue,
        async (event) => {
          // Every third invocation dies, at each point in turn: a fixed schedule, so every run kills.
          const n = invocations++;
          const at = n % 3 === 0 ? KILL_POINTS[(n / 3) % KILL_POINTS.length] : undefined;
          if (!at) return handler(event);
          let die: (e: Error) => void = () => {};
          const death = new Promise<never>((_, reject) => {
            die = reject;
          });
          let dead = false;
          const kill = () => {
            if (dead) return;
            dead = true;
            died(at);
            die(new Error(`worker killed after ${at}`));
          };
          const deps =
            at === 'publish'
              ? { ...stack.rt, notifier: dying(stack.rt.notifier, 'publish', kill) }
              : { ...stack.rt, crm: dying(stack.rt.crm, at, kill) };
          return Promise.race([syncConsumer(deps, stack.taskLeaseSeconds)(event), death]);
        },
        { batchSize: 100, maxBatchingWindowMs: 200, maxConcurrency: 2 },
      );
      return { stack, injected };
    }
    case 'dynalite-restart': {
      const dir = mkdtempSync(join(tmpdir(), 'leadclock-faults-'));
      const stack = await startLocalStack({ ...base, dataDir: join(dir, 'dynamodb') });
      return {
        stack,
        injected,
        during: async (loadMs) => {
          await sleep(loadMs * 0.4);
          // Down for 1.5 s on the same path and port: requests in flight and during the gap fail.
          await stack.dynamo.restart(1500);
          injected.restarts = 1;
        },
        cleanup: () => rmSync(dir, { recursive: true, force: true }),
      };
    }
  }
}

/** The audit, on the stack's own state: DynamoDB, the Scheduler emulator, the SNS outbox and the sandbox. */
export async function audit(stack: LocalStack, accepted: readonly Delivery[]): Promise<FaultAudit> {
  const sandbox = stack.sandbox!;
  const tasks = sandbox.tasks();
  const tasksByKey = new Map<string, typeof tasks>();
  for (const t of tasks) {
    const key = t.properties.leadclock_task_key ?? '';
    tasksByKey.set(key, [...(tasksByKey.get(key) ?? []), t]);
  }
  const contacts = sandbox.contacts();
  const emails = new Set(contacts.map((c) => c.properties.email?.toLowerCase()));
  // Assignment notifications (and unassigned alerts) per delivery index and owner.
  const told = new Map<string, number>();
  const paged = new Map<string, number>();
  for (const n of stack.sns.outbox()) {
    const type = n.attributes.type?.StringValue;
    const m = /Fault L(\d+)\b/.exec(n.subject ?? '');
    if (!m) continue;
    if (type === 'breach') paged.set(m[1] as string, (paged.get(m[1] as string) ?? 0) + 1);
    if (type !== 'assignment' && type !== 'alert') continue;
    const key = `${m[1]}|${n.attributes.ownerId?.StringValue ?? ''}`;
    told.set(key, (told.get(key) ?? 0) + 1);
  }
  const out: FaultAudit = {
    accepted: 0,
    withOwnerTaskTimer: 0,
    missing: { record: 0, owner: 0, task: 0, timer: 0 },
    duplicateTasks: tasks.length - tasksByKey.size,
    duplicateContacts: contacts.length - emails.size,
    notificationsLost: 0,
    notificationsRepeated: 0,
    falseBreaches: 0,
    pagesLost: 0,
    breaches: 0,
  };
  const seen = new Set<string>();
  for (const d of accepted) {
    const leadId = d.leadId as string;
    if (seen.has(leadId)) continue;
    seen.add(leadId);
    out.accepted++;
    const lead = await stack.rt.store.getLead(leadId);
    if (!lead) {
      out.missing.record++;
      continue;
    }
    const expectedOwner = contactProperties(stack.rt.policy, lead).hubspot_owner_id;
    const contact = lead.hubspotContactId ? sandbox.contact(lead.hubspotContactId) : undefined;
    const owner =
      Boolean(lead.ownerId) && contact !== undefined && contact.properties.hubspot_owner_id === expectedOwner;
    const task = (tasksByKey.get(`${leadId}:${lead.attempt}`) ?? []).some(
      (t) =>
        t.id === lead.tasks[String(lead.attempt)] &&
        sandbox.associated('tasks', t.id, 'contacts').includes(lead.hubspotContactId ?? ''),
    );
    let timer = true;
    if (CLOCK_RUNNING.has(lead.status)) {
      const s = stack.scheduler.get(LOCAL.scheduleGroup, scheduleName(leadId, lead.attempt));
      timer = s !== undefined && !s.fired && s.dueAt === Math.ceil(Date.parse(lead.dueAt) / 1000) * 1000;
    }
    if (!owner) out.missing.owner++;
    if (!task) out.missing.task++;
    if (!timer) out.missing.timer++;
    if (owner && task && timer) out.withOwnerTaskTimer++;

    // One assignment notification per attempt, to that attempt's owner.
    const owners = lead.status === 'parked' ? lead.previousOwners : [...lead.previousOwners, lead.ownerId];
    for (const ownerId of owners) {
      const n = told.get(`${d.i}|${ownerId ?? ''}`) ?? 0;
      if (n === 0) out.notificationsLost++;
      else out.notificationsRepeated += n - 1;
    }
    let breaches = 0;
    for (const e of await stack.rt.store.listEvents(leadId)) {
      if (e.type !== 'breached') continue;
      breaches++;
      if (Date.parse(e.at) < Date.parse(String(e.data.dueAt))) out.falseBreaches++;
      else out.breaches++;
    }
    out.pagesLost += Math.max(0, breaches - (paged.get(String(d.i)) ?? 0));
  }
  return out;
}

function clean(a: FaultAudit): boolean {
  return (
    a.withOwnerTaskTimer === a.accepted &&
    a.duplicateTasks === 0 &&
    a.notificationsLost === 0 &&
    a.falseBreaches === 0 &&
    a.pagesLost === 0
  );
}

/** Waits until the sync queue is empty and no timer delivery is running. */
async function settle(stack: LocalStack, timeoutMs: number): Promise<void> {
  await sleep(150);
  await stack.timersSettled();
  await stack.sqs.drain(timeoutMs, [LOCAL.syncQueue]).catch(() => undefined);
  await stack.timersSettled();
}

/** One fault run. */
export async function runFaultCase(fault: FaultCase, o: FaultRunOptions): Promise<FaultFigures> {
  logger.setLogLevel('SILENT');
  let now = T0;
  const clock = { now: () => now };
  const h = await startCase(fault, o, clock);
  const { stack } = h;
  const gateway = await startGateway([{ method: 'POST', path: '/leads', route: captureRoute(stack.rt) }]);
  stack.rt.auth = { ...stack.rt.auth, publicBaseUrl: gateway.url };
  const started = Date.now();
  try {
    const requestsBefore = stack.sandbox!.counts.total;
    const run = `${fault}-${o.seed}`;
    const [load] = await Promise.all([
      runLoad({
        url: gateway.url,
        key: stack.ingestKey,
        leads: o.leads,
        seconds: o.seconds,
        concurrency: o.concurrency ?? 16,
        body: (i) => lead(i, run),
      }),
      h.during?.(o.seconds * 1000),
    ]);
    const accepted = load.deliveries.filter((d) => d.status >= 200 && d.status < 300 && d.leadId);
    await settle(stack, 90_000);

    // The clock moves on: due timers fire (true breaches), and the sweeper, on its cadence, fires, re-arms
    // and re-queues what a fault left behind: once at the step, once 2 minutes later (a timer is re-armed
    // once it has been pending a minute). Another step only if the audit still finds something missing.
    const sweeper = { runs: 0, timersRearmed: 0, syncsRequeued: 0, breachesFired: 0, errors: 0 };
    let result: FaultAudit | undefined;
    for (let r = 0; r < SWEEP_ROUNDS && (result === undefined || !clean(result)); r++) {
      for (const step of [STEP_MS, SWEEP_EVERY_MS]) {
        now += step;
        await settle(stack, 60_000);
        const s = await sweep(stack.rt);
        sweeper.runs++;
        sweeper.timersRearmed += s.timersRearmed;
        sweeper.syncsRequeued += s.syncsRequeued;
        sweeper.breachesFired += s.breachesFired;
        sweeper.errors += s.errors;
      }
      await settle(stack, 60_000);
      result = await audit(stack, accepted);
    }
    result = result as FaultAudit;
    return {
      fault,
      leads: o.leads,
      refused: o.leads - accepted.length,
      captureServerErrors: load.serverErrors,
      injected: {
        ...h.injected,
        ...(fault === 'hubspot'
          ? {
              hubspot5xx: stack.sandbox!.requests.filter((r) => r.fault === '5xx').length,
              hubspotTimeouts: stack.sandbox!.requests.filter((r) => r.fault === 'timeout').length,
            }
          : {}),
      },
      ...result,
      sweeper,
      syncDeadLetters: stack.sqs.counts(LOCAL.syncDlq).visible,
      hubspotRequests: stack.sandbox!.counts.total - requestsBefore,
      seconds: Number(((Date.now() - started) / 1000).toFixed(1)),
      ok: clean(result) && accepted.length === o.leads,
    };
  } finally {
    await gateway.close();
    await stack.close();
    h.cleanup?.();
  }
}

/** `npm run bench -- faults`: every fault, one after the other. */
export async function benchFaults(o: {
  leads: number;
  seconds: number;
  seed: number;
  only?: string[];
}): Promise<Record<string, unknown>> {
  const cases = FAULT_CASES.filter((c) => !o.only || o.only.includes(c));
  const runs: FaultFigures[] = [];
  for (const c of cases) runs.push(await runFaultCase(c, o));
  return { faults: { leadsPerRun: o.leads, seconds: o.seconds, seed: o.seed, runs } };
}
