/** Dry-run decisions for sample leads: qualification, routing and deadline, with state carried from lead to lead. */
import { add } from './clock.ts';
import { type Policy, tierCalendar } from './compile.ts';
import { formatDuration } from './duration.ts';
import { enrich } from './enrich.ts';
import type { LeadInput } from './lead.ts';
import { qualify } from './qualify.ts';
import { emptyRoutingState, type RoutingState, route } from './routing.ts';

/** One previewed decision. */
export interface PreviewDecision {
  lead: string;
  submittedAt: string;
  tier: string;
  owner: string;
  team?: string;
  mode: 'live' | 'shadow';
  dueAt: string;
  window: string;
  alert: boolean;
  why: string[];
}

/**
 * Decides each lead in turn; open counts and cursors advance as they would in production. `at` is when
 * the leads are received: each is routed at `max(submittedAt, at)` and the rep's clock starts there too,
 * so routing and deadline see the same instant (without `at`, both use submittedAt).
 */
export function decideAll(
  policy: Policy,
  leads: readonly LeadInput[],
  opts: { at?: number; accountOwnerOf?: (domain: string) => string | undefined } = {},
): PreviewDecision[] {
  const state: RoutingState & {
    cursors: Record<string, number>;
    weights: Record<string, Record<string, number>>;
    openCounts: Record<string, number>;
  } = { ...emptyRoutingState(), cursors: {}, weights: {}, openCounts: {} };
  return leads.map((input) => {
    const lead = enrich(policy, input, opts.accountOwnerOf);
    const start = Math.max(Date.parse(lead.submittedAt), opts.at ?? Number.NEGATIVE_INFINITY);
    const q = qualify(policy, lead);
    const d = route(policy, { lead, tier: q.tier, now: start, state });
    if (d.cursor) state.cursors[d.cursor.teamId] = d.cursor.value;
    if (d.weights) state.weights[d.weights.teamId] = d.weights.value;
    if (d.makeUp) state.makeUp = { ...state.makeUp, [d.makeUp.teamId]: d.makeUp.value };
    if (d.quota && d.ownerId) {
      const days = state.dayCounts?.[d.ownerId] ?? {};
      state.dayCounts = {
        ...state.dayCounts,
        [d.ownerId]: { ...days, [d.quota.day]: (days[d.quota.day] ?? 0) + 1 },
      };
    }
    if (d.kind === 'owner' && d.ownerId) state.openCounts[d.ownerId] = (state.openCounts[d.ownerId] ?? 0) + 1;
    const due = add(start, q.windowMs, tierCalendar(q.tier, d.calendar));
    return {
      lead: input.email ? maskEmail(input.email) : input.phone ? 'phone lead' : 'lead',
      submittedAt: lead.submittedAt,
      tier: q.tier.id,
      owner: d.kind === 'owner' ? `${d.ownerName ?? d.ownerId}` : `queue ${d.queueId}`,
      team: d.teamId,
      mode: d.mode,
      dueAt: new Date(due).toISOString(),
      window: formatDuration(due - start),
      alert: d.alert,
      why: [...q.reasons, ...d.trail],
    };
  });
}

/** `j***@example.com`: enough to recognise a sample, not a raw address. */
export function maskEmail(email: string): string {
  const at = email.indexOf('@');
  return at <= 0 ? '***' : `${email[0]}***${email.slice(at)}`;
}

/** A plain-text table, one block per lead, for the terminal. */
export function formatDecisions(rows: readonly PreviewDecision[]): string {
  const head = ['#', 'lead', 'tier', 'owner', 'due (UTC)', 'wall time'];
  const body = rows.map((r, i) => [
    String(i + 1),
    r.lead,
    r.tier,
    `${r.owner}${r.mode === 'shadow' ? ' [shadow]' : ''}${r.alert ? ' [ALERT]' : ''}`,
    r.dueAt.replace('T', ' ').replace(/:\d\d\.\d+Z$/, ''),
    r.window,
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((b) => (b[c] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const lines = [fmt(head), fmt(widths.map((w) => '-'.repeat(w)))];
  rows.forEach((r, i) => {
    lines.push(fmt(body[i] ?? []));
    for (const w of r.why) lines.push(`${' '.repeat((widths[0] ?? 1) + 2)}why: ${w.trim()}`);
  });
  return lines.join('\n');
}
