import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../infra/local/hubspot/sandbox.ts';
import { type LocalStack, ownersOf } from '../../infra/local/stack.ts';
import { runRoute } from '../../shared/http/chain.ts';
import { captureRoute } from '../../shared/http/routes.ts';
import { postEvent } from '../helpers/http-event.ts';
import { bodyOf, NOW, policy, seeded, startStack } from '../helpers/live.ts';

const LEADS = 150;
const COUNTRIES = ['DE', 'US', 'AU', 'FR', 'CA', 'JP'];
const INTENTS = ['demo', 'contact', 'newsletter'];
const SYNC_QUEUE = 'leadclock-crm-sync';
const TASK_CREATE = /^\/crm\/v3\/objects\/tasks\/batch\/create$/;

/**
 * A gateway in front of the sandbox that, for a share of task batch creates, lets HubSpot apply the
 * batch and then loses the answer (a 500 after commit): the failure that makes a blind retry duplicate.
 */
async function lossyGateway(
  target: string,
  share: () => boolean,
): Promise<{ url: string; lost: number; close(): Promise<void> }> {
  const state = { lost: 0 };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const answer = await fetch(`${target}${req.url}`, {
      method: req.method,
      headers: {
        authorization: req.headers.authorization ?? '',
        'content-type': req.headers['content-type'] ?? 'application/json',
      },
      body: chunks.length ? Buffer.concat(chunks) : undefined,
    });
    const text = await answer.text();
    const path = new URL(req.url ?? '/', 'http://gateway').pathname;
    if (answer.status < 300 && TASK_CREATE.test(path) && share()) {
      state.lost++;
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'error', message: 'internal error', category: 'INTERNAL_ERROR' }));
      return;
    }
    res.writeHead(answer.status, {
      'content-type': answer.headers.get('content-type') ?? 'application/json',
    });
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get lost() {
      return state.lost;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('crm-sync against a HubSpot that answers 429 and 500 on a share of calls', () => {
  let sandbox: HubSpotSandbox;
  let gateway: Awaited<ReturnType<typeof lossyGateway>>;
  let stack: LocalStack;
  let loseAnswers = false;
  const lossy = seeded(7);

  beforeAll(async () => {
    sandbox = await startHubSpotSandbox({ owners: ownersOf(policy), random: seeded(20300107) });
    gateway = await lossyGateway(sandbox.url, () => loseAnswers && lossy() < 0.2);
    // A batch paced through 429s can take seconds; as on AWS, the queue's visibility outlasts it.
    stack = await startStack({
      hubspotAccessToken: sandbox.token,
      hubspotBaseUrl: gateway.url,
      syncVisibilityMs: 30_000,
    });
  });
  afterAll(async () => {
    await stack?.close();
    await gateway?.close();
    await sandbox?.close();
  });
  const capture = (body: object) =>
    runRoute(
      captureRoute(stack.rt),
      postEvent('/leads', body, { authorization: `Bearer ${stack.ingestKey}` }),
    );

  it('still syncs every lead, with exactly one task and one notification each', async () => {
    // Prepare: half the leads come from HubSpot (contact id known), half from other channels (upsert by email).
    const inputs = Array.from({ length: LEADS }, (_, i) => {
      const email = `burst.${i}@company${i % 7}.example`;
      const known = i % 2 === 0 ? sandbox.createContact({ email, firstname: `Burst${i}` }).id : undefined;
      return {
        email,
        firstName: `Burst${i}`,
        country: COUNTRIES[i % COUNTRIES.length],
        intent: INTENTS[i % INTENTS.length],
        channel: known ? 'form' : 'chat',
        submittedAt: new Date(NOW - i * 1000).toISOString(),
        ...(known ? { hubspotContactId: known } : {}),
      };
    });
    sandbox.setFaults({ rate429: 0.15, rate5xx: 0.15, status5xx: 500 });
    loseAnswers = true;

    // Act
    const leadIds: string[] = [];
    for (let i = 0; i < LEADS; i += 25) {
      const answers = await Promise.all(inputs.slice(i, i + 25).map(capture));
      for (const a of answers) {
        expect(a.statusCode).toBe(202);
        leadIds.push(bodyOf(a).leadId);
      }
    }
    await stack.sqs.drain(40_000);
    sandbox.setFaults({});
    loseAnswers = false;

    // Assess: the faults did happen, and nothing was lost or doubled.
    const faults = sandbox.requests.filter((r) => r.fault);
    expect(
      faults.filter((r) => r.status === 429 && r.policy === 'TEN_SECONDLY_ROLLING').length,
    ).toBeGreaterThan(0);
    expect(faults.filter((r) => r.status === 500).length).toBeGreaterThan(0);
    expect(gateway.lost).toBeGreaterThan(0);
    expect(new Set(leadIds).size).toBe(LEADS);
    const leads = await Promise.all(leadIds.map((id) => stack.rt.store.getLead(id)));
    expect(leads.filter((l) => l?.sync !== 'synced').map((l) => l?.leadId)).toEqual([]);
    const perKey = new Map<string, number>();
    for (const t of sandbox.tasks()) {
      const key = t.properties.leadclock_task_key!;
      perKey.set(key, (perKey.get(key) ?? 0) + 1);
    }
    expect([...perKey].filter(([, n]) => n !== 1)).toEqual([]);
    expect(sandbox.tasks()).toHaveLength(LEADS);
    for (const lead of leads) {
      const contactId = lead!.hubspotContactId!;
      expect(sandbox.tasksFor(contactId).map((t) => t.id)).toEqual([lead!.tasks['1']]);
      expect(sandbox.contact(contactId)!.properties).toMatchObject({
        leadclock_lead_id: lead!.leadId,
        hubspot_owner_id: lead!.ownerId,
        leadclock_sla_status: lead!.status === 'routed' ? 'open' : 'unassigned',
      });
    }
    expect(sandbox.contacts()).toHaveLength(LEADS);
    // Leads in a team's waiting room page no one (their managers get a digest per interval instead).
    const stored = await Promise.all(leadIds.map((id) => stack.rt.store.getLead(id)));
    const waiting = stored.filter((l) => l?.waiting).length;
    expect(stack.sns.outbox()).toHaveLength(LEADS - waiting);
    expect(stack.sqs.counts('leadclock-crm-sync-dlq')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  }, 60_000);

  it('retries a lead whose task creation failed as soon as SQS redelivers it', async () => {
    // Prepare: task creates fail until the first try has given up; redelivery after 2 s.
    stack.sqs.setVisibilityTimeoutMs(SYNC_QUEUE, 2000);
    const contact = sandbox.createContact({ email: 'tessa.taskfail@acme.example' });
    sandbox.setFaults({ rate5xx: 1, status5xx: 503, only: TASK_CREATE });
    const failedCreates = () =>
      sandbox.requests.filter((r) => TASK_CREATE.test(r.path) && r.status === 503).length;
    const before = failedCreates();

    // Act
    const res = await capture({
      email: 'tessa.taskfail@acme.example',
      intent: 'demo',
      hubspotContactId: contact.id,
      existingOwnerId: '1001',
    });
    for (const deadline = Date.now() + 15_000; failedCreates() - before < 6 && Date.now() < deadline; )
      await new Promise((r) => setTimeout(r, 20));
    sandbox.setFaults({});
    await stack.sqs.drain(10_000);

    // Assess
    const lead = await stack.rt.store.getLead(bodyOf(res).leadId);
    expect(failedCreates() - before).toBe(6);
    expect(lead?.sync).toBe('synced');
    expect(sandbox.tasksFor(contact.id).map((t) => t.id)).toEqual([lead!.tasks['1']]);
    expect(stack.sqs.counts('leadclock-crm-sync-dlq')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  }, 30_000);
});
