/**
 * The SLA report as a page people read (`npm run report -- --format html`, GET /reports/sla?format=html):
 * one self-contained HTML file (inline CSS and SVG, no scripts), like the simulator's. Charts: attainment
 * by hour of day and by weekday (of submission, in the report's zone), the speed-to-lead distribution
 * (business and wall-clock), breaches by the rep who missed them and by tier, and the top reject and
 * recycle reasons by source (channel). Pure: the leads and the KPIs come in, a string goes out.
 */
import { DateTime } from 'luxon';
import { formatDuration } from './duration.ts';
import type { KpiLead, KpiReport, Kpis } from './kpi.ts';

/** What the charts read besides the KPI fields: who held the lead when it breached. */
export type ChartLead = KpiLead & { previousOwners?: readonly string[] };

/** Chart data of a period. */
export interface ReportCharts {
  zone: string;
  /** Per hour 0–23 and weekday Mon–Sun: leads decided (due) and met. */
  byHour: { due: number; met: number }[];
  byWeekday: { due: number; met: number }[];
  /** Speed-to-lead bins (labels in SPEED_BINS), business and wall-clock. */
  speedBusiness: number[];
  speedWall: number[];
  /** Breaches by the rep who held the lead at its first deadline, and by tier (descending). */
  breachesByRep: { key: string; count: number }[];
  breachesByTier: { key: string; count: number }[];
  /** Top reasons per source (channel). */
  rejectBySource: { source: string; reasons: { reason: string; count: number }[] }[];
  recycleBySource: { source: string; reasons: { reason: string; count: number }[] }[];
}

/** Upper bounds (ms) of the speed bins; the last bin is open. */
export const SPEED_BINS: readonly [string, number][] = [
  ['< 1m', 60_000],
  ['1–5m', 300_000],
  ['5–15m', 900_000],
  ['15–30m', 1_800_000],
  ['30–60m', 3_600_000],
  ['1–4h', 14_400_000],
  ['4–24h', 86_400_000],
  ['> 1d', Number.POSITIVE_INFINITY],
];
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

const bin = (ms: number) => SPEED_BINS.findIndex(([, max]) => ms < max);
const desc = (m: Map<string, number>) =>
  [...m]
    .map(([key, count]) => ({ key, count }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));

/** The chart data of the leads submitted in [from, to), hours and weekdays in `zone`. */
export function reportCharts(
  leads: Iterable<ChartLead>,
  from: Date,
  to: Date,
  now: Date,
  zone: string,
  names: ReadonlyMap<string, string> = new Map(),
  topN = 3,
): ReportCharts {
  const byHour = Array.from({ length: 24 }, () => ({ due: 0, met: 0 }));
  const byWeekday = Array.from({ length: 7 }, () => ({ due: 0, met: 0 }));
  const speedBusiness = SPEED_BINS.map(() => 0);
  const speedWall = SPEED_BINS.map(() => 0);
  const rep = new Map<string, number>();
  const tier = new Map<string, number>();
  const reject = new Map<string, Map<string, number>>();
  const recycle = new Map<string, Map<string, number>>();
  const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const l of leads) {
    const sub = Date.parse(l.submittedAt);
    if (!(sub >= from.getTime() && sub < to.getTime())) continue;
    const touched = l.firstTouchAt !== undefined;
    const breached = l.breachCount > 0;
    const due = touched || breached || Date.parse(l.dueAt) <= now.getTime();
    if (due) {
      const met = l.slaOutcome === 'met' || (l.slaOutcome === undefined && touched && !breached);
      const t = DateTime.fromMillis(sub, { zone });
      for (const slot of [byHour[t.hour], byWeekday[t.weekday - 1]]) {
        if (!slot) continue;
        slot.due++;
        if (met) slot.met++;
      }
    }
    if (touched) {
      const wall = l.speedWallMs ?? Math.max(0, Date.parse(l.firstTouchAt as string) - sub);
      speedWall[bin(wall)] = (speedWall[bin(wall)] ?? 0) + 1;
      if (l.speedMs !== undefined) speedBusiness[bin(l.speedMs)] = (speedBusiness[bin(l.speedMs)] ?? 0) + 1;
    }
    if (breached) {
      const who = l.previousOwners?.[0] ?? l.ownerId;
      inc(rep, who ? (names.get(who) ?? who) : '(no owner)');
      inc(tier, l.tier);
    }
    const target = l.status === 'rejected' ? reject : l.status === 'recycled' ? recycle : undefined;
    if (target) {
      const source = l.input.channel;
      const m = target.get(source) ?? new Map<string, number>();
      target.set(source, m);
      inc(m, l.closeReason?.trim() || '(none)');
    }
  }
  const bySource = (m: Map<string, Map<string, number>>) =>
    [...m]
      .map(([source, reasons]) => ({
        source,
        reasons: desc(reasons)
          .slice(0, topN)
          .map((r) => ({ reason: r.key, count: r.count })),
      }))
      .sort((a, b) => a.source.localeCompare(b.source));
  return {
    zone,
    byHour,
    byWeekday,
    speedBusiness,
    speedWall,
    breachesByRep: desc(rep),
    breachesByTier: desc(tier),
    rejectBySource: bySource(reject),
    recycleBySource: bySource(recycle),
  };
}

function esc(s: unknown): string {
  return String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}
const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);
const dur = (v: number | null) => (v === null ? '–' : formatDuration(v));

/** Vertical bars: attainment (0–100 %) per slot, with the count of decided leads under each. */
function attainmentChart(slots: { due: number; met: number }[], labels: readonly string[]): string {
  const w = 28;
  const h = 120;
  const bars = slots
    .map((s, i) => {
      const v = s.due ? s.met / s.due : 0;
      const bh = Math.round(v * h);
      const x = 30 + i * w;
      const colour = v >= 0.9 ? '#16a34a' : v >= 0.7 ? '#ca8a04' : '#dc2626';
      return `<g><title>${esc(labels[i])}: ${s.due ? pct(v) : 'no leads'} (${s.met}/${s.due})</title>${
        s.due ? `<rect x="${x}" y="${10 + h - bh}" width="${w - 6}" height="${bh}" fill="${colour}"/>` : ''
      }<text x="${x + (w - 6) / 2}" y="${h + 24}" text-anchor="middle">${esc(labels[i])}</text><text x="${x + (w - 6) / 2}" y="${h + 38}" text-anchor="middle" fill="#777">${s.due || ''}</text></g>`;
    })
    .join('');
  const axis = [0, 0.5, 1]
    .map(
      (v) =>
        `<text x="0" y="${14 + h - v * h}">${v * 100}%</text><line x1="28" x2="${30 + slots.length * w}" y1="${10 + h - v * h}" y2="${10 + h - v * h}" stroke="#ddd"/>`,
    )
    .join('');
  return `<svg viewBox="0 0 ${40 + slots.length * w} ${h + 46}" width="${40 + slots.length * w}" role="img">${axis}${bars}</svg>`;
}

/** Horizontal bars of counts. */
function countBars(rows: { key: string; count: number }[], colour = '#2563eb'): string {
  if (rows.length === 0) return '<p class="muted">None.</p>';
  const max = Math.max(...rows.map((r) => r.count));
  const h = 20;
  const body = rows
    .map((r, i) => {
      const bw = Math.max(2, Math.round((r.count / max) * 300));
      return `<text x="0" y="${i * h + 14}">${esc(r.key.slice(0, 28))}</text><rect x="190" y="${i * h + 3}" width="${bw}" height="${h - 6}" fill="${colour}"/><text x="${196 + bw}" y="${i * h + 14}">${r.count}</text>`;
    })
    .join('');
  return `<svg viewBox="0 0 540 ${rows.length * h + 4}" width="540" role="img">${body}</svg>`;
}

function speedChart(c: ReportCharts): string {
  const rows = SPEED_BINS.map(([label], i) => ({
    label,
    business: c.speedBusiness[i] ?? 0,
    wall: c.speedWall[i] ?? 0,
  }));
  const max = Math.max(1, ...rows.flatMap((r) => [r.business, r.wall]));
  const h = 24;
  const body = rows
    .map((r, i) => {
      const b = Math.round((r.business / max) * 300);
      const w = Math.round((r.wall / max) * 300);
      return `<text x="0" y="${i * h + 15}">${esc(r.label)}</text><rect x="70" y="${i * h + 2}" width="${b}" height="9" fill="#2563eb"/><rect x="70" y="${i * h + 12}" width="${w}" height="9" fill="#9ca3af"/><text x="${76 + Math.max(b, w)}" y="${i * h + 15}">${r.business} / ${r.wall}</text>`;
    })
    .join('');
  return `<p class="legend"><span><i style="background:#2563eb"></i>business time</span><span><i style="background:#9ca3af"></i>wall-clock</span></p><svg viewBox="0 0 460 ${rows.length * h}" width="460" role="img">${body}</svg>`;
}

function reasonsTable(rows: ReportCharts['rejectBySource']): string {
  if (rows.length === 0) return '<p class="muted">None.</p>';
  return `<table><tr><th>source</th><th>top reasons</th></tr>${rows
    .map(
      (r) =>
        `<tr><td>${esc(r.source)}</td><td>${r.reasons.map((x) => `${esc(x.reason)} (${x.count})`).join(', ')}</td></tr>`,
    )
    .join('')}</table>`;
}

function kpiRow(name: string, k: Kpis): string {
  const cells = [
    String(k.leads),
    dur(k.speedBusinessMedianMs),
    dur(k.speedWallMedianMs),
    dur(k.speedBusinessP90Ms),
    pct(k.slaAttainment),
    String(k.breached),
    dur(k.breachRecoveryMedianMs),
    String(k.parked),
    pct(k.unownedRate),
    pct(k.misrouteRate),
    pct(k.duplicateRate),
    pct(k.acceptanceRate),
    String(k.rejected),
    `${k.recycled} (${k.prematureRecycles})`,
  ];
  return `<tr><td>${esc(name)}</td>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`;
}

/** The report page. */
export function renderSlaReport(r: KpiReport, c: ReportCharts): string {
  const period = `${r.from} → ${r.to}`;
  const rows = r.groups.map((g) => kpiRow(g.label ? `${g.label} (${g.key})` : g.key, g.kpis));
  if (r.groupBy !== 'none') rows.push(kpiRow('(total)', r.total));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>leadclock SLA report ${esc(period)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;padding:1rem;max-width:980px;color:#111}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0;font-variant-numeric:tabular-nums}
th,td{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:right}
th:first-child,td:first-child{text-align:left}
.muted{color:#666}.legend span{display:inline-block;margin-right:1rem}.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-1px}
svg{max-width:100%;height:auto}svg text{font:11px system-ui,sans-serif;fill:#333}
.scroll{overflow-x:auto}
</style>
</head>
<body>
<h1>leadclock SLA report</h1>
<p>Leads submitted ${esc(period)} (${esc(c.zone)}), as of ${esc(r.now)}, by ${esc(r.groupBy)}. Speed to lead is shown in business time beside wall-clock time.</p>
<div class="scroll"><table>
<tr><th>${esc(r.groupBy === 'none' ? 'period' : r.groupBy)}</th><th>leads</th><th>STL median (business)</th><th>STL median (wall)</th><th>STL p90 (business)</th><th>SLA met</th><th>breaches</th><th>recovery</th><th>parked</th><th>unowned</th><th>misroute</th><th>duplicate</th><th>accepted</th><th>rejected</th><th>recycled (premature)</th></tr>
${rows.join('\n')}
</table></div>
<h2>Attainment by hour of day (${esc(c.zone)})</h2>
<div class="scroll">${attainmentChart(
    c.byHour,
    c.byHour.map((_, i) => String(i).padStart(2, '0')),
  )}</div>
<h2>Attainment by weekday</h2>
${attainmentChart(c.byWeekday, WEEKDAYS)}
<h2>Speed-to-lead distribution</h2>
${speedChart(c)}
<h2>Breaches by rep (who held the lead at its deadline)</h2>
${countBars(c.breachesByRep, '#dc2626')}
<h2>Breaches by tier</h2>
${countBars(c.breachesByTier, '#dc2626')}
<h2>Top reject reasons by source</h2>
${reasonsTable(c.rejectBySource)}
<h2>Top recycle reasons by source</h2>
${reasonsTable(c.recycleBySource)}
</body>
</html>`;
}
