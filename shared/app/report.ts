/**
 * The SLA report use case (GET /reports/sla, `npm run report`): load the period's leads through a
 * loader port, compute the KPIs, and format them as JSON, CSV or a plain-text table.
 */

import { DateTime, IANAZone } from 'luxon';
import type { Policy } from '../domain/compile.ts';
import { formatDuration } from '../domain/duration.ts';
import {
  computeKpis,
  GROUP_BY,
  type GroupBy,
  type KpiLead,
  type KpiQuery,
  type KpiReport,
  type Kpis,
  SPEED_BUCKETS,
} from '../domain/kpi.ts';
import { CHANNELS } from '../domain/lead.ts';
import { type ReportCharts, renderSlaReport, reportCharts } from '../domain/report-charts.ts';

/** Reads the leads submitted in [from, to). */
export type PeriodLoader = (from: Date, to: Date) => Promise<Iterable<KpiLead>>;

/** Output formats: `json`, `csv` and `html` over HTTP, `table` too on the command line. */
export const REPORT_FORMATS = ['json', 'csv', 'table', 'html'] as const;

/** A report output format. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Validated report parameters. */
export interface ReportParams {
  from: Date;
  to: Date;
  groupBy: GroupBy;
  format: ReportFormat;
  /** The zone bare dates were read in (UTC unless `tz` named one). */
  zone: string;
}

/** A parameter problem, naming the field. */
export interface ParamError {
  field: string;
  message: string;
}

/** Default period: the 7 days before `to`. */
export const DEFAULT_PERIOD_MS = 7 * 86_400_000;
/** Longest period one report reads (366 day partitions). */
export const MAX_PERIOD_MS = 366 * 86_400_000;

const DATE = /^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** An ISO 8601 date (midnight in `zone`, UTC by default) or date-time with a zone; undefined when it is neither. */
export function parseInstant(text: string, zone = 'UTC'): Date | undefined {
  const m = DATE.exec(text.trim());
  if (!m) return undefined;
  const day = m[1] as string;
  // V8 reads 2030-02-31 as 3 March; a date that does not round-trip is refused.
  if (new Date(Date.parse(day)).toISOString().slice(0, 10) !== day) return undefined;
  if (!m[2] && zone !== 'UTC') return new Date(DateTime.fromISO(day, { zone }).toMillis());
  const t = Date.parse(m[2] ? text.trim() : `${day}T00:00:00Z`);
  return Number.isNaN(t) ? undefined : new Date(t);
}

const BARE_DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Reads from, to, groupBy, format and tz through `get` (missing → undefined); defaults: the last 7 days,
 * `none`, `json`, UTC. Bare dates are midnight in `tz`; `from` and `to` the same bare date mean that whole day.
 */
export function parseReportParams(
  get: (name: 'from' | 'to' | 'groupBy' | 'format' | 'tz') => string | undefined,
  now: Date,
  formats: readonly ReportFormat[] = ['json', 'csv', 'html'],
): { ok: true; value: ReportParams } | ({ ok: false } & ParamError) {
  const fail = (field: string, message: string) => ({ ok: false as const, field, message });
  const zone = get('tz') || 'UTC';
  if (zone.length > 64 || !IANAZone.isValidZone(zone))
    return fail('tz', `unknown time zone '${zone.slice(0, 64)}'`);
  const rawFrom = get('from');
  const rawTo = get('to');
  const oneDay = rawFrom !== undefined && rawFrom.trim() === rawTo?.trim() && BARE_DAY.test(rawFrom.trim());
  let to = rawTo === undefined ? now : parseInstant(rawTo, zone);
  if (!to) return fail('to', 'expected an ISO 8601 date (2030-01-07) or date-time with a zone');
  if (oneDay) to = new Date(DateTime.fromMillis(to.getTime(), { zone }).plus({ days: 1 }).toMillis());
  const from =
    rawFrom === undefined ? new Date(to.getTime() - DEFAULT_PERIOD_MS) : parseInstant(rawFrom, zone);
  if (!from) return fail('from', 'expected an ISO 8601 date (2030-01-07) or date-time with a zone');
  if (from.getTime() >= to.getTime()) return fail('from', 'must be before to');
  if (to.getTime() - from.getTime() > MAX_PERIOD_MS)
    return fail('from', 'the period is longer than 366 days');
  const groupBy = get('groupBy') ?? 'none';
  if (!(GROUP_BY as readonly string[]).includes(groupBy))
    return fail('groupBy', `expected one of ${GROUP_BY.join(', ')}`);
  const format = get('format') ?? 'json';
  if (!(formats as readonly string[]).includes(format))
    return fail('format', `expected one of ${formats.join(', ')}`);
  return { ok: true, value: { from, to, groupBy: groupBy as GroupBy, format: format as ReportFormat, zone } };
}

/** What the policy adds to a query: the recycle rule, and the groups that must show even when empty. */
export function policyOptions(policy: Policy, groupBy: GroupBy): Pick<KpiQuery, 'recycle' | 'keys'> {
  const teams = [...policy.teams.values()];
  const keys: Record<GroupBy, readonly string[]> = {
    tier: policy.tiers.map((t) => t.id),
    channel: CHANNELS,
    form: [],
    team: teams.map((t) => t.id),
    owner: [...new Set(teams.flatMap((t) => t.members.map((m) => m.ownerId)))],
    segment: Object.keys(policy.doc.regions),
    speed: SPEED_BUCKETS,
    none: [],
  };
  return { recycle: policy.recycle, keys: keys[groupBy] };
}

/** Readable names for the groups whose keys are ids: owners (rep names), teams and tiers (labels). */
export function labelReport(r: KpiReport, policy: Policy): KpiReport {
  const names = new Map<string, string>();
  if (r.groupBy === 'owner') {
    for (const t of policy.teams.values()) for (const m of t.members) names.set(m.ownerId, m.name);
    for (const q of policy.queues.values())
      if (q.ownerId && !names.has(q.ownerId)) names.set(q.ownerId, q.label);
  } else if (r.groupBy === 'team') for (const t of policy.teams.values()) names.set(t.id, t.label);
  else if (r.groupBy === 'tier') for (const t of policy.tiers) names.set(t.id, t.label);
  return {
    ...r,
    groups: r.groups.map((g) => {
      const label = g.label ?? names.get(g.key);
      return label && label !== g.key ? { ...g, label } : g;
    }),
  };
}

/** The use case: loads the period's leads and computes the KPIs. */
export async function slaReport(q: KpiQuery, load: PeriodLoader): Promise<KpiReport> {
  return computeKpis(await load(q.from, q.to), q);
}

/** The report, labelled from the policy when given, and its charts when the format is HTML (one read). */
export async function fullReport(
  q: KpiQuery,
  load: PeriodLoader,
  opts: { format: ReportFormat; zone: string; policy?: Policy },
): Promise<{ report: KpiReport; charts?: ReportCharts }> {
  const leads = [...(await load(q.from, q.to))];
  const raw = computeKpis(leads, q);
  const report = opts.policy ? labelReport(raw, opts.policy) : raw;
  if (opts.format !== 'html') return { report };
  const names = new Map<string, string>();
  if (opts.policy)
    for (const t of opts.policy.teams.values()) for (const m of t.members) names.set(m.ownerId, m.name);
  return { report, charts: reportCharts(leads, q.from, q.to, q.now, opts.zone, names) };
}

type Scalar = Exclude<keyof Kpis, 'rejectReasons' | 'recycleReasons' | 'rejectTrend' | 'recycleTrend'>;

/** CSV columns after the group: every scalar KPI, in order. */
export const CSV_COLUMNS: readonly Scalar[] = [
  'leads',
  'touched',
  'speedBusinessMedianMs',
  'speedBusinessP90Ms',
  'speedWallMedianMs',
  'speedWallP90Ms',
  'meetings',
  'timeToMeetingMedianMs',
  'timeToMeetingP90Ms',
  'meetingsPer100',
  'qualified',
  'timeToQualificationMedianMs',
  'timeToQualificationP90Ms',
  'deals',
  'wonDeals',
  'pipeline',
  'wonRevenue',
  'pipelinePerLead',
  'wonRevenuePerLead',
  'outcomeTracked',
  'contacted',
  'contactRate',
  'attemptsBeforeContact',
  'assigned',
  'timeToAssignmentMedianMs',
  'timeToAssignmentP90Ms',
  'slaDue',
  'slaMet',
  'slaAttainment',
  'breached',
  'breachRate',
  'recovered',
  'breachRecoveryMedianMs',
  'parked',
  'unowned',
  'unownedRate',
  'misrouted',
  'misrouteRate',
  'repeatInquiries',
  'duplicateRate',
  'accepted',
  'acceptanceRate',
  'timeToAcceptanceMedianMs',
  'rejected',
  'rejectionRate',
  'recycled',
  'recycleRate',
  'prematureRecycles',
  'overdueOpen',
];

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return String(v);
  let s = String(v);
  // Reasons are free text from reps: keep a spreadsheet from reading one as a formula.
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

const reasonList = (list: Kpis['rejectReasons']) => list.map((r) => `${r.reason} (${r.count})`).join('; ');

/** A CSV header: duration columns lose their `Ms` (their cells are `4m 30s`, readable in a spreadsheet). */
export const csvHeader = (c: Scalar): string => (c.endsWith('Ms') ? c.slice(0, -2) : c);

/** RFC 4180 CSV: one row per group (plus `(total)` when grouped), labels (rep names) beside ids, durations
 * as people read them; weekly trends are in the JSON only. */
export function reportCsv(r: KpiReport): string {
  const head = ['group', 'label', ...CSV_COLUMNS.map(csvHeader), 'topRejectReasons', 'topRecycleReasons'];
  const rows = r.groups.map((g) => ({ key: g.key, label: g.label, kpis: g.kpis }));
  if (r.groupBy !== 'none') rows.push({ key: '(total)', label: undefined, kpis: r.total });
  const lines = [head.join(',')];
  for (const row of rows) {
    const cells = [
      row.key,
      row.label,
      ...CSV_COLUMNS.map((c) => {
        const v = row.kpis[c];
        return c.endsWith('Ms') && typeof v === 'number' ? formatDuration(v) : v;
      }),
      reasonList(row.kpis.rejectReasons),
      reasonList(row.kpis.recycleReasons),
    ];
    lines.push(cells.map(csvCell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** The report as JSON text. */
export function reportJson(r: KpiReport): string {
  return JSON.stringify(r, null, 2);
}

const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);
const dur = (v: number | null) => (v === null ? '–' : formatDuration(v));

/** A plain-text table for the terminal: the headline KPIs per group, then the top reasons. */
export function reportTable(r: KpiReport): string {
  const head = [
    r.groupBy === 'none' ? 'period' : r.groupBy,
    'leads',
    'STL med biz',
    'STL p90 biz',
    'STL med wall',
    'STL p90 wall',
    'SLA met',
    'due',
    'breach',
    'recovery',
    'parked',
    'unowned',
    'misroute',
    'dup',
    'contact',
    'accept',
    'meeting med',
    'assign med',
    'rejected',
    'recycled (premature)',
    'overdue',
  ];
  const line = (key: string, k: Kpis) => [
    key,
    String(k.leads),
    dur(k.speedBusinessMedianMs),
    dur(k.speedBusinessP90Ms),
    dur(k.speedWallMedianMs),
    dur(k.speedWallP90Ms),
    pct(k.slaAttainment),
    String(k.slaDue),
    pct(k.breachRate),
    dur(k.breachRecoveryMedianMs),
    String(k.parked),
    pct(k.unownedRate),
    pct(k.misrouteRate),
    pct(k.duplicateRate),
    pct(k.contactRate),
    pct(k.acceptanceRate),
    dur(k.timeToMeetingMedianMs),
    dur(k.timeToAssignmentMedianMs),
    String(k.rejected),
    `${k.recycled} (${k.prematureRecycles})`,
    String(k.overdueOpen),
  ];
  const body = r.groups.map((g) => line(g.label ? `${g.key} (${g.label})` : g.key, g.kpis));
  if (r.groupBy !== 'none') body.push(line('(total)', r.total));
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((b) => (b[c] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [
    `SLA report ${r.from} → ${r.to} (submitted; as of ${r.now}), by ${r.groupBy}`,
    '',
    fmt(head),
    fmt(widths.map((w) => '-'.repeat(w))),
    ...body.map(fmt),
  ];
  const reasons = [
    ['top reject reasons', r.total.rejectReasons],
    ['top recycle reasons', r.total.recycleReasons],
  ] as const;
  for (const [title, list] of reasons) if (list.length) out.push('', `${title}: ${reasonList(list)}`);
  return out.join('\n');
}

/** Formats a report; `table` is for terminals; `html` draws `charts` (computed from the leads, see fullReport). */
export function formatReport(
  r: KpiReport,
  format: ReportFormat,
  charts?: ReportCharts,
): { contentType: string; body: string } {
  switch (format) {
    case 'html':
      return {
        contentType: 'text/html; charset=utf-8',
        body: renderSlaReport(
          r,
          charts ?? reportCharts([], new Date(r.from), new Date(r.to), new Date(r.now), 'UTC'),
        ),
      };
    case 'csv':
      return { contentType: 'text/csv; charset=utf-8', body: reportCsv(r) };
    case 'table':
      return { contentType: 'text/plain; charset=utf-8', body: reportTable(r) };
    case 'json':
      return { contentType: 'application/json; charset=utf-8', body: reportJson(r) };
  }
}
