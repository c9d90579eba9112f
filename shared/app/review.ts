/**
 * The monthly review use case (`npm run review`, GET /reports/review): loads the month's leads (and a
 * pilot's baseline month) through the period loader, builds the review, and formats it.
 */
import type { Policy } from '../domain/compile.ts';
import { GROUP_BY, type GroupBy } from '../domain/kpi.ts';
import {
  buildReview,
  monthRange,
  PILOT_METRICS,
  type PilotMetric,
  type Review,
  type ReviewLead,
} from '../domain/review.ts';
import { renderReviewHtml, reviewCsv } from '../domain/review-report.ts';
import type { ParamError, PeriodLoader } from './report.ts';

/** Review output formats. */
export const REVIEW_FORMATS = ['json', 'csv', 'html'] as const;

/** A review output format. */
export type ReviewFormat = (typeof REVIEW_FORMATS)[number];

/** Validated review parameters. */
export interface ReviewParams {
  month: string;
  format: ReviewFormat;
  target?: number;
  pilot?: { groupBy: Exclude<GroupBy, 'none'>; key: string; baselineMonth: string; metric: PilotMetric };
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** The calendar month before `now` (UTC), `YYYY-MM`: by default last month is reviewed. */
export function previousMonth(now: Date): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return d.toISOString().slice(0, 7);
}

/**
 * Reads month, format, target, pilot (`team=emea-sdr`), baseline (`YYYY-MM`) and metric through `get`;
 * a pilot needs a baseline. Errors name the parameter.
 */
export function parseReviewParams(
  get: (name: 'month' | 'format' | 'target' | 'pilot' | 'baseline' | 'metric') => string | undefined,
  now: Date,
): { ok: true; value: ReviewParams } | ({ ok: false } & ParamError) {
  const fail = (field: string, message: string) => ({ ok: false as const, field, message });
  const month = get('month') ?? previousMonth(now);
  if (!MONTH.test(month)) return fail('month', 'expected YYYY-MM');
  const format = get('format') ?? 'json';
  if (!(REVIEW_FORMATS as readonly string[]).includes(format))
    return fail('format', `expected one of ${REVIEW_FORMATS.join(', ')}`);
  const value: ReviewParams = { month, format: format as ReviewFormat };
  const target = get('target');
  if (target !== undefined) {
    const t = Number(target);
    if (!(t > 0 && t <= 1)) return fail('target', 'expected a share in (0, 1], e.g. 0.9');
    value.target = t;
  }
  const pilot = get('pilot');
  if (pilot !== undefined) {
    const m = /^([a-z]+)=(.+)$/.exec(pilot);
    const dims = GROUP_BY.filter((g) => g !== 'none');
    if (!m || !(dims as readonly string[]).includes(m[1] as string))
      return fail('pilot', `expected <${dims.join('|')}>=<key>, e.g. team=emea-sdr`);
    const baselineMonth = get('baseline');
    if (baselineMonth === undefined) return fail('baseline', 'a pilot needs a baseline month (YYYY-MM)');
    if (!MONTH.test(baselineMonth)) return fail('baseline', 'expected YYYY-MM');
    if (baselineMonth === month) return fail('baseline', 'must differ from the month under review');
    const metric = get('metric') ?? 'slaAttainment';
    if (!(metric in PILOT_METRICS))
      return fail('metric', `expected one of ${Object.keys(PILOT_METRICS).join(', ')}`);
    value.pilot = {
      groupBy: m[1] as Exclude<GroupBy, 'none'>,
      key: m[2] as string,
      baselineMonth,
      metric: metric as PilotMetric,
    };
  }
  return { ok: true, value };
}

/** Builds the review of `params.month` for `policy`, loading through `load`. */
export async function monthlyReview(
  params: ReviewParams,
  policy: Policy,
  now: Date,
  load: PeriodLoader,
): Promise<Review> {
  const zone = policy.defaultCalendar.timeZone;
  const month = monthRange(params.month, zone);
  const leads = [...(await load(month.from, month.to))] as ReviewLead[];
  let baseline: ReviewLead[] | undefined;
  if (params.pilot) {
    const b = monthRange(params.pilot.baselineMonth, zone);
    baseline = [...(await load(b.from, b.to))] as ReviewLead[];
  }
  return buildReview(leads, {
    month: params.month,
    zone,
    now,
    recycle: policy.recycle,
    policy,
    ...(params.target !== undefined ? { target: params.target } : {}),
    ...(params.pilot && baseline
      ? {
          pilot: {
            segment: { groupBy: params.pilot.groupBy, key: params.pilot.key },
            metric: params.pilot.metric,
            baselineLabel: params.pilot.baselineMonth,
            baseline,
          },
        }
      : {}),
  });
}

/** Formats a review. */
export function formatReview(r: Review, format: ReviewFormat): { contentType: string; body: string } {
  switch (format) {
    case 'csv':
      return { contentType: 'text/csv; charset=utf-8', body: reviewCsv(r) };
    case 'html':
      return { contentType: 'text/html; charset=utf-8', body: renderReviewHtml(r) };
    case 'json':
      return { contentType: 'application/json; charset=utf-8', body: JSON.stringify(r, null, 2) };
  }
}
