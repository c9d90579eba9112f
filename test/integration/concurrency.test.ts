/**
 * Concurrency (issue 8, part 3): duplicate, late and racing deliveries against one local stack, each case
 * repeated a few hundred times in parallel batches, must end in exactly one outcome. After every case the
 * open-lead counters must equal the slots the leads hold: a race that loses must give back what it took.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { handleBreach } from '../../shared/app/breach.ts';
import { applyChange } from '../../shared/app/lead-events.ts';
import type { LeadRecord } from '../../shared/app/ports.ts';
import type { Runtime } from '../../shared/app/runtime-types.ts';
import { runRoute } from '../../shared/http/chain.ts';
import { captureRoute, hubspotWebhookRoute } from '../../shared/http/routes.ts';
import { postEvent } from '../helpers/http-event.ts';
import {
  markTold,
  NOW,
  propertyChange,
  scanTable,
  seeded,
  startStack,
  webhookEvent,
} from '../helpers/live.ts';
import { basePolicy, member } from '../helpers/policy-builder.ts';

const iso = (ms: number) => new Date(ms).toISOString();
/** Repetitions per case, and how many run at once. A 20-fold capture costs 20 captures; the rest are cheaper. */
const REPS = 200;
const CAPTURE_REPS = 100;
const BATCH = 25;
/** The base policy's one tier is PT1H in UTC office hours: a lead captured at 09:00 UTC is due at 10:00. */
const DUE = Date.parse('2030-01-07T10:00:00Z');

/**
 * Four reps with no practical cap (hundreds of leads stay open across the cases), a reassign-then-park
 * ladder that pages, and no HubSpot verification: the races are driven by hand, not by the sandbox.
 */
const policy = basePolicy({
  defaults: { calendar: 'utc', queue: 'unassigned', maxOpen: 100_000 },
  teams: {
    sales: {
      calendar: 'utc',
      managers: [{ name: 'Mae Manager', email: 'mae.manager@example.com' }],
      members: [member('1'), member('2'), member('3'), member('4')],
    },
  },
  escalation: {
    verifyInHubSpot: false,
    ladder: [
      { action: 'reassign', notify: ['rep', 'manager'] },
      { action: 'park', queue: 'breach', notify: ['manager'] },
    ],
  },
});

/** Runs `fn` for 0..n-1, `size` at a time. */
async function inBatches<T>(n: number, fn: (i: number) => Promise<T>, size = BATCH): Promise<T[]> {
  const out: T[] = [];
  for (let start = 0; start < n; start += size) {
    const ids = Array.from({ length: Math.min(size, n - start) }, (_, k) => start + k);
    out.push(...(await Promise.all(ids.map(fn))));
  }
  return out;
}

/** Holds a racer back by a seeded 0–`maxMs` ms (0 half the time), so every interleaving gets its turn. */
async function jitter(random: () => number, maxMs = 40): Promise<void> {
  const ms = random() < 0.5 ? 0 : Math.floor(random() * maxMs);
  await new Promise((r) => (ms ? setTimeout(r, ms) : setImmediate(r)));
}

/**
 * How the two sides of a race start: at once (each after a seeded jitter), or one only once the other has
 * finished, as a delivery that arrives late does. A quarter of the repetitions are each late one.
 */
type Start = 'together' | 'first late' | 'second late';
const startOf = (i: number): Start => (i % 4 === 0 ? 'first late' : i % 4 === 1 ? 'second late' : 'together');

async function race<A, B>(
  start: Start,
  first: () => Promise<A>,
  second: () => Promise<B>,
  random: () => number,
): Promise<[A, B]> {
  if (start === 'first late') {
    const b = await second();
    return [await first(), b];
  }
  if (start === 'second late') {
    const a = await first();
    return [a, await second()];
  }
  return Promise.all([jitter(random).then(first), jitter(random).then(second)]);
}

// ~7,000 deliveries per test: on a shared 2-core machine under load they outlast the 30 s default (main too).
describe('concurrency: duplicate and racing deliveries end in exactly one outcome', {
  timeout: 180_000,
}, () => {
  let stack: LocalStack;
  let contactIds = 70_000_000;
  let eventIds = 900_000;
  const bearer = () => ({ authorization: `Bearer ${stack.ingestKey}` });
  const at = (ms: number): Runtime => ({ ...stack.rt, clock: { now: () => ms } });

  /** Captures one lead at 09:00 UTC with a HubSpot contact id (so webhooks find it) and a unique name. */
  async function capture(tag: string) {
    const contactId = String(contactIds++);
    const res = await runRoute(
      captureRoute(stack.rt),
      postEvent(
        '/leads',
        {
          email: `${tag}@race.example`,
          firstName: tag,
          intent: 'demo',
          submittedAt: iso(NOW),
          hubspotContactId: contactId,
        },
        bearer(),
      ),
    );
    expect(res.statusCode).toBe(202);
    const body = JSON.parse(res.body ?? '{}') as { leadId: string; ownerId: string; dueAt: string };
    expect(body.dueAt).toBe(iso(DUE));
    // This stack does not consume the sync queue: record the rep's notification, or no breach would page.
    await markTold(stack, body.leadId);
    return { ...body, contactId, tag };
  }

  const eventTypes = async (leadId: string) =>
    (await stack.rt.store.listEvents(leadId)).map((e) => `${e.type}:${e.ref}`).sort();
  /**
   * One look at the emulators: each lead's schedules (`attempt@expression`), its queued CRM syncs
   * (`reason:attempt`), and the breach pages whose text names it.
   */
  function world() {
    const timers = new Map<string, string[]>();
    for (const s of stack.scheduler.schedules()) {
      const cut = s.name.lastIndexOf('-');
      const leadId = s.name.slice('lc-'.length, cut);
      timers.set(leadId, [...(timers.get(leadId) ?? []), `${s.name.slice(cut + 1)}@${s.expression}`]);
    }
    const syncs = new Map<string, string[]>();
    for (const m of stack.sqs.messages('leadclock-crm-sync')) {
      const b = JSON.parse(m.body) as { leadId: string; reason: string; attempt: number };
      syncs.set(b.leadId, [...(syncs.get(b.leadId) ?? []), `${b.reason}:${b.attempt}`]);
    }
    const pages = stack.sns.outbox().filter((m) => m.attributes.type?.StringValue === 'breach');
    return {
      timers: (leadId: string) => [...(timers.get(leadId) ?? [])].sort(),
      syncs: (leadId: string) => [...(syncs.get(leadId) ?? [])].sort(),
      pages: (tag: string) => pages.filter((m) => m.message.includes(tag)).length,
    };
  }
  const atExpression = (dueAt: string) =>
    `at(${new Date(Math.ceil(Date.parse(dueAt) / 60_000) * 60_000).toISOString().slice(0, 19)})`;

  /** Every owner's open-lead counter equals the number of leads that hold one of their slots. */
  async function assertSlotsBalance() {
    const items = await scanTable(stack);
    const counters: Record<string, number> = {};
    const held: Record<string, number> = {};
    for (const item of items) {
      const open = item.leads instanceof Set ? item.leads.size : 0;
      if (item.SK === 'OPEN' && open !== 0) counters[String(item.PK).slice('OWNER#'.length)] = open;
      if (item.SK === 'LEAD' && item.holdsSlot === true) {
        const owner = String(item.ownerId);
        held[owner] = (held[owner] ?? 0) + 1;
      }
    }
    expect(counters).toEqual(held);
  }

  beforeAll(async () => {
    // dynalite on its own thread: the database's CPU is not the racers', which keeps ~7,000 deliveries within a minute.
    stack = await startStack({ policy, consumeSync: false, dynamoThread: true });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it(`one POST /leads delivery sent 20 times at once makes one lead, one timer and one sync, ${CAPTURE_REPS} times over`, async () => {
    // Prepare: a normalised lead per repetition; half carry a source event id, half dedupe on email+form+minute.
    const deliveries = Array.from({ length: CAPTURE_REPS }, (_, i) => ({
      email: `twenty.${i}@dup.example`,
      intent: 'demo',
      formId: 'demo-request',
      submittedAt: iso(NOW - 30_000),
      ...(i % 2 ? { sourceEventId: `conv-${i}` } : {}),
    }));

    // Act
    const answers = await inBatches(
      CAPTURE_REPS,
      async (i) => {
        const all = await Promise.all(
          Array.from({ length: 20 }, () =>
            runRoute(captureRoute(stack.rt), postEvent('/leads', deliveries[i], bearer())),
          ),
        );
        return all.map((r) => [r.statusCode, JSON.parse(r.body ?? '{}')] as const);
      },
      5,
    );

    // Assess: 20 identical 202 answers, and behind them one lead with one of everything.
    const w = world();
    const items = await scanTable(stack);
    for (const [i, group] of answers.entries()) {
      const [status, first] = group[0]!;
      expect(status).toBe(202);
      expect(group).toEqual(Array.from({ length: 20 }, () => [202, first]));
      const leadId = first.leadId as string;
      expect(items.filter((x) => x.PK === `LEAD#${leadId}` && x.SK === 'LEAD')).toHaveLength(1);
      expect(await eventTypes(leadId)).toEqual(['captured:0', 'routed:1']);
      expect(w.timers(leadId)).toEqual([`1@${atExpression(first.dueAt)}`]);
      expect(w.syncs(leadId)).toEqual(['assigned:1']);
      expect((await stack.rt.store.getLead(leadId))?.input.email).toBe(deliveries[i]!.email);
    }
    await assertSlotsBalance();
  });

  it(`one signed HubSpot touch webhook sent 20 times at once stops the clock once, ${REPS} times over`, async () => {
    // Prepare
    const leads = await inBatches(REPS, (i) => capture(`Hook${i}x`));
    const random = seeded(8_001);

    // Act: each lead's webhook (the same signed body) 20 times at once; the rep called 2–40 minutes in.
    const answers = await inBatches(REPS, async (i) => {
      const l = leads[i]!;
      const touchAt = NOW + (2 + (i % 39)) * 60_000;
      const delivery = webhookEvent(
        stack,
        [
          propertyChange({
            eventId: eventIds++,
            contactId: l.contactId,
            property: 'hs_lead_status',
            value: 'ATTEMPTED_TO_CONTACT',
            occurredAt: touchAt,
          }),
        ],
        NOW,
      );
      const all = await Promise.all(
        Array.from({ length: 20 }, async () => {
          await jitter(random);
          return (await runRoute(hubspotWebhookRoute(stack.rt), delivery)).statusCode;
        }),
      );
      return { all, touchAt };
    });

    // Assess: every delivery acknowledged; one touched transition, one status sync, the timer gone.
    const w = world();
    for (const [i, { all, touchAt }] of answers.entries()) {
      const l = leads[i]!;
      expect(all).toEqual(Array.from({ length: 20 }, () => 204));
      const lead = (await stack.rt.store.getLead(l.leadId)) as LeadRecord;
      expect({
        status: lead.status,
        firstTouchAt: lead.firstTouchAt,
        slaOutcome: lead.slaOutcome,
        attemptsLogged: lead.attemptsLogged,
        attempt: lead.attempt,
        holdsSlot: lead.holdsSlot,
      }).toEqual({
        status: 'touched',
        firstTouchAt: iso(touchAt),
        slaOutcome: 'met',
        attemptsLogged: 1,
        attempt: 1,
        holdsSlot: false,
      });
      expect(await eventTypes(l.leadId)).toEqual(['captured:0', 'routed:1', 'touched:0']);
      expect(w.timers(l.leadId)).toEqual([]);
      expect(w.syncs(l.leadId)).toEqual(['assigned:1', 'status:1']);
    }
    await assertSlotsBalance();
  });

  it(`a first touch racing the breach timer ends either met without a breach, or breached then recovered, ${REPS} times over`, async () => {
    // Prepare: the breach fires a second after the deadline; the touch was made before it (odd) or after it (even).
    const leads = await inBatches(REPS, (i) => capture(`Race${i}x`));
    const random = seeded(8_002);
    const firedAt = DUE + 1000;

    // Act: a touch against two breach deliveries of the timer (the Scheduler delivers at least once).
    const touchTimes = await inBatches(REPS, async (i) => {
      const l = leads[i]!;
      const touchAt = i % 2 ? DUE - 60_000 : DUE + 30_000;
      await race(
        startOf(i),
        () => applyChange(at(firedAt), l.leadId, { kind: 'touch', at: iso(touchAt), via: 'api' }),
        () =>
          Promise.all([
            jitter(random).then(() => handleBreach(at(firedAt), { leadId: l.leadId, attempt: 1 })),
            jitter(random).then(() => handleBreach(at(firedAt), { leadId: l.leadId, attempt: 1 })),
          ]),
        random,
      );
      return touchAt;
    });

    // Assess
    const w = world();
    const seen: Record<Start, string[]> = { together: [], 'first late': [], 'second late': [] };
    for (const [i, l] of leads.entries()) {
      const touchAt = touchTimes[i]!;
      const lead = (await stack.rt.store.getLead(l.leadId)) as LeadRecord;
      const types = await eventTypes(l.leadId);
      const pages = w.pages(l.tag);
      const common = {
        status: 'touched',
        firstTouchAt: iso(touchAt),
        // The lead's SLA is judged by when the touch happened, whoever won the race.
        slaOutcome: touchAt <= DUE ? 'met' : 'late',
        holdsSlot: false,
      };
      const observed = {
        status: lead.status,
        firstTouchAt: lead.firstTouchAt,
        slaOutcome: lead.slaOutcome,
        holdsSlot: lead.holdsSlot,
        attempt: lead.attempt,
        breachCount: lead.breachCount,
        ownerId: lead.ownerId,
        previousOwners: lead.previousOwners,
        recovered: lead.recoveredAt !== undefined,
        pages,
      };
      if (lead.breachCount === 0) {
        // The touch won: the breach saw a touched lead and did nothing.
        seen[startOf(i)].push('touch won');
        expect(observed).toEqual({
          ...common,
          attempt: 1,
          breachCount: 0,
          ownerId: l.ownerId,
          previousOwners: [],
          recovered: false,
          pages: 0,
        });
        expect(types).toEqual(['captured:0', 'routed:1', 'touched:0']);
        expect(w.timers(l.leadId)).toEqual([]);
      } else if (lead.attempt === 1) {
        // The breach was recorded, the touch stopped the clock before the reassignment: nobody new. The page
        // goes out before the reassignment commits (so a failed page is retried), so it may have gone: once.
        seen[startOf(i)].push('breached, then recovered');
        const paged = types.includes('breach_notified:1:1');
        expect(observed).toEqual({
          ...common,
          attempt: 1,
          breachCount: 1,
          ownerId: l.ownerId,
          previousOwners: [],
          recovered: true,
          pages: paged ? 1 : 0,
        });
        expect(types).toEqual([
          ...(paged ? ['breach_notified:1:1'] : []),
          'breached:1',
          'captured:0',
          'recovered:0',
          'routed:1',
          'touched:0',
        ]);
        expect(w.timers(l.leadId)).toEqual([]);
      } else {
        // The breach reassigned attempt 1 and paged once; the touch then stopped attempt 2's clock.
        seen[startOf(i)].push('reassigned, then recovered');
        expect(observed).toEqual({
          ...common,
          attempt: 2,
          breachCount: 1,
          ownerId: observed.ownerId,
          previousOwners: [l.ownerId],
          recovered: true,
          pages: 1,
        });
        expect(observed.ownerId).not.toBe(l.ownerId);
        expect(types).toEqual([
          'breach_notified:1:1',
          'breached:1',
          'captured:0',
          'reassigned:2',
          'recovered:0',
          'routed:1',
          'touched:0',
        ]);
        // Attempt 1's timer has fired (the emulator keeps it, as autoFire is off); attempt 2's was cancelled.
        expect(w.timers(l.leadId)).toEqual([`1@${atExpression(l.dueAt)}`]);
      }
    }
    // A late touch recovers a reassigned lead; a late breach finds it touched; at once, any one of the three.
    expect(seen['first late']).toEqual(Array(REPS / 4).fill('reassigned, then recovered'));
    expect(seen['second late']).toEqual(Array(REPS / 4).fill('touch won'));
    expect(seen.together).toHaveLength(REPS / 2);
    await assertSlotsBalance();
  });

  it(`a breach timer delivered before the deadline, 5 times at once, only puts the timer back, ${REPS / 2} times over`, async () => {
    // Prepare: a delivery up to a minute early (clock skew, or a deadline moved after arming).
    const leads = await inBatches(REPS / 2, (i) => capture(`Early${i}x`));
    const before = await Promise.all(leads.map((l) => stack.rt.store.getLead(l.leadId)));
    const random = seeded(8_005);

    // Act
    const outcomes = await inBatches(REPS / 2, async (i) => {
      const firedAt = DUE - 1 - (i % 60) * 1000;
      return Promise.all(
        Array.from({ length: 5 }, async () => {
          await jitter(random);
          return handleBreach(at(firedAt), { leadId: leads[i]!.leadId, attempt: 1 });
        }),
      );
    });

    // Assess: no breach, no page, the lead as it was, its one timer still at the deadline.
    const w = world();
    for (const [i, l] of leads.entries()) {
      expect(outcomes[i]).toEqual(Array(5).fill({ kind: 'early', dueAt: iso(DUE) }));
      expect(await stack.rt.store.getLead(l.leadId)).toEqual(before[i]);
      expect(await eventTypes(l.leadId)).toEqual(['captured:0', 'routed:1']);
      expect(w.timers(l.leadId)).toEqual([`1@${atExpression(iso(DUE))}`]);
      expect(w.pages(l.tag)).toBe(0);
    }
    await assertSlotsBalance();
  });

  it(`two breach deliveries for the same attempt at once reassign once: one new owner, attempt and timer, ${REPS} times over`, async () => {
    // Prepare
    const leads = await inBatches(REPS, (i) => capture(`Twice${i}x`));
    const random = seeded(8_003);
    const firedAt = DUE + 1000;

    // Act: two or three deliveries of attempt 1's timer at once.
    const outcomes = await inBatches(REPS, async (i) =>
      Promise.all(
        Array.from({ length: 2 + (i % 2) }, async () => {
          await jitter(random);
          return (await handleBreach(at(firedAt), { leadId: leads[i]!.leadId, attempt: 1 })).kind;
        }),
      ),
    );

    // Assess
    const w = world();
    for (const [i, l] of leads.entries()) {
      expect(outcomes[i]!.filter((k) => k === 'breached')).toEqual(['breached']);
      const lead = (await stack.rt.store.getLead(l.leadId)) as LeadRecord;
      expect(lead).toMatchObject({
        status: 'routed',
        attempt: 2,
        breachCount: 1,
        previousOwners: [l.ownerId],
        holdsSlot: true,
        timer: 'armed',
        dueAt: iso(firedAt + 3_600_000),
      });
      expect(lead.ownerId).not.toBe(l.ownerId);
      expect(await eventTypes(l.leadId)).toEqual([
        'breach_notified:1:1',
        'breached:1',
        'captured:0',
        'reassigned:2',
        'routed:1',
      ]);
      expect(w.timers(l.leadId)).toEqual([
        `1@${atExpression(l.dueAt)}`,
        `2@${atExpression(iso(firedAt + 3_600_000))}`,
      ]);
      expect(w.pages(l.tag)).toBe(1);
      expect(w.syncs(l.leadId)).toEqual(['assigned:1', 'assigned:2']);
    }
    await assertSlotsBalance();
  });

  it(`a breach racing a manual owner change in HubSpot ends with one new owner, attempt and timer, ${REPS} times over`, async () => {
    // Prepare: a person moves the contact to another rep half a second before the breach fires.
    const leads = await inBatches(REPS, (i) => capture(`Moved${i}x`));
    const random = seeded(8_004);
    const firedAt = DUE + 1000;
    const movedAt = DUE + 500;
    const targetOf = (ownerId: string) => String((Number(ownerId) % 4) + 1);

    // Act: the signed owner-change webhook against the breach timer.
    const answers = await inBatches(REPS, async (i) => {
      const l = leads[i]!;
      const delivery = webhookEvent(
        stack,
        [
          propertyChange({
            eventId: eventIds++,
            contactId: l.contactId,
            property: 'hubspot_owner_id',
            value: targetOf(l.ownerId),
            occurredAt: movedAt,
          }),
        ],
        firedAt,
      );
      const [moved] = await race(
        startOf(i),
        async () => (await runRoute(hubspotWebhookRoute(at(firedAt)), delivery)).statusCode,
        () => handleBreach(at(firedAt), { leadId: l.leadId, attempt: 1 }),
        random,
      );
      return moved;
    });

    // Assess
    const w = world();
    const seen: Record<Start, string[]> = { together: [], 'first late': [], 'second late': [] };
    for (const [i, l] of leads.entries()) {
      expect(answers[i]).toBe(204);
      const lead = (await stack.rt.store.getLead(l.leadId)) as LeadRecord;
      const types = await eventTypes(l.leadId);
      const pages = w.pages(l.tag);
      // Exactly one reassignment, whoever made it: attempt 2, a new owner, one timer for attempt 2.
      expect({
        status: lead.status,
        attempt: lead.attempt,
        previousOwners: lead.previousOwners,
        holdsSlot: lead.holdsSlot,
      }).toEqual({ status: 'routed', attempt: 2, previousOwners: [l.ownerId], holdsSlot: true });
      expect(lead.ownerId).not.toBe(l.ownerId);
      expect(w.timers(l.leadId).filter((t) => !t.startsWith('1@'))).toEqual([
        `2@${atExpression(lead.dueAt)}`,
      ]);
      expect(w.syncs(l.leadId).filter((s) => s.startsWith('assigned'))).toEqual(
        types.includes('reassigned:2') ? ['assigned:1', 'assigned:2'] : ['assigned:1'],
      );
      if (types.includes('reassigned:2')) {
        // The breach reassigned first; the person's earlier change was superseded by it and ignored.
        seen[startOf(i)].push('breach won');
        expect(types).toEqual([
          'breach_notified:1:1',
          'breached:1',
          'captured:0',
          'reassigned:2',
          'routed:1',
        ]);
        expect([lead.breachCount, pages, lead.dueAt]).toEqual([1, 1, iso(firedAt + 3_600_000)]);
      } else {
        // The person's change won: re-timed from the change for the rep they chose. A breach recorded before
        // it may have paged (the page precedes the reassignment's commit), at most once.
        expect(lead.ownerId).toBe(targetOf(l.ownerId));
        const paged = types.includes('breach_notified:1:1');
        expect(types).toEqual(
          lead.breachCount === 0
            ? ['captured:0', `misroute:${targetOf(l.ownerId)}`, 'routed:1']
            : [
                ...(paged ? ['breach_notified:1:1'] : []),
                'breached:1',
                'captured:0',
                `misroute:${targetOf(l.ownerId)}`,
                'routed:1',
              ],
        );
        expect(pages).toBe(paged ? 1 : 0);
        seen[startOf(i)].push(lead.breachCount === 0 ? 'person won' : 'breached, then moved');
      }
    }
    // A late change is older than the breach's reassignment; a late breach finds a newer attempt.
    expect(seen['first late']).toEqual(Array(REPS / 4).fill('breach won'));
    expect(seen['second late']).toEqual(Array(REPS / 4).fill('person won'));
    expect(seen.together).toHaveLength(REPS / 2);
    await assertSlotsBalance();
  });
});
