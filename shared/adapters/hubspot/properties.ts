/** The HubSpot properties leadclock owns, created by `npm run hubspot:setup` and written by crm-sync. */

/** Property group that holds them. */
export const GROUP = { name: 'leadclock', label: 'leadclock (speed-to-lead)', displayOrder: -1 };

/** SLA status values shown in HubSpot. */
export const SLA_STATUSES = ['open', 'met', 'late', 'breached', 'parked', 'unassigned', 'closed'] as const;

/** One property definition (HubSpot's PropertyCreate). */
export interface PropertyDef {
  name: string;
  label: string;
  type: 'string' | 'number' | 'datetime' | 'enumeration';
  fieldType: 'text' | 'textarea' | 'number' | 'date' | 'select';
  description: string;
  hasUniqueValue?: boolean;
  /** HubSpot's OptionInput requires `hidden` on every option. */
  options?: { label: string; value: string; displayOrder: number; hidden: boolean }[];
}

/** Contact properties. */
export const CONTACT_PROPERTIES: readonly PropertyDef[] = [
  {
    name: 'leadclock_lead_id',
    label: 'leadclock lead id',
    type: 'string',
    fieldType: 'text',
    description: 'The leadclock lead this contact is being worked as.',
  },
  {
    name: 'leadclock_tier',
    label: 'SLA tier',
    type: 'string',
    fieldType: 'text',
    description: 'Tier from the leadclock policy (e.g. hand-raiser).',
  },
  {
    name: 'leadclock_sla_due_at',
    label: 'SLA due at',
    type: 'datetime',
    fieldType: 'date',
    description: 'First touch is due by this time (business hours).',
  },
  {
    name: 'leadclock_sla_status',
    label: 'SLA status',
    type: 'enumeration',
    fieldType: 'select',
    description: 'open, met, late, breached, parked, unassigned or closed.',
    options: SLA_STATUSES.map((v, i) => ({ label: v, value: v, displayOrder: i, hidden: false })),
  },
  {
    name: 'leadclock_owner_reason',
    label: 'Why this owner',
    type: 'string',
    fieldType: 'textarea',
    description: 'The routing rule and choice that gave this lead its owner.',
  },
  {
    name: 'leadclock_first_touch_seconds',
    label: 'Speed to lead (business seconds)',
    type: 'number',
    fieldType: 'number',
    description: 'Business seconds from submission to first touch.',
  },
  {
    name: 'leadclock_breach_count',
    label: 'SLA breaches',
    type: 'number',
    fieldType: 'number',
    description: 'How many times the SLA deadline passed untouched.',
  },
  {
    name: 'leadclock_reason',
    label: 'Rejection / recycle reason',
    type: 'string',
    fieldType: 'text',
    description: 'Why a rep rejected or recycled the lead (set by the rep).',
  },
];

/** Task properties: a unique key per lead and attempt makes task creation reconcilable after an ambiguous failure. */
export const TASK_PROPERTIES: readonly PropertyDef[] = [
  {
    name: 'leadclock_task_key',
    label: 'leadclock task key',
    type: 'string',
    fieldType: 'text',
    description: 'leadId:attempt; one follow-up task per lead and SLA attempt.',
    hasUniqueValue: false,
  },
];
