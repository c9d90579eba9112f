/** What people read: task text, rep notifications, breach pages. Pure text building, GSM-safe SMS. */
import { DateTime } from 'luxon';
import { formatDuration } from './duration.ts';
import type { LeadInput } from './lead.ts';

/** The lead fields messages need. */
export interface MessageLead {
  leadId: string;
  input: LeadInput;
  tier: string;
  tierLabel?: string;
  dueAt: string;
  ownerName?: string;
  ownerId?: string;
  teamId?: string;
  reasons: readonly string[];
  trail: readonly string[];
  hubspotUrl?: string;
  timeZone?: string;
}

// GSM 03.38 basic set (without escapes), so an SMS stays one 160-character segment.
const GSM = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);

/** Text reduced to the GSM 7-bit basic alphabet (accents folded, others dropped), one line, at most `max` characters. */
export function gsm(text: string, max = 160): string {
  let out = '';
  for (const ch of text.replace(/[\r\n\t\u0085\u2028\u2029]+/g, ' ')) {
    if (GSM.has(ch) && ch !== '\n' && ch !== '\r') out += ch;
    else {
      const folded = ch.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
      for (const f of folded) if (GSM.has(f)) out += f;
    }
  }
  out = out.replace(/ {2,}/g, ' ').trim();
  return out.length <= max ? out : `${out.slice(0, max - 3).trimEnd()}...`;
}

/** One line, no control characters, bounded: safe for subjects and headers. */
export function oneLine(text: string, max = 100): string {
  let s = '';
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    // Control characters and line/paragraph separators become spaces: nothing can start a new header line.
    s += c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029 ? ' ' : ch;
  }
  s = s.replace(/\s+/g, ' ').trim();
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** "Jane Doe", else the email's local part, else "a lead". */
export function displayName(input: LeadInput): string {
  const name = [input.firstName, input.lastName].filter(Boolean).join(' ').trim();
  if (name) return name;
  if (input.email) return input.email.split('@')[0] ?? 'a lead';
  return 'a lead';
}

/** Local time of `iso` in `zone` for people, e.g. `Mon 09:20 CET`. */
export function localTime(iso: string, zone = 'UTC'): string {
  return DateTime.fromISO(iso, { zone }).toFormat('ccc HH:mm ZZZZ');
}

function what(input: LeadInput): string {
  return input.formTitle ?? `${input.intent} via ${input.channel}`;
}

/** The follow-up task in HubSpot: why this lead qualified, why this rep, and what they did. */
export function taskText(l: MessageLead): { subject: string; body: string } {
  const who = displayName(l.input);
  const company = l.input.company ? ` (${l.input.company})` : '';
  const lines = [
    `${who}${company}: ${what(l.input)}.`,
    `First touch due ${localTime(l.dueAt, l.timeZone)} (${l.tierLabel ?? l.tier}).`,
    '',
    'Why this lead qualified:',
    ...l.reasons.map((r) => `- ${r}`),
    '',
    'Why you:',
    ...l.trail.filter((t) => !t.startsWith('no match')).map((t) => `- ${t.trim()}`),
  ];
  if (l.input.jobTitle) lines.splice(1, 0, `Title: ${l.input.jobTitle}`);
  if (l.input.pageUrl) lines.splice(1, 0, `Page: ${l.input.pageUrl}`);
  return { subject: oneLine(`Call ${who}${company}: ${l.tier}`, 200), body: lines.join('\n') };
}

/** One line, cut to `max` characters with an ASCII "..." (which no folding to ASCII or GSM lengthens). */
function cut(text: string, max: number): string {
  const s = oneLine(text, Number.POSITIVE_INFINITY);
  return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 3)).trimEnd()}...`;
}

/** Text folded to printable ASCII on one line, as an SNS subject carries it. */
function ascii(text: string): string {
  return oneLine(text, Number.POSITIVE_INFINITY)
    .normalize('NFKD')
    .replace(/[^\x20-\x7E]/g, '')
    .replace(/ {2,}/g, ' ')
    .trim();
}

const gsmLine = (text: string) => gsm(text, Number.POSITIVE_INFINITY);

/**
 * `fixed` with `free` (folded as the channel will fold it) at `{}`, cut so the whole fits in `max`: a long
 * name or company loses its end, never the deadline or the phone number that follow it.
 */
function fitted(fixed: string, free: string, max: number, fold: (t: string) => string): string {
  const room = Math.max(12, max - (fixed.length - 2));
  return fixed.replace('{}', () => cut(fold(free), room));
}

/** The rep notification: who, which company, what they did, tier and deadline, the HubSpot link. */
export function assignmentMessage(l: MessageLead): { subject: string; body: string; sms: string } {
  const who = displayName(l.input);
  const company = l.input.company ? `, ${l.input.company}` : '';
  const due = localTime(l.dueAt, l.timeZone);
  const t = taskText(l);
  const phone = l.input.phone ? ` ${l.input.phone}` : '';
  const doing = cut(gsmLine(what(l.input)), 40);
  return {
    subject: oneLine(
      fitted(`New ${cut(l.tier, 30)} lead: {}, call by ${due}`, `${who}${company}`, 100, ascii),
    ),
    body: [
      `${l.ownerName ?? 'Hi'}, a new lead is yours.`,
      '',
      t.body,
      '',
      l.hubspotUrl ? `Open in HubSpot: ${l.hubspotUrl}` : '',
    ]
      .join('\n')
      .trim(),
    sms: gsm(
      fitted(`Call {} by ${due} (${cut(l.tier, 30)}): ${doing}.${phone}`, `${who}${company}`, 160, gsmLine),
    ),
  };
}

/** The page managers get when a deadline passes untouched. */
export function breachMessage(
  l: MessageLead,
  b: { lateMs: number; rung: number; previousOwner?: string; newOwner?: string; action: string },
): { subject: string; body: string; sms: string } {
  const who = displayName(l.input);
  const late = formatDuration(b.lateMs);
  const from = b.previousOwner ?? 'nobody';
  const to = b.newOwner ?? (b.action === 'park' ? 'breach queue' : from);
  return {
    subject: oneLine(
      fitted(`SLA breach (rung ${b.rung}): {}, ${cut(l.tier, 30)}, ${late} late`, who, 100, ascii),
    ),
    body: [
      `${who}${l.input.company ? ` (${l.input.company})` : ''} was not touched by ${localTime(l.dueAt, l.timeZone)}; ${late} late.`,
      `Tier: ${l.tierLabel ?? l.tier}. Team: ${l.teamId ?? 'none'}.`,
      `It was with ${from}; now with ${to} (${b.action}).`,
      '',
      ...l.reasons.map((r) => `- ${r}`),
      l.hubspotUrl ? `\nOpen in HubSpot: ${l.hubspotUrl}` : '',
    ]
      .join('\n')
      .trim(),
    sms: gsm(
      fitted(
        `SLA breach: {} (${cut(l.tier, 30)}) ${late} late. Had: ${from}. Now: ${to}.`,
        who,
        160,
        gsmLine,
      ),
    ),
  };
}

/** The alert managers get when nobody is eligible for a lead: it waits in a queue for someone to take it. */
export function alertMessage(
  l: MessageLead,
  queue: string | undefined,
): { subject: string; body: string; sms: string } {
  const who = displayName(l.input);
  const company = l.input.company ? `, ${l.input.company}` : '';
  const where = queue ?? 'the default queue';
  const due = localTime(l.dueAt, l.timeZone);
  return {
    subject: oneLine(
      fitted(`Unassigned lead in ${cut(where, 30)}: {}, nobody eligible`, `${who}${company}`, 100, ascii),
    ),
    body: [
      `Nobody was eligible for ${who}${l.input.company ? ` (${l.input.company})` : ''}, so the lead waits in ${where}.`,
      `Please assign it to a rep in HubSpot; the clock runs to ${due}.`,
      `Tier: ${l.tierLabel ?? l.tier}. Team: ${l.teamId ?? 'none'}.`,
      '',
      'Why nobody was eligible:',
      ...l.trail.map((r) => `- ${r}`),
      l.hubspotUrl ? `\nOpen in HubSpot: ${l.hubspotUrl}` : '',
    ]
      .join('\n')
      .trim(),
    sms: gsm(
      fitted(
        `Unassigned lead {} in ${cut(gsmLine(where), 30)}: nobody eligible. Assign by ${due}.`,
        `${who}${company}`,
        160,
        gsmLine,
      ),
    ),
  };
}
