/** Run-time team changes (admin key) and the waiting room (viewer key). */
import { AvailabilityError, availabilityView, changeAvailability } from '../app/availability.ts';
import type { Runtime } from '../app/runtime-types.ts';
import { requireBearer } from './auth.ts';
import type { Route } from './chain.ts';
import { HttpError, json } from './errors.ts';
import { type HttpApiEvent, parseJsonBody } from './request.ts';

const MAX_BYTES = 16 * 1024;

function availabilityOf(rt: Runtime) {
  if (!rt.availability) throw new Error('the availability overlay is not configured for this function');
  return rt.availability;
}

function body(event: HttpApiEvent): unknown {
  const r = parseJsonBody(event, { maxBytes: MAX_BYTES });
  if (!r.ok) throw new HttpError(r.status, r.code, r.message);
  return r.value;
}

/** POST /admin/availability: `{action, ownerId, by, …}` (see README, "Change the team without a deploy"). */
export function changeAvailabilityRoute(rt: Runtime): Route {
  return async (event) => {
    requireBearer(event, rt.auth, 'admin');
    const input = body(event);
    try {
      const r = await changeAvailability(
        { ...rt, availability: availabilityOf(rt), waiting: rt.waiting },
        input,
      );
      return json(200, { change: r.change, rep: r.entry, drained: r.drained });
    } catch (e) {
      if (e instanceof AvailabilityError) throw new HttpError(400, 'invalid', e.message, { field: e.field });
      throw e;
    }
  };
}

/** GET /admin/availability: every rep's overrides with who and when, what holds them now, and the change log. */
export function availabilityRoute(rt: Runtime): Route {
  return async (event) => {
    requireBearer(event, rt.auth, 'viewer');
    return json(200, await availabilityView({ availability: availabilityOf(rt), clock: rt.clock }));
  };
}

/** GET /waiting-room: per team, the leads that wait for a rep, in the order they will leave. */
export function waitingRoomRoute(rt: Runtime): Route {
  return async (event) => {
    requireBearer(event, rt.auth, 'viewer');
    const room = rt.waiting;
    if (!room) throw new Error('the waiting room is not configured for this function');
    const teams = await Promise.all(
      [...rt.policy.teams.keys()].map(async (teamId) => ({
        teamId,
        leads: await room.listWaiting(teamId, 200),
      })),
    );
    const byTeam = teams.filter((t) => t.leads.length > 0);
    return json(200, {
      total: byTeam.reduce((n, t) => n + t.leads.length, 0),
      teams: byTeam.map((t) => ({
        teamId: t.teamId,
        count: t.leads.length,
        leads: t.leads.map(({ key: _k, teamId: _t, ...l }) => l),
      })),
    });
  };
}
