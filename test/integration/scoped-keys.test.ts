import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { boardDataRoute } from '../../shared/http/board-route.ts';
import { runRoute } from '../../shared/http/chain.ts';
import { reportRoute } from '../../shared/http/report-route.ts';
import { captureRoute, getLeadRoute, leadEventsRoute } from '../../shared/http/routes.ts';
import { getEvent, postEvent } from '../helpers/http-event.ts';
import { bodyOf, manualClock, startStack } from '../helpers/live.ts';

describe('scoped keys: ingest submits, viewer reads, admin changes', () => {
  let stack: LocalStack;
  const clock = manualClock();
  const as = (key: string) => ({ authorization: `Bearer ${key}` });
  const lead = (email: string) => ({ email, intent: 'demo', country: 'DE', channel: 'form' });
  let leadId: string;

  beforeAll(async () => {
    stack = await startStack({ clock, consumeSync: false });
    const res = await runRoute(
      captureRoute(stack.rt),
      postEvent('/leads', lead('ida.ingest@acme.example'), as(stack.ingestKey)),
    );
    expect(res.statusCode).toBe(202);
    leadId = bodyOf(res).leadId;
  });
  afterAll(() => stack?.close());

  const reports = () =>
    reportRoute({ ...stack.rt, loadLeads: (from, to) => stack.rt.store.listSubmitted(from, to) });

  it('refuses the viewer key on POST /leads and on lead events with 403, and lets it read', async () => {
    // Act
    const submit = await runRoute(
      captureRoute(stack.rt),
      postEvent('/leads', lead('vic.viewer@acme.example'), as(stack.viewerKey)),
    );
    const submitByQuery = await runRoute(
      captureRoute(stack.rt),
      postEvent('/leads', lead('vic.viewer@acme.example'), {}, `key=${stack.viewerKey}`),
    );
    const touch = await runRoute(
      leadEventsRoute(stack.rt),
      postEvent(`/leads/${leadId}/events`, { type: 'first_touch' }, as(stack.viewerKey)),
    );
    const read = await runRoute(getLeadRoute(stack.rt), getEvent(`/leads/${leadId}`, as(stack.viewerKey)));
    const board = await runRoute(boardDataRoute(stack.rt), getEvent('/board/data', as(stack.viewerKey)));

    // Assess
    expect(submit.statusCode).toBe(403);
    expect(bodyOf(submit).error.code).toBe('forbidden');
    expect(bodyOf(submit).error.message).toContain('a viewer key may only read');
    expect(submitByQuery.statusCode).toBe(403);
    expect(touch.statusCode).toBe(403);
    expect(bodyOf(touch).error.message).toContain('needs an admin key');
    expect(read.statusCode).toBe(200);
    expect(board.statusCode).toBe(200);
    expect((await stack.rt.store.getLead(leadId))?.status).toBe('routed');
  });

  it('refuses the ingest key on the board data, a lead, reports and events with 403', async () => {
    // Act
    const board = await runRoute(boardDataRoute(stack.rt), getEvent('/board/data', as(stack.ingestKey)));
    const read = await runRoute(getLeadRoute(stack.rt), getEvent(`/leads/${leadId}`, as(stack.ingestKey)));
    const report = await runRoute(reports(), getEvent('/reports/sla', as(stack.ingestKey)));
    const touch = await runRoute(
      leadEventsRoute(stack.rt),
      postEvent(`/leads/${leadId}/events`, { type: 'first_touch' }, as(stack.ingestKey)),
    );

    // Assess
    for (const r of [board, read, report, touch]) {
      expect(r.statusCode).toBe(403);
      expect(bodyOf(r).error.message).toContain('an ingest key may only submit leads');
    }
  });

  it('answers 401 to an unknown key and lets the admin key read and record events', async () => {
    // Act
    const unknown = await runRoute(
      boardDataRoute(stack.rt),
      getEvent('/board/data', as('lk_nobody_0123456789')),
    );
    const board = await runRoute(boardDataRoute(stack.rt), getEvent('/board/data', as(stack.adminKey)));
    const touch = await runRoute(
      leadEventsRoute(stack.rt),
      postEvent(`/leads/${leadId}/events`, { type: 'first_touch' }, as(stack.adminKey)),
    );

    // Assess
    expect(unknown.statusCode).toBe(401);
    expect(board.statusCode).toBe(200);
    expect(touch.statusCode).toBe(200);
    expect(bodyOf(touch).status).toBe('touched');
  });
});
