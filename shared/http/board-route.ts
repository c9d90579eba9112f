/**
 * GET / (the SLA board page) and GET /board/data?tz= (bearer): the team's open leads and today's, the
 * day's event-based figures in the policy's zone (or the viewer's, `tz`), and the per-rep view.
 */
import type { LeadRecord } from '../app/ports.ts';
import type { Runtime } from '../app/runtime-types.ts';
import { heldBy } from '../domain/availability.ts';
import {
  type BoardPeriod,
  boardPeriod,
  breachedOwner,
  dayFigures,
  repViews,
  unassigned,
  validZone,
} from '../domain/board.ts';
import { displayName } from '../domain/messages.ts';
import { requireBearer } from './auth.ts';
import { boardHtml } from './board-page.ts';
import type { Route } from './chain.ts';
import { HttpError, json } from './errors.ts';
import type { HttpApiEvent } from './request.ts';
import { queryParam } from './request.ts';

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

/**
 * How far back the board reads submissions (one GSI2 read, projected): this week, and leads that came in
 * earlier and breach today. An open lead submitted longer ago is not on the board (the audit log finds it).
 */
export const BOARD_LOOKBACK_DAYS = 8;
const DAY_MS = 86_400_000;
const OPEN = new Set(['received', 'routed', 'breached', 'reassigned', 'unroutable', 'parked']);

/** GET /: the page; it holds no data, so it needs no token. */
export function boardPageRoute(): Route {
  const html = boardHtml();
  return async () => ({ statusCode: 200, headers: PAGE_HEADERS, body: html });
}

/** The viewer's zone (`tz`), validated; undefined for the policy's. */
export function viewerZone(event: HttpApiEvent): string | undefined {
  const tz = queryParam(event, 'tz');
  if (tz === undefined || tz === '' || tz === 'policy') return undefined;
  if (!validZone(tz))
    throw new HttpError(400, 'invalid', `tz: unknown time zone '${tz.slice(0, 64)}'`, { field: 'tz' });
  return tz;
}

/** One board row: what the list, its filters and its search need, and nothing more. */
export function boardRow(l: LeadRecord, hubspotAppUrl?: string) {
  return {
    leadId: l.leadId,
    name: displayName(l.input),
    company: l.input.company ?? null,
    tier: l.tier,
    status: l.status,
    ownerId: l.ownerId ?? null,
    ownerName: l.ownerName ?? null,
    teamId: l.teamId ?? null,
    queue: l.queueId ?? null,
    ruleId: l.ruleId ?? null,
    submittedAt: l.submittedAt,
    dueAt: l.dueAt,
    firstTouchAt: l.firstTouchAt ?? null,
    breachedAt: l.breachedAt ?? null,
    breachCount: l.breachCount,
    breachedOwner: breachedOwner(l) ?? null,
    slaOutcome: l.slaOutcome ?? null,
    speedMs: l.speedMs ?? null,
    speedWallMs: l.speedWallMs ?? null,
    mode: l.mode,
    unassigned: unassigned(l),
    hubspotUrl:
      hubspotAppUrl && l.hubspotContactId
        ? `${hubspotAppUrl}/record/0-1/${encodeURIComponent(l.hubspotContactId)}`
        : null,
  };
}

/** Whether a lead belongs on the board today: open, or something happened to it today. */
function onBoard(l: LeadRecord, p: BoardPeriod): boolean {
  if (OPEN.has(l.status) && l.firstTouchAt === undefined) return true;
  for (const at of [l.submittedAt, l.firstTouchAt, l.breachedAt, l.closedAt]) {
    if (at === undefined) continue;
    const t = Date.parse(at);
    if (t >= p.dayFrom && t < p.dayTo) return true;
  }
  return false;
}

/** Everything the board shows, from the leads read and the routing state. */
export async function boardData(
  rt: Pick<Runtime, 'store' | 'policy' | 'hubspotAppUrl'>,
  now: number,
  zone?: string,
) {
  const period = boardPeriod(rt.policy, now, zone);
  const from = Math.min(period.weekFrom, period.dayFrom - (BOARD_LOOKBACK_DAYS - 1) * DAY_MS);
  const teams = [...rt.policy.teams.values()];
  const ownerIds = [...new Set(teams.flatMap((t) => t.members.map((m) => m.ownerId)))];
  const store = rt.store as typeof rt.store & { listBoard?: (f: Date, t: Date) => Promise<LeadRecord[]> };
  const [leads, state, overlay] = await Promise.all([
    (store.listBoard?.bind(store) ?? store.listSubmitted.bind(store))(new Date(from), new Date(now + 1000)),
    rt.store.loadRoutingState(
      teams.map((t) => t.id),
      ownerIds,
    ),
    rt.store.loadAvailability?.(),
  ]);
  // Reps the managers' run-time overlay holds back now (paused, out today, on added PTO, left).
  const paused = overlay
    ? new Set(ownerIds.filter((id) => heldBy(overlay, id, now) !== undefined))
    : undefined;
  const rows = leads
    .filter((l) => onBoard(l, period))
    .sort((a, b) => a.dueAt.localeCompare(b.dueAt))
    .map((l) => boardRow(l, rt.hubspotAppUrl));
  const figures = dayFigures(leads, period.dayFrom, period.dayTo);
  return {
    now: new Date(now).toISOString(),
    period: {
      zone: period.zone,
      zoneSource: period.zoneSource,
      date: period.date,
      from: new Date(period.dayFrom).toISOString(),
      to: new Date(period.dayTo).toISOString(),
      weekFrom: new Date(period.weekFrom).toISOString(),
      businessDay: period.businessDay,
      lookbackDays: BOARD_LOOKBACK_DAYS,
    },
    mode: rt.policy.mode,
    kpis: figures,
    reps: repViews(rt.policy, leads, state, period, now, paused),
    teams: teams.map((t) => ({ id: t.id, label: t.label, mode: t.mode })),
    leads: rows,
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
    const zone = viewerZone(event);
    const [data, waitingRoom] = await Promise.all([
      boardData(rt, rt.clock.now(), zone),
      waitingRoomCount(rt),
    ]);
    return json(200, { ...data, waitingRoom });
  };
}
