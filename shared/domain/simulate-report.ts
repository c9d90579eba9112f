/**
 * The simulator's HTML report: one self-contained page (inline CSS and SVG, no scripts, no external assets)
 * with the runs side by side: summary, attainment per team, attainment by hour of day, and the
 * speed-to-lead distribution.
 */
import { formatMs, formatPercent, type SimStats, type SimulationResult, STL_BIN_LABELS } from './simulate.ts';

/** Colours of the runs, in order; more runs than colours cycle. */
const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];

/** Renders the report; `details` are the run parameters shown under the title, as label/value pairs. */
export function renderReport(
  results: readonly SimulationResult[],
  details: readonly (readonly [string, string])[] = [],
): string {
  const segments = [...new Set(results.flatMap((r) => r.teams.map((t) => t.team)))];
  const zone = results[0]?.reportZone ?? 'UTC';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>leadclock simulation: ${esc(results.map((r) => r.label).join(' vs '))}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;padding:1rem;max-width:980px;color:#111}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0;font-variant-numeric:tabular-nums}
th,td{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:right}
th:first-child,td:first-child{text-align:left}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem}dt{color:#555}dd{margin:0}
.legend span{display:inline-block;margin-right:1rem}.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-1px}
svg{max-width:100%;height:auto}svg text{font:11px system-ui,sans-serif;fill:#333}
.scroll{overflow-x:auto}
</style>
</head>
<body>
<h1>leadclock simulation</h1>
<dl>${details.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>
<h2>Runs</h2>
<div class="scroll"><table>
<tr><th>run</th><th>leads</th><th>attainment</th><th>met</th><th>late</th><th>parked</th><th>breaches</th><th>queued</th><th>median biz</th><th>p90 biz</th><th>median wall</th><th>p90 wall</th></tr>
${results.map((r, i) => summaryRow(r.label, r.overall, PALETTE[i % PALETTE.length])).join('\n')}
</table></div>
<h2>Attainment per team</h2>
<div class="scroll"><table>
<tr><th>team</th>${results.map((r) => `<th>${esc(r.label)}</th>`).join('')}</tr>
${segments
  .map(
    (s) =>
      `<tr><td>${esc(s)}</td>${results
        .map((r) => {
          const t = r.teams.find((x) => x.team === s);
          return `<td>${t ? `${formatPercent(t.attainment)} <small>(${t.met}/${t.leads}; ${t.breaches} breaches, ${t.parked} parked)</small>` : '–'}</td>`;
        })
        .join('')}</tr>`,
  )
  .join('\n')}
</table></div>
<h2>Attainment by hour of day (${esc(zone)})</h2>
${legend(results)}
${hourChart(results)}
<h2>Speed to lead (business time, touched leads)</h2>
${legend(results)}
${histogramChart(results)}
${results
  .map(
    (r) => `<details><summary>Per team: ${esc(r.label)}</summary><div class="scroll"><table>
<tr><th>team</th><th>leads</th><th>attainment</th><th>met</th><th>late</th><th>parked</th><th>breaches</th><th>queued</th><th>median biz</th><th>p90 biz</th><th>median wall</th><th>p90 wall</th></tr>
${[...r.teams.map((t) => summaryRow(t.team, t)), summaryRow('all', r.overall)].join('\n')}
</table></div></details>`,
  )
  .join('\n')}
</body>
</html>
`;
}

function summaryRow(name: string, s: SimStats, colour?: string): string {
  const swatch = colour
    ? `<i style="display:inline-block;width:.7rem;height:.7rem;background:${colour};margin-right:.3rem"></i>`
    : '';
  const cells = [
    String(s.leads),
    formatPercent(s.attainment),
    String(s.met),
    String(s.late),
    String(s.parked),
    String(s.breaches),
    String(s.queued),
    formatMs(s.medianBusinessMs),
    formatMs(s.p90BusinessMs),
    formatMs(s.medianWallMs),
    formatMs(s.p90WallMs),
  ];
  return `<tr><td>${swatch}${esc(name)}</td>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`;
}

function legend(results: readonly SimulationResult[]): string {
  return `<div class="legend">${results
    .map((r, i) => `<span><i style="background:${PALETTE[i % PALETTE.length]}"></i>${esc(r.label)}</span>`)
    .join('')}</div>`;
}

const W = 760;
const H = 280;
const M = { top: 14, right: 14, bottom: 34, left: 44 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;

/** Horizontal grid lines and labels at 0, 25, 50, 75 and 100 %. */
function percentAxis(): string {
  return [0, 25, 50, 75, 100]
    .map((p) => {
      const y = M.top + PH - (p / 100) * PH;
      return `<line x1="${M.left}" x2="${M.left + PW}" y1="${y}" y2="${y}" stroke="#e5e5e5"/><text x="${M.left - 6}" y="${y + 4}" text-anchor="end">${p}%</text>`;
    })
    .join('');
}

function hourChart(results: readonly SimulationResult[]): string {
  const x = (h: number) => M.left + ((h + 0.5) / 24) * PW;
  const y = (f: number) => M.top + PH - f * PH;
  const ticks = Array.from(
    { length: 24 },
    (_, h) => `<text x="${x(h)}" y="${M.top + PH + 16}" text-anchor="middle">${h}</text>`,
  ).join('');
  const series = results
    .map((r, i) => {
      const colour = PALETTE[i % PALETTE.length];
      // Hours without leads break the line rather than pretend to be 0%.
      const runs: string[][] = [[]];
      const dots: string[] = [];
      r.byHour.forEach((b, h) => {
        if (b.leads === 0) {
          runs.push([]);
          return;
        }
        const pt = `${x(h).toFixed(1)},${y(b.met / b.leads).toFixed(1)}`;
        runs[runs.length - 1]?.push(pt);
        dots.push(
          `<circle cx="${x(h).toFixed(1)}" cy="${y(b.met / b.leads).toFixed(1)}" r="3" fill="${colour}"><title>${esc(r.label)}, ${h}:00: ${formatPercent(b.met / b.leads)} of ${b.leads} leads</title></circle>`,
        );
      });
      const lines = runs
        .filter((pts) => pts.length > 1)
        .map(
          (pts) => `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts.join(' ')}"/>`,
        );
      return `<g class="run" data-run="${esc(r.label)}">${lines.join('')}${dots.join('')}</g>`;
    })
    .join('\n');
  return `<svg class="chart hour-chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="Attainment by hour of day" xmlns="http://www.w3.org/2000/svg">
${percentAxis()}${ticks}<text x="${M.left + PW / 2}" y="${H - 2}" text-anchor="middle">hour of submission</text>
${series}
</svg>`;
}

function histogramChart(results: readonly SimulationResult[]): string {
  const bins = STL_BIN_LABELS.length;
  const slot = PW / bins;
  const barW = Math.max(2, (slot * 0.8) / Math.max(1, results.length));
  const shares = results.map((r) => {
    const touched = r.histogram.reduce((a, b) => a + b, 0);
    return r.histogram.map((n) => (touched ? n / touched : 0));
  });
  const top = Math.max(0.05, ...shares.flat());
  const scale = Math.ceil(top * 10) / 10; // the axis tops out at the next 10 %
  const y = (f: number) => M.top + PH - (f / scale) * PH;
  const axis = Array.from({ length: 5 }, (_, k) => (scale * k) / 4)
    .map(
      (f) =>
        `<line x1="${M.left}" x2="${M.left + PW}" y1="${y(f)}" y2="${y(f)}" stroke="#e5e5e5"/><text x="${M.left - 6}" y="${y(f) + 4}" text-anchor="end">${Math.round(f * 100)}%</text>`,
    )
    .join('');
  const labels = STL_BIN_LABELS.map(
    (l, b) =>
      `<text x="${M.left + slot * (b + 0.5)}" y="${M.top + PH + 16}" text-anchor="middle">${esc(l)}</text>`,
  ).join('');
  const bars = results
    .map((r, i) => {
      const colour = PALETTE[i % PALETTE.length];
      const rects = (shares[i] ?? []).map((f, b) => {
        const bx = M.left + slot * b + slot * 0.1 + barW * i;
        return `<rect x="${bx.toFixed(1)}" y="${y(f).toFixed(1)}" width="${barW.toFixed(1)}" height="${(M.top + PH - y(f)).toFixed(1)}" fill="${colour}"><title>${esc(r.label)}, ${esc(STL_BIN_LABELS[b] ?? '')}: ${formatPercent(f)} (${r.histogram[b] ?? 0} leads)</title></rect>`;
      });
      return `<g class="run" data-run="${esc(r.label)}">${rects.join('')}</g>`;
    })
    .join('\n');
  return `<svg class="chart stl-chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="Speed-to-lead distribution" xmlns="http://www.w3.org/2000/svg">
${axis}${labels}<text x="${M.left + PW / 2}" y="${H - 2}" text-anchor="middle">business time to first touch</text>
${bars}
</svg>`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
