/**
 * Review benchmark (issue 18): the monthly review over 100,000 leads of one month and their outcomes:
 * every section, the staffing what-if (three simulator runs over the month's leads through the example
 * policy) and a pilot readout against a baseline month of 100,000 more. Pure: the leads are in memory.
 */
import { readFileSync } from 'node:fs';
import type { LeadRecord } from '../../shared/app/ports.ts';
import { loadPolicy } from '../../shared/domain/policy.ts';
import { buildReview, type ReviewLead } from '../../shared/domain/review.ts';
import { renderReviewHtml, reviewCsv } from '../../shared/domain/review-report.ts';
import { generateLeads } from './report.ts';

const MONTH_FROM = new Date('2026-11-01T00:00:00.000Z');
const MONTH_TO = new Date('2026-12-01T00:00:00.000Z');
const BASE_FROM = new Date('2026-10-01T00:00:00.000Z');
const BASE_TO = new Date('2026-11-01T00:00:00.000Z');

/** The report bench's leads with qualification and deals on some, and inputs the policy can route. */
export function withOutcomes(leads: LeadRecord[]): ReviewLead[] {
  const countries = ['DE', 'FR', 'GB', 'US', 'CA', 'AU', 'JP', 'BR'];
  return leads.map((l, i) => {
    const out = { ...l, input: { ...l.input, country: countries[i % countries.length] } } as ReviewLead;
    if (l.meetingAt && i % 3 === 0) out.qualifiedAt = l.meetingAt;
    if (out.qualifiedAt && i % 2 === 0)
      out.deals = {
        [`d${i}`]: {
          createdAt: out.qualifiedAt,
          amount: 5_000 + (i % 20) * 1_000,
          ...(i % 4 === 0 ? { wonAt: out.qualifiedAt } : {}),
        },
      };
    return out;
  });
}

/** `review.*` figures. */
export function benchReview(leads = 100_000): Record<string, unknown> {
  const policy = loadPolicy(readFileSync('config/policy.example.yaml', 'utf8'));
  const month = withOutcomes(generateLeads(leads, MONTH_FROM, MONTH_TO, 11));
  const baseline = withOutcomes(generateLeads(leads, BASE_FROM, BASE_TO, 12));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const review = buildReview(month, {
    month: '2026-11',
    zone: 'UTC',
    now: new Date('2026-12-06T12:00:00Z'),
    policy,
    seed: 1,
    pilot: {
      segment: { groupBy: 'segment', key: 'EMEA' },
      metric: 'slaAttainment',
      baselineLabel: '2026-10',
      baseline,
    },
  });
  const built = performance.now();
  const html = renderReviewHtml(review);
  const csv = reviewCsv(review);
  const done = performance.now();
  const cpu = process.cpuUsage(cpu0);
  return {
    review: {
      leads,
      baselineLeads: leads,
      totalMs: Math.round(done - t0),
      buildMs: Math.round(built - t0),
      renderMs: Math.round(done - built),
      // CPU time of this process over the same span: what the figure would be on an idle core.
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      htmlBytes: html.length,
      csvRows: csv.split('\r\n').length - 2,
      staffingTeams: review.staffing.length,
      goalMs: 5_000,
      note: 'pure computation over leads in memory; reading 100,000 whole items of a month from DynamoDB adds the read (see report.readMs for the projected read of 10,000)',
    },
  };
}
