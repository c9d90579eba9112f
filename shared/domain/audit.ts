/**
 * The routing audit log's search terms (issue 17), pure. A lead is findable by its email (normalised and
 * hashed: the key never holds the raw address), by the words of its name and company, by every owner
 * it had, and by its team. Terms are written when the lead is captured and when its owner changes; a search reads the
 * term's partition and never scans. The hash needs no secret: it keeps addresses out of keys and
 * key-based logs, while the lead record itself keeps the address as it always has.
 */
import { createHash } from 'node:crypto';

/** The kinds of search term. */
export type TermKind = 'email' | 'word' | 'owner' | 'team';

/** One search term: the partition a lead is listed under. */
export interface AuditTerm {
  kind: TermKind;
  value: string;
}

/** Words too common in company names to search by. */
const STOP = new Set([
  'inc',
  'llc',
  'ltd',
  'limited',
  'gmbh',
  'ag',
  'sa',
  'sas',
  'bv',
  'co',
  'corp',
  'corporation',
  'company',
  'plc',
  'the',
  'and',
  'of',
]);
/** Most words indexed per lead (name and company together): bounds the write cost. */
export const MAX_WORDS = 4;

/** Lower-case, trimmed; a plus-tag (`jane+x@`) is kept: it is what the lead record stores too. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The email's search key: the first 32 hex digits of SHA-256 of the normalised address. */
export function emailKey(email: string): string {
  return createHash('sha256').update(normaliseEmail(email)).digest('hex').slice(0, 32);
}

/** Searchable words of a name or company: lower-case, accents folded, ≥ 2 letters, no legal suffixes. */
export function words(text: string | undefined): string[] {
  if (!text) return [];
  const folded = text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
  const out: string[] = [];
  for (const w of folded.split(/[^\p{L}\p{N}]+/u)) {
    if (w.length < 2 || STOP.has(w) || out.includes(w)) continue;
    out.push(w.slice(0, 40));
  }
  return out;
}

/** The terms a lead is listed under at capture: email, name and company words, its first owner and team. */
export function captureTerms(lead: {
  input: { email?: string; firstName?: string; lastName?: string; company?: string };
  ownerId?: string;
  teamId?: string;
}): AuditTerm[] {
  const terms: AuditTerm[] = [];
  if (lead.input.email) terms.push({ kind: 'email', value: emailKey(lead.input.email) });
  const ws = [
    ...new Set([...words(lead.input.firstName), ...words(lead.input.lastName), ...words(lead.input.company)]),
  ].slice(0, MAX_WORDS);
  for (const w of ws) terms.push({ kind: 'word', value: w });
  if (lead.ownerId) terms.push({ kind: 'owner', value: lead.ownerId });
  if (lead.teamId) terms.push({ kind: 'team', value: lead.teamId });
  return terms;
}

/** What a search asks for; every given filter must hold. */
export interface AuditQuery {
  /** Free text: an email (has `@`), else words matched against name and company. */
  q?: string;
  /** Owner ids: the lead had one of them, now or before. */
  owners?: readonly string[];
  team?: string;
  rule?: string;
  /** Submission period [from, to). */
  from?: number;
  to?: number;
}

/** The terms of a query, most selective first; empty when only a rule or a period was given. */
export function queryTerms(q: AuditQuery): AuditTerm[][] {
  const out: AuditTerm[][] = [];
  const text = q.q?.trim() ?? '';
  if (text.includes('@')) out.push([{ kind: 'email', value: emailKey(text) }]);
  else for (const w of words(text).slice(0, MAX_WORDS)) out.push([{ kind: 'word', value: w }]);
  if (q.owners?.length) out.push(q.owners.map((o) => ({ kind: 'owner' as const, value: o })));
  if (q.team) out.push([{ kind: 'team', value: q.team }]);
  return out;
}

/** The lead fields a search verifies against (a LeadRecord is one). */
export interface AuditLead {
  leadId: string;
  input: { email?: string; firstName?: string; lastName?: string; company?: string };
  ownerId?: string;
  previousOwners: readonly string[];
  teamId?: string;
  ruleId?: string;
  submittedAt: string;
}

/** Whether a lead satisfies the query (terms can list a lead that no longer matches, e.g. a lost owner race). */
export function matches(l: AuditLead, q: AuditQuery): boolean {
  const t = Date.parse(l.submittedAt);
  if (q.from !== undefined && t < q.from) return false;
  if (q.to !== undefined && t >= q.to) return false;
  if (q.team && l.teamId !== q.team) return false;
  if (q.rule && l.ruleId !== q.rule) return false;
  if (q.owners?.length) {
    const had = new Set([...l.previousOwners, ...(l.ownerId ? [l.ownerId] : [])]);
    if (!q.owners.some((o) => had.has(o))) return false;
  }
  const text = q.q?.trim() ?? '';
  if (text.includes('@'))
    return l.input.email !== undefined && normaliseEmail(l.input.email) === normaliseEmail(text);
  const want = words(text);
  if (want.length) {
    const have = new Set([
      ...words(l.input.firstName),
      ...words(l.input.lastName),
      ...words(l.input.company),
    ]);
    if (!want.every((w) => have.has(w))) return false;
  }
  return true;
}
