/**
 * The SLA board in a real browser (Debian's chromium through playwright-core) against `npm start` in a
 * child process: the lead shows with a live countdown, and clicking it reveals the routing "why".
 */
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type LeadclockProcess, startLeadclock } from './leadclock-process.ts';

/** Debian's chromium; CI installs it (.ci/run). */
const CHROMIUM = '/usr/bin/chromium';
/** Flags for a headless, quiet chromium in a container. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('the SLA board in chromium', () => {
  let lc: LeadclockProcess;
  let browser: Browser;
  let page: Page;
  let leadId: string;

  beforeAll(async () => {
    // One-hour round-the-clock SLA for non-demo leads: the countdown runs in minutes and seconds.
    lc = await startLeadclock({
      LEADCLOCK_QUIET: '1',
      LEADCLOCK_POLICY: 'test/fixtures/policies/breach.yaml',
    });
    const res = await api<{ leadId: string; tier: string; ownerId: string }>(lc, 'POST', '/leads', {
      email: `dana.${Date.now()}@board.example`,
      firstName: 'Dana',
      lastName: 'Board',
      company: 'Board Co',
      country: 'DE',
      channel: 'form',
      intent: 'content',
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ tier: 'slow', ownerId: '501' });
    leadId = res.body.leadId;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  });
  afterAll(async () => {
    await browser?.close();
    // Assess (Ctrl-C stops it cleanly)
    expect(await lc?.stop(5000)).toBe(0);
  });

  it('shows the lead with owner, tier and a countdown that ticks, and drops the key from the address bar', async () => {
    // Act
    await page.goto(`${lc.url}/#key=${lc.viewerKey}`);
    const lead = page.getByTestId('lead');
    await lead.first().waitFor({ timeout: 10_000 });
    const countdown = lead.getByTestId('countdown');
    const first = await countdown.textContent();
    await expect.poll(() => countdown.textContent(), { timeout: 3000, interval: 100 }).not.toBe(first);
    const later = await countdown.textContent();

    // Assess
    expect(await lead.count()).toBe(1);
    expect(await lead.getAttribute('data-id')).toBe(leadId);
    expect(await lead.locator('.who').textContent()).toBe('Dana Board · Board Co');
    expect(await lead.locator('.muted').textContent()).toBe('slowRep One · emea');
    expect(first).toMatch(/^(59|60)m \d{2}s$/);
    expect(later).toMatch(/^(59|60)m \d{2}s$/);
    expect(later).not.toBe(first);
    expect(await page.locator('#kpis .kpi').count()).toBe(7);
    expect(page.url()).toBe(`${lc.url}/`);
  });

  it('clicking the lead shows why it has this tier and this owner', async () => {
    // Prepare
    const lead = page.getByTestId('lead');
    const why = lead.getByTestId('why');
    expect(await why.isVisible()).toBe(false);

    // Act
    await lead.click();
    await why.filter({ hasText: 'Why this owner:' }).waitFor({ timeout: 5000 });

    // Assess
    expect(await why.isVisible()).toBe(true);
    expect((await why.textContent())?.split('\n')).toEqual([
      'Why this tier:',
      'every lead → slow (1h round the clock)',
      '',
      'Why this owner:',
      'no match: solo',
      'rule emea: matched → team emea',
      'chose Rep One (501): next in rotation',
    ]);
  });
});
