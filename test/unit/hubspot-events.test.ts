import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  changedByUser,
  classifyEvent,
  eventKey,
  type HubSpotEvent,
  parseHubSpotEvents,
  type TouchConfig,
} from '../../shared/domain/hubspot-events.ts';

// A copy of shared/hubspot/samples/app-webhook-batch.json.
const BATCH_TEXT = readFileSync(
  new URL('../fixtures/hubspot/app-webhook-batch.json', import.meta.url),
  'utf8',
);

/** The policy schema's defaults for the `touch` section. */
const TOUCH: TouchConfig = {
  activities: ['call', 'email'],
  leadStatuses: [
    'ATTEMPTED_TO_CONTACT',
    'CONNECTED',
    'IN_PROGRESS',
    'OPEN_DEAL',
    'UNQUALIFIED',
    'BAD_TIMING',
  ],
  acceptStatuses: ['IN_PROGRESS', 'OPEN_DEAL'],
  rejectStatuses: ['UNQUALIFIED'],
  recycleStatuses: ['BAD_TIMING'],
};

const OCCURRED = 1_767_261_610_000;
const OCCURRED_ISO = '2026-01-01T10:00:10.000Z';

function batch(): Record<string, unknown>[] {
  return JSON.parse(BATCH_TEXT) as Record<string, unknown>[];
}

function ev(overrides: Partial<HubSpotEvent> = {}): HubSpotEvent {
  return {
    eventId: '1003',
    subscriptionType: 'contact.propertyChange',
    objectId: '123',
    occurredAt: OCCURRED,
    attemptNumber: 0,
    portalId: 62515,
    ...overrides,
  };
}

function statusChange(value: string): HubSpotEvent {
  return ev({
    propertyName: 'hs_lead_status',
    propertyValue: value,
    changeSource: 'CRM_UI',
    sourceId: 'userId:1',
  });
}

describe('parseHubSpotEvents', () => {
  it('parses the sample delivery into typed events', () => {
    // Prepare
    const body = batch();

    // Act
    const result = parseHubSpotEvents(body);

    // Assess
    expect(result).toEqual({
      errors: [],
      events: [
        {
          eventId: '1001',
          subscriptionType: 'contact.creation',
          objectId: '123',
          occurredAt: 1767261600000,
          attemptNumber: 0,
          portalId: 62515,
          changeSource: 'FORM',
        },
        {
          eventId: '1002',
          subscriptionType: 'contact.propertyChange',
          objectId: '123',
          occurredAt: 1767261605000,
          attemptNumber: 0,
          portalId: 62515,
          propertyName: 'hubspot_owner_id',
          propertyValue: '64492917',
          changeSource: 'CRM_UI',
          sourceId: 'userId:1234567',
        },
        {
          eventId: '1003',
          subscriptionType: 'contact.propertyChange',
          objectId: '123',
          occurredAt: 1767261610000,
          attemptNumber: 0,
          portalId: 62515,
          propertyName: 'hs_lead_status',
          propertyValue: 'IN_PROGRESS',
          changeSource: 'CRM_UI',
          sourceId: 'userId:1234567',
        },
      ],
    });
  });

  it('reads object.creation events with their objectTypeId, and ids given as digit strings', () => {
    // Prepare
    const body = [
      {
        eventId: '77',
        subscriptionType: 'object.creation',
        objectTypeId: '0-48',
        objectId: '9001',
        occurredAt: OCCURRED,
        portalId: 62515,
        attemptNumber: 2,
      },
    ];

    // Act
    const result = parseHubSpotEvents(body);

    // Assess
    expect(result).toEqual({
      errors: [],
      events: [
        {
          eventId: '77',
          subscriptionType: 'object.creation',
          objectTypeId: '0-48',
          objectId: '9001',
          occurredAt: OCCURRED,
          portalId: 62515,
          attemptNumber: 2,
        },
      ],
    });
  });

  it('keeps the valid events and names each invalid field by index', () => {
    // Prepare
    const body: unknown[] = batch();
    (body[1] as Record<string, unknown>).objectId = 'abc';
    delete (body[1] as Record<string, unknown>).occurredAt;
    (body[2] as Record<string, unknown>).propertyValue = { nested: true };
    body.push('not an event', { ...batch()[0], attemptNumber: -1, portalId: 0, subscriptionType: '' });

    // Act
    const result = parseHubSpotEvents(body);

    // Assess
    expect(result.events.map((e) => e.eventId)).toEqual(['1001']);
    expect(result.errors).toEqual([
      { field: '[1].objectId', message: 'expected a numeric id' },
      { field: '[1].occurredAt', message: 'is required' },
      { field: '[2].propertyValue', message: 'expected a text, number or boolean value' },
      { field: '[3]', message: 'expected an event object' },
      {
        field: '[4].subscriptionType',
        message: 'expected a subscription type such as contact.propertyChange',
      },
      { field: '[4].portalId', message: 'expected a portal id' },
      { field: '[4].attemptNumber', message: 'expected a whole number ≥ 0' },
    ]);
  });

  it('defaults a missing attemptNumber to 0 and turns scalar property values into text', () => {
    // Prepare
    const body = [{ ...batch()[2], attemptNumber: undefined, propertyValue: 1767261610000 }];

    // Act
    const result = parseHubSpotEvents(body);

    // Assess
    expect(result.events).toEqual([
      expect.objectContaining({ attemptNumber: 0, propertyValue: '1767261610000' }),
    ]);
  });

  it.each([
    ['an object', { eventId: 1 }, 'expected an array of events'],
    ['null', null, 'expected an array of events'],
    ['over 1000 events', Array.from({ length: 1001 }, () => batch()[0]), 'at most 1000 events per delivery'],
  ])('refuses %s as a whole', (_label, body, message) => {
    // Prepare
    const input: unknown = body;

    // Act
    const result = parseHubSpotEvents(input);

    // Assess
    expect(result).toEqual({ events: [], errors: [{ field: '(body)', message }] });
  });

  it('accepts exactly 1000 events and an empty delivery', () => {
    // Prepare
    const first = batch()[0];
    const full = Array.from({ length: 1000 }, (_, i) => ({ ...first, eventId: i + 1 }));

    // Act
    const results = [parseHubSpotEvents(full), parseHubSpotEvents([])];

    // Assess
    expect(results.map((r) => [r.events.length, r.errors.length])).toEqual([
      [1000, 0],
      [0, 0],
    ]);
  });
});

describe('eventKey', () => {
  it('joins portal, event id, subscription, object, property and time', () => {
    // Prepare
    const [creation, ownerChange] = parseHubSpotEvents(batch()).events;

    // Act
    const keys = [eventKey(creation!), eventKey(ownerChange!)];

    // Assess
    expect(keys).toEqual([
      '62515:1001:contact.creation:123::1767261600000',
      '62515:1002:contact.propertyChange:123:hubspot_owner_id:1767261605000',
    ]);
  });

  it('tells apart events that share an eventId', () => {
    // Prepare
    const a = ev({ propertyName: 'hs_lead_status' });
    const b = ev({ propertyName: 'notes_last_contacted' });

    // Act
    const keys = new Set([eventKey(a), eventKey(b), eventKey({ ...a })]);

    // Assess
    expect(keys.size).toBe(2);
  });
});

describe('classifyEvent: lead status', () => {
  it('makes IN_PROGRESS both a touch and an acceptance', () => {
    // Prepare
    const event = statusChange('IN_PROGRESS');

    // Act
    const outcomes = classifyEvent(event, TOUCH);

    // Assess
    expect(outcomes).toEqual([
      { kind: 'touch', via: 'lead_status', at: OCCURRED_ISO },
      { kind: 'accepted', status: 'IN_PROGRESS', at: OCCURRED_ISO },
    ]);
  });

  it.each([
    ['ATTEMPTED_TO_CONTACT', [{ kind: 'touch', via: 'lead_status', at: OCCURRED_ISO }]],
    [
      'UNQUALIFIED',
      [
        { kind: 'touch', via: 'lead_status', at: OCCURRED_ISO },
        { kind: 'rejected', status: 'UNQUALIFIED', at: OCCURRED_ISO },
      ],
    ],
    [
      'BAD_TIMING',
      [
        { kind: 'touch', via: 'lead_status', at: OCCURRED_ISO },
        { kind: 'recycled', status: 'BAD_TIMING', at: OCCURRED_ISO },
      ],
    ],
    ['NEW', []],
    ['', []],
  ])('classifies %j', (status, expected) => {
    // Prepare
    const event = statusChange(status);

    // Act
    const outcomes = classifyEvent(event, TOUCH);

    // Assess
    expect(outcomes).toEqual(expected);
  });

  it('follows the policy lists, case-insensitively', () => {
    // Prepare
    const touch: TouchConfig = { ...TOUCH, leadStatuses: [], acceptStatuses: ['sales_accepted'] };

    // Act
    const outcomes = classifyEvent(statusChange('SALES_ACCEPTED'), touch);

    // Assess
    expect(outcomes).toEqual([{ kind: 'accepted', status: 'SALES_ACCEPTED', at: OCCURRED_ISO }]);
  });

  it('reads generic object.propertyChange events on contacts, and ignores other objects', () => {
    // Prepare
    const contact = {
      ...statusChange('CONNECTED'),
      subscriptionType: 'object.propertyChange',
      objectTypeId: '0-1',
    };
    const company = { ...contact, objectTypeId: '0-2' };

    // Act
    const outcomes = [classifyEvent(contact, TOUCH), classifyEvent(company, TOUCH)];

    // Assess
    expect(outcomes).toEqual([
      [
        { kind: 'touch', via: 'lead_status', at: OCCURRED_ISO },
        // CONNECTED set by a user is also contact made (issue 18).
        { kind: 'outcome', fact: { kind: 'connected', at: OCCURRED_ISO, via: 'lead_status' } },
      ],
      [],
    ]);
  });
});

describe('classifyEvent: outcomes (issue 18)', () => {
  it('reads qualification from the lifecycle stage reaching SQL or opportunity, and nothing from earlier stages', () => {
    // Act
    const sql = classifyEvent(
      ev({ propertyName: 'lifecyclestage', propertyValue: 'salesqualifiedlead' }),
      TOUCH,
    );
    const mql = classifyEvent(
      ev({ propertyName: 'lifecyclestage', propertyValue: 'marketingqualifiedlead' }),
      TOUCH,
    );

    // Assess
    expect(sql).toEqual([
      { kind: 'outcome', fact: { kind: 'qualified', at: OCCURRED_ISO, stage: 'salesqualifiedlead' } },
    ]);
    expect(mql).toEqual([]);
  });

  it('passes deal creations and changes on to be read, legacy and generic subscriptions alike', () => {
    // Act
    const outcomes = [
      ev({ subscriptionType: 'deal.creation', objectId: '77' }),
      ev({
        subscriptionType: 'deal.propertyChange',
        objectId: '77',
        propertyName: 'dealstage',
        propertyValue: 'closedwon',
      }),
      ev({ subscriptionType: 'object.creation', objectTypeId: '0-3', objectId: '77' }),
    ].map((e) => classifyEvent(e, TOUCH));

    // Assess
    for (const o of outcomes) expect(o).toEqual([{ kind: 'deal', dealId: '77', at: OCCURRED_ISO }]);
  });

  it('does not take a lead status set by a workflow for contact made', () => {
    // Act
    const outcomes = classifyEvent(
      ev({
        propertyName: 'hs_lead_status',
        propertyValue: 'CONNECTED',
        changeSource: 'AUTOMATION_PLATFORM',
        sourceId: 'workflow:9',
      }),
      TOUCH,
    );

    // Assess
    expect(outcomes.filter((o) => o.kind === 'outcome')).toEqual([]);
  });
});

describe("classifyEvent: the contact's own engagement and the owner's first engagement", () => {
  it.each([
    ['notes_last_contacted', '1767261000000'],
    ['hs_last_sales_activity_timestamp', '2026-01-01T09:55:00Z'],
    ['hs_analytics_last_visit_timestamp', '2026-01-01T09:55:00Z'],
    ['recent_conversion_date', '2026-01-01T09:55:00Z'],
  ])("%s = %j is never a touch (it moves on the contact's own engagement)", (propertyName, propertyValue) => {
    // Prepare
    const event = ev({ propertyName, propertyValue, changeSource: 'CALCULATED' });

    // Act
    const outcomes = classifyEvent(event, TOUCH);

    // Assess
    expect(outcomes).toEqual([]);
  });

  it.each([
    ['1767261000000', '2026-01-01T09:50:00.000Z'],
    ['2026-01-01T09:55:00Z', '2026-01-01T09:55:00.000Z'],
    ['garbage', OCCURRED_ISO],
  ])('hs_sa_first_engagement_date = %j is a touch at %s', (propertyValue, at) => {
    // Prepare
    const event = ev({
      propertyName: 'hs_sa_first_engagement_date',
      propertyValue,
      changeSource: 'CALCULATED',
    });

    // Act
    const outcomes = classifyEvent(event, TOUCH);

    // Assess
    expect(outcomes).toEqual([{ kind: 'touch', via: 'first_engagement', at }]);
  });

  it('ignores a cleared first engagement (the owner changed)', () => {
    // Prepare
    const event = ev({ propertyName: 'hs_sa_first_engagement_date', propertyValue: '' });

    // Act
    const outcomes = classifyEvent(event, TOUCH);

    // Assess
    expect(outcomes).toEqual([]);
  });

  it.each([
    ['AUTOMATION_PLATFORM', 'flow:77'],
    ['INTEGRATION', '12345'],
    ['IMPORT', 'import:9'],
  ])('a lead status set by %s is not a touch, but still an acceptance', (changeSource, sourceId) => {
    // Prepare
    const event = { ...statusChange('IN_PROGRESS'), changeSource, sourceId };

    // Act
    const outcomes = classifyEvent(event, TOUCH);

    // Assess
    expect(outcomes).toEqual([{ kind: 'accepted', status: 'IN_PROGRESS', at: OCCURRED_ISO }]);
  });
});

describe('classifyEvent: owner changes', () => {
  it('reports a reassignment in the HubSpot UI as made by a user', () => {
    // Prepare
    const [, ownerChange] = parseHubSpotEvents(batch()).events;

    // Act
    const outcomes = classifyEvent(ownerChange!, TOUCH);

    // Assess
    expect(outcomes).toEqual([
      { kind: 'owner_changed', ownerId: '64492917', byUser: true, at: '2026-01-01T10:00:05.000Z' },
    ]);
  });

  it.each([
    ['INTEGRATION', '12345', false],
    ['API', 'userId:42', false],
    ['AUTOMATION_PLATFORM', 'flow:77', false],
    ['MOBILE_IOS', undefined, true],
    [undefined, 'userId:42', true],
    ['CRM_UI', undefined, true],
  ])('changeSource %j, sourceId %j → byUser %j', (changeSource, sourceId, byUser) => {
    // Prepare
    const event = ev({ propertyName: 'hubspot_owner_id', propertyValue: '7', changeSource, sourceId });

    // Act
    const outcomes = classifyEvent(event, TOUCH);

    // Assess
    expect(outcomes).toEqual([{ kind: 'owner_changed', ownerId: '7', byUser, at: OCCURRED_ISO }]);
    expect(changedByUser(event)).toBe(byUser);
  });

  it('reports an owner removed as an undefined owner', () => {
    // Prepare
    const event = ev({ propertyName: 'hubspot_owner_id', propertyValue: '', changeSource: 'CRM_UI' });

    // Act
    const outcomes = classifyEvent(event, TOUCH);

    // Assess
    expect(outcomes).toEqual([{ kind: 'owner_changed', ownerId: undefined, byUser: true, at: OCCURRED_ISO }]);
  });
});

describe('classifyEvent: activities', () => {
  it.each([
    ['0-48', 'call'],
    ['0-49', 'email'],
  ])('counts object.creation of type %s as a %s', (objectTypeId, activity) => {
    // Prepare
    const event = ev({ subscriptionType: 'object.creation', objectTypeId, objectId: '9001' });

    // Act
    const outcomes = classifyEvent(event, TOUCH);

    // Assess
    expect(outcomes).toEqual([{ kind: 'activity', activity, objectId: '9001', at: OCCURRED_ISO }]);
  });

  it('passes every meeting on to be read and judged (a meetings-link booking is an outcome, not a touch)', () => {
    // Prepare
    const event = ev({ subscriptionType: 'object.creation', objectTypeId: '0-47', objectId: '9002' });

    // Act
    const outcomes = classifyEvent(event, TOUCH);

    // Assess
    expect(outcomes).toEqual([{ kind: 'activity', activity: 'meeting', objectId: '9002', at: OCCURRED_ISO }]);
  });

  it('accepts dedicated call/email/meeting creation subscriptions', () => {
    // Prepare
    const touch: TouchConfig = { ...TOUCH, activities: ['call', 'email', 'meeting'] };
    const types = ['call.creation', 'email.creation', 'meeting.creation'];

    // Act
    const outcomes = types.map((subscriptionType) =>
      classifyEvent(ev({ subscriptionType, objectId: '5' }), touch),
    );

    // Assess
    expect(outcomes).toEqual([
      [{ kind: 'activity', activity: 'call', objectId: '5', at: OCCURRED_ISO }],
      [{ kind: 'activity', activity: 'email', objectId: '5', at: OCCURRED_ISO }],
      [{ kind: 'activity', activity: 'meeting', objectId: '5', at: OCCURRED_ISO }],
    ]);
  });
});

describe('classifyEvent: merges', () => {
  it('reads a contact merge as the merged-away ids following the primary, legacy and generic', () => {
    // Prepare
    const parsed = parseHubSpotEvents([
      {
        eventId: 1,
        subscriptionType: 'contact.merge',
        objectId: 300,
        occurredAt: OCCURRED,
        portalId: 62515,
        primaryObjectId: 300,
        mergedObjectIds: [100, 200],
      },
      {
        eventId: 2,
        subscriptionType: 'object.merge',
        objectTypeId: '0-1',
        objectId: 300,
        occurredAt: OCCURRED,
        portalId: 62515,
        primaryObjectId: '300',
        mergedObjectIds: ['100'],
      },
      {
        eventId: 3,
        subscriptionType: 'object.merge',
        objectTypeId: '0-2',
        objectId: 300,
        occurredAt: OCCURRED,
        portalId: 62515,
        primaryObjectId: 300,
        mergedObjectIds: [100],
      },
    ]);

    // Act
    const outcomes = parsed.events.map((e) => classifyEvent(e, TOUCH));

    // Assess
    expect(parsed.errors).toEqual([]);
    expect(outcomes).toEqual([
      [{ kind: 'contact_merged', primaryId: '300', mergedIds: ['100', '200'], at: OCCURRED_ISO }],
      [{ kind: 'contact_merged', primaryId: '300', mergedIds: ['100'], at: OCCURRED_ISO }],
      [],
    ]);
  });
});

describe('classifyEvent: ignored events', () => {
  it.each([
    ['contact creation', ev({ subscriptionType: 'contact.creation' })],
    ['another property', ev({ propertyName: 'jobtitle', propertyValue: 'CTO' })],
    [
      'a company status',
      ev({
        subscriptionType: 'company.propertyChange',
        propertyName: 'hs_lead_status',
        propertyValue: 'IN_PROGRESS',
      }),
    ],
    ['a task creation', ev({ subscriptionType: 'object.creation', objectTypeId: '0-27' })],
    ['an object.creation without a type', ev({ subscriptionType: 'object.creation' })],
  ])('ignores %s', (_label, event) => {
    // Prepare
    const input = event;

    // Act
    const outcomes = classifyEvent(input, TOUCH);

    // Assess
    expect(outcomes).toEqual([]);
  });
});
