/**
 * The sandbox as unforgiving as a portal (docs/hubspot-semantics.md): search lags writes, the contact's own
 * engagement moves HubSpot's engagement properties, property options need `hidden`, deleted and merged
 * contacts answer as HubSpot does; and `hubspot:setup` brings an existing definition up to date.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type HubSpotSandbox, startHubSpotSandbox } from '#local/hubspot/sandbox.ts';
import { CONTACT_PROPERTIES } from '../../shared/adapters/hubspot/properties.ts';
import { setupProperties } from '../../shared/adapters/hubspot/setup.ts';

const T0 = Date.parse('2026-01-05T09:00:00.000Z');

/** The parts of HubSpot's answers these tests read. */
interface Answer {
  id: string;
  total: number;
  message: string;
  properties: Record<string, string>;
  results: {
    id: string;
    properties: Record<string, string>;
    userId?: number | null;
    userIdIncludingInactive?: number;
  }[];
  propertiesWithHistory: Record<string, { value: string; sourceType: string }[]>;
  options: { value: string }[];
}

describe('HubSpot sandbox fidelity', () => {
  let sandbox: HubSpotSandbox;
  let clock: number;
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${sandbox.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : {}) as Answer };
  };
  const searchByEmail = (email: string) =>
    call('POST', '/crm/v3/objects/contacts/search', {
      filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: email }] }],
      properties: ['email', 'firstname'],
    });

  beforeEach(async () => {
    clock = T0;
    sandbox = await startHubSpotSandbox({
      owners: [{ id: '101', email: 'ada@example.com', firstName: 'Ada', lastName: 'L' }],
      now: () => clock,
    });
  });
  afterEach(async () => {
    await sandbox.close();
  });

  it('search trails writes by the lag (3 s by default), then shows the new values; reads by id never lag', async () => {
    // Prepare
    const created = await call('POST', '/crm/v3/objects/contacts', {
      properties: { email: 'jane@example.com', firstname: 'Jane' },
    });

    // Act
    const atOnce = await searchByEmail('JANE@example.com');
    const byId = await call('GET', `/crm/v3/objects/contacts/${created.body.id}?properties=firstname`);
    clock += 3_000;
    const later = await searchByEmail('JANE@example.com');
    await call('PATCH', `/crm/v3/objects/contacts/${created.body.id}`, {
      properties: { firstname: 'Janet' },
    });
    const stale = await searchByEmail('jane@example.com');
    clock += 3_000;
    const fresh = await searchByEmail('jane@example.com');

    // Assess
    expect(atOnce.body.total).toBe(0);
    expect(byId.body.properties.firstname).toBe('Jane');
    expect(later.body.results.map((r) => r.properties.firstname)).toEqual(['Jane']);
    expect(stale.body.results.map((r) => r.properties.firstname)).toEqual(['Jane']);
    expect(fresh.body.results.map((r) => r.properties.firstname)).toEqual(['Janet']);
  });

  it('the driver moves the engagement properties HubSpot moves on the contact own activity, and refuses a bad type', async () => {
    // Prepare
    const jane = sandbox.createContact({ email: 'jane@example.com' });
    const at = '2026-01-05T09:10:00.000Z';

    // Act
    const visit = await call('POST', `/sandbox/v1/contacts/${jane.id}/activity`, { type: 'site_visit', at });
    const form = await call('POST', `/sandbox/v1/contacts/${jane.id}/activity`, {
      type: 'form_submission',
      at,
    });
    const chat = await call('POST', `/sandbox/v1/contacts/${jane.id}/activity`, { type: 'inbound_chat', at });
    const bad = await call('POST', `/sandbox/v1/contacts/${jane.id}/activity`, { type: 'phone_call' });
    const missing = await call('POST', '/sandbox/v1/contacts/999/activity', { type: 'site_visit' });

    // Assess
    expect([visit.status, form.status, chat.status, bad.status, missing.status]).toEqual([
      200, 200, 200, 400, 404,
    ]);
    expect(sandbox.contact(jane.id)?.properties).toMatchObject({
      hs_last_sales_activity_timestamp: at,
      hs_analytics_last_visit_timestamp: at,
      hs_analytics_num_visits: '1',
      recent_conversion_date: at,
      num_conversion_events: '1',
      notes_last_contacted: at,
    });
    expect(sandbox.contact(jane.id)?.properties.hs_sa_first_engagement_date).toBeUndefined();
  });

  it('sets the owner first engagement on a rep call, clears it when the owner changes, and keeps property history', async () => {
    // Prepare
    const jane = sandbox.createContact({ email: 'jane@example.com', hubspot_owner_id: '101' });
    sandbox.setContactProperty(jane.id, 'hs_lead_status', 'ATTEMPTED_TO_CONTACT', {
      sourceType: 'AUTOMATION_PLATFORM',
      sourceId: 'flow:7',
    });
    sandbox.setContactProperty(jane.id, 'hs_lead_status', 'CONNECTED');

    // Act
    sandbox.logActivity(jane.id, 'call', T0 + 60_000);
    const afterCall = { ...sandbox.contact(jane.id)!.properties };
    await call('PATCH', `/crm/v3/objects/contacts/${jane.id}`, { properties: { hubspot_owner_id: '' } });
    const history = await call(
      'GET',
      `/crm/v3/objects/contacts/${jane.id}?properties=hs_lead_status&propertiesWithHistory=hs_lead_status`,
    );

    // Assess
    expect(afterCall).toMatchObject({
      hs_sa_first_engagement_date: '2026-01-05T09:01:00.000Z',
      hs_sa_first_engagement_object_type: 'CALL',
    });
    expect(sandbox.contact(jane.id)?.properties.hs_sa_first_engagement_date).toBeUndefined();
    expect(history.body.propertiesWithHistory.hs_lead_status?.map((v) => [v.value, v.sourceType])).toEqual([
      ['CONNECTED', 'CRM_UI'],
      ['ATTEMPTED_TO_CONTACT', 'AUTOMATION_PLATFORM'],
    ]);
  });

  it('answers a deleted contact with 404 and a merged-away id with the surviving contact', async () => {
    // Prepare
    const gone = sandbox.createContact({ email: 'gone@example.com' });
    const old = sandbox.createContact({ email: 'old@example.com' });
    const survivor = sandbox.createContact({ email: 'survivor@example.com' });
    const callOnOld = sandbox.logActivity(old.id, 'call', T0);

    // Act
    const deleted = await call('DELETE', `/crm/v3/objects/contacts/${gone.id}`);
    const merged = await call('POST', '/crm/v3/objects/contacts/merge', {
      primaryObjectId: survivor.id,
      objectIdToMerge: old.id,
    });
    const readGone = await call('GET', `/crm/v3/objects/contacts/${gone.id}`);
    const readOld = await call(
      'GET',
      `/crm/v3/objects/contacts/${old.id}?properties=email,hs_merged_object_ids`,
    );

    // Assess
    expect([deleted.status, merged.status, readGone.status]).toEqual([204, 200, 404]);
    expect([readOld.status, readOld.body.id, readOld.body.properties]).toEqual([
      200,
      survivor.id,
      { email: 'survivor@example.com', hs_merged_object_ids: old.id },
    ]);
    expect(sandbox.associated('contacts', survivor.id, 'calls')).toEqual([callOnOld.id]);
  });

  it('refuses property options without hidden, and lists deactivated users with userId null', async () => {
    // Prepare
    await call('POST', '/crm/v3/properties/contacts/groups', { name: 'g', label: 'G' });
    sandbox.upsertOwner({
      id: '102',
      email: 'left@example.com',
      firstName: 'Left',
      lastName: 'Co',
      active: false,
    });

    // Act
    const refused = await call('POST', '/crm/v3/properties/contacts', {
      name: 'x_status',
      label: 'X',
      type: 'enumeration',
      fieldType: 'select',
      groupName: 'g',
      options: [{ label: 'a', value: 'a', displayOrder: 0 }],
    });
    const owners = await call('GET', '/crm/v3/owners');

    // Assess
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain('options[0]');
    expect(
      owners.body.results.map((o) => [o.id, o.userId === null, typeof o.userIdIncludingInactive]),
    ).toEqual([
      ['101', false, 'number'],
      ['102', true, 'number'],
    ]);
  });

  it('hubspot:setup adds missing options to an existing property and reports a property of another type', async () => {
    // Prepare: an older install made leadclock_sla_status with two options; someone made leadclock_tier a number.
    const status = CONTACT_PROPERTIES.find((p) => p.name === 'leadclock_sla_status')!;
    await call('POST', '/crm/v3/properties/contacts/groups', { name: 'leadclock', label: 'leadclock' });
    await call('POST', '/crm/v3/properties/contacts', {
      ...status,
      groupName: 'leadclock',
      options: status.options!.slice(0, 2),
    });
    await call('POST', '/crm/v3/properties/contacts', {
      name: 'leadclock_tier',
      label: 'Tier',
      type: 'number',
      fieldType: 'number',
      groupName: 'leadclock',
    });

    // Act
    const lines = await setupProperties(sandbox.url, sandbox.token);
    const again = await setupProperties(sandbox.url, sandbox.token);
    const options = await call('GET', '/crm/v3/properties/contacts/leadclock_sla_status');

    // Assess
    const result = (ls: typeof lines, name: string) => ls.find((l) => l.name === name)?.result;
    expect(result(lines, 'leadclock_sla_status')).toBe('updated');
    expect(result(lines, 'leadclock_tier')).toBe('conflict');
    expect(result(lines, 'leadclock_lead_id')).toBe('created');
    expect(result(again, 'leadclock_sla_status')).toBe('exists');
    expect(options.body.options.map((o) => o.value)).toEqual(status.options!.map((o) => o.value));
  });
});
