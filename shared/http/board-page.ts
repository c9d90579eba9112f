/**
 * The SLA board: one server-rendered HTML page with a small script. The page itself holds no data;
 * the script reads the bearer token from the URL fragment (never sent to the server) or asks for it,
 * then polls /board/data. Three views: leads (search, filters, sort, keyboard-reachable rows), reps
 * (open/cap, shift, today/week, rotation, fair share) and the routing audit log (GET /audit, CSV).
 * The list is rebuilt only when its data or filters change, never under a text selection; countdowns
 * tick in place. The open rows, the view and the filters survive a reload (sessionStorage). Readable on a phone.
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
  :root { --bg:#0f172a; --card:#1e293b; --text:#e2e8f0; --muted:#94a3b8; --ok:#22c55e; --warn:#f59e0b; --bad:#ef4444; --park:#a855f7; --focus:#38bdf8; }
  * { box-sizing: border-box; }
  body { margin:0; font:15px/1.4 system-ui, -apple-system, Segoe UI, Roboto, sans-serif; background:var(--bg); color:var(--text); }
  header { padding:12px 16px 4px; display:flex; flex-wrap:wrap; gap:8px; align-items:baseline; justify-content:space-between; }
  h1 { font-size:18px; margin:0; }
  .muted { color:var(--muted); font-size:13px; }
  #period { padding:0 16px 8px; }
  .kpis { display:grid; grid-template-columns:repeat(auto-fit, minmax(140px, 1fr)); gap:8px; padding:0 16px; }
  .kpi { background:var(--card); border-radius:10px; padding:10px 12px; }
  .kpi b { display:block; font-size:22px; }
  .kpi small { color:var(--muted); }
  nav { display:flex; gap:6px; padding:10px 16px 0; }
  nav button[aria-selected="true"] { background:#334155; border-color:var(--focus); }
  .bar { display:flex; flex-wrap:wrap; gap:6px; padding:8px 16px 0; }
  .bar input[type=search] { flex:1 1 180px; min-width:0; }
  main { padding:12px 16px; display:grid; gap:8px; }
  .lead { background:var(--card); border-radius:10px; padding:10px 12px; display:grid; grid-template-columns:1fr auto; gap:4px 12px; cursor:pointer; border-left:5px solid var(--ok); }
  .lead:focus { outline:3px solid var(--focus); outline-offset:2px; }
  .lead.soon { border-left-color:var(--warn); }
  .lead.breached { border-left-color:var(--bad); background:#3b1d24; }
  .lead.parked { border-left-color:var(--park); background:#2e1f3f; }
  .lead.done { opacity:.65; }
  .who { font-weight:600; }
  .count { font-variant-numeric:tabular-nums; font-weight:700; font-size:18px; text-align:right; }
  .due { font-size:12px; color:var(--muted); text-align:right; }
  .tag { display:inline-block; padding:0 6px; border-radius:6px; background:#334155; font-size:12px; margin-right:4px; }
  .tag.shadow { background:#854d0e; }
  .tag.bad { background:#7f1d1d; }
  .tag.ok { background:#14532d; }
  .why { grid-column:1 / -1; display:none; font-size:13px; color:var(--muted); white-space:pre-wrap; margin-top:6px; cursor:text; }
  .lead.open .why { display:block; }
  a { color:var(--focus); }
  table { border-collapse:collapse; width:100%; font-size:14px; }
  th, td { text-align:left; padding:6px 8px; border-bottom:1px solid #334155; vertical-align:top; }
  td.n, th.n { text-align:right; font-variant-numeric:tabular-nums; }
  .fair { display:inline-block; height:8px; background:var(--ok); border-radius:4px; vertical-align:middle; }
  .fair.off { background:var(--warn); }
  .scroll { overflow-x:auto; }
  #login { padding:16px; display:none; }
  [hidden] { display:none !important; }
  input, button, select { font:inherit; padding:8px; border-radius:8px; border:1px solid #475569; background:#0b1220; color:var(--text); }
  button:focus, select:focus, input:focus { outline:2px solid var(--focus); }
  @media (max-width: 480px) {
    .count { font-size:16px; }
    .kpis { grid-template-columns:repeat(3, 1fr); gap:6px; }
    .kpi { padding:6px 8px; }
    .kpi .muted { display:block; font-size:11px; line-height:1.25; }
    .kpi b { font-size:18px; }
    .bar select { flex:1 1 45%; }
    .hide-phone { display:none; }
  }
</style>
</head>
<body>
<header><h1>leadclock · SLA board</h1><span class="muted" id="status">loading…</span></header>
<div id="period" class="muted" data-testid="period"></div>
<form id="login"><label>Access token <input id="token" type="password" autocomplete="off" size="32"></label> <button>Open board</button></form>
<section class="kpis" id="kpis" aria-label="Today"></section>
<nav role="tablist" aria-label="Views">
  <button role="tab" id="tab-leads" data-view="leads">Leads</button>
  <button role="tab" id="tab-reps" data-view="reps">Reps</button>
  <button role="tab" id="tab-audit" data-view="audit">Audit log</button>
  <select id="zone" aria-label="Time zone"><option value="policy">Policy's zone</option><option value="viewer">My zone</option></select>
</nav>
<section id="view-leads">
  <div class="bar">
    <input type="search" id="q" placeholder="Search name, company, owner…" aria-label="Search leads">
    <select id="f-owner" aria-label="Owner"></select>
    <select id="f-team" aria-label="Team"></select>
    <select id="f-tier" aria-label="Tier"></select>
    <select id="f-status" aria-label="Status"></select>
    <select id="sort" aria-label="Sort by">
      <option value="due">Sort: due first</option><option value="owner">Sort: owner</option><option value="team">Sort: team</option>
      <option value="tier">Sort: tier</option><option value="status">Sort: status</option><option value="newest">Sort: newest</option>
    </select>
  </div>
  <main id="leads" aria-live="off"></main>
</section>
<section id="view-reps" hidden><main class="scroll" id="reps"></main></section>
<section id="view-audit" hidden>
  <form class="bar" id="audit-form">
    <input type="search" name="q" placeholder="Email, name or company" aria-label="Search the audit log">
    <input name="owner" placeholder="Owner (old or new)" aria-label="Owner" size="10">
    <input name="team" placeholder="Team" aria-label="Team" size="8">
    <input name="rule" placeholder="Rule" aria-label="Rule" size="8">
    <input name="from" type="date" aria-label="From"><input name="to" type="date" aria-label="To (inclusive)">
    <button>Search</button> <button type="button" id="audit-csv">CSV</button>
  </form>
  <main id="audit"></main>
</section>
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
  const store = sessionStorage;
  let token = new URLSearchParams(location.hash.slice(1)).get('key') || store.getItem('leadclock-token') || '';
  const saved = JSON.parse(store.getItem('leadclock-board') || '{}');
  const ui = Object.assign({ view: 'leads', open: [], q: '', owner: '', team: '', tier: '', status: '', sort: 'due', zone: 'policy' }, saved);
  const open = new Set(ui.open);
  const whys = new Map();
  let data = null, listKey = '', pending = false;
  const save = () => { ui.open = [...open]; store.setItem('leadclock-board', JSON.stringify(ui)); };
  const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&':'&amp;', '<':'&lt;', '>':'&gt;', '"':'&quot;', "'":'&#39;' }[c]));
  const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zone = () => ui.zone === 'viewer' ? viewerZone : (data?.period.zone || viewerZone);
  const clock = (iso) => new Date(iso).toLocaleTimeString('en-GB', { timeZone: zone(), hour: '2-digit', minute: '2-digit' });
  const when = (iso) => new Date(iso).toLocaleString('en-GB', { timeZone: zone(), weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const humanTimes = (s) => String(s).replace(/\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})/g, (m) => when(m));
  const fmt = (ms) => { const neg = ms < 0; ms = Math.abs(ms); const s = Math.floor(ms/1000), h = Math.floor(s/3600), m = Math.floor(s%3600/60), x = s%60;
    return (neg ? '-' : '') + (h ? h + 'h ' : '') + String(m).padStart(h ? 2 : 1, '0') + 'm ' + String(x).padStart(2, '0') + 's'; };
  const dur = (ms) => { if (ms == null) return '–'; const v = ms / 1000; return v < 90 ? Math.round(v) + 's' : v < 5400 ? Math.round(v/60) + 'm' : v < 172800 ? (v/3600).toFixed(1) + 'h' : (v/86400).toFixed(1) + 'd'; };
  const pct = (v) => v == null ? '–' : Math.round(v * 100) + '%';
  const running = (l) => l.status === 'routed' || l.status === 'unroutable' || l.status === 'reassigned' || l.status === 'received';
  const owner = (l) => l.ownerName || l.queue || 'unassigned';

  function renderKpis() {
    const k = data.kpis, p = data.period;
    $('period').textContent = 'Today = ' + p.date + ' in ' + p.zone + (p.zoneSource === 'viewer' ? ' (your zone)' : ' (the policy\\'s zone)') +
      (p.businessDay ? '' : ' · not a business day') + ' · counts are of what happened today, whenever the lead came in' + (data.mode === 'shadow' ? ' · SHADOW MODE: reps are not notified' : '');
    $('kpis').innerHTML = [
      ['Speed to lead today (median, business / wall)', dur(k.speedBusinessMedianMs) + ' / ' + dur(k.speedWallMedianMs), 'speed'],
      ['SLA attainment today', pct(k.attainment) + ' <small>' + k.met + '/' + (k.met + k.missed) + '</small>', 'attainment'],
      ['Breaches today', k.breaches, 'breaches'], ['Breach recovery today (median)', dur(k.recoveryMedianMs), 'recovery'],
      ['Parked now', k.parked, 'parked'], ['Waiting room / unassigned', k.unassigned, 'unassigned'], ['Leads in today', k.received, 'received'],
    ].map(([l, v, id]) => '<div class="kpi" data-kpi="' + id + '"><span class="muted">' + esc(l) + '</span><b>' + (id === 'attainment' ? v : esc(v)) + '</b></div>').join('');
  }

  function options(sel, label, values) {
    const cur = ui[sel.id.slice(2)];
    // Rebuilt only when the choices change: an open dropdown is never replaced under the user.
    const key = JSON.stringify(values);
    if (sel.dataset.key === key) return;
    sel.dataset.key = key;
    sel.innerHTML = '<option value="">' + esc(label) + ': all</option>' + values.map(([v, t]) => '<option value="' + esc(v) + '"' + (v === cur ? ' selected' : '') + '>' + esc(t) + '</option>').join('');
  }
  function renderFilters() {
    const uniq = (f) => [...new Map(data.leads.map((l) => f(l)).filter((x) => x && x[0])).entries()].sort((a, b) => a[1].localeCompare(b[1]));
    options($('f-owner'), 'Owner', uniq((l) => [l.ownerId || l.queue || '(none)', owner(l)]));
    options($('f-team'), 'Team', uniq((l) => [l.teamId || '(none)', l.teamId || '(no team)']));
    options($('f-tier'), 'Tier', uniq((l) => [l.tier, l.tier]));
    options($('f-status'), 'Status', uniq((l) => [l.status, l.status]));
  }

  function visible() {
    const q = ui.q.trim().toLowerCase();
    const rows = data.leads.filter((l) =>
      (!ui.owner || (l.ownerId || l.queue || '(none)') === ui.owner) && (!ui.team || (l.teamId || '(none)') === ui.team) &&
      (!ui.tier || l.tier === ui.tier) && (!ui.status || l.status === ui.status) &&
      (!q || [l.name, l.company, owner(l), l.teamId, l.tier, l.status, l.leadId].some((v) => String(v ?? '').toLowerCase().includes(q))));
    const by = { owner: owner, team: (l) => l.teamId || '', tier: (l) => l.tier, status: (l) => l.status, newest: (l) => l.submittedAt };
    const f = by[ui.sort];
    rows.sort((a, b) => ui.sort === 'newest' ? b.submittedAt.localeCompare(a.submittedAt) : (f ? f(a).localeCompare(f(b)) : 0) || a.dueAt.localeCompare(b.dueAt));
    return rows;
  }

  function leadHtml(l) {
    return '<div class="lead" tabindex="0" role="button" aria-expanded="' + open.has(l.leadId) + '" data-id="' + esc(l.leadId) + '" data-testid="lead">' +
      '<div><div class="who">' + esc(l.name) + (l.company ? ' · ' + esc(l.company) : '') + '</div>' +
      '<div class="muted"><span class="tag">' + esc(l.tier) + '</span>' + (l.mode === 'shadow' ? '<span class="tag shadow" data-testid="shadow">shadow</span>' : '') +
      esc(owner(l)) + (l.teamId ? ' · ' + esc(l.teamId) : '') + (l.breachCount ? ' · <b>breached ×' + l.breachCount + '</b>' : '') +
      (l.hubspotUrl ? ' · <a href="' + esc(l.hubspotUrl) + '" target="_blank" rel="noopener noreferrer">HubSpot</a>' : '') + '</div></div>' +
      '<div><div class="count" data-testid="countdown"></div><div class="due" data-testid="due"></div></div>' +
      '<div class="why" data-testid="why">' + esc(whys.get(l.leadId) || 'loading…') + '</div></div>';
  }
  function tick() {
    if (!data || ui.view !== 'leads') return;
    const now = Date.now() + (data.skewMs || 0);
    const byId = new Map(data.leads.map((l) => [l.leadId, l]));
    for (const el of $('leads').querySelectorAll('.lead')) {
      const l = byId.get(el.dataset.id); if (!l) continue;
      const left = Date.parse(l.dueAt) - now, run = running(l);
      const cls = l.status === 'parked' ? 'parked' : l.breachCount > 0 || (run && left < 0) ? 'breached' : run && left < 60000 ? 'soon' : run ? '' : 'done';
      const want = 'lead ' + cls + (open.has(l.leadId) ? ' open' : '');
      if (el.className.trim() !== want.trim()) el.className = want;
      const c = run ? fmt(left) : l.firstTouchAt ? (l.slaOutcome === 'met' ? 'met' : 'late') : l.status;
      const cd = el.querySelector('.count'); if (cd.textContent !== c) cd.textContent = c;
      const d = el.querySelector('.due'), dt = (run ? 'due ' : 'was due ') + clock(l.dueAt);
      if (d.textContent !== dt) d.textContent = dt;
    }
  }
  function selecting() { const s = getSelection(); return s && !s.isCollapsed && $('leads').contains(s.anchorNode); }
  function renderLeads(force) {
    if (!data) return;
    const rows = visible();
    const key = JSON.stringify([rows.map((l) => [l.leadId, l.status, l.ownerName, l.queue, l.breachCount, l.dueAt, l.mode]), [...open], ui.zone]);
    if (!force && key === listKey) { tick(); return; }
    if (selecting()) { pending = true; tick(); return; }
    const focused = document.activeElement?.closest?.('.lead')?.dataset.id;
    listKey = key; pending = false;
    $('leads').innerHTML = rows.map(leadHtml).join('') || '<p class="muted">No leads match.</p>';
    if (focused) $('leads').querySelector('.lead[data-id="' + CSS.escape(focused) + '"]')?.focus();
    tick();
  }
  let repsKey = '';
  function renderReps() {
    const reps = data.reps;
    const key = JSON.stringify(reps);
    if (key === repsKey && $('reps').firstChild) return;
    repsKey = key;
    $('reps').innerHTML = '<table data-testid="reps"><thead><tr><th>Rep</th><th class="hide-phone">Team</th><th class="n">Open / cap</th><th>State</th><th class="n">Today</th><th class="n">Week</th><th class="n">Breaches today</th><th class="n">Next in rotation</th><th>Fair share (week)</th></tr></thead><tbody>' +
      reps.map((r) => '<tr data-testid="rep" data-owner="' + esc(r.ownerId) + '"><td>' + esc(r.name) + '</td><td class="hide-phone">' + esc(r.teamId) + '</td><td class="n">' + r.open + ' / ' + r.maxOpen + '</td><td>' +
        (r.paused ? '<span class="tag bad">paused</span>' : '') + (r.atCap ? '<span class="tag bad">at cap</span>' : '') + (r.offShift ? '<span class="tag">off shift</span>' : '') +
        (!r.paused && !r.atCap && !r.offShift ? '<span class="tag ok">available</span>' : '') + '</td><td class="n">' + r.today + '</td><td class="n">' + r.week + '</td><td class="n">' + r.breachesToday +
        '</td><td class="n">#' + r.rotationPosition + '</td><td>' + (r.fairness == null ? '–' : '<span class="fair' + (Math.abs(r.fairness - 1) > 0.25 ? ' off' : '') + '" style="width:' + Math.min(100, Math.round(r.fairness * 40)) + 'px"></span> ' + r.fairness.toFixed(2) + '×') + '</td></tr>').join('') +
      '</tbody></table><p class="muted">Fair share: this week\\'s share of the team\\'s leads ÷ the rep\\'s weight share (1.00× is exactly fair). Next in rotation: #1 receives the team\\'s next lead if eligible.</p>';
  }
  function show(view) {
    ui.view = view; save();
    for (const v of ['leads', 'reps', 'audit']) { $('view-' + v).hidden = v !== view; $('tab-' + v).setAttribute('aria-selected', String(v === view)); }
    if (data && view === 'reps') renderReps();
    if (data && view === 'leads') renderLeads(true);
  }
  async function call(path) {
    const r = await fetch(path, { headers: { authorization: 'Bearer ' + token } });
    if (r.status === 401) { $('login').style.display = 'block'; $('status').textContent = 'token needed'; throw new Error('token needed'); }
    return r;
  }
  async function load() {
    try {
      const tz = ui.zone === 'viewer' ? '?tz=' + encodeURIComponent(viewerZone) : '';
      const next = await (await call(${JSON.stringify(dataPath)} + tz)).json();
      next.skewMs = Date.parse(next.now) - Date.now();
      data = next; $('status').textContent = 'updated ' + new Date().toLocaleTimeString();
      renderKpis(); renderFilters();
      if (ui.view === 'reps') renderReps(); else renderLeads(false);
      for (const id of open) if (!whys.has(id) && data.leads.some((l) => l.leadId === id)) loadWhy(id);
    } catch (e) { $('status').textContent = 'offline: ' + e.message; }
  }
  async function loadWhy(id) {
    const lead = await (await call('/leads/' + encodeURIComponent(id))).json();
    const history = [...(lead.previousOwners || []), lead.ownerId].filter(Boolean);
    const esc8 = (lead.timeline || []).filter((e) => /breach|escalat|parked|reassign|misroute|assignment|touched/.test(e.type))
      .map((e) => when(e.at) + '  ' + e.type + (e.data && e.data.ownerId ? ' (' + e.data.ownerId + ')' : ''));
    whys.set(id, humanTimes(['Why this tier:', ...lead.why.qualification, '', 'Why this owner:', ...lead.why.routing.map((s) => s.trim()),
      '', 'Submitted ' + when(lead.submittedAt) + ' · due ' + when(lead.dueAt), 'Owner history: ' + (history.join(' → ') || 'none'),
      ...(esc8.length ? ['', 'Timeline:', ...esc8] : [])].join('\\n')));
    const el = $('leads').querySelector('.lead[data-id="' + CSS.escape(id) + '"] .why');
    if (el) el.textContent = whys.get(id);
  }
  function toggle(el) {
    const id = el.dataset.id;
    if (open.has(id)) open.delete(id); else { open.add(id); if (!whys.has(id)) loadWhy(id); }
    save(); el.setAttribute('aria-expanded', String(open.has(id))); el.classList.toggle('open', open.has(id));
    listKey = '';
  }
  $('leads').addEventListener('click', (ev) => { if (ev.target.closest('a, .why')) return; const el = ev.target.closest('.lead'); if (el) toggle(el); });
  $('leads').addEventListener('keydown', (ev) => {
    const el = ev.target.closest('.lead'); if (!el || ev.target !== el) return;
    if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); toggle(el); }
    else if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') { ev.preventDefault(); (ev.key === 'ArrowDown' ? el.nextElementSibling : el.previousElementSibling)?.focus(); }
  });
  document.addEventListener('selectionchange', () => { if (pending && !selecting()) renderLeads(false); });
  for (const id of ['q', 'f-owner', 'f-team', 'f-tier', 'f-status', 'sort']) {
    const el = $(id), k = id.startsWith('f-') ? id.slice(2) : id;
    el.value = ui[k] || el.value;
    el.addEventListener('input', () => { ui[k] = el.value; save(); renderLeads(true); });
  }
  $('zone').value = ui.zone;
  $('zone').addEventListener('change', () => { ui.zone = $('zone').value; save(); load(); });
  for (const b of document.querySelectorAll('nav button')) b.addEventListener('click', () => show(b.dataset.view));
  function auditQuery(format) {
    const f = new FormData($('audit-form')), p = new URLSearchParams();
    for (const [k, v] of f) if (v) p.set(k, String(v));
    if (ui.zone === 'viewer') p.set('tz', viewerZone);
    if (format) p.set('format', format);
    return '/audit?' + p;
  }
  $('audit-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const r = await call(auditQuery()); const body = await r.json();
    if (!r.ok) { $('audit').innerHTML = '<p class="muted">' + esc(body.error?.message) + '</p>'; return; }
    $('audit').innerHTML = '<p class="muted">' + body.entries.length + ' entries' + (body.truncated ? ' (first ' + body.entries.length + ')' : '') + '</p>' +
      body.entries.map((e) => '<details class="lead" data-testid="audit-entry"><summary><b>' + esc(e.name) + (e.company ? ' · ' + esc(e.company) : '') + '</b> <span class="muted">' + esc(when(e.submittedAt)) + ' · ' + esc(e.tier) + ' · ' + esc(e.status) + ' · ' + esc(e.ownerName || e.queue || 'unassigned') + '</span></summary>' +
        '<div class="muted" style="white-space:pre-wrap">' + esc(humanTimes(['Rule: ' + (e.ruleId || '–') + ' · team: ' + (e.teamId || '–'), 'Owner history: ' + (e.ownerHistory.join(' → ') || 'none'), '', 'Why this tier:', ...e.why.qualification, '', 'Why this owner:', ...e.why.routing,
          ...(e.escalations.length ? ['', 'Escalations:', ...e.escalations.map((x) => x.at + '  ' + x.type + (x.ownerId ? ' (' + x.ownerId + ')' : ''))] : [])].join('\\n'))) + '</div></details>').join('');
  });
  $('audit-csv').addEventListener('click', async () => {
    const r = await call(auditQuery('csv')); const blob = await r.blob();
    const a = document.createElement('a'); a.href = URL.createObjectURL(blob); a.download = 'leadclock-audit.csv'; a.click();
  });
  $('avail').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const r = await fetch('/admin/availability', { method: 'POST', headers: { authorization: 'Bearer ' + $('a-key').value, 'content-type': 'application/json' },
      body: JSON.stringify({ action: $('a-action').value, ownerId: $('a-owner').value, by: $('a-by').value }) });
    const b = await r.json().catch(() => ({}));
    $('a-result').textContent = r.ok ? 'done: ' + (b.change?.action || '') + ' ' + (b.change?.ownerId || '') : (b.error?.message || 'refused (' + r.status + ')');
    if (r.ok) load();
  });
  $('login').addEventListener('submit', (ev) => { ev.preventDefault(); token = $('token').value; store.setItem('leadclock-token', token); $('login').style.display = 'none'; load(); });
  if (token) store.setItem('leadclock-token', token);
  history.replaceState(null, '', location.pathname);
  show(ui.view);
  load(); setInterval(load, 5000); setInterval(tick, 1000);
})();
</script>
</body>
</html>`;
}
