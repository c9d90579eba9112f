/** The HubSpot sandbox driven over HTTP by the real `@hubspot/api-client`: the full Client and deep imports. */

import { Client } from '@hubspot/api-client';
import * as associationsLib from '@hubspot/api-client/lib/codegen/crm/associations/v4/index.js';
import * as contactsLib from '@hubspot/api-client/lib/codegen/crm/contacts/index.js';
import * as callsLib from '@hubspot/api-client/lib/codegen/crm/objects/calls/index.js';
import * as tasksLib from '@hubspot/api-client/lib/codegen/crm/objects/tasks/index.js';
import * as propertiesLib from '@hubspot/api-client/lib/codegen/crm/properties/index.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type HubSpotSandbox,
  type HubSpotSandboxOptions,
  startHubSpotSandbox,
} from '#local/hubspot/sandbox.ts';

/**
 * (Kept local: Biome forbids exports from test files. Meant to move to the HubSpot client config module.)
 * Builds the configuration for a deep-imported generated API (one `lib/codegen/crm/<area>/index.js` module)
 * pointed at `baseUrl` with a private-app token. Each module has its own `createConfiguration` and
 * `ServerConfiguration`, so the module is passed in: `new BatchApi(deepImportConfig(contactsLib, url, token))`.
 */
function deepImportConfig<Server, Config>(
  lib: {
    createConfiguration(params: {
      baseServer: Server;
      authMethods: { oauth2: { accessToken: string } };
    }): Config;
    ServerConfiguration: new (url: string, variables: Record<string, never>) => Server;
  },
  baseUrl: string,
  accessToken: string,
): Config {
  return lib.createConfiguration({
    baseServer: new lib.ServerConfiguration(baseUrl, {}),
    authMethods: { oauth2: { accessToken } },
  });
}

/** What the generated client throws for a non-2xx answer (each module has its own ApiException class). */
interface ApiFailure {
  code: number;
  body: unknown;
  headers: Record<string, string>;
}

async function failureOf(call: Promise<unknown>): Promise<ApiFailure> {
  try {
    await call;
  } catch (error) {
    return error as ApiFailure;
  }
  throw new Error('expected the call to fail');
}

const TOKEN = 'pat-na1-sandbox-test';
const OWNERS = [
  {
    id: '101',
    email: 'ada@example.com',
    firstName: 'Ada',
    lastName: 'Lovelace',
    teams: [{ id: 't1', name: 'EMEA' }],
  },
  { id: '102', email: 'alan@example.com', firstName: 'Alan', lastName: 'Turing' },
  { id: '103', email: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper' },
  { id: '104', email: 'gone@example.com', firstName: 'Former', lastName: 'Rep', archived: true },
];
const T0 = Date.parse('2026-01-05T09:00:00.000Z');

describe('HubSpot sandbox', () => {
  let sandbox: HubSpotSandbox;
  let clock: number;
  const start = async (extra: HubSpotSandboxOptions = {}) => {
    await sandbox?.close();
    sandbox = await startHubSpotSandbox({ token: TOKEN, owners: OWNERS, now: () => clock, ...extra });
    return sandbox;
  };
  const client = () => new Client({ accessToken: TOKEN, basePath: sandbox.url, numberOfApiCallRetries: 0 });
  const contactsBatch = () => new contactsLib.BatchApi(deepImportConfig(contactsLib, sandbox.url, TOKEN));
  const contactsSearch = () => new contactsLib.SearchApi(deepImportConfig(contactsLib, sandbox.url, TOKEN));
  const tasksBatch = () => new tasksLib.BatchApi(deepImportConfig(tasksLib, sandbox.url, TOKEN));
  const propertiesCore = () => new propertiesLib.CoreApi(deepImportConfig(propertiesLib, sandbox.url, TOKEN));
  const propertyGroups = () =>
    new propertiesLib.GroupsApi(deepImportConfig(propertiesLib, sandbox.url, TOKEN));
  const callsBasic = () => new callsLib.BasicApi(deepImportConfig(callsLib, sandbox.url, TOKEN));
  const associations = () =>
    new associationsLib.BasicApi(deepImportConfig(associationsLib, sandbox.url, TOKEN));
  const hubspotDefined = tasksLib.AssociationSpecAssociationCategoryEnum.HubspotDefined;

  const createSlaProperty = async () => {
    await propertyGroups().create('contacts', { name: 'leadclock', label: 'leadclock' });
    await propertiesCore().create('contacts', {
      name: 'leadclock_sla_due_at',
      label: 'SLA due at',
      type: propertiesLib.PropertyCreateTypeEnum.Datetime,
      fieldType: propertiesLib.PropertyCreateFieldTypeEnum.Date,
      groupName: 'leadclock',
    });
  };

  beforeEach(async () => {
    clock = T0;
    await start();
  });

  afterEach(async () => {
    await sandbox.close();
  });

  it('refuses a wrong bearer token with 401 INVALID_AUTHENTICATION', async () => {
    // Prepare
    const intruder = new Client({
      accessToken: 'pat-na1-wrong',
      basePath: sandbox.url,
      numberOfApiCallRetries: 0,
    });

    // Act
    const failure = await failureOf(intruder.crm.owners.ownersApi.getPage());

    // Assess
    expect(failure.code).toBe(401);
    expect(failure.body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
    expect(sandbox.requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ['GET', '/crm/v3/owners', 401],
    ]);
  });

  it('creates a property group and a custom property, then answers 409 when either is created again', async () => {
    // Prepare
    await createSlaProperty();

    // Act
    const again = await failureOf(
      propertiesCore().create('contacts', {
        name: 'leadclock_sla_due_at',
        label: 'SLA due at',
        type: propertiesLib.PropertyCreateTypeEnum.Datetime,
        fieldType: propertiesLib.PropertyCreateFieldTypeEnum.Date,
        groupName: 'leadclock',
      }),
    );
    const groupAgain = await failureOf(
      propertyGroups().create('contacts', { name: 'leadclock', label: 'x' }),
    );
    const read = await propertiesCore().getByName('contacts', 'leadclock_sla_due_at');

    // Assess
    expect(again.code).toBe(409);
    expect(again.body).toMatchObject({
      category: 'OBJECT_ALREADY_EXISTS',
      message: "Property named 'leadclock_sla_due_at' already exists.",
    });
    expect(groupAgain.code).toBe(409);
    expect(read).toMatchObject({ name: 'leadclock_sla_due_at', type: 'datetime', groupName: 'leadclock' });
    expect(sandbox.counts.byStatus).toEqual({ 200: 1, 201: 2, 409: 2 });
  });

  it('batch upsert by email creates contacts, then updates the same ones', async () => {
    // Prepare
    const inputs = [
      { id: 'Jane.Doe@Example.com', idProperty: 'email', properties: { firstname: 'Jane' } },
      { id: 'max@example.com', idProperty: 'email', properties: { firstname: 'Max' } },
    ];

    // Act
    const created = await contactsBatch().upsert({ inputs });
    const updated = await contactsBatch().upsert({
      inputs: [{ id: 'jane.doe@example.com', idProperty: 'email', properties: { firstname: 'Janet' } }],
    });

    // Assess
    expect(created.results.map((r) => [r._new, r.properties.email])).toEqual([
      [true, 'jane.doe@example.com'],
      [true, 'max@example.com'],
    ]);
    expect(updated.results.map((r) => [r._new, r.id])).toEqual([[false, created.results[0]?.id]]);
    expect(sandbox.contacts().map((c) => c.properties.firstname)).toEqual(['Janet', 'Max']);
  });

  it('batch update sets the owner and a custom property created first', async () => {
    // Prepare
    await createSlaProperty();
    const jane = sandbox.createContact({ email: 'jane@example.com' });
    const max = sandbox.createContact({ email: 'max@example.com' });
    clock = T0 + 60_000;

    // Act
    const response = await contactsBatch().update({
      inputs: [
        {
          id: jane.id,
          properties: { hubspot_owner_id: '101', leadclock_sla_due_at: '2026-01-05T09:05:00Z' },
        },
        { id: max.id, properties: { hubspot_owner_id: '102', leadclock_sla_due_at: String(T0 + 600_000) } },
      ],
    });

    // Assess
    expect(response.results).toHaveLength(2);
    expect(sandbox.contact(jane.id)?.properties).toMatchObject({
      hubspot_owner_id: '101',
      hubspot_owner_assigneddate: '2026-01-05T09:01:00.000Z',
      leadclock_sla_due_at: '2026-01-05T09:05:00.000Z',
      lastmodifieddate: '2026-01-05T09:01:00.000Z',
    });
    expect(sandbox.contact(max.id)?.properties).toMatchObject({
      hubspot_owner_id: '102',
      leadclock_sla_due_at: '2026-01-05T09:10:00.000Z',
    });
  });

  it('batch update with an unknown id answers 207: the rest is written, the id is reported', async () => {
    // Prepare
    const jane = sandbox.createContact({ email: 'jane@example.com' });

    // Act
    const response = await contactsBatch().updateWithHttpInfo({
      inputs: [
        { id: jane.id, properties: { hs_lead_status: 'NEW' } },
        { id: '999', properties: { hs_lead_status: 'NEW' } },
      ],
    });

    // Assess
    expect(response.httpStatusCode).toBe(207);
    expect(response.data.results.map((r) => r.id)).toEqual([jane.id]);
    expect(response.data).toMatchObject({
      numErrors: 1,
      errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', context: { ids: ['999'] } }],
    });
    expect(sandbox.contact(jane.id)?.properties.hs_lead_status).toBe('NEW');
  });

  it('refuses unknown properties, read-only ones and unknown owners, and writes nothing', async () => {
    // Prepare
    const jane = sandbox.createContact({ email: 'jane@example.com', firstname: 'Jane' });

    // Act
    const failure = await failureOf(
      contactsBatch().update({
        inputs: [
          {
            id: jane.id,
            properties: {
              firstname: 'Changed',
              leadclock_not_created: 'x',
              notes_last_contacted: String(T0),
              hubspot_owner_id: '104',
            },
          },
        ],
      }),
    );

    // Assess
    expect(failure.code).toBe(400);
    expect(failure.body).toMatchObject({
      status: 'error',
      category: 'VALIDATION_ERROR',
      errors: [
        { code: 'PROPERTY_DOESNT_EXIST', context: { propertyName: ['leadclock_not_created'] } },
        { code: 'READ_ONLY_VALUE', context: { propertyName: ['notes_last_contacted'] } },
        { code: 'INVALID_OWNER_ID', context: { propertyName: ['hubspot_owner_id'] } },
      ],
    });
    expect((failure.body as { message: string }).message).toContain(
      'Property \\"leadclock_not_created\\" does not exist',
    );
    expect(sandbox.contact(jane.id)?.properties.firstname).toBe('Jane');
  });

  it('batch creates tasks associated with their contact (type 204) and requires hs_timestamp', async () => {
    // Prepare
    const jane = sandbox.createContact({ email: 'jane@example.com' });
    const max = sandbox.createContact({ email: 'max@example.com' });
    const task = (contactId: string, subject: string) => ({
      properties: {
        hs_timestamp: '2026-01-05T09:05:00.000Z',
        hs_task_subject: subject,
        hs_task_priority: 'HIGH',
        hs_task_type: 'CALL',
        hubspot_owner_id: '101',
      },
      associations: [
        { to: { id: contactId }, types: [{ associationCategory: hubspotDefined, associationTypeId: 204 }] },
      ],
    });

    // Act
    const created = await tasksBatch().create({
      inputs: [task(jane.id, 'Call Jane'), task(max.id, 'Call Max')],
    });
    const missingDue = await failureOf(
      tasksBatch().create({ inputs: [{ properties: { hs_task_subject: 'No due time' }, associations: [] }] }),
    );

    // Assess
    expect(created.results.map((t) => t.properties.hs_task_subject)).toEqual(['Call Jane', 'Call Max']);
    expect(sandbox.tasksFor(jane.id).map((t) => t.properties)).toEqual([
      expect.objectContaining({
        hs_task_subject: 'Call Jane',
        hs_task_status: 'NOT_STARTED',
        hs_timestamp: '2026-01-05T09:05:00.000Z',
        hubspot_owner_id: '101',
      }),
    ]);
    expect(sandbox.associated('tasks', created.results[1]?.id ?? '', 'contacts')).toEqual([max.id]);
    expect(missingDue.code).toBe(400);
    expect(missingDue.body).toMatchObject({ errors: [{ code: 'MISSING_REQUIRED_PROPERTY' }] });
    expect(sandbox.tasks()).toHaveLength(2);
  });

  it('batch updates a task and reads it back by id', async () => {
    // Prepare
    const jane = sandbox.createContact({ email: 'jane@example.com' });
    const [task] = (
      await tasksBatch().create({
        inputs: [
          {
            properties: { hs_timestamp: String(T0 + 300_000), hs_task_subject: 'Call Jane' },
            associations: [
              {
                to: { id: jane.id },
                types: [{ associationCategory: hubspotDefined, associationTypeId: 204 }],
              },
            ],
          },
        ],
      })
    ).results;
    clock = T0 + 240_000;

    // Act
    await tasksBatch().update({
      inputs: [{ id: task?.id ?? '', properties: { hs_task_status: 'COMPLETED' } }],
    });
    const read = await new tasksLib.BasicApi(deepImportConfig(tasksLib, sandbox.url, TOKEN)).getById(
      task?.id ?? '',
      ['hs_task_status', 'hs_task_completion_date', 'hs_timestamp'],
    );

    // Assess
    expect(read.properties).toEqual({
      hs_task_status: 'COMPLETED',
      hs_task_completion_date: '2026-01-05T09:04:00.000Z',
      hs_timestamp: '2026-01-05T09:05:00.000Z',
    });
  });

  it('refuses a batch of more than 100 inputs', async () => {
    // Prepare
    const inputs = Array.from({ length: 101 }, (_, i) => ({
      id: `lead${i}@example.com`,
      idProperty: 'email',
      properties: { firstname: `Lead ${i}` },
    }));

    // Act
    const failure = await failureOf(contactsBatch().upsert({ inputs }));

    // Assess
    expect(failure.code).toBe(400);
    expect(failure.body).toMatchObject({ category: 'VALIDATION_ERROR' });
    expect(sandbox.contacts()).toEqual([]);
  });

  it('answers 429 TEN_SECONDLY_ROLLING past 190 requests in 10 s, with the rate-limit headers, until the window rolls', async () => {
    // Prepare
    const hubspot = client();
    for (let i = 0; i < 189; i++) await hubspot.crm.owners.ownersApi.getPage();

    // Act
    const last = await hubspot.crm.owners.ownersApi.getPageWithHttpInfo();
    const refused = await failureOf(hubspot.crm.owners.ownersApi.getPage());
    clock = T0 + 10_001;
    const afterWindow = await hubspot.crm.owners.ownersApi.getPageWithHttpInfo();

    // Assess
    expect(last.headers).toMatchObject({
      'x-hubspot-ratelimit-max': '190',
      'x-hubspot-ratelimit-remaining': '0',
      'x-hubspot-ratelimit-interval-milliseconds': '10000',
    });
    expect(refused.code).toBe(429);
    expect(refused.body).toMatchObject({
      status: 'error',
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
      message: 'You have reached your ten_secondly_rolling limit.',
    });
    expect(refused.headers['x-hubspot-ratelimit-remaining']).toBe('0');
    expect(afterWindow.headers['x-hubspot-ratelimit-remaining']).toBe('189');
    expect(sandbox.counts).toEqual({ total: 192, byStatus: { 200: 191, 429: 1 }, rateLimited: 1 });
  });

  it('limits search to 5 requests a second with a SECONDLY 429', async () => {
    // Prepare
    const request = { filterGroups: [], limit: 10 };
    for (let i = 0; i < 5; i++) await contactsSearch().doSearch(request);

    // Act
    const refused = await failureOf(contactsSearch().doSearch(request));
    clock = T0 + 1_001;
    const later = await contactsSearch().doSearch(request);

    // Assess
    expect(refused.code).toBe(429);
    expect(refused.body).toMatchObject({
      policyName: 'SECONDLY',
      message: 'You have reached your secondly limit.',
    });
    expect(later.total).toBe(0);
  });

  it('injects 5xx deterministically, only on matching paths', async () => {
    // Prepare
    const draws = [0.1, 0.7, 0.2];
    await start({ random: () => draws.shift() ?? 1, faults: { rate5xx: 0.5, only: /\/batch\// } });
    const hubspot = client();
    const read = () =>
      hubspot.crm.contacts.batchApi.read({ inputs: [], properties: [], propertiesWithHistory: [] });

    // Act
    const first = await failureOf(read());
    await read();
    await hubspot.crm.owners.ownersApi.getPage();
    const drawsLeftAfterUnmatchedPath = [...draws];
    sandbox.setFaults({ rate5xx: 1, status5xx: 500 });
    const json500 = await failureOf(hubspot.crm.owners.ownersApi.getPage());

    // Assess
    expect(first.code).toBe(502);
    expect(String(first.body)).toContain('502');
    expect(json500.code).toBe(500);
    expect(json500.body).toMatchObject({ status: 'error', category: 'INTERNAL_ERROR' });
    expect(sandbox.requests.map((r) => [r.path, r.status, r.fault])).toEqual([
      ['/crm/v3/objects/contacts/batch/read', 502, '5xx'],
      ['/crm/v3/objects/contacts/batch/read', 200, undefined],
      ['/crm/v3/owners', 200, undefined],
      ['/crm/v3/owners', 500, '5xx'],
    ]);
    expect(drawsLeftAfterUnmatchedPath).toEqual([0.2]);
  });

  it('injects hangs that outlast a client timeout and end with a destroyed socket', async () => {
    // Prepare
    sandbox.setFaults({ rateTimeout: 1, hangMs: 50 });

    // Act
    const timedOut = await failureOf(
      fetch(`${sandbox.url}/crm/v3/owners`, {
        headers: { authorization: `Bearer ${TOKEN}` },
        signal: AbortSignal.timeout(20),
      }),
    );
    const hungUp = await failureOf(client().crm.owners.ownersApi.getPage());

    // Assess
    expect((timedOut as unknown as Error).name).toBe('TimeoutError');
    expect(hungUp).toBeInstanceOf(TypeError);
    expect(sandbox.requests.map((r) => [r.status, r.fault])).toEqual([
      [0, 'timeout'],
      [0, 'timeout'],
    ]);
  });

  it('adds latency to every answer and closes cleanly while a request still hangs', async () => {
    // Prepare
    await start({ latencyMs: 40, faults: { rateTimeout: 1, only: /\/owners/ } });
    const hubspot = client();
    const hanging = failureOf(hubspot.crm.owners.ownersApi.getPage());

    // Act
    await hubspot.crm.properties.coreApi.getByName('contacts', 'email');
    const closing = performance.now();
    await sandbox.close();
    const closedInMs = performance.now() - closing;
    const hungUp = await hanging;

    // Assess
    // Two connections: either request may be logged first.
    const logged = sandbox.requests.map((r) => [r.path, r.status, r.durationMs >= 40]).sort();
    expect(logged).toEqual([
      ['/crm/v3/owners', 0, true],
      ['/crm/v3/properties/contacts/email', 200, true],
    ]);
    expect(closedInMs).toBeLessThan(1_000);
    expect(hungUp).toBeInstanceOf(TypeError);
  });

  it('pages owners and separates archived ones', async () => {
    // Prepare
    const owners = client().crm.owners.ownersApi;

    // Act
    const first = await owners.getPage(undefined, undefined, 2);
    const second = await owners.getPage(undefined, first.paging?.next?.after, 2);
    const archived = await owners.getPage(undefined, undefined, 100, true);
    const one = await owners.getById(101);
    const gone = await failureOf(owners.getById(104));

    // Assess
    expect(first.results.map((o) => o.id)).toEqual(['101', '102']);
    expect(first.paging?.next?.after).toBe('2');
    expect(second.results.map((o) => o.id)).toEqual(['103']);
    expect(second.paging).toBeUndefined();
    expect(archived.results.map((o) => [o.id, o.archived])).toEqual([['104', true]]);
    expect(one).toMatchObject({
      email: 'ada@example.com',
      type: 'PERSON',
      teams: [{ id: 't1', name: 'EMEA' }],
    });
    expect(gone.code).toBe(404);
  });

  it('searches by email and by notes_last_contacted GTE, with sorting and paging', async () => {
    // Prepare
    const jane = sandbox.createContact({ email: 'jane@example.com', firstname: 'Jane' });
    const max = sandbox.createContact({ email: 'max@example.com', firstname: 'Max' });
    const ann = sandbox.createContact({ email: 'ann@example.com', firstname: 'Ann' });
    sandbox.logActivity(jane.id, 'call', T0 + 5 * 60_000);
    sandbox.logActivity(max.id, 'email', T0 - 60_000);
    sandbox.logActivity(ann.id, 'meeting', '2026-01-05T09:10:00Z');
    // Search reads an index that trails writes by the search lag (3 s by default).
    clock += 3_000;
    const { Gte, Eq } = contactsLib.FilterOperatorEnum;
    const search = contactsSearch();
    // HubSpot documents sorts as objects; the generated client types them as strings, hence the cast.
    const newestFirst = {
      propertyName: 'notes_last_contacted',
      direction: 'DESCENDING',
    } as unknown as string;

    // Act
    const byEmail = await search.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'email', operator: Eq, value: 'JANE@example.com' }] }],
      properties: ['email', 'notes_last_contacted'],
    });
    const touched = await search.doSearch({
      filterGroups: [
        { filters: [{ propertyName: 'notes_last_contacted', operator: Gte, value: String(T0) }] },
      ],
      sorts: [newestFirst],
      properties: ['firstname'],
      limit: 1,
    });
    const nextPage = await search.doSearch({
      filterGroups: [
        {
          filters: [
            {
              propertyName: 'notes_last_contacted',
              operator: Gte,
              value: '2026-01-05T09:00:00Z',
            },
          ],
        },
      ],
      sorts: [newestFirst],
      properties: ['firstname'],
      limit: 1,
      after: touched.paging?.next?.after ?? '',
    });
    const tooMany = await failureOf(search.doSearch({ filterGroups: [], limit: 201 }));

    // Assess
    expect(byEmail.total).toBe(1);
    expect(byEmail.results[0]?.properties).toEqual({
      email: 'jane@example.com',
      notes_last_contacted: '2026-01-05T09:05:00.000Z',
    });
    expect([
      touched.total,
      touched.results.map((r) => r.properties.firstname),
      touched.paging?.next?.after,
    ]).toEqual([2, ['Ann'], '1']);
    expect([nextPage.results.map((r) => r.properties.firstname), nextPage.paging]).toEqual([
      ['Jane'],
      undefined,
    ]);
    expect(tooMany.code).toBe(400);
  });

  it('lists the calls of a contact through associations v4 and rolls the call up onto the contact', async () => {
    // Prepare
    const jane = sandbox.createContact({ email: 'jane@example.com' });
    clock = T0 + 120_000;

    // Act
    const call = await callsBasic().create({
      properties: {
        hs_timestamp: '2026-01-05T09:01:30Z',
        hs_call_status: 'COMPLETED',
        hs_call_title: 'Intro',
      },
      associations: [
        {
          to: { id: jane.id },
          types: [
            {
              associationCategory: callsLib.AssociationSpecAssociationCategoryEnum.HubspotDefined,
              associationTypeId: 194,
            },
          ],
        },
      ],
    });
    const listed = await associations().getPage('contacts', jane.id, 'calls');

    // Assess
    // HubSpot sends toObjectId as a number although the generated type says string: compare with String().
    expect(listed.results.map((r) => [String(r.toObjectId), r.associationTypes])).toEqual([
      [call.id, [{ category: 'HUBSPOT_DEFINED', typeId: 193, label: null }]],
    ]);
    expect(sandbox.contact(jane.id)?.properties).toMatchObject({
      notes_last_contacted: '2026-01-05T09:01:30.000Z',
      num_contacted_notes: '1',
    });
    // "Last engagement date" is the contact's own engagement: a rep's call does not move it.
    expect(sandbox.contact(jane.id)?.properties.hs_last_sales_activity_timestamp).toBeUndefined();
  });

  it('reads a contact by email, 404s a missing one, and refuses a duplicate email with 409', async () => {
    // Prepare
    const jane = sandbox.createContact({ email: 'jane@example.com', firstname: 'Jane' });
    const basic = new contactsLib.BasicApi(deepImportConfig(contactsLib, sandbox.url, TOKEN));

    // Act
    const byEmail = await basic.getById(
      'JANE@example.com',
      ['firstname', 'phone'],
      undefined,
      undefined,
      false,
      'email',
    );
    const missing = await failureOf(basic.getById('999'));
    const duplicate = await failureOf(
      basic.create({ properties: { email: 'jane@example.com' }, associations: [] }),
    );

    // Assess
    expect([byEmail.id, byEmail.properties]).toEqual([jane.id, { firstname: 'Jane', phone: null }]);
    expect(missing.code).toBe(404);
    expect(missing.body).toMatchObject({ category: 'OBJECT_NOT_FOUND' });
    expect(duplicate.code).toBe(409);
    expect(duplicate.body).toMatchObject({
      category: 'CONFLICT',
      message: `Contact already exists. Existing ID: ${jane.id}`,
    });
  });

  it('helpers: setContactProperty bypasses API validation, reset clears state, close frees the port', async () => {
    // Prepare
    const jane = sandbox.createContact({ email: 'jane@example.com' });
    await client().crm.owners.ownersApi.getPage();

    // Act
    const touched = sandbox.setContactProperty(jane.id, 'notes_last_contacted', '2026-01-05T09:03:00Z');
    sandbox.reset();
    const afterReset = [sandbox.contacts().length, sandbox.requests.length];
    const { url } = sandbox;
    await sandbox.close();
    const refused = await fetch(`${url}/crm/v3/owners`).catch((error: unknown) => error as Error);

    // Assess
    expect(touched.properties.notes_last_contacted).toBe('2026-01-05T09:03:00.000Z');
    expect(afterReset).toEqual([0, 0]);
    expect(refused).toBeInstanceOf(TypeError);
  });
});
