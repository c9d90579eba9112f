/** GET /reports/sla?from&to&groupBy&format&tz: SLA KPIs over a period, as JSON, CSV or an HTML page with charts (bearer token). */
import {
  formatReport,
  fullReport,
  type PeriodLoader,
  parseReportParams,
  policyOptions,
} from '../app/report.ts';
import type { Runtime } from '../app/runtime.ts';
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
    requireBearer(event, rt.auth);
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
