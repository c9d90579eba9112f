/**
 * Issue 18: `npm run review` on the local store writes the HTML and CSV, and GET /reports/review answers
 * the same review as JSON, with a pilot readout against a baseline month.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL, type LocalStack } from '../../infra/local/stack.ts';
import type { CliIo } from '../../shared/cli/report.ts';
import { runReview } from '../../shared/cli/review.ts';
import { runRoute } from '../../shared/http/chain.ts';
import { reviewRoute } from '../../shared/http/report-route.ts';
import { captureRoute, leadEventsRoute } from '../../shared/http/routes.ts';
import { getEvent, postEvent } from '../helpers/http-event.ts';
import { bodyOf, NOW, startStack } from '../helpers/live.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const MIN = 60_000;
const LATER = Date.parse('2030-02-03T09:00:00Z');

describe('the monthly review', () => {
  let stack: LocalStack;
  let dir: string;
  let clock = NOW;
  const bearer = () => ({ authorization: `Bearer ${stack.adminKey}` });

  async function capture(tag: string, at: number, country: string): Promise<string> {
    clock = at;
    const res = await runRoute(
      captureRoute(stack.rt),
      postEvent(
        '/leads',
        {
          email: `${tag}@review-${country.toLowerCase()}.example`,
          country,
          intent: 'demo',
          submittedAt: iso(at),
        },
        bearer(),
      ),
    );
    expect(res.statusCode).toBe(202);
    return bodyOf(res).leadId as string;
  }
  const post = (leadId: string, body: Record<string, unknown>) =>
    runRoute(leadEventsRoute(stack.rt), {
      ...postEvent(`/leads/${leadId}/events`, body, bearer()),
      pathParameters: { leadId },
    });

  beforeAll(async () => {
    stack = await startStack({ clock: { now: () => clock } });
    dir = mkdtempSync(join(tmpdir(), 'leadclock-review-'));
    // December 2029 (the baseline) and January 2030: German demo requests, slower in December.
    for (const [month, speedMin] of [
      [Date.parse('2029-12-03T09:00:00Z'), 45],
      [NOW, 3],
    ] as const) {
      for (let i = 0; i < 6; i++) {
        const at = month + i * 47 * MIN;
        const leadId = await capture(`r${month}-${i}`, at, 'DE');
        clock = at + speedMin * MIN;
        await post(leadId, { type: 'first_touch', at: iso(at + speedMin * MIN) });
        if (i % 2 === 0) await post(leadId, { type: 'connected', at: iso(at + (speedMin + 1) * MIN) });
        if (i % 3 === 0) await post(leadId, { type: 'meeting_booked', at: iso(at + 60 * MIN) });
      }
    }
    clock = LATER;
  });
  afterAll(async () => {
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('npm run review writes the HTML and CSV of the month from the local store', async () => {
    // Prepare
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      env: { AWS_ENDPOINT_URL_DYNAMODB: stack.dynamo.endpoint, TABLE_NAME: LOCAL.table },
      now: () => new Date(LATER),
    };

    // Act
    const code = await runReview(['--month', '2030-01', '--out', dir], io);

    // Assess
    expect(err.join('\n')).toBe('');
    expect(code).toBe(0);
    const html = readFileSync(join(dir, 'review-2030-01.html'), 'utf8');
    const csv = readFileSync(join(dir, 'review-2030-01.csv'), 'utf8').split('\r\n');
    expect(html).toContain('monthly review: 2030-01');
    expect(html).toContain('<svg');
    expect(csv[1]?.startsWith('total,2030-01,6,')).toBe(true);
    expect(csv.some((l) => l.startsWith('staffing,'))).toBe(true);
    expect(out.join('\n')).toMatch(/review 2030-01 .*6 leads/);
  });

  it('GET /reports/review reads out a pilot against its baseline month', async () => {
    // Prepare
    const route = reviewRoute({ ...stack.rt, loadLeads: (f, t) => stack.rt.store.listSubmitted(f, t) });

    // Act
    const res = await runRoute(route, {
      ...getEvent('/reports/review', bearer()),
      rawQueryString: 'month=2030-01&pilot=segment=EMEA&baseline=2029-12&metric=speedWallMedianMs',
    });
    const bad = await runRoute(route, {
      ...getEvent('/reports/review', bearer()),
      rawQueryString: 'month=2030-13',
    });

    // Assess
    expect(res.statusCode).toBe(200);
    const review = bodyOf(res);
    expect(review.total.leads).toBe(6);
    expect(review.total.contactRate).toBe(0.5);
    expect(review.pilot).toMatchObject({
      segment: 'segment=EMEA',
      metric: 'speedWallMedianMs',
      pilot: { leads: 6 },
      baseline: { leads: 6 },
      moved: true,
    });
    expect(review.pilot.change).toBeLessThan(0);
    expect(bad.statusCode).toBe(400);
    expect(bodyOf(bad).error.field).toBe('month');
  });
});
