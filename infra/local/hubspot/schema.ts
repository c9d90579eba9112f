/** What the sandbox portal knows before anyone writes: object types, standard properties, association types. */

/** The object types the sandbox serves (plural names, as in `/crm/v3/objects/{type}`). */
export type ObjectTypeName =
  | 'contacts'
  | 'companies'
  | 'deals'
  | 'tasks'
  | 'calls'
  | 'emails'
  | 'meetings'
  | 'notes';

/** Per-type facts the CRM logic needs. */
export interface ObjectTypeConfig {
  name: ObjectTypeName;
  /** HubSpot's object type id, accepted in paths like the name. */
  typeId: string;
  /** Singular path alias (`contact`), also accepted. */
  singular: string;
  /** Upper-case name HubSpot uses in some messages ("Could not get some CONTACT objects"). */
  label: string;
  createdProperty: string;
  modifiedProperty: string;
  /** Properties returned when the caller names none. */
  defaults: readonly string[];
  /** Properties a create must carry (HubSpot refuses engagements without `hs_timestamp`). */
  required: readonly string[];
}

/** The object types, keyed by plural name. */
export const OBJECT_TYPES: Readonly<Record<ObjectTypeName, ObjectTypeConfig>> = {
  contacts: {
    name: 'contacts',
    typeId: '0-1',
    singular: 'contact',
    label: 'CONTACT',
    createdProperty: 'createdate',
    modifiedProperty: 'lastmodifieddate',
    defaults: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
    required: [],
  },
  companies: {
    name: 'companies',
    typeId: '0-2',
    singular: 'company',
    label: 'COMPANY',
    createdProperty: 'createdate',
    modifiedProperty: 'hs_lastmodifieddate',
    defaults: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
    required: [],
  },
  // docs/hubspot-semantics.md, Deals: object type 0-3, `amount`, `dealstage`, `closedate`, and the calculated
  // `hs_is_closed_won` / `hs_is_closed`.
  deals: {
    name: 'deals',
    typeId: '0-3',
    singular: 'deal',
    label: 'DEAL',
    createdProperty: 'createdate',
    modifiedProperty: 'hs_lastmodifieddate',
    defaults: [
      'amount',
      'closedate',
      'createdate',
      'dealname',
      'dealstage',
      'hs_lastmodifieddate',
      'hs_object_id',
      'pipeline',
    ],
    required: [],
  },
  tasks: engagement('tasks', '0-27', 'task', 'TASK'),
  calls: engagement('calls', '0-48', 'call', 'CALL'),
  emails: engagement('emails', '0-49', 'email', 'EMAIL'),
  meetings: engagement('meetings', '0-47', 'meeting', 'MEETING'),
  notes: engagement('notes', '0-46', 'note', 'NOTE'),
};

function engagement(name: ObjectTypeName, typeId: string, singular: string, label: string): ObjectTypeConfig {
  return {
    name,
    typeId,
    singular,
    label,
    createdProperty: 'hs_createdate',
    modifiedProperty: 'hs_lastmodifieddate',
    defaults: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
    required: ['hs_timestamp'],
  };
}

/** Resolves `contacts`, `contact`, `CONTACTS` or `0-1` to the plural name; undefined for anything else. */
export function resolveObjectType(raw: string): ObjectTypeName | undefined {
  const wanted = raw.toLowerCase();
  for (const config of Object.values(OBJECT_TYPES)) {
    if (wanted === config.name || wanted === config.singular || wanted === config.typeId) return config.name;
  }
  return undefined;
}

/** A property's value type, as HubSpot names it. */
export type PropertyType =
  | 'string'
  | 'number'
  | 'date'
  | 'datetime'
  | 'enumeration'
  | 'bool'
  | 'phone_number';

/** An enumeration option. */
export interface PropertyOption {
  label: string;
  value: string;
  displayOrder: number;
  hidden: boolean;
  description?: string;
}

/** A seeded property, before timestamps are stamped on it. */
export interface PropertySeed {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: string;
  groupName: string;
  options?: readonly string[];
  /** HubSpot computes the value; writes through the API are refused (READ_ONLY_VALUE). */
  readOnly?: boolean;
  hasUniqueValue?: boolean;
}

function prop(
  name: string,
  type: PropertyType,
  groupName: string,
  extra: Partial<Omit<PropertySeed, 'name' | 'type' | 'groupName'>> = {},
): PropertySeed {
  const fieldType =
    extra.fieldType ??
    {
      string: 'text',
      number: 'number',
      date: 'date',
      datetime: 'date',
      enumeration: 'select',
      bool: 'booleancheckbox',
      phone_number: 'phonenumber',
    }[type];
  return { label: name, ...extra, name, type, fieldType, groupName };
}

const OWNER = (group: string): PropertySeed =>
  prop('hubspot_owner_id', 'enumeration', group, { label: 'Owner', fieldType: 'select' });

const COMMON_ENGAGEMENT = (group: string): PropertySeed[] => [
  prop('hs_timestamp', 'datetime', group, { label: 'Activity date' }),
  prop('hs_createdate', 'datetime', group, { readOnly: true }),
  prop('hs_lastmodifieddate', 'datetime', group, { readOnly: true }),
  prop('hs_object_id', 'number', group, { readOnly: true, label: 'Record ID' }),
  prop('hs_activity_type', 'string', group),
  // Where HubSpot says the engagement came from (CRM_UI, SEQUENCES, INTEGRATION …); set by HubSpot.
  prop('hs_engagement_source', 'string', group, { readOnly: true }),
  OWNER(group),
];

/** Standard property groups per object type. */
export const SEED_GROUPS: Readonly<Record<ObjectTypeName, readonly { name: string; label: string }[]>> = {
  contacts: [
    { name: 'contactinformation', label: 'Contact information' },
    { name: 'contact_activity', label: 'Contact activity' },
    { name: 'sales_properties', label: 'Sales properties' },
    { name: 'conversioninformation', label: 'Conversion information' },
  ],
  companies: [{ name: 'companyinformation', label: 'Company information' }],
  deals: [{ name: 'dealinformation', label: 'Deal information' }],
  tasks: [{ name: 'task', label: 'Task information' }],
  calls: [{ name: 'call', label: 'Call information' }],
  emails: [{ name: 'email', label: 'Email information' }],
  meetings: [{ name: 'meeting', label: 'Meeting information' }],
  notes: [{ name: 'note', label: 'Note information' }],
};

/** The default sales pipeline's stages, in order; the last two are closed. */
export const DEAL_STAGES = [
  'appointmentscheduled',
  'qualifiedtobuy',
  'presentationscheduled',
  'decisionmakerboughtin',
  'contractsent',
  'closedwon',
  'closedlost',
] as const;

/** The standard properties each object type starts with (the subset leadclock and its tests touch). */
export const SEED_PROPERTIES: Readonly<Record<ObjectTypeName, readonly PropertySeed[]>> = {
  contacts: [
    prop('email', 'string', 'contactinformation', { label: 'Email', hasUniqueValue: true }),
    prop('firstname', 'string', 'contactinformation', { label: 'First Name' }),
    prop('lastname', 'string', 'contactinformation', { label: 'Last Name' }),
    prop('phone', 'string', 'contactinformation', { label: 'Phone Number', fieldType: 'phonenumber' }),
    prop('mobilephone', 'string', 'contactinformation', { fieldType: 'phonenumber' }),
    prop('company', 'string', 'contactinformation', { label: 'Company Name' }),
    prop('website', 'string', 'contactinformation'),
    prop('jobtitle', 'string', 'contactinformation', { label: 'Job Title' }),
    prop('country', 'string', 'contactinformation', { label: 'Country/Region' }),
    prop('state', 'string', 'contactinformation'),
    prop('city', 'string', 'contactinformation'),
    prop('zip', 'string', 'contactinformation'),
    prop('industry', 'string', 'contactinformation'),
    prop('numemployees', 'enumeration', 'contactinformation', {
      options: ['1-5', '5-25', '25-50', '50-100', '100-500', '500-1000', '1000+'],
    }),
    prop('annualrevenue', 'string', 'contactinformation'),
    prop('message', 'string', 'contactinformation', { fieldType: 'textarea' }),
    prop('hs_email_domain', 'string', 'contactinformation', { readOnly: true }),
    OWNER('sales_properties'),
    prop('hubspot_owner_assigneddate', 'datetime', 'sales_properties', { readOnly: true }),
    prop('hubspot_team_id', 'enumeration', 'sales_properties', { readOnly: true }),
    prop('hs_lead_status', 'enumeration', 'sales_properties', {
      label: 'Lead Status',
      options: [
        'NEW',
        'OPEN',
        'IN_PROGRESS',
        'OPEN_DEAL',
        'UNQUALIFIED',
        'ATTEMPTED_TO_CONTACT',
        'CONNECTED',
        'BAD_TIMING',
      ],
    }),
    prop('lifecyclestage', 'enumeration', 'contactinformation', {
      label: 'Lifecycle Stage',
      options: [
        'subscriber',
        'lead',
        'marketingqualifiedlead',
        'salesqualifiedlead',
        'opportunity',
        'customer',
        'evangelist',
        'other',
      ],
    }),
    prop('notes_last_contacted', 'datetime', 'contact_activity', { label: 'Last Contacted', readOnly: true }),
    prop('notes_last_updated', 'datetime', 'contact_activity', {
      label: 'Last Activity Date',
      readOnly: true,
    }),
    prop('num_contacted_notes', 'number', 'contact_activity', {
      label: 'Number of times contacted',
      readOnly: true,
    }),
    prop('hs_last_sales_activity_timestamp', 'datetime', 'contact_activity', {
      label: 'Last Engagement Date',
      readOnly: true,
    }),
    prop('hs_sales_email_last_replied', 'datetime', 'contact_activity', { readOnly: true }),
    // The current owner's first engagement (reset when the owner changes): HubSpot's sales-activity rollups.
    prop('hs_sa_first_engagement_date', 'datetime', 'sales_properties', {
      label: 'Date of first engagement',
      readOnly: true,
    }),
    prop('hs_sa_first_engagement_object_type', 'string', 'sales_properties', {
      label: 'Type of first engagement',
      readOnly: true,
    }),
    prop('hs_sa_first_engagement_descr', 'string', 'sales_properties', {
      label: 'Description of first engagement',
      readOnly: true,
    }),
    // The contact's own engagement (never a rep's touch).
    prop('hs_analytics_last_visit_timestamp', 'datetime', 'contact_activity', {
      label: 'Time of last session',
      readOnly: true,
    }),
    prop('hs_analytics_num_visits', 'number', 'contact_activity', {
      label: 'Number of Sessions',
      readOnly: true,
    }),
    prop('hs_email_last_open_date', 'datetime', 'contact_activity', {
      label: 'Last marketing email open date',
      readOnly: true,
    }),
    prop('num_conversion_events', 'number', 'conversioninformation', {
      label: 'Number of Form Submissions',
      readOnly: true,
    }),
    prop('hs_merged_object_ids', 'string', 'contactinformation', { label: 'Merged IDs', readOnly: true }),
    prop('recent_conversion_event_name', 'string', 'conversioninformation', { readOnly: true }),
    prop('recent_conversion_date', 'datetime', 'conversioninformation', { readOnly: true }),
    prop('hs_analytics_source', 'enumeration', 'conversioninformation', {
      readOnly: true,
      options: [
        'ORGANIC_SEARCH',
        'PAID_SEARCH',
        'EMAIL_MARKETING',
        'SOCIAL_MEDIA',
        'REFERRALS',
        'OTHER_CAMPAIGNS',
        'DIRECT_TRAFFIC',
        'OFFLINE',
        'PAID_SOCIAL',
      ],
    }),
    prop('createdate', 'datetime', 'contactinformation', { label: 'Create Date' }),
    prop('lastmodifieddate', 'datetime', 'contactinformation', { readOnly: true }),
    prop('hs_object_id', 'number', 'contactinformation', { label: 'Record ID', readOnly: true }),
  ],
  companies: [
    prop('name', 'string', 'companyinformation', { label: 'Company name' }),
    prop('domain', 'string', 'companyinformation', { label: 'Company Domain Name', hasUniqueValue: true }),
    prop('website', 'string', 'companyinformation'),
    prop('industry', 'string', 'companyinformation'),
    prop('country', 'string', 'companyinformation'),
    prop('city', 'string', 'companyinformation'),
    prop('numberofemployees', 'number', 'companyinformation'),
    prop('annualrevenue', 'number', 'companyinformation'),
    OWNER('companyinformation'),
    prop('createdate', 'datetime', 'companyinformation'),
    prop('hs_lastmodifieddate', 'datetime', 'companyinformation', { readOnly: true }),
    prop('hs_object_id', 'number', 'companyinformation', { readOnly: true }),
  ],
  tasks: [
    ...COMMON_ENGAGEMENT('task'),
    prop('hs_task_subject', 'string', 'task', { label: 'Task Title' }),
    prop('hs_task_body', 'string', 'task', { fieldType: 'textarea' }),
    prop('hs_task_status', 'enumeration', 'task', {
      options: ['NOT_STARTED', 'IN_PROGRESS', 'WAITING', 'COMPLETED', 'DEFERRED'],
    }),
    prop('hs_task_priority', 'enumeration', 'task', { options: ['NONE', 'LOW', 'MEDIUM', 'HIGH'] }),
    prop('hs_task_type', 'enumeration', 'task', {
      options: ['CALL', 'EMAIL', 'TODO', 'LINKED_IN', 'LINKED_IN_CONNECT', 'LINKED_IN_MESSAGE'],
    }),
    prop('hs_task_reminders', 'string', 'task'),
    prop('hs_task_completion_date', 'datetime', 'task', { readOnly: true }),
  ],
  deals: [
    prop('dealname', 'string', 'dealinformation', { label: 'Deal Name' }),
    prop('amount', 'number', 'dealinformation', { label: 'Amount' }),
    prop('pipeline', 'enumeration', 'dealinformation', { label: 'Pipeline', options: ['default'] }),
    // The default sales pipeline's stages (internal values).
    prop('dealstage', 'enumeration', 'dealinformation', {
      label: 'Deal Stage',
      options: [...DEAL_STAGES],
    }),
    prop('closedate', 'datetime', 'dealinformation', { label: 'Close Date' }),
    prop('createdate', 'datetime', 'dealinformation', { readOnly: true }),
    prop('hs_lastmodifieddate', 'datetime', 'dealinformation', { readOnly: true }),
    prop('hs_object_id', 'number', 'dealinformation', { readOnly: true, label: 'Record ID' }),
    prop('hs_is_closed_won', 'bool', 'dealinformation', { readOnly: true, label: 'Is Closed Won' }),
    prop('hs_is_closed', 'bool', 'dealinformation', { readOnly: true, label: 'Is Deal Closed?' }),
    OWNER('dealinformation'),
  ],
  calls: [
    ...COMMON_ENGAGEMENT('call'),
    prop('hs_call_title', 'string', 'call'),
    prop('hs_call_body', 'string', 'call', { fieldType: 'textarea' }),
    prop('hs_call_direction', 'enumeration', 'call', { options: ['INBOUND', 'OUTBOUND'] }),
    prop('hs_call_disposition', 'string', 'call'),
    prop('hs_call_duration', 'number', 'call'),
    prop('hs_call_from_number', 'string', 'call'),
    prop('hs_call_to_number', 'string', 'call'),
    prop('hs_call_status', 'enumeration', 'call', {
      options: [
        'BUSY',
        'CALLING_CRM_USER',
        'CANCELED',
        'COMPLETED',
        'CONNECTING',
        'FAILED',
        'IN_PROGRESS',
        'NO_ANSWER',
        'QUEUED',
        'RINGING',
      ],
    }),
  ],
  emails: [
    ...COMMON_ENGAGEMENT('email'),
    prop('hs_email_direction', 'enumeration', 'email', {
      options: ['EMAIL', 'INCOMING_EMAIL', 'FORWARDED_EMAIL'],
    }),
    prop('hs_email_subject', 'string', 'email'),
    prop('hs_email_text', 'string', 'email', { fieldType: 'textarea' }),
    prop('hs_email_html', 'string', 'email', { fieldType: 'html' }),
    prop('hs_email_headers', 'string', 'email'),
    prop('hs_email_status', 'enumeration', 'email', {
      options: ['BOUNCED', 'FAILED', 'SCHEDULED', 'SENDING', 'SENT'],
    }),
  ],
  meetings: [
    ...COMMON_ENGAGEMENT('meeting'),
    prop('hs_meeting_title', 'string', 'meeting'),
    prop('hs_meeting_body', 'string', 'meeting', { fieldType: 'textarea' }),
    prop('hs_internal_meeting_notes', 'string', 'meeting', { fieldType: 'textarea' }),
    prop('hs_meeting_location', 'string', 'meeting'),
    prop('hs_meeting_start_time', 'datetime', 'meeting'),
    prop('hs_meeting_end_time', 'datetime', 'meeting'),
    // MEETINGS_PUBLIC: booked by the contact through a meetings link (scheduling page).
    prop('hs_meeting_source', 'string', 'meeting', { readOnly: true }),
    prop('hs_meeting_outcome', 'enumeration', 'meeting', {
      options: ['SCHEDULED', 'COMPLETED', 'RESCHEDULED', 'NO_SHOW', 'CANCELED'],
    }),
  ],
  notes: [...COMMON_ENGAGEMENT('note'), prop('hs_note_body', 'string', 'note', { fieldType: 'html' })],
};

/** A HUBSPOT_DEFINED association type: its id and direction. */
export interface AssociationType {
  typeId: number;
  from: ObjectTypeName;
  to: ObjectTypeName;
  /** The type id of the same association seen from the other side. */
  inverse: number;
}

/** Pairs of (forward, inverse) HUBSPOT_DEFINED ids for the unlabeled associations between these types. */
const ASSOCIATION_PAIRS: readonly [ObjectTypeName, ObjectTypeName, number, number][] = [
  ['contacts', 'companies', 279, 280],
  ['contacts', 'deals', 4, 3],
  ['companies', 'deals', 342, 341],
  ['contacts', 'calls', 193, 194],
  ['contacts', 'emails', 197, 198],
  ['contacts', 'meetings', 199, 200],
  ['contacts', 'notes', 201, 202],
  ['contacts', 'tasks', 203, 204],
  ['companies', 'calls', 181, 182],
  ['companies', 'emails', 185, 186],
  ['companies', 'meetings', 187, 188],
  ['companies', 'notes', 189, 190],
  ['companies', 'tasks', 191, 192],
];

/** Every association type by id (task→contact is 204, call→contact 194, email→contact 198, meeting→contact 200). */
export const ASSOCIATION_TYPES: ReadonlyMap<number, AssociationType> = new Map(
  ASSOCIATION_PAIRS.flatMap(([a, b, forward, inverse]): [number, AssociationType][] => [
    [forward, { typeId: forward, from: a, to: b, inverse }],
    [inverse, { typeId: inverse, from: b, to: a, inverse: forward }],
  ]),
);

/** The default (unlabeled) association type between two object types, if there is one. */
export function defaultAssociationType(
  from: ObjectTypeName,
  to: ObjectTypeName,
): AssociationType | undefined {
  for (const type of ASSOCIATION_TYPES.values()) if (type.from === from && type.to === to) return type;
  return undefined;
}

/** Engagement types whose logging counts as contacting the person (HubSpot's "Last Contacted" rollup). */
export const SALES_ACTIVITY_TYPES: ReadonlySet<ObjectTypeName> = new Set(['calls', 'emails', 'meetings']);
