/** GET /audit?q&owner&team&rule&from&to&tz&format&limit (bearer): the routing audit log, JSON or CSV. */
import { type AuditSearch, auditCsv, auditLog, parseAuditParams } from '../app/audit.ts';
import type { LeadEvent } from '../app/ports.ts';
import type { Runtime } from '../app/runtime-types.ts';
import { requireBearer } from './auth.ts';
import { viewerZone } from './board-route.ts';
import type { Route } from './chain.ts';
import { HttpError, json } from './errors.ts';
import { queryParam } from './request.ts';

/** What the route needs: a store that can search the audit log (AuditedLeadStore). */
export type AuditRouteDeps = Pick<Runtime, 'auth' | 'clock' | 'policy' | 'log'> & {
  store: { searchAudit?: AuditSearch; listEvents(leadId: string): Promise<LeadEvent[]> };
};

/** GET /audit */
export function auditRoute(rt: AuditRouteDeps): Route {
  return async (event) => {
    requireBearer(event, rt.auth, 'viewer');
    const search = rt.store.searchAudit?.bind(rt.store);
    if (!search) throw new Error('auditRoute: the store cannot search the audit log (use AuditedLeadStore)');
    const zone = viewerZone(event) ?? rt.policy.defaultCalendar.timeZone;
    const now = rt.clock.now();
    const p = parseAuditParams((name) => queryParam(event, name), rt.policy, now, zone);
    if (!p.ok) throw new HttpError(400, 'invalid', `${p.field}: ${p.message}`, { field: p.field });
    const started = Date.now();
    const r = await auditLog(search, (id) => rt.store.listEvents(id), rt.policy, p.query, p.limit);
    // Never the search text: it may be an email address.
    rt.log.info('audit search', {
      entries: r.entries.length,
      millis: Date.now() - started,
      format: p.format,
    });
    if (p.format === 'csv')
      return {
        statusCode: 200,
        headers: {
          'content-type': 'text/csv; charset=utf-8',
          'cache-control': 'no-store',
          'content-disposition': 'attachment; filename="leadclock-audit.csv"',
        },
        body: auditCsv(r.entries),
      };
    return json(200, { zone, ...r });
  };
}
