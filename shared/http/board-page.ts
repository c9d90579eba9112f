/**
 * The SLA board: one server-rendered HTML page with a small script. The page itself holds no data;
 * the script reads the bearer token from the URL fragment (never sent to the server) or asks for it,
 * then polls /board/data and counts down each lead's deadline. Readable on a phone.
 */

/** The board HTML. `dataPath` is where the script fetches the board data. */
export function boardHtml(dataPath = '/board/data'): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>leadclock · SLA board</title>
<style>
  :root { --bg:#0f172a; --card:#1e293b; --text:#e2e8f0; --muted:#94a3b8; --ok:#22c55e; --warn:#f59e0b; --bad:#ef4444; --park:#a855f7; }
  * { box-sizing: border-box; }
  body { margin:0; font:15px/1.4 system-ui, -apple-system, Segoe UI, Roboto, sans-serif; background:var(--bg); color:var(--text); }
  header { padding:12px 16px; display:flex; flex-wrap:wrap; gap:8px; align-items:baseline; justify-content:space-between; }
  h1 { font-size:18px; margin:0; }
  .muted { color:var(--muted); font-size:13px; }
  .kpis { display:grid; grid-template-columns:repeat(auto-fit, minmax(140px, 1fr)); gap:8px; padding:0 16px; }
  .kpi { background:var(--card); border-radius:10px; padding:10px 12px; }
  .kpi b { display:block; font-size:22px; }
  main { padding:12px 16px; display:grid; gap:8px; }
  .lead { background:var(--card); border-radius:10px; padding:10px 12px; display:grid; grid-template-columns:1fr auto; gap:4px 12px; cursor:pointer; border-left:5px solid var(--ok); }
  .lead.soon { border-left-color:var(--warn); }
  .lead.breached { border-left-color:var(--bad); background:#3b1d24; }
  .lead.parked { border-left-color:var(--park); background:#2e1f3f; }
  .lead.done { opacity:.65; }
  .who { font-weight:600; }
  .count { font-variant-numeric:tabular-nums; font-weight:700; font-size:18px; text-align:right; }
  .tag { display:inline-block; padding:0 6px; border-radius:6px; background:#334155; font-size:12px; margin-right:4px; }
  .why { grid-column:1 / -1; display:none; font-size:13px; color:var(--muted); white-space:pre-wrap; margin-top:6px; }
  .lead.open .why { display:block; }
  #login { padding:16px; display:none; }
  input, button { font:inherit; padding:8px; border-radius:8px; border:1px solid #475569; background:#0b1220; color:var(--text); }
  /* On a phone the six KPIs sit in three compact columns, so the leads start above the fold. */
  @media (max-width: 480px) {
    .count { font-size:16px; }
    .kpis { grid-template-columns:repeat(3, 1fr); gap:6px; }
    .kpi { padding:6px 8px; }
    .kpi .muted { display:block; font-size:11px; line-height:1.25; }
    .kpi b { font-size:18px; }
  }
</style>
</head>
<body>
<header><h1>leadclock · SLA board</h1><span class="muted" id="status">loading…</span></header>
<form id="login"><label>Access token <input id="token" type="password" autocomplete="off" size="32"></label> <button>Open board</button></form>
<section class="kpis" id="kpis"></section>
<main id="leads"></main>
<details id="admin" style="padding:0 16px 16px"><summary class="muted">Team changes (admin key)</summary>
<form id="avail" style="display:flex;flex-wrap:wrap;gap:6px;margin-top:8px">
<input id="a-owner" placeholder="rep owner id" size="10" required>
<select id="a-action"><option>pause</option><option>resume</option><option>out_today</option><option>leaver</option></select>
<input id="a-by" placeholder="your name" size="14" required>
<input id="a-key" type="password" placeholder="admin key" size="20" autocomplete="off" required>
<button>Apply</button> <span class="muted" id="a-result" data-testid="availability-result"></span></form></details>
<script>
(() => {
  const $ = (id) => document.getElementById(id);
  let token = new URLSearchParams(location.hash.slice(1)).get('key') || sessionStorage.getItem('leadclock-token') || '';
  let data = null, open = new Set();
  const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&':'&amp;', '<':'&lt;', '>':'&gt;', '"':'&quot;', "'":'&#39;' }[c]));
  const fmt = (ms) => { const neg = ms < 0; ms = Math.abs(ms); const s = Math.floor(ms/1000), h = Math.floor(s/3600), m = Math.floor(s%3600/60), x = s%60;
    return (neg ? '-' : '') + (h ? h + 'h ' : '') + String(m).padStart(h ? 2 : 1, '0') + 'm ' + String(x).padStart(2, '0') + 's'; };
  const secs = (v) => v == null ? '–' : v < 90 ? Math.round(v) + 's' : v < 5400 ? Math.round(v/60) + 'm' : (v/3600).toFixed(1) + 'h';
  const pct = (v) => v == null ? '–' : Math.round(v * 100) + '%';
  function render() {
    if (!data) return;
    const k = data.kpis;
    $('kpis').innerHTML = [
      ['Speed to lead (median)', secs(k.speedToLeadMedianSeconds)], ['SLA attainment', pct(k.attainment)],
      ['Breaches today', k.breaches], ['Breach recovery (median)', secs(k.recoveryMedianSeconds)],
      ['Parked', k.parked], ['Leads today', k.leads],
      ...(data.waitingRoom ? [['Waiting room', data.waitingRoom.total]] : []),
    ].map(([l, v]) => '<div class="kpi"><span class="muted">' + esc(l) + '</span><b>' + esc(v) + '</b></div>').join('');
    const now = Date.now() + (data.skewMs || 0);
    $('leads').innerHTML = data.leads.map((l) => {
      const left = Date.parse(l.dueAt) - now;
      const running = l.status === 'routed' || l.status === 'unroutable';
      const cls = l.status === 'parked' ? 'parked' : l.breachCount > 0 || (running && left < 0) ? 'breached' : running && left < 60000 ? 'soon' : running ? '' : 'done';
      const count = running ? fmt(left) : l.status === 'touched' || l.status === 'accepted' ? (l.slaOutcome === 'met' ? 'met' : 'late') : l.status;
      return '<div class="lead ' + cls + (open.has(l.leadId) ? ' open' : '') + '" data-id="' + esc(l.leadId) + '" data-testid="lead">' +
        '<div><div class="who">' + esc(l.name) + (l.company ? ' · ' + esc(l.company) : '') + '</div>' +
        '<div class="muted"><span class="tag">' + esc(l.tier) + '</span>' + esc(l.ownerName || l.queue || 'unassigned') + (l.teamId ? ' · ' + esc(l.teamId) : '') +
        (l.breachCount ? ' · <b>breached ×' + l.breachCount + '</b>' : '') + '</div></div>' +
        '<div class="count" data-testid="countdown">' + esc(count) + '</div>' +
        '<div class="why" data-testid="why">' + esc(l.why || 'loading…') + '</div></div>';
    }).join('') || '<p class="muted">No leads yet today.</p>';
  }
  async function load() {
    try {
      const r = await fetch(${JSON.stringify(dataPath)}, { headers: { authorization: 'Bearer ' + token } });
      if (r.status === 401) { $('login').style.display = 'block'; $('status').textContent = 'token needed'; return; }
      const next = await r.json();
      next.skewMs = Date.parse(next.now) - Date.now();
      const whys = new Map((data?.leads || []).map((l) => [l.leadId, l.why]));
      for (const l of next.leads) if (whys.get(l.leadId)) l.why = whys.get(l.leadId);
      data = next; $('status').textContent = 'updated ' + new Date().toLocaleTimeString(); render();
    } catch (e) { $('status').textContent = 'offline: ' + e.message; }
  }
  $('leads').addEventListener('click', async (ev) => {
    const el = ev.target.closest('.lead'); if (!el) return;
    const id = el.dataset.id;
    if (open.has(id)) { open.delete(id); render(); return; }
    open.add(id); render();
    const r = await fetch('/leads/' + encodeURIComponent(id), { headers: { authorization: 'Bearer ' + token } });
    const lead = await r.json();
    const l = data.leads.find((x) => x.leadId === id);
    if (l) l.why = ['Why this tier:', ...lead.why.qualification, '', 'Why this owner:', ...lead.why.routing.map((s) => s.trim())].join('\\n');
    render();
  });
  $('avail').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const r = await fetch('/admin/availability', { method: 'POST', headers: { authorization: 'Bearer ' + $('a-key').value, 'content-type': 'application/json' },
      body: JSON.stringify({ action: $('a-action').value, ownerId: $('a-owner').value, by: $('a-by').value }) });
    const b = await r.json().catch(() => ({}));
    $('a-result').textContent = r.ok ? 'done: ' + (b.change?.action || '') + ' ' + (b.change?.ownerId || '') : (b.error?.message || 'refused (' + r.status + ')');
  });
  $('login').addEventListener('submit', (ev) => { ev.preventDefault(); token = $('token').value; sessionStorage.setItem('leadclock-token', token); $('login').style.display = 'none'; load(); });
  if (token) sessionStorage.setItem('leadclock-token', token);
  history.replaceState(null, '', location.pathname);
  load(); setInterval(load, 5000); setInterval(render, 1000);
})();
</script>
</body>
</html>`;
}
