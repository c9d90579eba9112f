/** Lead records for the KPI and report tests: full LeadRecords (so the store can write them), plus the proposed outcome fields. */
import type { LeadRecord } from '../../shared/app/ports.ts';
import type { KpiLead } from '../../shared/domain/kpi.ts';

/** The proposed outcome fields a fixture may carry. */
export type Outcomes = Partial<
  Pick<
    KpiLead,
    'acceptedAt' | 'meetingAt' | 'contactedAt' | 'contactAttempts' | 'misroutedAt' | 'repeatCount'
  >
>;

/** A fixture lead: a stored record plus outcome fields. */
export type FixtureLead = LeadRecord & Outcomes;

const MIN = 60_000;

/** A lead record with plausible defaults: routed to o1 in team emea, tier t1, due 5 minutes after submission, untouched. */
export function lead(
  p: Partial<LeadRecord> &
    Outcomes & { leadId: string; submittedAt: string; channel?: LeadRecord['input']['channel'] },
): FixtureLead {
  const { channel, ...rest } = p;
  const receivedAt = p.receivedAt ?? p.submittedAt;
  const dueAt = p.dueAt ?? new Date(Date.parse(p.submittedAt) + 5 * MIN).toISOString();
  return {
    dedupeKey: `src:${p.leadId}`,
    status: 'routed',
    version: 1,
    attempt: 1,
    input: {
      email: `${p.leadId.toLowerCase()}@example.com`,
      channel: channel ?? 'form',
      intent: 'demo',
      submittedAt: p.submittedAt,
      partial: false,
    },
    freeMail: false,
    targetAccount: false,
    tier: 't1',
    tierRank: 1,
    windowMs: 5 * MIN,
    reasons: [],
    trail: [],
    ownerId: 'o1',
    teamId: 'emea',
    mode: 'live',
    alert: false,
    calendarId: 'always',
    receivedAt,
    assignedAt: receivedAt,
    dueAt,
    previousOwners: [],
    holdsSlot: false,
    breachCount: 0,
    attemptsLogged: 0,
    tasks: {},
    timer: 'armed',
    sync: 'synced',
    notifiedAttempt: 1,
    response: {
      leadId: p.leadId,
      status: 'routed',
      tier: p.tier ?? 't1',
      ownerId: p.ownerId ?? 'o1',
      queue: null,
      dueAt,
    },
    ...rest,
  };
}

/** A touched lead: first touch at `touchAt`, speeds derived (round-the-clock unless `speedMs` is given), outcome by the deadline. */
export function touched(p: Parameters<typeof lead>[0] & { touchAt: string }): FixtureLead {
  const { touchAt, ...rest } = p;
  const base = lead(rest);
  const wall = Date.parse(touchAt) - Date.parse(p.submittedAt);
  return {
    ...base,
    status: p.status ?? 'touched',
    firstTouchAt: touchAt,
    touchedBy: base.ownerId,
    speedMs: p.speedMs ?? wall,
    speedWallMs: wall,
    slaOutcome: p.slaOutcome ?? (base.breachCount === 0 && touchAt <= base.dueAt ? 'met' : 'late'),
    attemptsLogged: p.attemptsLogged ?? 1,
    firstAttemptAt: p.firstAttemptAt ?? touchAt,
  };
}
