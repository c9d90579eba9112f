/**
 * The monthly review as a self-contained HTML page (inline CSS and SVG, no scripts, no external assets)
 * and as CSV (one row per section and group, the same figures).
 */
import { formatDuration } from './duration.ts';
import type { KpiGroup, Kpis } from './kpi.ts';
import type { ClockBucket, Review } from './review.ts';

const esc = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
const pct = (v: number | null | undefined) =>
  v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`;
const dur = (v: number | null | undefined) => (v === null || v === undefined ? '–' : formatDuration(v));
const num = (v: number | null | undefined) => (v === null || v === undefined ? '–' : String(v));
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** Renders the review page. */
export function renderReviewHtml(r: Review): string {
  const t = r.total;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>leadclock monthly review ${esc(r.month)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;padding:1rem;max-width:1000px;color:#111}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0;font-variant-numeric:tabular-nums}
th,td{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:right}
th:first-child,td:first-child{text-align:left}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:.6rem}
.card{border:1px solid #ddd;border-radius:6px;padding:.5rem .7rem}.card b{display:block;font-size:1.3rem}
.card span{color:#555;font-size:.85rem}
.note{background:#f6f8fa;border-left:4px solid #2563eb;padding:.5rem .8rem;margin:.5rem 0}
.bad{border-left-color:#dc2626}.good{border-left-color:#16a34a}
svg{max-width:100%;height:auto}svg text{font:11px system-ui,sans-serif;fill:#333}
.scroll{overflow-x:auto}td.text,th.text{text-align:left}
</style>
</head>
<body>
<h1>leadclock monthly review: ${esc(r.month)}</h1>
<p>Leads submitted ${esc(r.from)} → ${esc(r.to)} (the month in ${esc(r.zone)}); figures as of ${esc(r.now)}. Target attainment ${pct(r.target)}.</p>
<div class="cards">
${card('Leads', String(t.leads))}
${card('SLA attainment', pct(t.slaAttainment), `${t.slaMet} of ${t.slaDue} due`)}
${card('Breaches', String(t.breached), `recovery median ${dur(t.breachRecoveryMedianMs)}`)}
${card('Speed to lead (wall)', dur(t.speedWallMedianMs), `p90 ${dur(t.speedWallP90Ms)}`)}
${card('Contact rate', pct(t.contactRate), `${t.contacted} contacted; ${num(t.attemptsBeforeContact)} attempts before`)}
${card('Time to meeting', dur(t.timeToMeetingMedianMs), `${num(t.meetingsPer100)} meetings / 100 leads`)}
${card('Time to SQL', dur(t.timeToQualificationMedianMs), `${t.qualified} qualified`)}
${card('Pipeline / lead', num(t.pipelinePerLead), `won ${num(t.wonRevenuePerLead)} / lead`)}
</div>
${r.pilot ? pilotSection(r) : ''}
<h2>SLA attainment and breach recovery by team</h2>
${groupTable(r.byTeam)}
<h2>By tier</h2>
${groupTable(r.byTier)}
<h2>Attainment by hour of submission (${esc(r.zone)})</h2>
${bars(r.byHour, (k) => String(k).padStart(2, '0'))}
<h2>Attainment by weekday</h2>
${bars(r.byWeekday, (k) => WEEKDAYS[k] ?? String(k))}
<h2>Speed to lead against contact and meetings</h2>
<p>The team's own five-minute rule: how leads answered within each time went on to be contacted and to book meetings.</p>
${speedChart(r)}
<div class="scroll"><table>
<tr><th>speed (wall clock)</th><th>leads</th><th>contact rate</th><th>meetings / 100</th><th>won revenue / lead</th></tr>
${r.speed.map((s) => `<tr><td>${esc(s.bucket)}</td><td>${s.leads}</td><td>${pct(s.contactRate)}</td><td>${num(s.meetingsPer100)}</td><td>${num(s.wonRevenuePerLead)}</td></tr>`).join('\n')}
</table></div>
<h2>Top reject and recycle reasons by source</h2>
${
  r.reasonsBySource.length === 0
    ? '<p>No rejections or recycles this month.</p>'
    : `<div class="scroll"><table><tr><th>source</th><th class="text">rejected</th><th class="text">recycled</th></tr>
${r.reasonsBySource
  .map(
    (s) =>
      `<tr><td>${esc(s.source)}</td><td class="text">${esc(s.rejected.map((x) => `${x.reason} (${x.count})`).join('; ') || '–')}</td><td class="text">${esc(s.recycled.map((x) => `${x.reason} (${x.count})`).join('; ') || '–')}</td></tr>`,
  )
  .join('\n')}
</table></div>`
}
<h2>Misroutes and premature recycles</h2>
<div class="scroll"><table>
<tr><th>team</th><th>misrouted</th><th>misroute %</th><th>recycled</th><th>premature recycles</th></tr>
${r.byTeam.map((g) => `<tr><td>${esc(g.key)}</td><td>${g.kpis.misrouted}</td><td>${pct(g.kpis.misrouteRate)}</td><td>${g.kpis.recycled}</td><td>${g.kpis.prematureRecycles}</td></tr>`).join('\n')}
</table></div>
<h2>Staffing what-if</h2>
${
  r.staffing.length === 0
    ? '<p>No what-if: no policy given, or no leads to replay.</p>'
    : `<p>The month's own leads replayed through the policy with each team one rep smaller and one larger; handling times calibrated on each rep's median speed to lead this month.</p>
${r.staffing.map((s) => `<div class="note">${esc(s.suggestion)}</div>`).join('\n')}
<div class="scroll"><table><tr><th>team</th>${['−1', 'now', '+1'].map((h) => `<th>${h}</th>`).join('')}</tr>
${r.staffing
  .map((s) => {
    const cell = (reps: number) => {
      const run = s.runs.find((x) => x.reps === reps);
      return run ? `<td>${reps} reps: ${pct(run.attainment)}</td>` : '<td>–</td>';
    };
    return `<tr><td>${esc(s.team)}</td>${cell(s.reps - 1)}${cell(s.reps)}${cell(s.reps + 1)}</tr>`;
  })
  .join('\n')}
</table></div>`
}
</body>
</html>
`;
}

function card(title: string, value: string, sub = ''): string {
  return `<div class="card"><span>${esc(title)}</span><b>${esc(value)}</b><span>${esc(sub)}</span></div>`;
}

function groupTable(groups: readonly KpiGroup[]): string {
  const row = (g: KpiGroup) => {
    const k: Kpis = g.kpis;
    return `<tr><td>${esc(g.label ? `${g.key} (${g.label})` : g.key)}</td><td>${k.leads}</td><td>${pct(k.slaAttainment)}</td><td>${k.breached}</td><td>${pct(k.breachRate)}</td><td>${dur(k.breachRecoveryMedianMs)}</td><td>${dur(k.speedWallMedianMs)}</td><td>${pct(k.contactRate)}</td><td>${num(k.meetingsPer100)}</td></tr>`;
  };
  return `<div class="scroll"><table>
<tr><th>group</th><th>leads</th><th>attainment</th><th>breaches</th><th>breach rate</th><th>recovery median</th><th>speed median (wall)</th><th>contact rate</th><th>meetings / 100</th></tr>
${groups.map(row).join('\n')}
</table></div>`;
}

/** Attainment bars with the lead count under each. */
function bars(buckets: readonly ClockBucket[], label: (k: number) => string): string {
  const w = 36;
  const h = 140;
  const width = buckets.length * w + 40;
  const parts = buckets.map((b, i) => {
    const x = 30 + i * w;
    const a = b.attainment ?? 0;
    const bh = Math.round(a * h);
    const colour = b.attainment === null ? '#ddd' : a >= 0.9 ? '#16a34a' : a >= 0.7 ? '#ca8a04' : '#dc2626';
    return `<rect x="${x}" y="${10 + h - bh}" width="${w - 6}" height="${bh}" fill="${colour}"><title>${esc(label(b.key))}: ${pct(b.attainment)} of ${b.slaDue} due, ${b.leads} leads</title></rect>
<text x="${x + (w - 6) / 2}" y="${h + 24}" text-anchor="middle">${esc(label(b.key))}</text>
<text x="${x + (w - 6) / 2}" y="${h + 38}" text-anchor="middle" fill="#777">${b.leads}</text>`;
  });
  return `<div class="scroll"><svg viewBox="0 0 ${width} ${h + 46}" width="${width}" role="img" aria-label="attainment per bucket">
<text x="0" y="14">100%</text><text x="0" y="${10 + h}">0%</text>
${parts.join('\n')}
</svg></div>`;
}

/** Contact rate and meetings per 100 side by side per speed bucket. */
function speedChart(r: Review): string {
  const w = 90;
  const h = 140;
  const width = r.speed.length * w + 40;
  const parts = r.speed.map((s, i) => {
    const x = 30 + i * w;
    const c = Math.round((s.contactRate ?? 0) * h);
    const m = Math.round(Math.min(1, (s.meetingsPer100 ?? 0) / 100) * h);
    return `<rect x="${x}" y="${10 + h - c}" width="30" height="${c}" fill="#2563eb"><title>${esc(s.bucket)}: contact rate ${pct(s.contactRate)}</title></rect>
<rect x="${x + 34}" y="${10 + h - m}" width="30" height="${m}" fill="#9333ea"><title>${esc(s.bucket)}: ${num(s.meetingsPer100)} meetings per 100 leads</title></rect>
<text x="${x + 32}" y="${h + 24}" text-anchor="middle">${esc(s.bucket)}</text>
<text x="${x + 32}" y="${h + 38}" text-anchor="middle" fill="#777">${s.leads} leads</text>`;
  });
  return `<div class="scroll"><svg viewBox="0 0 ${width} ${h + 60}" width="${width}" role="img" aria-label="contact and meeting rates by speed bucket">
<text x="0" y="14">100%</text><text x="0" y="${10 + h}">0</text>
${parts.join('\n')}
<rect x="30" y="${h + 46}" width="10" height="10" fill="#2563eb"/><text x="44" y="${h + 55}">contact rate</text>
<rect x="140" y="${h + 46}" width="10" height="10" fill="#9333ea"/><text x="154" y="${h + 55}">meetings per 100 leads</text>
</svg></div>`;
}

function pilotSection(r: Review): string {
  const p = r.pilot;
  if (!p) return '';
  const rows: (keyof Kpis)[] = [
    'leads',
    'slaAttainment',
    'breachRate',
    'speedWallMedianMs',
    'contactRate',
    'meetingsPer100',
    'timeToMeetingMedianMs',
    'pipelinePerLead',
  ];
  const show = (k: keyof Kpis, v: unknown) =>
    typeof v !== 'number'
      ? '–'
      : k.endsWith('Ms')
        ? dur(v)
        : k.endsWith('Rate') || k === 'slaAttainment'
          ? pct(v)
          : String(v);
  return `<h2>Pilot readout: ${esc(p.segment)}</h2>
<div class="note ${p.moved ? (p.verdict.includes('right way') ? 'good' : 'bad') : ''}">${esc(p.verdict)}</div>
<div class="scroll"><table><tr><th>metric</th><th>baseline (${esc(p.baselineLabel)})</th><th>pilot (${esc(r.month)})</th></tr>
${rows.map((k) => `<tr><td>${k === p.metric ? `<b>${esc(k)}</b>` : esc(k)}</td><td>${show(k, p.kpis.baseline[k])}</td><td>${show(k, p.kpis.pilot[k])}</td></tr>`).join('\n')}
</table></div>`;
}

const CSV_HEAD = [
  'section',
  'group',
  'leads',
  'slaDue',
  'slaMet',
  'slaAttainment',
  'breached',
  'breachRecoveryMedianMs',
  'speedWallMedianMs',
  'contactRate',
  'meetingsPer100',
  'timeToMeetingMedianMs',
  'timeToQualificationMedianMs',
  'pipelinePerLead',
  'wonRevenuePerLead',
  'misrouted',
  'prematureRecycles',
  'note',
] as const;

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return String(v);
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** RFC 4180 CSV of the review: totals, teams, tiers, hours, weekdays, speed buckets, reasons, staffing, pilot. */
export function reviewCsv(r: Review): string {
  const lines = [CSV_HEAD.join(',')];
  const kpiRow = (section: string, group: string, k: Kpis, note = '') =>
    lines.push(
      [
        section,
        group,
        k.leads,
        k.slaDue,
        k.slaMet,
        k.slaAttainment,
        k.breached,
        k.breachRecoveryMedianMs,
        k.speedWallMedianMs,
        k.contactRate,
        k.meetingsPer100,
        k.timeToMeetingMedianMs,
        k.timeToQualificationMedianMs,
        k.pipelinePerLead,
        k.wonRevenuePerLead,
        k.misrouted,
        k.prematureRecycles,
        note,
      ]
        .map(cell)
        .join(','),
    );
  const sparse = (
    section: string,
    group: string,
    values: Partial<Record<(typeof CSV_HEAD)[number], unknown>>,
  ) =>
    lines.push(
      CSV_HEAD.map((c) => cell(c === 'section' ? section : c === 'group' ? group : values[c])).join(','),
    );
  kpiRow('total', r.month, r.total);
  for (const g of r.byTeam) kpiRow('team', g.key, g.kpis);
  for (const g of r.byTier) kpiRow('tier', g.key, g.kpis);
  for (const b of r.byHour)
    sparse('hour', String(b.key).padStart(2, '0'), {
      leads: b.leads,
      slaDue: b.slaDue,
      slaMet: b.slaMet,
      slaAttainment: b.attainment,
      breached: b.breached,
    });
  for (const b of r.byWeekday)
    sparse('weekday', WEEKDAYS[b.key] ?? String(b.key), {
      leads: b.leads,
      slaDue: b.slaDue,
      slaMet: b.slaMet,
      slaAttainment: b.attainment,
      breached: b.breached,
    });
  for (const s of r.speed)
    sparse('speed', s.bucket, {
      leads: s.leads,
      contactRate: s.contactRate,
      meetingsPer100: s.meetingsPer100,
      wonRevenuePerLead: s.wonRevenuePerLead,
    });
  for (const s of r.reasonsBySource) {
    for (const x of s.rejected) sparse('reject_reason', s.source, { leads: x.count, note: x.reason });
    for (const x of s.recycled) sparse('recycle_reason', s.source, { leads: x.count, note: x.reason });
  }
  for (const s of r.staffing)
    for (const run of s.runs)
      sparse('staffing', `${s.team}@${run.reps}`, {
        leads: run.leads,
        slaAttainment: run.attainment,
        speedWallMedianMs: run.medianWallMs,
        note: run.reps === s.reps ? s.suggestion : '',
      });
  if (r.pilot) {
    kpiRow('pilot', r.pilot.segment, r.pilot.kpis.pilot, r.pilot.verdict);
    kpiRow('baseline', r.pilot.segment, r.pilot.kpis.baseline, r.pilot.baselineLabel);
  }
  return `${lines.join('\r\n')}\r\n`;
}
