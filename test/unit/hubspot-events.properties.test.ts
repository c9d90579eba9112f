import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyEvent, parseHubSpotEvents, type TouchConfig } from '../../shared/domain/hubspot-events.ts';

const TOUCH: TouchConfig = {
  activities: ['call', 'email', 'meeting'],
  leadStatuses: ['ATTEMPTED_TO_CONTACT', 'IN_PROGRESS'],
  acceptStatuses: ['IN_PROGRESS'],
  rejectStatuses: ['UNQUALIFIED'],
  recycleStatuses: ['BAD_TIMING'],
};

const field = fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.integer({ min: 1 }), fc.constant(undefined));
const eventish = fc.record(
  {
    eventId: field,
    subscriptionType: fc.oneof(
      fc.constantFrom('contact.propertyChange', 'object.creation', 'object.propertyChange', 'call.creation'),
      field,
    ),
    objectId: field,
    occurredAt: fc.oneof(fc.integer({ min: 1, max: 4_102_444_800_000 }), field),
    portalId: field,
    attemptNumber: field,
    propertyName: fc.oneof(
      fc.constantFrom(
        'hs_lead_status',
        'notes_last_contacted',
        'hs_last_sales_activity_timestamp',
        'hubspot_owner_id',
      ),
      field,
    ),
    propertyValue: fc.oneof(fc.constantFrom('IN_PROGRESS', '', '1767261000000', 'x'), field),
    changeSource: field,
    sourceId: field,
    objectTypeId: fc.oneof(fc.constantFrom('0-1', '0-47', '0-48', '0-49'), field),
    ['__proto__']: field,
  },
  { requiredKeys: [] },
);

describe('parseHubSpotEvents: never throws', () => {
  it('accounts for every element: a valid event, or errors named by its index', () => {
    // Prepare
    const arbitrary = fc.array(fc.oneof(eventish, fc.jsonValue({ maxDepth: 2 })), { maxLength: 20 });

    // Act + Assess
    fc.assert(
      fc.property(arbitrary, (body) => {
        const { events, errors } = parseHubSpotEvents(body);
        const failed = new Set(errors.map((e) => /^\[(\d+)\]/.exec(e.field)?.[1]));
        expect(failed.has(undefined)).toBe(false);
        expect(events.length + failed.size).toBe(body.length);
        for (const e of events) expect(Array.isArray(classifyEvent(e, TOUCH))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('answers any JSON value with events and errors', () => {
    // Prepare
    const arbitrary = fc.jsonValue();

    // Act + Assess
    fc.assert(
      fc.property(arbitrary, (body) => {
        const result = parseHubSpotEvents(body);
        expect(Array.isArray(result.events) && Array.isArray(result.errors)).toBe(true);
        for (const e of result.errors) expect(e.field.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });
});
