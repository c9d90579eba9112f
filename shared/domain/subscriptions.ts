/**
 * Notification subscriptions derived from the policy: each manager, director and rep gets email and/or
 * SMS with an SNS filter policy, so they receive only their team's (or their own) messages. SNS allows
 * one subscription per endpoint and topic, so one person in several teams gets one merged filter.
 */
import type { Policy } from './compile.ts';
import { smsKey } from './escalation.ts';

/** One SNS subscription. */
export interface Subscription {
  protocol: 'email' | 'sms';
  endpoint: string;
  /** SNS filter policy on message attributes. */
  filterPolicy: Record<string, unknown>;
  /** Who and why, for humans (CDK descriptions, the local console). */
  label: string;
}

const reachable = (p: { email?: string; phone?: string }) => Boolean(p.email || p.phone);

/** The kinds of message leadclock publishes, and who each is for. */
const KINDS = [
  { kind: 'assignment', audience: ['rep'] },
  { kind: 'alert (nobody eligible)', audience: ['manager'] },
] as const;

/**
 * Message kinds that could match no subscription, each with the policy path to fix: `policy check` and
 * `cdk synth` fail on them. Every team must reach someone for each kind (its own people, or the ops
 * team's managers, who also take the messages of leads outside every team).
 */
export function audienceIssues(policy: Policy): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  const subs = subscriptionsOf(policy);
  const matches = (attrs: { teamId?: string; ownerId?: string; audience: string; rung?: number }) =>
    subs.some((s) => {
      const branches = (s.filterPolicy.$or as Record<string, unknown>[] | undefined) ?? [s.filterPolicy];
      return branches.some((f) => {
        const list = (k: string) => f[k] as unknown[] | undefined;
        if (!list('audience')?.includes(attrs.audience)) return false;
        if (list('teamId') && !list('teamId')?.includes(attrs.teamId)) return false;
        if (list('ownerId') && !list('ownerId')?.includes(attrs.ownerId)) return false;
        const rungs = list('rung') as { numeric: [string, number] }[] | undefined;
        if (rungs && attrs.rung !== undefined && !rungs.some((r) => r.numeric[1] === attrs.rung))
          return false;
        return true;
      });
    });
  if (!policy.opsTeam) {
    issues.push({
      path: 'defaults.team',
      message:
        'no team with a manager: alerts and breach pages of leads outside every team would reach nobody; set defaults.team to a team with a manager',
    });
    return issues;
  }
  const ops = policy.teams.get(policy.opsTeam);
  if (!ops?.managers.some(reachable))
    issues.push({
      path: `teams.${policy.opsTeam}.managers`,
      message: `defaults.team '${policy.opsTeam}' has no manager with an email or phone: alerts of leads outside every team would reach nobody`,
    });
  const teams = [...policy.teams.values()];
  for (const k of KINDS) {
    if (k.audience[0] === 'rep') {
      if (!teams.some((t) => t.members.some((m) => matches({ ownerId: m.ownerId, audience: 'rep' }))))
        issues.push({
          path: 'teams',
          message: `${k.kind}: no rep has an email or phone, so it reaches nobody`,
        });
      continue;
    }
    for (const t of teams)
      if (!matches({ teamId: t.id, audience: 'manager' }))
        issues.push({
          path: `teams.${t.id}.managers`,
          message: `${k.kind}: reaches nobody for team ${t.id}`,
        });
  }
  policy.ladder.forEach((rung, i) => {
    if (rung.notify.length === 0) return;
    for (const teamId of [...teams.map((t) => t.id)]) {
      const team = policy.teams.get(teamId);
      const hit = rung.notify.some((role) =>
        role === 'rep'
          ? team?.members.some((m) => matches({ ownerId: m.ownerId, audience: 'rep' }))
          : matches({ teamId, audience: role, rung: i + 1 }),
      );
      if (!hit)
        issues.push({
          path: `escalation.ladder[${i}].notify`,
          message: `breach page (rung ${i + 1}): reaches nobody for team ${teamId}`,
        });
    }
  });
  return issues;
}

/** Every subscription the policy implies. */
export function subscriptionsOf(policy: Policy): Subscription[] {
  const branches = new Map<
    string,
    { protocol: 'email' | 'sms'; endpoint: string; filters: Record<string, unknown>[]; labels: string[] }
  >();
  const add = (
    protocol: 'email' | 'sms',
    endpoint: string | undefined,
    filter: Record<string, unknown>,
    label: string,
  ) => {
    if (!endpoint) return;
    const key = `${protocol}:${endpoint.toLowerCase()}`;
    const entry = branches.get(key) ?? { protocol, endpoint, filters: [], labels: [] };
    if (!entry.filters.some((f) => JSON.stringify(f) === JSON.stringify(filter))) entry.filters.push(filter);
    entry.labels.push(label);
    branches.set(key, entry);
  };
  for (const team of policy.teams.values()) {
    for (const [role, people] of [
      ['manager', team.managers],
      ['director', team.directors],
    ] as const) {
      for (const p of people) {
        // A person limited to some rungs gets one branch per rung: SNS ORs the values of one key.
        const filter = {
          teamId: [team.id],
          audience: [role],
          ...(p.rungs ? { rung: p.rungs.map((r) => ({ numeric: ['=', r] })) } : {}),
        };
        if (p.channels?.includes('email') !== false)
          add('email', p.email, filter, `${p.name}, ${role} of ${team.id}`);
        if (p.channels?.includes('sms') !== false)
          add('sms', p.phone, filter, `${p.name}, ${role} of ${team.id}`);
      }
    }
    for (const m of team.members) {
      const filter = { ownerId: [m.ownerId], audience: ['rep'] };
      if (m.channels.includes('email')) add('email', m.email, filter, `${m.name}, rep in ${team.id}`);
      if (m.channels.includes('sms')) add('sms', m.phone, filter, `${m.name}, rep in ${team.id}`);
    }
  }
  // The ops team's managers hear what would otherwise reach nobody: messages of leads outside every team
  // (published with the ops team's id) and the manager pages and alerts of teams with no manager.
  const ops = policy.opsTeam ? policy.teams.get(policy.opsTeam) : undefined;
  const uncovered = [...policy.teams.values()]
    .filter((t) => t.id !== ops?.id && !t.managers.some(reachable))
    .map((t) => t.id);
  if (ops && uncovered.length) {
    for (const p of ops.managers) {
      const filter = { teamId: uncovered, audience: ['manager'] };
      add('email', p.email, filter, `${p.name}, manager on call for ${uncovered.join(', ')}`);
      add('sms', p.phone, filter, `${p.name}, manager on call for ${uncovered.join(', ')}`);
    }
  }
  return [...branches.values()].map((b) => ({
    protocol: b.protocol,
    endpoint: b.endpoint,
    filterPolicy: {
      // SMS only when the message names this person as reachable now (quiet hours, channel choice).
      // One key beside the alternatives, not in each: SNS counts every key of every `$or` branch.
      ...(b.protocol === 'sms' ? { smsTo: [smsKey(b.endpoint)] } : {}),
      ...(b.filters.length === 1 ? (b.filters[0] as Record<string, unknown>) : { $or: b.filters }),
    },
    label: [...new Set(b.labels)].join('; '),
  }));
}
