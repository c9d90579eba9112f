/** Qualification: lead → tier, SLA window and the reasons a rep reads in the task. */

import { isLeadField, type Policy, type Tier } from './compile.ts';
import { formatDuration } from './duration.ts';
import type { LeadFacts } from './lead.ts';
import type { Condition } from './policy.ts';

/** The tier a lead earned and why. */
export interface Qualification {
  tier: Tier;
  windowMs: number;
  reasons: string[];
}

/**
 * Tiers are tried in policy order, first match wins. Partial submissions take the incomplete tier;
 * a lead no tier matches (unknown intent) takes the default tier.
 */
export function qualify(policy: Policy, lead: LeadFacts): Qualification {
  const window = (t: Tier) =>
    `${formatDuration(t.windowMs)} ${t.clock === 'always' ? 'round the clock' : 'business time'}`;
  const said = lead.unmappedIntent
    ? `intent '${lead.unmappedIntent}' is not known and no synonym in the policy maps it (treated as other); `
    : lead.intentSynonym
      ? `'${lead.intentSynonym}' is a synonym of ${lead.intent}; `
      : '';
  if (lead.partial) {
    const t = policy.incompleteTier;
    return { tier: t, windowMs: t.windowMs, reasons: [`${said}partial submission → ${t.id} (${window(t)})`] };
  }
  for (const t of policy.tiers) {
    if (t === policy.incompleteTier || !t.matches(lead)) continue;
    const spec = policy.doc.tiers[t.rank]?.match;
    return {
      tier: t,
      windowMs: t.windowMs,
      reasons: [`${said}${explain(spec, t, lead)} → ${t.id} (${window(t)})`],
    };
  }
  const t = policy.defaultTier;
  return {
    tier: t,
    windowMs: t.windowMs,
    reasons: [`${said}intent '${lead.intent}' matched no tier → default ${t.id} (${window(t)})`],
  };
}

/** Whether `candidate` is hotter (ranked earlier) than `current`, for repeat inquiries. */
export function isHotter(candidate: Tier, current: Tier): boolean {
  return candidate.rank < current.rank;
}

function explain(match: Condition | Condition[] | undefined, tier: Tier, lead: LeadFacts): string {
  if (match === undefined) return 'every lead';
  const conds = Array.isArray(match) ? match : [match];
  // Explain the first condition that holds, naming the lead's own values.
  for (const [i, c] of conds.entries()) {
    const parts: string[] = [];
    if (c.intent) parts.push(`intent ${lead.intent}`);
    if (c.channel) parts.push(`channel ${lead.channel}`);
    if (c.region) parts.push(`region ${lead.region ?? '?'}`);
    if (c.country) parts.push(`country ${lead.country ?? '?'}`);
    if (c.industry) parts.push(`industry ${lead.industry ?? '?'}`);
    if (c.formId) parts.push(`form ${lead.formId ?? '?'}`);
    if (c.domain) parts.push(`domain ${lead.domain ?? '?'}`);
    if (c.employeesMin !== undefined || c.employeesMax !== undefined)
      parts.push(`${lead.employees ?? '?'} employees`);
    if (c.targetAccount !== undefined)
      parts.push(lead.targetAccount ? 'target account' : 'not a target account');
    if (c.namedAccount !== undefined)
      parts.push(lead.accountOwnerId ? 'named account' : 'not a named account');
    if (c.freeMail !== undefined) parts.push(lead.freeMail ? 'free-mail address' : 'company email');
    if (c.existingOwner !== undefined) parts.push(lead.existingOwnerId ? 'has an owner' : 'no owner yet');
    for (const field of Object.keys(c.where ?? {})) parts.push(`${field} ${fieldValue(lead, field)}`);
    if (conds.length === 1 || tier.conditions[i]?.(lead)) return parts.join(', ') || 'every lead';
  }
  return 'matched';
}

/** A lead's value of a `where` field, for the "why". */
function fieldValue(lead: LeadFacts, field: string): string {
  const dot = field.indexOf('.');
  const props = lead.properties;
  const v = isLeadField(field)
    ? lead[field as keyof LeadFacts]
    : dot > 0
      ? props?.[field.slice(0, dot) as 'contact' | 'company']?.[field.slice(dot + 1)]
      : (props?.contact?.[field] ?? props?.company?.[field]);
  return v === undefined || v === '' ? '(missing)' : `'${String(v)}'`;
}
