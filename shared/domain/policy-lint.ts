/**
 * `policy check` warnings: a policy that validates but will not do what its author meant. Rules that can
 * never match, country names nobody recognises, one owner under two names, escalations and alerts that
 * reach nobody, round-the-clock tiers that leave off-duty reps a deadline they cannot meet. Warnings never
 * stop a deploy; errors (policy-schema.ts) do.
 */
import { COUNTRY_ALIASES, countryName } from './compile.ts';
import type { Condition, PolicyDoc } from './policy-schema.ts';
import { didYouMean } from './suggest.ts';

/** One warning: where (`routing.rules[3]`) and what. */
export interface PolicyWarning {
  path: string;
  message: string;
  line?: number;
}

/** Whether a match (as written) holds for every lead. */
export function matchesEveryLead(match: Condition | Condition[] | undefined): boolean {
  if (match === undefined) return true;
  const list = Array.isArray(match) ? match : [match];
  return list.some((c) => Object.values(c).every((v) => v === undefined));
}

/** ISO 3166 codes and English country names ICU knows, upper case, with the aliases compile.ts accepts. */
function knownCountries(nameOf: (code: string) => string | undefined): {
  codes: Set<string>;
  names: Map<string, string>;
} {
  const codes = new Set<string>();
  const names = new Map<string, string>();
  // Regions that are not countries: EU, the euro area, the UN, ICU's "outlying" and unknown groupings.
  const notCountries = new Set(['EU', 'EZ', 'UN', 'QO', 'ZZ']);
  for (let a = 65; a <= 90; a++) {
    for (let b = 65; b <= 90; b++) {
      const code = String.fromCharCode(a, b);
      const name = nameOf(code);
      if (!name || name === code || notCountries.has(code) || /unknown/i.test(name)) continue;
      codes.add(code);
      names.set(name.toUpperCase(), name);
    }
  }
  for (const alias of Object.keys(COUNTRY_ALIASES)) names.set(alias, alias);
  return { codes, names };
}

/** Every warning for a validated policy document. */
export function lintPolicy(
  doc: PolicyDoc,
  options: { countryName?: (code: string) => string | undefined } = {},
): PolicyWarning[] {
  const out: PolicyWarning[] = [];
  const warn = (path: string, message: string) => out.push({ path, message });

  // Rules after a rule that matches every lead and always ends routing (a team or a queue).
  const rules = doc.routing.rules;
  const stop = rules.findIndex(
    (r) => matchesEveryLead(r.match) && ('team' in r.target || 'queue' in r.target),
  );
  if (stop >= 0)
    for (let j = stop + 1; j < rules.length; j++)
      warn(
        `routing.rules[${j}]`,
        `rule '${rules[j]?.id}' can never match: rule '${rules[stop]?.id}' before it takes every lead`,
      );

  // Tiers after one that matches every lead (the incomplete tier is skipped by qualification, so it does not count).
  const tiers = doc.tiers;
  const open = tiers.findIndex((t) => t.id !== doc.qualification.incompleteTier && matchesEveryLead(t.match));
  if (open >= 0)
    tiers.forEach((t, j) => {
      if (j > open && t.id !== doc.qualification.incompleteTier)
        warn(
          `tiers[${j}]`,
          `tier '${t.id}' can never match: tier '${tiers[open]?.id}' before it takes every lead`,
        );
    });

  // Country entries nobody will ever send.
  const { codes, names } = knownCountries(options.countryName ?? countryName);
  for (const [region, countries] of Object.entries(doc.regions)) {
    countries.forEach((c, i) => {
      const key = c.trim().toUpperCase();
      if (codes.has(key) || names.has(key)) return;
      warn(
        `regions.${region}[${i}]`,
        `'${c}' is not an ISO 3166 country code nor an English country name${didYouMean(c, names.values())}`,
      );
    });
  }

  // One owner id under two names (a copy-paste slip: HubSpot has one person per owner id).
  const named = new Map<string, { name: string; where: string }>();
  const sameOwner = (ownerId: string, name: string | undefined, where: string) => {
    if (name === undefined) return;
    const prior = named.get(ownerId);
    if (!prior) named.set(ownerId, { name, where });
    else if (prior.name !== name)
      warn(where, `owner ${ownerId} is '${name}' here but '${prior.name}' at ${prior.where}`);
  };
  for (const [tid, t] of Object.entries(doc.teams))
    t.members.forEach((m, i) => void sameOwner(m.ownerId, m.name, `teams.${tid}.members[${i}]`));
  for (const [qid, q] of Object.entries(doc.queues))
    if (q.ownerId !== undefined) sameOwner(q.ownerId, q.label, `queues.${qid}`);

  // Escalations and alerts that reach nobody: every ladder a team's leads can climb (each tier's, else the team's, else the default).
  for (const [tid, t] of Object.entries(doc.teams)) {
    const names = [...new Set(tiers.map((tier) => tier.ladder ?? t.ladder ?? ''))];
    for (const name of names) {
      const ladder = name ? (doc.escalation.ladders[name] ?? []) : doc.escalation.ladder;
      const of = name ? ` of ladder '${name}'` : '';
      for (const role of ['manager', 'director'] as const) {
        const people = role === 'manager' ? t.managers : t.directors;
        const key = role === 'manager' ? 'managers' : 'directors';
        ladder.forEach((rung, r) => {
          if (!rung.notify.includes(role)) return;
          const n = r + 1;
          if (people.length === 0) {
            warn(`teams.${tid}.${key}`, `rung ${n}${of} notifies ${key}, but team ${tid} has none`);
            return;
          }
          const reached = people.some(
            (p) => (p.email !== undefined || p.phone !== undefined) && (!p.rungs || p.rungs.includes(n)),
          );
          if (!reached)
            warn(
              `teams.${tid}.${key}`,
              `rung ${n}${of} notifies ${key}, but no ${role} of ${tid} has an email or phone for rung ${n}`,
            );
        });
      }
    }
    t.members.forEach((m, i) => {
      if (m.email === undefined && m.phone === undefined)
        warn(
          `teams.${tid}.members[${i}]`,
          `${m.name} has no email or phone: assignment messages reach nobody`,
        );
    });
  }
  // A lead no rule takes falls to the default queue with an alert for the ops team's managers (defaults.team,
  // else the first team with managers): without one, that alert reaches nobody.
  const ops =
    doc.defaults.team ?? Object.entries(doc.teams).find(([, t]) => (t.managers ?? []).length > 0)?.[0];
  if (stop < 0)
    warn(
      'routing.rules',
      ops === undefined
        ? `a lead no rule matches goes to queue '${doc.defaults.queue}' with an alert no subscription receives (no team has managers to act as the ops team); end the rules with a catch-all`
        : `a lead no rule matches goes to queue '${doc.defaults.queue}' and only alerts the ops team (${ops}); end the rules with a catch-all so it has an owner`,
    );

  // Round-the-clock tiers that may hand a lead to a rep who comes on duty after the deadline.
  tiers.forEach((t, i) => {
    if (t.clock === 'always' && t.onShift !== 'required' && t.offDuty === undefined)
      warn(
        `tiers[${i}]`,
        `tier '${t.id}' runs round the clock but may go to an off-duty rep (onShift: ${t.onShift}), whose deadline can pass before they start; set offDuty: ladder (assign, the ladder acts at the deadline) or offDuty: on_duty (only reps on duty before the deadline)`,
      );
  });
  return out;
}
