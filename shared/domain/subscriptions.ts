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
