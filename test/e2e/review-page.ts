/** A month of plausible leads and outcomes rendered as the monthly review page (browser test and README screenshot). */
import { readFileSync } from 'node:fs';
import { loadPolicy } from '../../shared/domain/policy.ts';
import { buildReview } from '../../shared/domain/review.ts';
import { renderReviewHtml } from '../../shared/domain/review-report.ts';
import { generateLeads } from '../bench/report.ts';
import { withOutcomes } from '../bench/review.ts';

/** The review HTML of November 2026 over `n` leads, with a pilot on EMEA against October. */
export function reviewPage(n = 3_000): string {
  const policy = loadPolicy(readFileSync('config/policy.example.yaml', 'utf8'));
  const month = withOutcomes(
    generateLeads(n, new Date('2026-11-01T00:00:00Z'), new Date('2026-12-01T00:00:00Z'), 21),
  );
  const baseline = withOutcomes(
    generateLeads(n, new Date('2026-10-01T00:00:00Z'), new Date('2026-11-01T00:00:00Z'), 22),
  );
  return renderReviewHtml(
    buildReview(month, {
      month: '2026-11',
      zone: policy.defaultCalendar.timeZone,
      now: new Date('2026-12-06T12:00:00Z'),
      recycle: policy.recycle,
      policy,
      pilot: {
        segment: { groupBy: 'segment', key: 'EMEA' },
        metric: 'slaAttainment',
        baselineLabel: '2026-10',
        baseline,
      },
    }),
  );
}
