/** The lead as leadclock sees it: the normalised input, and the state machine every change goes through. */

/** Where a lead came from. */
export const CHANNELS = ['form', 'chat', 'demo_request', 'webinar', 'call', 'partner', 'other'] as const;
/** What the lead asked for; hotter intents earn shorter SLAs. */
export const INTENTS = [
  'demo',
  'pricing',
  'trial',
  'contact',
  'webinar',
  'content',
  'newsletter',
  'other',
] as const;

/** A lead channel. */
export type Channel = (typeof CHANNELS)[number];
/** A lead intent. */
export type Intent = (typeof INTENTS)[number];

/** The normalised lead (ARCHITECTURE.md, "Normalised lead JSON"), after parsing and before enrichment. */
export interface LeadInput {
  email?: string;
  firstName?: string;
  lastName?: string;
  phone?: string;
  company?: string;
  domain?: string;
  country?: string;
  employees?: number;
  industry?: string;
  jobTitle?: string;
  channel: Channel;
  intent: Intent;
  /** The intent exactly as the source gave it, when it is not one of INTENTS (the policy's synonyms may map it). */
  rawIntent?: string;
  formId?: string;
  formTitle?: string;
  pageUrl?: string;
  /** ISO 8601; the SLA clock starts here. */
  submittedAt: string;
  hubspotContactId?: string;
  /** The contact's current HubSpot owner, when the payload carries one. */
  existingOwnerId?: string;
  partial: boolean;
  sourceEventId?: string;
  /** HubSpot contact and company properties the source carried (custom ones too), for policy conditions. */
  properties?: LeadProperties;
}

/** A property value as HubSpot (or a source) sent it. */
export type PropertyValue = string | number | boolean;

/** Contact and company properties by internal name. */
export interface LeadProperties {
  contact?: Record<string, PropertyValue>;
  company?: Record<string, PropertyValue>;
}

/** Most properties kept per object, and characters per value: enough for any policy, bounded for storage. */
export const PROPERTY_LIMITS = { count: 500, chars: 1024, name: 100 } as const;

/** What qualification and routing match on: the input plus derived facts. */
export interface LeadFacts extends LeadInput {
  /** Region from the policy's country table (e.g. EMEA), if the country is known. */
  region?: string;
  /** Whether the email domain is a free-mail provider (gmail.com …). */
  freeMail: boolean;
  /** Whether the company domain is in the account-owner map or the policy's target account list. */
  targetAccount: boolean;
  /** Account owner of the company domain, if it is a named account. */
  accountOwnerId?: string;
  /** The source's intent, verbatim, when neither INTENTS nor the policy's synonyms know it (the lead is treated as `other`). */
  unmappedIntent?: string;
  /** The source's intent, verbatim, when a policy synonym mapped it to `intent`. */
  intentSynonym?: string;
}

/** Lead states (ARCHITECTURE.md, State). */
export const LEAD_STATES = [
  'received',
  'routed',
  'touched',
  'breached',
  'reassigned',
  'parked',
  'accepted',
  'rejected',
  'recycled',
  'unroutable',
] as const;

/** A lead state. */
export type LeadState = (typeof LEAD_STATES)[number];

/** Allowed transitions. `routed → routed` is a manual reassignment that re-times the clock. */
const TRANSITIONS: Readonly<Record<LeadState, readonly LeadState[]>> = {
  received: ['routed', 'unroutable'],
  routed: ['routed', 'touched', 'breached', 'accepted', 'rejected', 'recycled'],
  breached: ['reassigned', 'parked', 'touched', 'accepted', 'rejected', 'recycled'],
  reassigned: ['routed', 'parked', 'touched'],
  parked: ['routed', 'touched', 'accepted', 'rejected', 'recycled'],
  unroutable: ['routed', 'touched', 'breached', 'accepted', 'rejected', 'recycled'],
  touched: ['accepted', 'rejected', 'recycled'],
  accepted: ['recycled', 'rejected'],
  rejected: [],
  recycled: [],
};

/** States in which the SLA clock is running: someone still owes a first touch (an unroutable lead's clock runs too: the queue owes it). */
export const CLOCK_RUNNING: ReadonlySet<LeadState> = new Set([
  'routed',
  'breached',
  'reassigned',
  'unroutable',
]);
/** Raised when a change is not allowed from the lead's current state (HTTP 409). */
export class InvalidTransitionError extends Error {
  override readonly name = 'InvalidTransitionError';
  readonly from: LeadState;
  readonly to: LeadState;
  constructor(from: LeadState, to: LeadState) {
    super(`a lead cannot go from '${from}' to '${to}'`);
    this.from = from;
    this.to = to;
  }
}

/** Whether `from → to` is allowed. */
export function canTransition(from: LeadState, to: LeadState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Returns `to` when allowed; throws InvalidTransitionError otherwise. */
export function transition(from: LeadState, to: LeadState): LeadState {
  if (!canTransition(from, to)) throw new InvalidTransitionError(from, to);
  return to;
}

/** The allowed next states of `from`. */
export function nextStates(from: LeadState): readonly LeadState[] {
  return TRANSITIONS[from];
}
