/** The monthly review page in a real browser (Debian's chromium through playwright-core): charts render, on a phone too. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reviewPage } from './review-page.ts';

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

describe('the monthly review in chromium', () => {
  let browser: Browser;
  let dir: string;
  const html = reviewPage(1_500);

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    dir = mkdtempSync(join(tmpdir(), 'leadclock-review-shot-'));
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('draws the hour, weekday and speed charts and the pilot verdict, and screenshots on a phone', async () => {
    // Prepare
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });

    // Act
    await page.setContent(html);
    const bars = await page.locator('svg rect').count();
    const headings = await page.locator('h2').allTextContents();
    const verdict = await page.locator('.note').first().textContent();
    const file = join(dir, 'review.png');
    await page.screenshot({ path: file, fullPage: true });

    // Assess: 24 hours + 7 weekdays + 2 bars × 5 speed buckets + 2 legend swatches.
    expect(bars).toBe(24 + 7 + 10 + 2);
    expect(headings).toEqual(
      expect.arrayContaining([
        'Pilot readout: segment=EMEA',
        'Attainment by weekday',
        'Speed to lead against contact and meetings',
        'Staffing what-if',
      ]),
    );
    expect(verdict).toMatch(/slaAttainment/);
    expect(readFileSync(file).subarray(1, 4).toString()).toBe('PNG');
    const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow as number).toBeLessThanOrEqual(0);
  });
});
