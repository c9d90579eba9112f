/** GET /reports/sla?from&to&groupBy&format&tz: SLA KPIs over a period, as JSON, CSV or an HTML page with charts (bearer token). */
import {
  formatReport,
  fullReport,
  type PeriodLoader,
  parseReportParams,
  policyOptions,
} from '../app/report.ts';
import { formatReview, monthlyReview, parseReviewParams } from '../app/review.ts';
import type { Runtime } from '../app/runtime-types.ts';
import { requireBearer } from './auth.ts';
import type { Route } from './chain.ts';
import { HttpError } from './errors.ts';
import { queryParam } from './request.ts';

/**
 * What the report route needs: auth, clock, policy and log from the runtime, and the period loader
 * (`loadLeadsForPeriod` over the raw DynamoDB client: the LeadStore port has no period read).
 */
export type ReportRouteDeps = Pick<Runtime, 'auth' | 'clock' | 'policy' | 'log'> & {
  loadLeads?: PeriodLoader;
};

/** GET /reports/sla */
export function reportRoute(rt: ReportRouteDeps): Route {
  return async (event) => {
    requireBearer(event, rt.auth, 'viewer');
    const load = rt.loadLeads;
    if (!load) throw new Error('reportRoute: no loadLeads given (see functions/reports/handler.ts)');
    const now = new Date(rt.clock.now());
    const parsed = parseReportParams((name) => queryParam(event, name), now);
    if (!parsed.ok)
      throw new HttpError(400, 'invalid', `${parsed.field}: ${parsed.message}`, { field: parsed.field });
    const { from, to, groupBy, format, zone } = parsed.value;
    const started = Date.now();
    const { report, charts } = await fullReport(
      { from, to, groupBy, now, ...policyOptions(rt.policy, groupBy) },
      load,
      { format, zone, policy: rt.policy },
    );
    rt.log.info('sla report', {
      from: report.from,
      to: report.to,
      groupBy,
      format,
      leads: report.total.leads,
      millis: Date.now() - started,
    });
    const out = formatReport(report, format, charts);
    return {
      statusCode: 200,
      headers: {
        'content-type': out.contentType,
        'cache-control': 'no-store',
        ...(format === 'csv'
          ? { 'content-disposition': `attachment; filename="sla-${from.toISOString().slice(0, 10)}.csv"` }
          : {}),
      },
      body: out.body,
    };
  };
}

/** GET /reports/review?month=YYYY-MM&format=json|csv|html[&pilot=team=x&baseline=YYYY-MM&metric=…][&target=0.9] */
export function reviewRoute(rt: ReportRouteDeps): Route {
  return async (event) => {
    requireBearer(event, rt.auth, 'viewer');
    const load = rt.loadLeads;
    if (!load) throw new Error('reviewRoute: no loadLeads given (see functions/reports/handler.ts)');
    const now = new Date(rt.clock.now());
    const parsed = parseReviewParams((name) => queryParam(event, name), now);
    if (!parsed.ok)
      throw new HttpError(400, 'invalid', `${parsed.field}: ${parsed.message}`, { field: parsed.field });
    const started = Date.now();
    const review = await monthlyReview(parsed.value, rt.policy, now, load);
    rt.log.info('monthly review', {
      month: review.month,
      leads: review.total.leads,
      format: parsed.value.format,
      millis: Date.now() - started,
    });
    const out = formatReview(review, parsed.value.format);
    return {
      statusCode: 200,
      headers: {
        'content-type': out.contentType,
        'cache-control': 'no-store',
        ...(parsed.value.format === 'csv'
          ? { 'content-disposition': `attachment; filename="review-${review.month}.csv"` }
          : {}),
      },
      body: out.body,
    };
  };
}
