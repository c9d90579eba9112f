/**
 * Issue 17 on the local stack (dynalite, emulators, sandbox): the routing audit log finds a lead by email,
 * company and previous owner through GET /audit; the KPIs the README defines are non-null after the events
 * they count (recorded where they happen and read by the report); the board counts a breach on its day.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';
import { applyChange } from '../../shared/app/lead-events.ts';
import { slaReport } from '../../shared/app/report.ts';
import type { Kpis } from '../../shared/domain/kpi.ts';
import { loadPolicy } from '../../shared/domain/policy.ts';
import { auditRoute } from '../../shared/http/audit-route.ts';
import { boardData } from '../../shared/http/board-route.ts';
import { runRoute } from '../../shared/http/chain.ts';
import { captureRoute } from '../../shared/http/routes.ts';
import { getEvent, postEvent } from '../helpers/http-event.ts';
import { memoryLog, waitFor } from '../helpers/wait.ts';

const policy = loadPolicy(readFileSync('test/fixtures/policies/breach.yaml', 'utf8'));
const stamp = Date.now();

describe('routing audit log and KPIs from what happened', () => {
  let stack: LocalStack;
  const auth = () => ({ authorization: `Bearer ${stack.ingestKey}` });
  const viewer = () => ({ authorization: `Bearer ${stack.viewerKey}` });
  async function capture(body: Record<string, unknown>) {
    const res = await runRoute(
      captureRoute(stack.rt),
      postEvent('/leads', { channel: 'form', country: 'DE', ...body }, auth()),
    );
    expect(res.statusCode).toBe(202);
    return JSON.parse(res.body ?? '{}') as { leadId: string; ownerId: string; dueAt: string };
  }
  async function audit(query: string) {
    const res = await runRoute(auditRoute(stack.rt), {
      ...getEvent('/audit', viewer()),
      rawQueryString: query,
    });
    return { status: res.statusCode, body: res.body ?? '', json: () => JSON.parse(res.body ?? '{}') };
  }

  let breached: { leadId: string; ownerId: string };
  const breachedEmail = `Globex.Buyer.${stamp}@globex.example`;

  beforeAll(async () => {
    stack = await startLocalStack({
      policy,
      policyPath: 'test/fixtures/policies/breach.yaml',
      // The Scheduler's minute scaled down to a second (it still fires anywhere within it).
      scheduler: { tickMs: 50, precisionMs: 1000 },
      log: memoryLog(),
    });
    // A two-second demo SLA missed: reassigned to the next rep.
    breached = await capture({
      email: breachedEmail,
      firstName: 'Gina',
      lastName: 'Globex',
      company: `Globex${stamp} Industries`,
      intent: 'demo',
    });
    await waitFor(
      async () => ((await stack.rt.store.getLead(breached.leadId))?.attempt === 2 ? true : undefined),
      15_000,
    );
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('finds the lead by email (any case), by company word and by its previous owner, with why and history', async () => {
    // Act
    const byEmail = (await audit(`q=${encodeURIComponent(breachedEmail.toUpperCase())}`)).json();
    const byCompany = (await audit(`q=globex${stamp}`)).json();
    const byPrevious = (await audit(`owner=${breached.ownerId}&team=emea`)).json();
    const byName = (await audit(`owner=${encodeURIComponent('Rep One')}&q=gina`)).json();
    const csv = await audit(`q=globex${stamp}&format=csv`);

    // Assess
    const lead = await stack.rt.store.getLead(breached.leadId);
    expect(lead?.ownerId).not.toBe(breached.ownerId);
    expect(byEmail.entries.map((e: { leadId: string }) => e.leadId)).toEqual([breached.leadId]);
    expect(byCompany.entries.map((e: { leadId: string }) => e.leadId)).toEqual([breached.leadId]);
    expect(byPrevious.entries.map((e: { leadId: string }) => e.leadId)).toContain(breached.leadId);
    const entry = byEmail.entries[0];
    expect(entry.ownerHistory[0]).toBe(
      policy.teams.get('emea')?.members.find((m) => m.ownerId === breached.ownerId)?.name,
    );
    expect(entry.ownerHistory).toHaveLength(2);
    expect(entry.why.routing.join('\n')).toContain('rule emea: matched → team emea');
    expect(entry.escalations.map((e: { type: string }) => e.type)).toContain('breached');
    expect(byName.entries.length).toBe(breached.ownerId === '501' ? 1 : 0);
    expect(csv.status).toBe(200);
    expect(csv.body.split('\r\n')[0]).toContain('ownerHistory');
    expect(csv.body).toContain(breached.leadId);
    expect((await audit('q=nobody-at-all@nowhere.example')).json().entries).toEqual([]);
  });

  it('refuses a bad search with the field named', async () => {
    expect((await audit('from=yesterday')).json().error.field).toBe('from');
    expect((await audit('tz=Mars/Olympus')).json().error.field).toBe('tz');
    expect((await audit('from=2030-01-01&to=2030-06-01')).json().error.field).toBe('from');
  });

  it('fills every KPI the README defines from the events it counts (contact and meeting outcomes are issue 18)', async () => {
    // Prepare: a touched lead, an accepted one, a rejected and a recycled one, a repeat inquiry, a misroute
    // (an owner changed by a person within the hour), and the breached lead recovered.
    const slow = (n: string, extra: Record<string, unknown> = {}) =>
      capture({
        email: `${n}.${stamp}@kpi.example`,
        firstName: n,
        lastName: 'Kpi',
        intent: 'content',
        ...extra,
      });
    const touched = await slow('touched');
    const accepted = await slow('accepted');
    const rejected = await slow('rejected');
    const recycled = await slow('recycled');
    const repeat = await slow('repeat');
    const misrouted = await slow('misrouted');
    // A second form (a new delivery) from the same contact while the lead is open.
    await slow('repeat', { formId: 'pricing-page' });
    const at = () => new Date().toISOString();
    await applyChange(stack.rt, touched.leadId, { kind: 'touch', at: at(), via: 'api' });
    await applyChange(stack.rt, breached.leadId, { kind: 'touch', at: at(), via: 'api' });
    await applyChange(stack.rt, accepted.leadId, { kind: 'accepted', at: at(), status: 'OPEN_DEAL' });
    await applyChange(stack.rt, rejected.leadId, { kind: 'rejected', at: at(), status: 'UNQUALIFIED' });
    await applyChange(stack.rt, recycled.leadId, { kind: 'recycled', at: at(), status: 'BAD_TIMING' });
    const other = misrouted.ownerId === '502' ? '503' : '502';
    await applyChange(stack.rt, misrouted.leadId, {
      kind: 'owner_changed',
      at: at(),
      ownerId: other,
      byUser: true,
    });

    // Act
    const now = new Date(Date.now() + 1000);
    const report = await slaReport(
      { from: new Date(stamp - 60_000), to: now, now, groupBy: 'none', recycle: policy.recycle },
      (f, t) => stack.rt.store.listSubmitted(f, t),
    );

    // Assess
    const k = report.total;
    const filled: (keyof Kpis)[] = [
      'speedBusinessMedianMs',
      'speedWallMedianMs',
      'timeToAssignmentMedianMs',
      'slaAttainment',
      'breachRate',
      'breachRecoveryMedianMs',
      'unownedRate',
      'misrouteRate',
      'duplicateRate',
      'acceptanceRate',
      'timeToAcceptanceMedianMs',
      'rejectionRate',
      'recycleRate',
    ];
    for (const name of filled) expect({ name, value: k[name] }).toEqual({ name, value: expect.any(Number) });
    expect(k.repeatInquiries).toBe(1);
    expect(k.misrouted).toBe(1);
    expect(k.accepted).toBe(1);
    expect(k.breached).toBeGreaterThanOrEqual(1);
    expect(k.recycleReasons[0]?.reason).toBe('BAD_TIMING');
    expect((await stack.rt.store.getLead(repeat.leadId))?.repeatCount).toBe(1);

    // The board counts the breach and the touches on the day they happened.
    const board = await boardData(stack.rt, Date.now());
    expect(board.kpis.breaches).toBeGreaterThanOrEqual(1);
    expect(board.kpis.touched).toBeGreaterThanOrEqual(2);
    expect(board.reps.find((r) => r.ownerId === breached.ownerId)?.breachesToday).toBeGreaterThanOrEqual(1);
  });
});
