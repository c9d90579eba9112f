/** Enrichment: derives the facts qualification and routing match on from a normalised lead. */
import type { Policy } from './compile.ts';
import type { LeadFacts, LeadInput } from './lead.ts';
import { synonymKey } from './synonyms.ts';

/** The domain part of an email address, lower-cased, or undefined. */
export function emailDomain(email: string | undefined): string | undefined {
  if (!email) return undefined;
  const at = email.lastIndexOf('@');
  return at > 0 && at < email.length - 1 ? email.slice(at + 1).toLowerCase() : undefined;
}

/** Strips scheme, `www.` and path from a website or domain. */
export function normaliseDomain(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const d = raw
    .trim()
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, '')
    .replace(/^www\./, '')
    .replace(/[/?#:].*$/, '');
  return d || undefined;
}

/** The lead's intent after the policy's synonyms: the raw intent, else the form title, may name one. */
function intentOf(
  policy: Policy,
  input: LeadInput,
): Pick<LeadFacts, 'intent' | 'unmappedIntent' | 'intentSynonym'> {
  const synonym = (text: string | undefined) =>
    text === undefined ? undefined : policy.intentSynonyms.get(synonymKey(text));
  const raw = input.rawIntent;
  const mapped = synonym(raw);
  if (raw !== undefined && mapped) return { intent: mapped, intentSynonym: raw };
  if (input.intent === 'other') {
    const byTitle = synonym(input.formTitle);
    if (byTitle) return { intent: byTitle, intentSynonym: input.formTitle };
    if (raw !== undefined) return { intent: 'other', unmappedIntent: raw };
  }
  return { intent: input.intent };
}

export { synonymKey } from './synonyms.ts';

/**
 * Adds region (country table in the policy), company domain (from the email unless it is free mail),
 * the free-mail flag, target-account status and the account owner (`accountOwnerOf`, the HubSpot
 * company-domain → owner cache).
 */
export function enrich(
  policy: Policy,
  input: LeadInput,
  accountOwnerOf: (domain: string) => string | undefined = () => undefined,
): LeadFacts {
  const mailDomain = emailDomain(input.email);
  const freeMail = mailDomain !== undefined && policy.freeMailDomains.has(mailDomain);
  // A free-mail provider is never a company, whether it comes from the email or from the domain field.
  const given = normaliseDomain(input.domain);
  const domain =
    given !== undefined && !policy.freeMailDomains.has(given) ? given : freeMail ? undefined : mailDomain;
  const region = input.country ? policy.regionOfCountry.get(input.country.trim().toUpperCase()) : undefined;
  const accountOwnerId = domain ? accountOwnerOf(domain) : undefined;
  return {
    ...input,
    ...intentOf(policy, input),
    domain,
    region,
    freeMail,
    accountOwnerId,
    targetAccount:
      accountOwnerId !== undefined || (domain !== undefined && policy.targetAccounts.has(domain)),
  };
}
