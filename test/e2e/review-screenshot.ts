/**
 * `npm run screenshot:review [-- docs/review.png]`: the README's picture of the monthly review, rendered
 * from a plausible month in Debian's chromium (CHROMIUM_PATH overrides /usr/bin/chromium).
 */
import { chromium } from 'playwright-core';
import { reviewPage } from './review-page.ts';

const out = process.argv[2] ?? 'docs/review.png';
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1000, height: 1400 } });
  await page.setContent(reviewPage());
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
}
