import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { runRoute } from '../../shared/http/chain.ts';
import type { HttpApiEvent } from '../../shared/http/request.ts';
import { captureRoute, hubspotWebhookRoute } from '../../shared/http/routes.ts';
import { signHubSpotV1, signHubSpotV2, signHubSpotV3 } from '../../shared/http/signature.ts';
import { fixture, HOST, postEvent, signedEvent } from '../helpers/http-event.ts';
import { bodyOf, manualClock, NOW, scanTable, startStack, workflowContact } from '../helpers/live.ts';

interface V3Vector {
  clientSecret: string;
  method: string;
  url: string;
  requestBody: string;
  timestamp: number;
  signatureV3: string;
}
const vectors = JSON.parse(
  readFileSync(new URL('../fixtures/hubspot/signature-vectors.json', import.meta.url), 'utf8'),
) as { v3: V3Vector[] };
const vector = vectors.v3[1]!;

/** The vector's request as API Gateway hands it over on the `prod` stage. */
function vectorEvent(): HttpApiEvent {
  const url = new URL(vector.url);
  return {
    version: '2.0',
    rawPath: url.pathname,
    rawQueryString: '',
    headers: {
      host: url.host,
      'content-type': 'application/json',
      'x-hubspot-signature-v3': vector.signatureV3,
      'x-hubspot-request-timestamp': String(vector.timestamp),
    },
    requestContext: {
      domainName: url.host,
      stage: 'prod',
      http: { method: vector.method, path: url.pathname },
    },
    body: vector.requestBody,
    isBase64Encoded: false,
  };
}

describe('authentication of POST /leads and POST /hubspot/webhooks: refusals store nothing', () => {
  let stack: LocalStack;
  const clock = manualClock();
  const lead = {
    email: 'ivy.intruder@acme.example',
    intent: 'demo',
    submittedAt: new Date(NOW).toISOString(),
  };
  const text = JSON.stringify(lead);
  const workflow = () => {
    const body = workflowContact();
    body['form-submissions'][0]!.timestamp = NOW - 30_000;
    return body;
  };

  beforeAll(async () => {
    // The app's client secret is the vector's, so HubSpot's own signature can be replayed.
    stack = await startStack({ clock, clientSecret: vector.clientSecret });
  });
  afterEach(() => {
    clock.set(NOW);
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** Asserts a 401 with the JSON error contract. */
  function expectUnauthorized(res: Awaited<ReturnType<typeof runRoute>>, message: string) {
    expect(res.statusCode).toBe(401);
    expect(res.headers?.['content-type']).toBe('application/json; charset=utf-8');
    expect(bodyOf(res)).toEqual({ error: { code: 'unauthorized', message } });
  }

  it.each([
    [
      'a v3 signature older than 5 minutes',
      () => signedEvent('/leads', workflow(), vector.clientSecret, NOW - 300_001),
      'the request timestamp is more than 5 minutes old',
    ],
    [
      'a v3 timestamp more than 5 minutes ahead',
      () => signedEvent('/leads', workflow(), vector.clientSecret, NOW + 300_001),
      'the request timestamp is in the future',
    ],
    [
      'a v3 signature made with another secret',
      () => signedEvent('/leads', workflow(), 'not-the-app-secret', NOW),
      'the HubSpot signature does not match',
    ],
    [
      'a v3 signature over another body',
      () => {
        const e = signedEvent('/leads', workflow(), vector.clientSecret, NOW);
        return { ...e, body: e.body!.replace('jane.doe@example.com', 'eve@example.com') };
      },
      'the HubSpot signature does not match',
    ],
    [
      'a v3 signature for another URL',
      () => {
        const e = signedEvent('/leads', text, vector.clientSecret, NOW);
        return {
          ...e,
          rawPath: '/leads/',
          requestContext: { ...e.requestContext, http: { method: 'POST', path: '/leads/' } },
        };
      },
      'the HubSpot signature does not match',
    ],
    [
      'a v3 signature without its timestamp',
      () => {
        const e = signedEvent('/leads', text, vector.clientSecret, NOW);
        const { 'x-hubspot-request-timestamp': _t, ...headers } = e.headers!;
        return { ...e, headers };
      },
      'X-HubSpot-Request-Timestamp is missing',
    ],
    [
      'a correct v1 signature (legacy, turned off)',
      () =>
        postEvent('/leads', text, {
          'x-hubspot-signature': signHubSpotV1(vector.clientSecret, text),
          'x-hubspot-signature-version': 'v1',
        }),
      'v1/v2 HubSpot signatures are turned off; use signature v3 or an ingest key',
    ],
    [
      'a correct v2 signature (legacy, turned off)',
      () =>
        postEvent('/leads', text, {
          'x-hubspot-signature': signHubSpotV2(vector.clientSecret, 'POST', `https://${HOST}/leads`, text),
          'x-hubspot-signature-version': 'v2',
        }),
      'v1/v2 HubSpot signatures are turned off; use signature v3 or an ingest key',
    ],
    [
      'a wrong Bearer key',
      () => postEvent('/leads', text, { authorization: 'Bearer lk_wrong_key_but_long_enough' }),
      'the bearer token is not a valid ingest key',
    ],
    [
      'the right key in another scheme',
      () => postEvent('/leads', text, { authorization: `Basic ${stack.ingestKey}` }),
      'sign the request (X-HubSpot-Signature-v3) or send an ingest key (Authorization: Bearer <key>)',
    ],
    [
      'a wrong query-parameter key',
      () => postEvent('/leads', text, {}, 'key=lk_wrong_key_but_long_enough'),
      'the key query parameter is not a valid ingest key',
    ],
    [
      'a valid key in a query parameter of another name',
      () => postEvent('/leads', text, {}, `api_key=${stack.ingestKey}`),
      'sign the request (X-HubSpot-Signature-v3) or send an ingest key (Authorization: Bearer <key>)',
    ],
    [
      'no credentials at all',
      () => postEvent('/leads', text),
      'sign the request (X-HubSpot-Signature-v3) or send an ingest key (Authorization: Bearer <key>)',
    ],
  ])('POST /leads refuses %s with 401', async (_what, build, message) => {
    // Prepare
    const event = build();

    // Act
    const res = await runRoute(captureRoute(stack.rt), event);

    // Assess
    expectUnauthorized(res, message);
    expect(await scanTable(stack)).toEqual([]);
  });

  it('POST /hubspot/webhooks takes no ingest key, only a signature', async () => {
    // Prepare
    const events = fixture('app-webhook-batch.json');

    // Act
    const keyed = await runRoute(
      hubspotWebhookRoute(stack.rt),
      postEvent('/hubspot/webhooks', events, { authorization: `Bearer ${stack.ingestKey}` }),
    );
    const queried = await runRoute(
      hubspotWebhookRoute(stack.rt),
      postEvent('/hubspot/webhooks', events, {}, `key=${stack.ingestKey}`),
    );

    // Assess
    expectUnauthorized(keyed, 'X-HubSpot-Signature-v3 is required');
    expectUnauthorized(queried, 'X-HubSpot-Signature-v3 is required');
    expect(await scanTable(stack)).toEqual([]);
  });

  it('verifies the HubSpot v3 vector on the prod stage within its 5 minutes, and refuses it after', async () => {
    // Prepare
    const event = vectorEvent();
    expect(
      signHubSpotV3(vector.clientSecret, vector.method, vector.url, vector.requestBody, vector.timestamp),
    ).toBe(vector.signatureV3);

    // Act
    clock.set(vector.timestamp + 299_000);
    const fresh = await runRoute(hubspotWebhookRoute(stack.rt), event);
    clock.set(vector.timestamp + 300_001);
    const stale = await runRoute(hubspotWebhookRoute(stack.rt), event);

    // Assess: accepted, and its events (contact 123 is unknown) acknowledged without a trace.
    expect(fresh).toEqual({ statusCode: 204 });
    expectUnauthorized(stale, 'the request timestamp is more than 5 minutes old');
    expect(await scanTable(stack)).toEqual([]);
    expect(stack.scheduler.schedules()).toEqual([]);
    expect(stack.sqs.counts('leadclock-crm-sync')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });
});
