/** GET / (the SLA board page) and GET /board/data (bearer): live leads and today's KPIs. */
import type { LeadRecord } from '../app/ports.ts';
import type { Runtime } from '../app/runtime.ts';
import { computeKpis } from '../domain/kpi.ts';
import { displayName } from '../domain/messages.ts';
import { requireBearer } from './auth.ts';
import { boardHtml } from './board-page.ts';
import type { Route } from './chain.ts';
import { json } from './errors.ts';

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

/** GET /: the page; it holds no data, so it needs no token. */
export function boardPageRoute(): Route {
  const html = boardHtml();
  return async () => ({ statusCode: 200, headers: PAGE_HEADERS, body: html });
}

/** Today's headline KPIs, by the same definitions as the SLA report. */
export function boardKpis(leads: readonly LeadRecord[], from: Date, now: number) {
  const k = computeKpis(leads, { from, to: new Date(now + 1), groupBy: 'none', now: new Date(now) }).total;
  const secs = (ms: number | null) => (ms === null ? null : ms / 1000);
  return {
    leads: k.leads,
    speedToLeadMedianSeconds: secs(k.speedBusinessMedianMs),
    attainment: k.slaAttainment,
    breaches: k.breached,
    recoveryMedianSeconds: secs(k.breachRecoveryMedianMs),
    parked: k.parked,
  };
}

/** How many leads wait for a rep, in all and per team (teams with none are left out). */
async function waitingRoomCount(rt: Runtime): Promise<{ total: number; byTeam: Record<string, number> }> {
  const room = rt.waiting;
  const byTeam: Record<string, number> = {};
  if (room)
    for (const [teamId, n] of await Promise.all(
      [...rt.policy.teams.keys()].map(async (t) => [t, await room.countWaiting(t)] as const),
    ))
      if (n > 0) byTeam[teamId] = n;
  return { total: Object.values(byTeam).reduce((a, b) => a + b, 0), byTeam };
}

/** GET /board/data */
export function boardDataRoute(rt: Runtime): Route {
  return async (event) => {
    requireBearer(event, rt.auth, 'viewer');
    const now = rt.clock.now();
    const startOfDay = new Date(new Date(now).toISOString().slice(0, 10));
    const [today, running] = await Promise.all([
      rt.store.listSubmitted(startOfDay, new Date(now + 1000)),
      rt.store.findRunning(new Date(now), 2, 7, { whole: true }),
    ]);
    const byId = new Map<string, LeadRecord>();
    for (const l of [...running, ...today]) byId.set(l.leadId, l);
    const rank = (l: LeadRecord) =>
      l.status === 'routed' || l.status === 'unroutable'
        ? 0
        : l.status === 'breached' || l.status === 'parked'
          ? 1
          : 2;
    const leads = [...byId.values()]
      .sort(
        (a, b) =>
          rank(a) - rank(b) ||
          (rank(a) === 0 ? a.dueAt.localeCompare(b.dueAt) : b.submittedAt.localeCompare(a.submittedAt)),
      )
      .slice(0, 200)
      .map((l) => ({
        leadId: l.leadId,
        name: displayName(l.input),
        company: l.input.company ?? null,
        tier: l.tier,
        status: l.status,
        ownerName: l.ownerName ?? null,
        teamId: l.teamId ?? null,
        queue: l.queueId ?? null,
        dueAt: l.dueAt,
        breachCount: l.breachCount,
        slaOutcome: l.slaOutcome ?? null,
        mode: l.mode,
      }));
    return json(200, {
      now: new Date(now).toISOString(),
      leads,
      kpis: boardKpis(today, startOfDay, now),
      waitingRoom: await waitingRoomCount(rt),
    });
  };
}
