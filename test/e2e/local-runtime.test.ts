/**
 * End to end: `npm start` in a child process, driven over HTTP only, as a RevOps engineer on a laptop would.
 * Each block starts its own process on a free port and stops it with Ctrl-C (SIGINT), which must exit 0.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, type LeadclockProcess, startLeadclock } from './leadclock-process.ts';

const SANDBOX_TOKEN = 'pat-na1-e2e-local-runtime';

/** The lead as GET /leads/{id} shows it (the fields these tests read). */
interface LeadView {
  leadId: string;
  status: string;
  tier: string;
  ownerId: string | null;
  ownerName: string | null;
  teamId: string | null;
  submittedAt: string;
  receivedAt: string;
  dueAt: string;
  attempt: number;
  breachCount: number;
  slaOutcome: string | null;
  previousOwners: string[];
  hubspotContactId: string | null;
  sync: string;
  timeline: { at: string; type: string; ref: string; data?: Record<string, unknown> }[];
}

interface Accepted {
  leadId: string;
  status: string;
  tier: string;
  ownerId: string | null;
  queue: string | null;
  dueAt: string;
}

let n = 0;
const uniqueEmail = (who: string) => `${who}.${Date.now()}.${++n}@e2e.example`;

async function submit(lc: LeadclockProcess, lead: Record<string, unknown>): Promise<Accepted> {
  const res = await api<Accepted>(lc, 'POST', '/leads', { channel: 'form', ...lead });
  expect(res.status).toBe(202);
  return res.body;
}

async function getLead(lc: LeadclockProcess, leadId: string): Promise<LeadView> {
  const res = await api<LeadView>(lc, 'GET', `/leads/${leadId}`);
  expect(res.status).toBe(200);
  return res.body;
}

/** GET on the HubSpot sandbox's CRM API, with the token fixed through LEADCLOCK_SANDBOX_TOKEN. */
async function hubspot<T>(lc: LeadclockProcess, path: string): Promise<T> {
  const res = await fetch(`${lc.sandboxUrl}${path}`, {
    headers: { authorization: `Bearer ${SANDBOX_TOKEN}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

type HubSpotObject = { id: string; properties: Record<string, string | null> };

describe('npm start: the live path against the HubSpot sandbox', () => {
  let lc: LeadclockProcess;
  beforeAll(async () => {
    lc = await startLeadclock({ LEADCLOCK_QUIET: '1', LEADCLOCK_SANDBOX_TOKEN: SANDBOX_TOKEN });
  });
  afterAll(async () => {
    // Assess (Ctrl-C stops it cleanly)
    expect(await lc?.stop(5000)).toBe(0);
  });

  it('prints a banner with the API, the board and a curl that carries the ingest key', () => {
    // Prepare, Act: the process started in beforeAll.
    const out = lc.stdout();

    // Assess
    expect(lc.ingestKey).toMatch(/^lk_[A-Za-z0-9_-]{24}$/);
    expect(out).toContain(`  SLA board    ${lc.url}/#key=${lc.viewerKey}\n`);
    expect(out).toContain(`  Viewer key   ${lc.viewerKey}\n`);
    expect(out).toContain(`  Admin key    ${lc.adminKey}\n`);
    expect(new Set([lc.ingestKey, lc.viewerKey, lc.adminKey]).size).toBe(3);
    expect(out).toContain(`curl -s -X POST ${lc.url}/leads -H 'Authorization: Bearer ${lc.ingestKey}'`);
    expect(out).not.toContain(SANDBOX_TOKEN);
  });

  it('submit → 202 → the sandbox shows the owner and a task due at the deadline → touch → met', async () => {
    // Prepare
    const email = uniqueEmail('ada');

    // Act: submit
    const accepted = await submit(lc, {
      email,
      firstName: 'Ada',
      lastName: 'Lovelace',
      company: 'Analytical Engines',
      country: 'DE',
      intent: 'demo',
    });

    // Assess: routed to the EMEA SDR team, hand-raiser tier, CRM sync done
    expect(accepted).toMatchObject({ status: 'routed', tier: 'hand-raiser', queue: null });
    const ownerId = accepted.ownerId as string;
    const synced = await eventually(
      async () => {
        const l = await getLead(lc, accepted.leadId);
        return l.sync === 'synced' && l.hubspotContactId ? l : undefined;
      },
      10_000,
      'CRM sync',
    );
    expect(synced).toMatchObject({ status: 'routed', ownerId, teamId: 'emea-sdr', dueAt: accepted.dueAt });
    const contactId = synced.hubspotContactId as string;
    const contact = await hubspot<HubSpotObject>(
      lc,
      `/crm/v3/objects/contacts/${contactId}?properties=email,hubspot_owner_id,leadclock_sla_status,leadclock_sla_due_at`,
    );
    expect(contact.properties).toMatchObject({
      email,
      hubspot_owner_id: ownerId,
      leadclock_sla_status: 'open',
      leadclock_sla_due_at: accepted.dueAt,
    });
    const links = await hubspot<{ results: { toObjectId: number }[] }>(
      lc,
      `/crm/v4/objects/contacts/${contactId}/associations/tasks`,
    );
    expect(links.results).toHaveLength(1);
    const task = await hubspot<HubSpotObject>(
      lc,
      `/crm/v3/objects/tasks/${links.results[0]?.toObjectId}?properties=hubspot_owner_id,hs_task_status,hs_timestamp`,
    );
    expect(task.properties).toMatchObject({
      hubspot_owner_id: ownerId,
      hs_task_status: 'NOT_STARTED',
      hs_timestamp: accepted.dueAt,
    });

    // Act: the rep touches the lead
    const touched = await api<LeadView>(lc, 'POST', `/leads/${accepted.leadId}/events`, {
      type: 'first_touch',
    });

    // Assess: met, in leadclock and in HubSpot
    expect(touched.status).toBe(200);
    expect(touched.body).toMatchObject({ status: 'touched', slaOutcome: 'met', ownerId, breachCount: 0 });
    const after = await getLead(lc, accepted.leadId);
    expect(after).toMatchObject({ status: 'touched', slaOutcome: 'met' });
    expect(after.timeline.map((e) => e.type)).toContain('touched');
    const metInHubSpot = await eventually(
      async () => {
        const c = await hubspot<HubSpotObject>(
          lc,
          `/crm/v3/objects/contacts/${contactId}?properties=leadclock_sla_status`,
        );
        return c.properties.leadclock_sla_status === 'met' ? c : undefined;
      },
      10_000,
      'met in HubSpot',
    );
    expect(metInHubSpot.properties.leadclock_sla_status).toBe('met');
  });
});

describe('npm start: a 2-second SLA breaches, reassigns and pages the manager', () => {
  const repEmail: Record<string, string> = {
    '501': 'rep.one@example.com',
    '502': 'rep.two@example.com',
    '503': 'rep.three@example.com',
  };
  let lc: LeadclockProcess;
  beforeAll(async () => {
    // Not quiet: the SNS emulator's outbox lines ([sns] …) are info lines.
    // The Scheduler's minute scaled down to a second, so a 2 s SLA breaches within seconds.
    lc = await startLeadclock({
      LEADCLOCK_POLICY: 'test/fixtures/policies/breach.yaml',
      LEADCLOCK_SCHEDULER_PRECISION_MS: '1000',
    });
  });
  afterAll(async () => {
    // Assess (Ctrl-C stops it cleanly)
    expect(await lc?.stop(5000)).toBe(0);
  });

  it('submit with a 2 s SLA → breach → reassigned to another EMEA rep, manager notified in the outbox', async () => {
    // Prepare
    const accepted = await submit(lc, {
      email: uniqueEmail('bob'),
      firstName: 'Bob',
      lastName: 'Breach',
      company: 'Slowpoke GmbH',
      country: 'DE',
      intent: 'demo',
    });
    const firstOwner = accepted.ownerId as string;
    expect(accepted).toMatchObject({ status: 'routed', tier: 'fast' });
    expect(Object.keys(repEmail)).toContain(firstOwner);

    // Act: nobody touches it; the Scheduler emulator fires the breach timer.
    const breached = await eventually(
      async () => {
        const l = await getLead(lc, accepted.leadId);
        const types = l.timeline.map((e) => e.type);
        return types.includes('reassigned') && types.includes('breach_notified') ? l : undefined;
      },
      15_000,
      'breach and reassignment',
    );

    // Assess: the timeline
    // The rep's 2 s run from the first assignment (capture assigns at receipt), not from submission.
    expect(Date.parse(breached.timeline.find((e) => e.type === 'routed')?.data?.dueAt as string)).toBe(
      Date.parse(breached.receivedAt) + 2000,
    );
    expect(breached.breachCount).toBeGreaterThanOrEqual(1);
    expect(breached.previousOwners[0]).toBe(firstOwner);
    const reassigned = breached.timeline.find((e) => e.type === 'reassigned');
    const secondOwner = reassigned?.data?.to as string;
    expect(reassigned?.data).toMatchObject({ rung: 1, from: firstOwner });
    expect(Object.keys(repEmail).filter((id) => id !== firstOwner)).toContain(secondOwner);
    expect(breached.timeline.find((e) => e.type === 'breach_notified')?.data).toMatchObject({
      rung: 1,
      audience: ['rep', 'manager'],
    });

    // Assess: the outbox line of the breach page, delivered to the manager (email and SMS) and the rep
    const line = await eventually(
      async () =>
        lc
          .stdout()
          .split('\n')
          .find((l) => l.includes('[sns]') && l.includes('"SLA breach (rung 1): Bob Breach')),
      5000,
      'the [sns] breach line',
    );
    expect(line).toContain(`{type=breach,ownerId=${firstOwner},teamId=emea,tier=fast,rung=1,`);
    // Endpoints end at the first ': ' (the chat endpoint's URL has a colon of its own).
    const deliveredTo = /→ (.+?): /.exec(line)?.[1]?.split(', ');
    expect(deliveredTo?.sort()).toEqual(
      [
        '+4915100000001',
        'emma.manager@example.com',
        repEmail[firstOwner] as string,
        // The Slack channel, through AWS Chatbot's HTTPS subscription (printed locally).
        'https://global.sns-api.chatbot.amazonaws.com',
      ].sort(),
    );
    // The new owner is told the lead is theirs.
    await eventually(
      async () =>
        lc
          .stdout()
          .split('\n')
          .find((l) => l.includes('{type=assignment,') && l.includes(`ownerId=${secondOwner},`)),
      5000,
      'the [sns] assignment line of the new owner',
    );
  });
});

describe('npm start with LEADCLOCK_DATA_DIR: a restart keeps the lead', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'leadclock-e2e-'));
  let second: LeadclockProcess | undefined;
  afterAll(async () => {
    second?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('start, submit, Ctrl-C, start again on the same dir → the lead, its owner and the ingest key are still there', async () => {
    // Prepare
    const env = { LEADCLOCK_QUIET: '1', LEADCLOCK_DATA_DIR: dataDir };
    const first = await startLeadclock(env);
    const accepted = await submit(first, {
      email: uniqueEmail('carla'),
      firstName: 'Carla',
      lastName: 'Keep',
      company: 'Durable AG',
      country: 'DE',
      intent: 'pricing',
    });
    const before = await getLead(first, accepted.leadId);

    // Act
    const firstExit = await first.stop(5000);
    second = await startLeadclock(env);
    const after = await api<LeadView>(second, 'GET', `/leads/${accepted.leadId}`);

    // Assess
    expect(firstExit).toBe(0);
    expect(second.stdout()).toContain(`data in ${dataDir}`);
    expect(second.ingestKey).toBe(first.ingestKey);
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({
      leadId: accepted.leadId,
      status: before.status,
      tier: before.tier,
      ownerId: accepted.ownerId,
      ownerName: before.ownerName,
      dueAt: accepted.dueAt,
    });
    expect(after.body.timeline.map((e) => e.type).slice(0, 2)).toEqual(['captured', 'routed']);
    expect(await second.stop(5000)).toBe(0);
  });
});
