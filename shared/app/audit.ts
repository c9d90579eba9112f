/**
 * The routing audit log use case (GET /audit, the board's "Audit log"): parse a search, run it through
 * the search port, and show each lead's full why, owner history and escalations, as JSON or CSV.
 */
import { DateTime } from 'luxon';
import type { AuditQuery } from '../domain/audit.ts';
import type { Policy } from '../domain/compile.ts';
import { formatDuration } from '../domain/duration.ts';
import { displayName } from '../domain/messages.ts';
import type { LeadEvent, LeadRecord } from './ports.ts';

/** Runs a search: leads newest first, at most `limit`. */
export type AuditSearch = (
  q: AuditQuery,
  limit: number,
) => Promise<{ leads: LeadRecord[]; truncated: boolean }>;

/** Longest period a search without a term reads. */
export const AUDIT_MAX_TERMLESS_DAYS = 31;
/** Entries per answer, unless asked for fewer. */
export const AUDIT_LIMIT = 100;
/** Up to this many entries also carry their escalation timeline (one Query each). */
const TIMELINE_ENTRIES = 25;
const ESCALATION_TYPES = new Set([
  'breached',
  'breach',
  'assignment',
  'parked',
  'misroute',
  'escalation_skipped',
  'recovered',
]);
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A parsed search, or the field that is wrong. */
export type AuditParams =
  | { ok: true; query: AuditQuery; format: 'json' | 'csv'; limit: number }
  | { ok: false; field: string; message: string };

/** Reads q, email, name, company, owner, team, rule, from, to (dates in `zone`, `to` inclusive), format, limit. */
export function parseAuditParams(
  get: (name: string) => string | undefined,
  policy: Policy,
  now: number,
  zone: string,
): AuditParams {
  const fail = (field: string, message: string) => ({ ok: false as const, field, message });
  const text = [get('q'), get('email'), get('name'), get('company')]
    .filter((s) => s?.trim())
    .join(' ')
    .trim();
  if (text.length > 200) return fail('q', 'at most 200 characters');
  const day = (name: 'from' | 'to'): number | undefined | null => {
    const v = get(name);
    if (v === undefined || v === '') return undefined;
    if (!DAY.test(v)) return null;
    const t = DateTime.fromISO(v, { zone });
    if (!t.isValid) return null;
    return (name === 'to' ? t.plus({ days: 1 }) : t).startOf('day').toMillis();
  };
  let from = day('from');
  if (from === null) return fail('from', 'expected a date (2030-01-07)');
  let to = day('to');
  if (to === null) return fail('to', 'expected a date (2030-01-07); the period includes it');
  if (from !== undefined && to !== undefined && from >= to) return fail('from', 'must not be after to');
  const ownerText = get('owner')?.trim();
  let owners: string[] | undefined;
  if (ownerText) {
    const lc = ownerText.toLowerCase();
    const ids = new Set<string>();
    for (const t of policy.teams.values())
      for (const m of t.members)
        if (m.ownerId === ownerText || m.name.toLowerCase() === lc) ids.add(m.ownerId);
    for (const q of policy.queues.values())
      if (q.ownerId && (q.ownerId === ownerText || q.label.toLowerCase() === lc)) ids.add(q.ownerId);
    owners = ids.size ? [...ids] : [ownerText];
  }
  const team = get('team')?.trim() || undefined;
  const rule = get('rule')?.trim() || undefined;
  const termless = !text && !owners;
  if (termless) {
    // Team, rule or period alone read the period's day partitions: bounded.
    to ??= now + 1;
    from ??= to - 7 * 86_400_000;
    if (to - from > AUDIT_MAX_TERMLESS_DAYS * 86_400_000)
      return fail('from', `without a search term the period is at most ${AUDIT_MAX_TERMLESS_DAYS} days`);
  }
  const format = get('format') ?? 'json';
  if (format !== 'json' && format !== 'csv') return fail('format', 'expected json or csv');
  const rawLimit = get('limit');
  const limit = rawLimit === undefined ? AUDIT_LIMIT : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 5000)
    return fail('limit', 'expected a whole number 1–5000');
  return {
    ok: true,
    query: { ...(text ? { q: text } : {}), ...(owners ? { owners } : {}), team, rule, from, to },
    format,
    limit,
  };
}

/** One escalation step. */
export interface Escalation {
  at: string;
  type: string;
  ownerId?: string;
  rung?: number;
}

/** One audit entry. */
export interface AuditEntry {
  leadId: string;
  name: string;
  company: string | null;
  email: string | null;
  submittedAt: string;
  tier: string;
  status: string;
  ruleId: string | null;
  teamId: string | null;
  queue: string | null;
  ownerId: string | null;
  ownerName: string | null;
  ownerHistory: string[];
  mode: string;
  breachCount: number;
  firstTouchAt: string | null;
  speedMs: number | null;
  speedWallMs: number | null;
  why: { qualification: string[]; routing: string[] };
  escalations: Escalation[];
}

/** An entry from a lead (and its events, when read). */
export function auditEntry(
  l: LeadRecord,
  names: ReadonlyMap<string, string>,
  events?: readonly LeadEvent[],
): AuditEntry {
  const history = [...l.previousOwners, ...(l.ownerId ? [l.ownerId] : [])].map((id) => names.get(id) ?? id);
  const escalations: Escalation[] = events
    ? events
        .filter((e) => ESCALATION_TYPES.has(e.type))
        .map((e) => ({
          at: e.at,
          type: e.type,
          ...(typeof e.data.ownerId === 'string' ? { ownerId: e.data.ownerId } : {}),
          ...(typeof e.data.rung === 'number' ? { rung: e.data.rung } : {}),
        }))
    : l.breachedAt
      ? [{ at: l.breachedAt, type: 'breached', ...(l.escalationRung ? { rung: l.escalationRung } : {}) }]
      : [];
  return {
    leadId: l.leadId,
    name: displayName(l.input),
    company: l.input.company ?? null,
    email: l.input.email ?? null,
    submittedAt: l.submittedAt,
    tier: l.tier,
    status: l.status,
    ruleId: l.ruleId ?? null,
    teamId: l.teamId ?? null,
    queue: l.queueId ?? null,
    ownerId: l.ownerId ?? null,
    ownerName: l.ownerName ?? null,
    ownerHistory: history,
    mode: l.mode,
    breachCount: l.breachCount,
    firstTouchAt: l.firstTouchAt ?? null,
    speedMs: l.speedMs ?? null,
    speedWallMs: l.speedWallMs ?? null,
    why: { qualification: l.reasons, routing: l.trail.map((s) => s.trim()) },
    escalations,
  };
}

/** Owner id → name, from the policy's teams and queues. */
export function ownerNames(policy: Policy): Map<string, string> {
  const m = new Map<string, string>();
  for (const t of policy.teams.values()) for (const x of t.members) m.set(x.ownerId, x.name);
  for (const q of policy.queues.values()) if (q.ownerId && !m.has(q.ownerId)) m.set(q.ownerId, q.label);
  return m;
}

/** Runs the search and builds the entries (timelines for the first 25). */
export async function auditLog(
  search: AuditSearch,
  listEvents: (leadId: string) => Promise<LeadEvent[]>,
  policy: Policy,
  query: AuditQuery,
  limit: number,
): Promise<{ entries: AuditEntry[]; truncated: boolean }> {
  const r = await search(query, limit);
  const names = ownerNames(policy);
  const events = await Promise.all(
    r.leads.map((l, i) => (i < TIMELINE_ENTRIES ? listEvents(l.leadId) : Promise.resolve(undefined))),
  );
  return { entries: r.leads.map((l, i) => auditEntry(l, names, events[i])), truncated: r.truncated };
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** RFC 4180 CSV of the entries: owner names, readable durations, the why on one line each. */
export function auditCsv(entries: readonly AuditEntry[]): string {
  const head = [
    'submittedAt',
    'leadId',
    'name',
    'company',
    'email',
    'tier',
    'status',
    'rule',
    'team',
    'owner',
    'ownerHistory',
    'breaches',
    'speedToLeadBusiness',
    'speedToLeadWall',
    'whyTier',
    'whyOwner',
    'escalations',
  ];
  const lines = [head.join(',')];
  for (const e of entries)
    lines.push(
      [
        e.submittedAt,
        e.leadId,
        e.name,
        e.company,
        e.email,
        e.tier,
        e.status,
        e.ruleId,
        e.teamId,
        e.ownerName ?? e.queue,
        e.ownerHistory.join(' → '),
        e.breachCount,
        e.speedMs === null ? '' : formatDuration(e.speedMs),
        e.speedWallMs === null ? '' : formatDuration(e.speedWallMs),
        e.why.qualification.join(' | '),
        e.why.routing.join(' | '),
        e.escalations.map((x) => `${x.at} ${x.type}${x.ownerId ? ` ${x.ownerId}` : ''}`).join(' | '),
      ]
        .map(cell)
        .join(','),
    );
  return `${lines.join('\r\n')}\r\n`;
}
