/**
 * The simulator's synthetic lead stream: when leads arrive (a day weight and a 24-hour curve, read in the
 * local time of the team the lead will be routed to) and what they are (intent, region, size, free mail,
 * partial forms). Deterministic given the seed.
 */
import { DateTime } from 'luxon';
import type { Policy } from './compile.ts';
import { enrich } from './enrich.ts';
import { INTENTS, type Intent, type LeadInput } from './lead.ts';
import { routingScope } from './routing.ts';
import { hash32, mulberry32, weightedIndex } from './simulate-random.ts';

/** When leads arrive: relative weight per local hour (0–23) and of a weekend day against a weekday. */
export interface ArrivalCurve {
  hourWeights: readonly number[];
  weekendFactor: number;
}

/** What leads are: relative weights, and shares in [0, 1]. */
export interface LeadMix {
  intents: Readonly<Partial<Record<Intent, number>>>;
  /** Region (a key of the policy's `regions`) → weight; `other` means an unmapped or missing country. Default: policy regions equally, `other` a tenth of one. */
  regions?: Readonly<Record<string, number>>;
  /** Share of leads from companies with 1,000+ employees. */
  enterpriseShare: number;
  /** Share of leads with a free-mail address. */
  freeMailShare: number;
  /** Share of partial (abandoned) form submissions. */
  partialShare: number;
}

/** A synthetic stream: `leads` spread over `days` local days from `start` (YYYY-MM-DD). */
export interface SyntheticStream {
  leads: number;
  days: number;
  start: string;
  arrival: ArrivalCurve;
  mix: LeadMix;
}

/** Weekday business hours heavy: quiet nights, a ramp at 8, a lunch dip at 12, a tail into the evening. */
export const DEFAULT_ARRIVAL: ArrivalCurve = {
  // biome-ignore format: one weight per hour reads best on two lines
  hourWeights: [0.2, 0.15, 0.1, 0.1, 0.1, 0.15, 0.3, 0.6, 1.5, 3, 3, 3,
                2, 3, 3, 3, 2.5, 2, 1, 0.8, 0.6, 0.5, 0.4, 0.3],
  weekendFactor: 0.15,
};

/** Hand-raisers about a third, the rest contact, webinar and content. */
export const DEFAULT_MIX: LeadMix = {
  intents: {
    demo: 0.2,
    pricing: 0.08,
    trial: 0.07,
    contact: 0.15,
    webinar: 0.15,
    content: 0.2,
    newsletter: 0.1,
    other: 0.05,
  },
  enterpriseShare: 0.08,
  freeMailShare: 0.12,
  partialShare: 0.03,
};

/** The default stream's start: Monday 23 November 2026 (fixed, so a run never depends on today). */
export const DEFAULT_START = '2026-11-23';

const DAY_MS = 86_400_000;
const FREE_MAIL = ['gmail.com', 'outlook.com', 'yahoo.com'] as const;

/** Checks a stream description; throws RangeError naming the bad field. */
export function checkStream(s: SyntheticStream): void {
  if (!Number.isInteger(s.leads) || s.leads < 0) throw new RangeError('leads: expected a whole number ≥ 0');
  if (!Number.isInteger(s.days) || s.days < 1) throw new RangeError('days: expected a whole number ≥ 1');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s.start) || Number.isNaN(Date.parse(`${s.start}T00:00:00Z`)))
    throw new RangeError('start: expected YYYY-MM-DD');
  if (s.arrival.hourWeights.length !== 24) throw new RangeError('arrival: expected 24 hourly weights');
  if (!(s.arrival.weekendFactor >= 0)) throw new RangeError('weekend factor: expected a number ≥ 0');
  for (const [k, v] of Object.entries(s.mix.intents))
    if (!(INTENTS as readonly string[]).includes(k)) throw new RangeError(`intents: unknown intent '${k}'`);
    else if (!((v ?? 0) >= 0)) throw new RangeError(`intents: weight of ${k} must be ≥ 0`);
  for (const [name, share] of [
    ['enterprise share', s.mix.enterpriseShare],
    ['free-mail share', s.mix.freeMailShare],
    ['partial share', s.mix.partialShare],
  ] as const)
    if (!(share >= 0 && share <= 1)) throw new RangeError(`${name}: expected a number in [0, 1]`);
}

/**
 * Generates `stream.leads` normalised leads sorted by `submittedAt`. Each lead's attributes are drawn
 * first; its day (weekdays 1, weekend days `weekendFactor`) and hour (the curve) are then read in the
 * time zone of the team the routing rules send it to, so an APAC lead arrives in Sydney's morning.
 */
export function generateLeads(policy: Policy, stream: SyntheticStream, seed: number): LeadInput[] {
  checkStream(stream);
  const rand = mulberry32(hash32(seed, 0x5eed));
  const intents = Object.entries(stream.mix.intents).filter(([, w]) => (w ?? 0) > 0) as [Intent, number][];
  if (intents.length === 0) throw new RangeError('intents: at least one intent needs a positive weight');
  const pickIntent = weightedIndex(intents.map(([, w]) => w));
  const regionWeights = Object.entries(
    stream.mix.regions ?? {
      ...Object.fromEntries(Object.keys(policy.doc.regions).map((r) => [r, 1])),
      other: 0.1,
    },
  ).filter(([, w]) => w > 0);
  for (const [r] of regionWeights)
    if (r !== 'other' && !policy.doc.regions[r]?.length)
      throw new RangeError(`regions: '${r}' is not a region of the policy`);
  if (regionWeights.length === 0)
    throw new RangeError('regions: at least one region needs a positive weight');
  const pickRegion = weightedIndex(regionWeights.map(([, w]) => w));
  const pickHour = weightedIndex(stream.arrival.hourWeights);
  const startDay = Date.parse(`${stream.start}T00:00:00Z`) / DAY_MS;
  const dayWeights = Array.from({ length: stream.days }, (_, d) => {
    const weekday = (startDay + d + 4) % 7; // 0 = Sunday; day 0 of the epoch was a Thursday
    return weekday === 0 || weekday === 6 ? stream.arrival.weekendFactor : 1;
  });
  const pickDay = weightedIndex(dayWeights.some((w) => w > 0) ? dayWeights : dayWeights.map(() => 1));

  const leads: { at: number; i: number; input: LeadInput }[] = [];
  for (let i = 0; i < stream.leads; i++) {
    const [intent] = intents[pickIntent(rand)] as [Intent, number];
    const [region] = regionWeights[pickRegion(rand)] as [string, number];
    const countries = region === 'other' ? [] : (policy.doc.regions[region] ?? []);
    const country = countries.length ? countries[Math.floor(rand() * countries.length)] : undefined;
    const enterprise = rand() < stream.mix.enterpriseShare;
    const employees = enterprise ? 1000 + Math.floor(rand() * 49_000) : 2 + Math.floor(rand() * 990);
    const freeMail = rand() < stream.mix.freeMailShare;
    const partial = rand() < stream.mix.partialShare;
    const company = `company-${Math.floor(rand() * 1_000_000)}`;
    const domain = freeMail ? FREE_MAIL[Math.floor(rand() * FREE_MAIL.length)] : `${company}.example`;
    const input: LeadInput = {
      email: `lead-${i + 1}@${domain}`,
      company,
      ...(country === undefined ? {} : { country }),
      employees,
      channel: intent === 'demo' ? 'demo_request' : intent === 'webinar' ? 'webinar' : 'form',
      intent,
      submittedAt: '',
      partial,
      ...(partial ? { phone: `+49 30 ${String(100_000 + i)}` } : {}),
      sourceEventId: `sim-${i + 1}`,
    };
    const team = routingScope(policy, enrich(policy, input)).teamIds[0];
    const zone =
      (team ? policy.teams.get(team)?.calendar.timeZone : undefined) ?? policy.defaultCalendar.timeZone;
    const day = new Date((startDay + pickDay(rand)) * DAY_MS);
    const secondOfHour = Math.floor(rand() * 3600);
    const at = DateTime.fromObject(
      {
        year: day.getUTCFullYear(),
        month: day.getUTCMonth() + 1,
        day: day.getUTCDate(),
        hour: pickHour(rand),
        minute: Math.floor(secondOfHour / 60),
        second: secondOfHour % 60,
      },
      { zone },
    ).toMillis();
    leads.push({ at, i, input });
  }
  leads.sort((a, b) => a.at - b.at || a.i - b.i);
  return leads.map(({ at, input }) => ({ ...input, submittedAt: new Date(at).toISOString() }));
}
