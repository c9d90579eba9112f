/**
 * The SLA board in a real browser (Debian's chromium through playwright-core) against `npm start` in a
 * child process: live countdowns with absolute due times, the routing "why", a lead submitted yesterday
 * and breached today counted in today's breaches, search and filters, keyboard focus, open rows that
 * survive a reload, the per-rep view, the audit log, on a phone viewport.
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
/** Expressions evaluated in the page (the test itself has no DOM types). */
const FOCUSED_TESTID = "document.activeElement?.getAttribute('data-testid')";
const FOCUSED_ID = 'document.activeElement?.dataset?.id';
const PAGE_WIDTH = 'document.documentElement.scrollWidth';
/** A day and two minutes: a submission this long ago came in before today's midnight, whatever the hour. */
const DAY_AGO_MS = 86_400_000 + 120_000;

interface BoardData {
  period: { from: string; zone: string };
  kpis: { breaches: number; received: number; unassigned: number };
  leads: { leadId: string; submittedAt: string; breachedAt: string | null }[];
}

describe('the SLA board in chromium', () => {
  let lc: LeadclockProcess;
  let browser: Browser;
  let page: Page;
  let dana: string;
  let yuri: string;
  const email = `dana.${Date.now()}@board.example`;

  beforeAll(async () => {
    // UTC round-the-clock calendars; `day` (pricing) runs five seconds, `slow` an hour. The Scheduler's
    // minute is scaled down to a second (it still fires anywhere within it).
    lc = await startLeadclock({
      LEADCLOCK_QUIET: '1',
      LEADCLOCK_POLICY: 'test/fixtures/policies/board.yaml',
      LEADCLOCK_SCHEDULER_PRECISION_MS: '1000',
    });
    // Submitted a day ago (before today's midnight, whatever the hour); the rep's clock starts at assignment,
    // so it is due in five seconds: it breaches today.
    const y = await api<{ leadId: string; tier: string }>(lc, 'POST', '/leads', {
      email: `yuri.${Date.now()}@yesterday.example`,
      firstName: 'Yuri',
      lastName: 'Day',
      company: 'Yesterday GmbH',
      country: 'DE',
      channel: 'form',
      intent: 'pricing',
      submittedAt: new Date(Date.now() - DAY_AGO_MS).toISOString(),
    });
    expect(y.status).toBe(202);
    expect(y.body.tier).toBe('day');
    yuri = y.body.leadId;
    const d = await api<{ leadId: string; tier: string; ownerId: string }>(lc, 'POST', '/leads', {
      email,
      firstName: 'Dana',
      lastName: 'Board',
      company: 'Board Co',
      country: 'DE',
      channel: 'form',
      intent: 'content',
    });
    expect(d.status).toBe(202);
    expect(d.body).toMatchObject({ tier: 'slow', ownerId: '502' });
    dana = d.body.leadId;
    const s = await api(lc, 'POST', '/leads', {
      email: `sam.${Date.now()}@solo.example`,
      firstName: 'Sam',
      lastName: 'Solo',
      company: 'Solo Inc',
      country: 'US',
      channel: 'chat',
      intent: 'content',
    });
    expect(s.status).toBe(202);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  });
  afterAll(async () => {
    await browser?.close();
    // Assess (Ctrl-C stops it cleanly)
    expect(await lc?.stop(5000)).toBe(0);
  });

  it('counts in today’s breaches a lead submitted before today and breached today', async () => {
    // Act: wait for the breach, through the API the board reads.
    let data: BoardData | undefined;
    await expect
      .poll(
        async () => {
          data = (await api<BoardData>(lc, 'GET', '/board/data')).body;
          return data.leads.find((l) => l.leadId === yuri)?.breachedAt ?? null;
        },
        { timeout: 30_000, interval: 500 },
      )
      .not.toBeNull();
    await page.goto(`${lc.url}/#key=${lc.viewerKey}`);
    await page.getByTestId('lead').first().waitFor({ timeout: 10_000 });

    // Assess
    const row = data?.leads.find((l) => l.leadId === yuri);
    expect(Date.parse(row?.submittedAt ?? '')).toBeLessThan(Date.parse(data?.period.from ?? ''));
    expect(Date.parse(row?.breachedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(data?.period.from ?? ''));
    expect(data?.kpis.breaches).toBe(1);
    expect(data?.kpis.received).toBe(2);
    await expect.poll(() => page.locator('[data-kpi="breaches"] b').textContent()).toBe('1');
    expect(await page.locator('[data-kpi="received"] b').textContent()).toBe('2');
    expect(await page.getByTestId('period').textContent()).toContain("in UTC (the policy's zone)");
    expect(await page.locator(`.lead[data-id="${yuri}"]`).getAttribute('class')).toMatch(/breached|parked/);
    expect(page.url()).toBe(`${lc.url}/`);
  });

  it('shows a countdown that ticks in place beside the absolute due time', async () => {
    // Prepare
    const row = page.locator(`.lead[data-id="${dana}"]`);
    const handle = await row.elementHandle();
    const countdown = row.getByTestId('countdown');
    const first = await countdown.textContent();

    // Act
    await expect.poll(() => countdown.textContent(), { timeout: 3000, interval: 100 }).not.toBe(first);

    // Assess: the same element, not a re-rendered copy.
    expect(first).toMatch(/^(59|60)m \d{2}s$/);
    expect(await handle?.evaluate((el) => el.isConnected)).toBe(true);
    expect(await row.getByTestId('due').textContent()).toMatch(/^due \d{2}:\d{2}$/);
    expect(await row.locator('.who').textContent()).toBe('Dana Board · Board Co');
    expect(await row.locator('.muted').textContent()).toBe('slowRep Two · emea');
  });

  it('finds leads by search and by owner filter', async () => {
    // Act
    await page.locator('#q').fill('board co');
    // Assess
    await expect.poll(() => page.getByTestId('lead').count()).toBe(1);
    expect(await page.getByTestId('lead').getAttribute('data-id')).toBe(dana);

    // Act
    await page.locator('#q').fill('');
    await page.locator('#f-owner').selectOption({ label: 'Solo Rep' });
    // Assess
    await expect.poll(() => page.getByTestId('lead').count()).toBe(1);
    expect(await page.locator('.lead .who').textContent()).toBe('Sam Solo · Solo Inc');
    await page.locator('#f-owner').selectOption('');
    await expect.poll(() => page.getByTestId('lead').count()).toBe(3);
  });

  it('reaches rows by keyboard, opens one with Enter, and keeps it open across a reload', async () => {
    // Prepare
    await page.locator('#sort').focus();
    // Act: Tab from the last control lands on the first row; arrows move between rows.
    await page.keyboard.press('Tab');
    const first = await page.evaluate(FOCUSED_TESTID);
    await page.keyboard.press('ArrowDown');
    const focusedId = await page.evaluate(FOCUSED_ID);
    await page.keyboard.press('Enter');
    const row = page.locator(`.lead[data-id="${focusedId}"]`);
    await row.getByTestId('why').filter({ hasText: 'Why this owner:' }).waitFor({ timeout: 5000 });

    // Assess
    expect(first).toBe('lead');
    expect(await row.getAttribute('aria-expanded')).toBe('true');
    const why = (await row.getByTestId('why').textContent()) ?? '';
    expect(why).toContain('Owner history:');
    expect(why).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
    // A reload every five seconds does not close it or steal focus.
    await page.waitForTimeout(5500);
    expect(await page.evaluate(FOCUSED_ID)).toBe(focusedId);

    // Act
    await page.reload();
    await page
      .locator(`.lead[data-id="${focusedId}"] [data-testid="why"]`)
      .filter({ hasText: 'Why this owner:' })
      .waitFor({ timeout: 10_000 });
    // Assess
    expect(await page.locator(`.lead[data-id="${focusedId}"]`).getAttribute('class')).toContain('open');
  });

  it('shows each rep: open leads, cap, state, today, week, breaches, rotation and fair share', async () => {
    // Prepare: the pricing lead's ladder (reassign after 5 s, park 2 s later) has run its course, so the
    // per-rep figures no longer move under the assertions.
    await expect
      .poll(
        async () =>
          (
            await api<{ leads: { leadId: string; status: string }[] }>(lc, 'GET', '/board/data')
          ).body.leads.find((l) => l.leadId === yuri)?.status,
        { timeout: 30_000, interval: 500 },
      )
      .toBe('parked');
    await page.reload();

    // Act
    await page.locator('#tab-reps').click();
    const rows = page.getByTestId('rep');
    await rows.first().waitFor();

    // Assess
    expect(await rows.count()).toBe(4);
    const two = page.locator('[data-testid="rep"][data-owner="502"] td');
    expect(await two.nth(0).textContent()).toBe('Rep Two');
    expect(await two.nth(2).textContent()).toBe('1 / 10');
    expect(await two.nth(3).textContent()).toBe('available');
    // Today: Dana's lead and the pricing lead the ladder handed over after Rep One's miss.
    expect(await two.nth(4).textContent()).toBe('2');
    const one = page.locator('[data-testid="rep"][data-owner="501"] td');
    expect(await one.nth(6).textContent()).toBe('1');
    expect(await page.locator('[data-testid="rep"] td:nth-child(8)').allTextContents()).toContain('#1');
  });

  it('finds a lead in the audit log by email, with its why', async () => {
    // Act
    await page.locator('#tab-audit').click();
    await page.locator('#audit-form input[name="q"]').fill(email.toUpperCase());
    await page.locator('#audit-form button', { hasText: 'Search' }).click();
    const entry = page.getByTestId('audit-entry');
    await entry.first().waitFor({ timeout: 5000 });

    // Assess
    expect(await entry.count()).toBe(1);
    expect(await entry.locator('summary b').textContent()).toBe('Dana Board · Board Co');
    await entry.locator('summary').click();
    expect(await entry.locator('div').textContent()).toContain('chose Rep Two (502)');
  });

  it('fits a phone: no sideways scrolling in any view', async () => {
    for (const tab of ['#tab-leads', '#tab-reps', '#tab-audit']) {
      await page.locator(tab).click();
      expect(await page.evaluate(PAGE_WIDTH)).toBeLessThanOrEqual(390);
    }
  });
});
