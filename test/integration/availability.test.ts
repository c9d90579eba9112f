import { afterEach, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { handleBreach } from '../../shared/app/breach.ts';
import { tickWaitingRoom } from '../../shared/app/waiting-room.ts';
import { changeAvailabilityRoute, waitingRoomRoute } from '../../shared/http/admin-routes.ts';
import { boardDataRoute } from '../../shared/http/board-route.ts';
import { runRoute } from '../../shared/http/chain.ts';
import { captureRoute, getLeadRoute, leadEventsRoute } from '../../shared/http/routes.ts';
import { getEvent, postEvent } from '../helpers/http-event.ts';
import { bodyOf, manualClock, markTold, NOW, startStack } from '../helpers/live.ts';
import { basePolicyDoc, buildPolicy, member } from '../helpers/policy-builder.ts';

const iso = (ms: number) => new Date(ms).toISOString();

/** Team `sales`: three reps on UTC office hours (NOW is Monday 09:00 UTC), managed by Mara Keller. */
function teamPolicy(strategy: string, maxOpen: number, extra: Record<string, unknown> = {}) {
  return buildPolicy(
    basePolicyDoc({
      defaults: { calendar: 'utc', queue: 'unassigned', maxOpen },
      tiers: [
        { id: 'hot', window: 'PT5M', match: { intent: ['demo'] } },
        { id: 'standard', window: 'PT1H' },
      ],
      qualification: { defaultTier: 'standard', incompleteTier: 'standard' },
      teams: {
        sales: {
          calendar: 'utc',
          strategy,
          managers: [{ name: 'Mara Keller', email: 'mara.keller@example.com' }],
          members: [
            member('1', { name: 'Anna Schmidt' }),
            member('2', { name: 'Luca Rossi' }),
            member('3', { name: 'Chloé Martin' }),
          ],
          ...extra,
        },
      },
    }),
  );
}

describe('availability overlay: managers change the team at run time', () => {
  let stack: LocalStack;
  const clock = manualClock();
  afterEach(() => stack?.close());
  const admin = () => ({ authorization: `Bearer ${stack.adminKey}` });
  let n = 0;
  const capture = async (intent = 'content', submittedAt = clock.now()) => {
    const res = await runRoute(
      captureRoute(stack.rt),
      postEvent(
        '/leads',
        { email: `lead${n++}@acme.example`, intent, country: 'DE', submittedAt: iso(submittedAt) },
        { authorization: `Bearer ${stack.ingestKey}` },
      ),
    );
    expect(res.statusCode).toBe(202);
    return bodyOf(res);
  };
  const change = (body: Record<string, unknown>, headers = admin()) =>
    runRoute(changeAvailabilityRoute(stack.rt), postEvent('/admin/availability', body, headers));

  it('gives a paused rep no leads and says why; the resumed rep gets the next one', async () => {
    // Prepare
    clock.set(NOW);
    stack = await startStack({ policy: teamPolicy('least_loaded', 10), clock, consumeSync: false });
    const paused = await change({ action: 'pause', ownerId: '2', by: 'Mara Keller', reason: 'sick' });
    expect(paused.statusCode).toBe(200);

    // Act: four leads while Luca is paused, then resume him and capture one more.
    const whilePaused = [];
    for (let i = 0; i < 4; i++) whilePaused.push(await capture());
    const boardWhilePaused = bodyOf(
      await runRoute(
        boardDataRoute(stack.rt),
        getEvent('/board/data', { authorization: `Bearer ${stack.viewerKey}` }),
      ),
    );
    const resumed = await change({ action: 'resume', ownerId: '2', by: 'Mara Keller' });
    const next = await capture();

    // Assess
    expect(whilePaused.map((l) => l.ownerId)).not.toContain('2');
    const lead = bodyOf(
      await runRoute(
        getLeadRoute(stack.rt),
        getEvent(`/leads/${whilePaused[0]?.leadId}`, { authorization: `Bearer ${stack.viewerKey}` }),
      ),
    );
    expect(lead.why.routing).toContain('  skipped Luca Rossi (2): paused by Mara Keller at 09:00 UTC (sick)');
    // The board's per-rep view shows the pause (issue 17's view, issue 14's overlay).
    const reps = boardWhilePaused.reps as { ownerId: string; paused?: boolean }[];
    expect(reps.find((r) => r.ownerId === '2')?.paused).toBe(true);
    expect(reps.find((r) => r.ownerId === '1')?.paused).toBe(false);
    expect(resumed.statusCode).toBe(200);
    expect(next.ownerId).toBe('2');
  });

  it('refuses a bad change naming the field, and a viewer key with 403', async () => {
    // Prepare
    clock.set(NOW);
    stack = await startStack({ policy: teamPolicy('round_robin', 10), clock, consumeSync: false });

    // Act
    const unknownRep = await change({ action: 'pause', ownerId: '77', by: 'Mara Keller' });
    const badUntil = await change({ action: 'pause', ownerId: '1', by: 'Mara Keller', until: 'soon' });
    const badCap = await change({ action: 'set_cap', ownerId: '1', by: 'Mara Keller', maxOpen: -1 });
    const noBy = await change({ action: 'resume', ownerId: '1' });
    const viewer = await change(
      { action: 'pause', ownerId: '1', by: 'Mara Keller' },
      { authorization: `Bearer ${stack.viewerKey}` },
    );

    // Assess
    expect([unknownRep, badUntil, badCap, noBy].map((r) => [r.statusCode, bodyOf(r).error.field])).toEqual([
      [400, 'ownerId'],
      [400, 'until'],
      [400, 'maxOpen'],
      [400, 'by'],
    ]);
    expect(viewer.statusCode).toBe(403);
  });

  it('routes to a new hire, away from a leaver and a rep out today, and honours a lowered cap', async () => {
    // Prepare
    clock.set(NOW);
    stack = await startStack({ policy: teamPolicy('least_loaded', 10), clock, consumeSync: false });
    for (const body of [
      { action: 'leaver', ownerId: '1', by: 'Mara Keller' },
      { action: 'out_today', ownerId: '3', by: 'Mara Keller' },
      { action: 'set_cap', ownerId: '2', by: 'Mara Keller', maxOpen: 1 },
      { action: 'new_hire', ownerId: '4', teamId: 'sales', name: 'Nina Novak', by: 'Mara Keller' },
    ])
      expect((await change(body)).statusCode).toBe(200);

    // Act
    const owners = [];
    for (let i = 0; i < 3; i++) owners.push((await capture()).ownerId);
    clock.set(NOW + 86_400_000);
    const tomorrow = await capture();

    // Assess: Luca takes one (his cap), Nina the rest; Chloé is back the next day.
    expect(owners.sort()).toEqual(['2', '4', '4']);
    expect(tomorrow.ownerId).toBe('3');
    const trail = (await stack.rt.store.getLead(tomorrow.leadId))?.trail.join('\n') ?? '';
    expect(trail).toContain(
      'skipped Anna Schmidt (1): left the team (marked by Mara Keller at 2030-01-07 09:00 UTC)',
    );
  });
});

describe('the waiting room drains', () => {
  let stack: LocalStack;
  const clock = manualClock();
  afterEach(() => stack?.close());

  it('holds 20 leads of a full team, sends one digest, and drains them hottest first, then oldest, as slots free', async () => {
    // Prepare: two of three reps paused, the third at cap 2.
    clock.set(NOW);
    stack = await startStack({ policy: teamPolicy('round_robin', 2), clock });
    const admin = { authorization: `Bearer ${stack.adminKey}` };
    for (const ownerId of ['2', '3'])
      await runRoute(
        changeAvailabilityRoute(stack.rt),
        postEvent('/admin/availability', { action: 'pause', ownerId, by: 'Mara Keller' }, admin),
      );
    const capture = async (i: number, intent: string) => {
      const res = await runRoute(
        captureRoute(stack.rt),
        postEvent(
          '/leads',
          {
            email: `wait${i}@acme.example`,
            intent,
            country: 'DE',
            submittedAt: iso(NOW - 60_000 + i * 1000),
          },
          { authorization: `Bearer ${stack.ingestKey}` },
        ),
      );
      return bodyOf(res);
    };
    const held = [await capture(100, 'content'), await capture(101, 'content')];
    expect(held.map((l) => l.ownerId)).toEqual(['1', '1']);

    // Act: 20 more, every fifth a demo request (the hot tier).
    const waiting = [];
    for (let i = 0; i < 20; i++) waiting.push(await capture(i, i % 5 === 4 ? 'demo' : 'content'));
    await stack.sqs.drain(20_000);
    const first = await tickWaitingRoom({ ...stack.rt, waiting: stack.rt.waiting! });
    clock.set(NOW + 60_000);
    const second = await tickWaitingRoom({ ...stack.rt, waiting: stack.rt.waiting! });
    const room = bodyOf(
      await runRoute(
        waitingRoomRoute(stack.rt),
        getEvent('/waiting-room', { authorization: `Bearer ${stack.viewerKey}` }),
      ),
    );
    const board = bodyOf(
      await runRoute(
        boardDataRoute(stack.rt),
        getEvent('/board/data', { authorization: `Bearer ${stack.viewerKey}` }),
      ),
    );

    // Assess: they wait, in order, and managers got one digest, no page per lead.
    expect(waiting.every((l) => l.status === 'unroutable' && l.waitingRoom === 'sales')).toBe(true);
    expect(first.digests).toEqual(['sales']);
    expect(second.digests).toEqual([]);
    const alerts = stack.sns.outbox().filter((m) => m.attributes.audience?.StringValue?.includes('manager'));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.subject).toBe('sales: 20 leads waiting for a rep');
    expect(room.total).toBe(20);
    expect(board.waitingRoom).toEqual({ total: 20, byTeam: { sales: 20 } });
    const hot = waiting.filter((_, i) => i % 5 === 4).map((l) => l.leadId);
    const rest = waiting.filter((_, i) => i % 5 !== 4).map((l) => l.leadId);
    const order = room.teams[0].leads.map((l: { leadId: string }) => l.leadId);
    expect(order).toEqual([...hot, ...rest]);

    // Act: Anna works her leads one by one; each touch frees a slot that the next waiting lead takes.
    const drained: string[] = [];
    let open = held.map((l) => l.leadId as string);
    for (let k = 0; k < 6; k++) {
      const done = open.shift() as string;
      const res = await runRoute(
        leadEventsRoute(stack.rt),
        postEvent(`/leads/${done}/events`, { type: 'first_touch' }, admin),
      );
      expect(res.statusCode).toBe(200);
      const now = await Promise.all(waiting.map((l) => stack.rt.store.getLead(l.leadId)));
      const assigned = now.filter((l) => l?.status === 'routed').map((l) => l?.leadId as string);
      const fresh = assigned.filter((id) => !drained.includes(id));
      expect(fresh).toHaveLength(1);
      drained.push(...fresh);
      open = [...open, ...fresh];
    }

    // Assess: they left in the room's order, to Anna, with a fresh window and the why.
    expect(drained).toEqual(order.slice(0, 6));
    const lead = await stack.rt.store.getLead(drained[0] as string);
    expect(lead?.ownerId).toBe('1');
    expect(lead?.trail.some((t) => t.startsWith('left the waiting room after'))).toBe(true);
    expect(lead?.waiting).toBeUndefined();
  });

  it('drains to a resumed rep at once, and escalates a lead waiting past its window once', async () => {
    // Prepare: everyone paused.
    clock.set(NOW);
    stack = await startStack({ policy: teamPolicy('round_robin', 5), clock, consumeSync: false });
    const admin = { authorization: `Bearer ${stack.adminKey}` };
    const change = (body: Record<string, unknown>) =>
      runRoute(changeAvailabilityRoute(stack.rt), postEvent('/admin/availability', body, admin));
    for (const ownerId of ['1', '2', '3']) await change({ action: 'pause', ownerId, by: 'Mara Keller' });
    const res = await runRoute(
      captureRoute(stack.rt),
      postEvent(
        '/leads',
        { email: 'hot@acme.example', intent: 'demo', country: 'DE' },
        { authorization: `Bearer ${stack.ingestKey}` },
      ),
    );
    const leadId = bodyOf(res).leadId;

    // Act: six minutes pass (the hot window is five), two ticks, then Luca is resumed.
    clock.set(NOW + 6 * 60_000);
    const t1 = await tickWaitingRoom({ ...stack.rt, waiting: stack.rt.waiting! });
    const t2 = await tickWaitingRoom({ ...stack.rt, waiting: stack.rt.waiting! });
    const resumed = await change({ action: 'resume', ownerId: '2', by: 'Mara Keller' });

    // Assess
    expect(t1.escalated).toEqual([leadId]);
    expect(t2.escalated).toEqual([]);
    expect(bodyOf(resumed).drained).toBe(1);
    const lead = await stack.rt.store.getLead(leadId);
    expect(lead?.status).toBe('routed');
    expect(lead?.ownerId).toBe('2');
    expect(lead?.trail.join('\n')).toContain('skipped Luca Rossi (2): paused by Mara Keller at 09:00 UTC');
    expect(Date.parse(lead?.dueAt ?? '')).toBe(NOW + 11 * 60_000);
  });
});

describe('auto-pause after missed SLAs in a row', () => {
  let stack: LocalStack;
  const clock = manualClock();
  afterEach(() => stack?.close());

  it('pauses a rep automatically after N missed SLAs in a row, tells the managers, and a met SLA ends the run', async () => {
    // Prepare: the team pauses after two misses in a row; round robin over Anna and Luca (Chloé paused).
    clock.set(NOW);
    stack = await startStack({
      policy: teamPolicy('round_robin', 10, { autoPauseAfterMisses: 2 }),
      clock,
      consumeSync: false,
    });
    const admin = { authorization: `Bearer ${stack.adminKey}` };
    await runRoute(
      changeAvailabilityRoute(stack.rt),
      postEvent('/admin/availability', { action: 'pause', ownerId: '3', by: 'Mara Keller' }, admin),
    );
    let n = 0;
    const capture = async () =>
      bodyOf(
        await runRoute(
          captureRoute(stack.rt),
          postEvent(
            '/leads',
            { email: `miss${n++}@acme.example`, intent: 'content', country: 'DE' },
            { authorization: `Bearer ${stack.ingestKey}` },
          ),
        ),
      );
    const leads = [await capture(), await capture(), await capture(), await capture(), await capture()];
    expect(leads.map((l) => l.ownerId)).toEqual(['1', '2', '1', '2', '1']);

    // Act: Anna misses her first lead, meets the second (the run ends), then misses the next two.
    // (Issue 12 defers a breach while the owner has not been told; this stack's sync queue is not consumed.)
    const breach = async (leadId: string) => {
      await markTold(stack, leadId);
      await handleBreach(stack.rt, { leadId, attempt: 1 });
    };
    clock.set(NOW + 2 * 3_600_000);
    await breach(leads[0]?.leadId);
    const afterOne = (await stack.rt.availability?.loadAvailability())?.get('1');
    await runRoute(
      leadEventsRoute(stack.rt),
      postEvent(`/leads/${leads[2]?.leadId}/events`, { type: 'first_touch', at: iso(NOW + 60_000) }, admin),
    );
    const afterMet = (await stack.rt.availability?.availabilityEntry('1'))?.entry;
    const third = await capture();
    const fourth = await capture();
    clock.set(NOW + 5 * 3_600_000);
    for (const l of [third, fourth].filter((x) => x.ownerId === '1')) await breach(l.leadId);
    await breach(leads[4]?.leadId);
    const next = await capture();

    // Assess
    expect(afterOne?.missesInARow).toBe(1);
    expect(afterMet?.missesInARow).toBe(0);
    const anna = (await stack.rt.availability?.availabilityEntry('1'))?.entry;
    expect(anna?.paused).toMatchObject({ by: 'leadclock', kind: 'auto', reason: 'missed 2 SLAs in a row' });
    expect(next.ownerId).not.toBe('1');
    const trail = (await stack.rt.store.getLead(next.leadId))?.trail ?? [];
    expect(trail.join('\n')).toMatch(
      /skipped Anna Schmidt \(1\): paused automatically at .* \(missed 2 SLAs in a row\)/,
    );
    const told = stack.sns.outbox().filter((m) => m.subject?.includes('paused automatically'));
    expect(told.map((m) => m.subject)).toEqual(['Anna Schmidt paused automatically: missed 2 SLAs in a row']);
  });
});
