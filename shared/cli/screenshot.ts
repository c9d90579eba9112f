/**
 * `npm run screenshot [-- --out docs/board.png]`: the README's picture of the SLA board on a phone. Runs
 * leadclock in-process with the example policy, submits the sample leads (config/sample-leads.jsonl) as if
 * they had just arrived, touches one, lets one overdue since the last weekday morning breach today, checks
 * that the figures agree with the rows, and saves what chromium shows: the phone at 390×844 with one lead's
 * "why" open (`--out`), the per-rep view (`-reps.png`) and the desktop board (`-desktop.png`).
 * Needs Debian's chromium (`apt-get install chromium`; CHROMIUM_PATH overrides /usr/bin/chromium).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { startLocalRuntime } from '../../infra/local/runtime.ts';

const { values } = parseArgs({
  options: { out: { type: 'string', default: 'docs/board.png' }, policy: { type: 'string' } },
});
const out = values.out;
const policyPath = values.policy ?? 'config/policy.example.yaml';
const quiet = () => {};
const rt = await startLocalRuntime({
  policyPath,
  port: 0,
  // The sweeper catches timers that fired into a busy lead (the overdue sample below); no need to wait a minute.
  sweepEveryMs: 2000,
  log: { debug: quiet, info: quiet, warn: quiet, error: (m, d) => console.error(m, d ?? '') },
});
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
try {
  const key = rt.stack.ingestKey;
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await fetch(`${rt.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };

  // Bounded: a breach timer that fires while the lead's first CRM sync is being written gives up and holds
  // its lease for a minute; the sweeper then fires it.
  const breachOf = async (leadId: string): Promise<void> => {
    console.log('waiting for the overdue sample lead to breach (up to 90 s)…');
    for (const end = Date.now() + 90_000; Date.now() < end; ) {
      if (((await call('GET', `/leads/${leadId}`)).breachCount as number) > 0) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    console.warn(`lead ${leadId} did not breach within 90 s; the screenshot shows no breach`);
  };

  // The samples, arriving over the last few minutes (the clock starts at submittedAt).
  const samples = readFileSync('config/sample-leads.jsonl', 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const now = Date.now();
  const ids: string[] = [];
  for (const [i, sample] of samples.entries()) {
    const lead = await call('POST', '/leads', {
      ...sample,
      submittedAt: new Date(now - (samples.length - i) * 47_000).toISOString(),
    });
    ids.push(lead.leadId as string);
  }
  // One lead already called back, so the board shows a met SLA and a speed-to-lead.
  const touched = ids[1];
  if (touched) await call('POST', `/leads/${touched}/events`, { type: 'first_touch' });
  // One left untouched since the last weekday morning: its deadline has passed, so it breaches at once and
  // is reassigned, and the board shows it highlighted.
  const late = await call('POST', '/leads', {
    email: 'lara.late@overdue.example',
    firstName: 'Lara',
    lastName: 'Late',
    company: 'Overdue Ltd',
    country: 'DE',
    channel: 'form',
    intent: 'demo',
    submittedAt: lastWeekdayMorning(now),
  });
  if (Date.parse(late.dueAt as string) < now) await breachOf(late.leadId as string);

  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
  await page.goto(`${rt.url}/#key=${key}`);
  await page.getByTestId('lead').first().waitFor({ timeout: 10_000 });
  await page.getByTestId('lead').first().click();
  await page
    .locator('.lead.open')
    .getByTestId('why')
    .filter({ hasText: 'Why this owner:' })
    .waitFor({ timeout: 5000 });
  mkdirSync(dirname(out), { recursive: true });
  // The figures must agree with the rows: today's breaches are the rows breached today.
  const data = (await call('GET', '/board/data')) as {
    kpis: { breaches: number; received: number };
    period: { from: string };
    leads: { breachedAt: string | null; submittedAt: string }[];
  };
  const today = (iso: string | null) => iso !== null && iso >= data.period.from;
  const rowsBreached = data.leads.filter((l) => today(l.breachedAt)).length;
  const rowsIn = data.leads.filter((l) => today(l.submittedAt)).length;
  if (rowsBreached !== data.kpis.breaches || rowsIn !== data.kpis.received)
    throw new Error(
      `the board's figures disagree with its rows: breaches ${data.kpis.breaches} vs ${rowsBreached} rows, leads in ${data.kpis.received} vs ${rowsIn} rows`,
    );
  await page.screenshot({ path: out });
  const reps = out.replace(/\.png$/, '-reps.png');
  await page.locator('#tab-reps').click();
  await page.getByTestId('rep').first().waitFor();
  await page.screenshot({ path: reps });
  const wide = out.replace(/\.png$/, '-desktop.png');
  const desk = await browser.newPage({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
  await desk.goto(`${rt.url}/#key=${key}`);
  await desk.getByTestId('lead').first().waitFor({ timeout: 10_000 });
  await desk.screenshot({ path: wide });
  console.log(
    `wrote ${out}, ${reps} and ${wide} (${samples.length} sample leads, policy ${policyPath}; ${data.kpis.breaches} breached today, ${data.kpis.received} in today)`,
  );
} finally {
  await browser.close();
  await rt.close();
}

/** 09:30 UTC (morning in Berlin) on the latest Monday–Friday at least an hour before `now`. */
function lastWeekdayMorning(now: number): string {
  const day = new Date(now);
  day.setUTCHours(9, 30, 0, 0);
  while (day.getTime() > now - 3_600_000 || day.getUTCDay() === 0 || day.getUTCDay() === 6) {
    day.setUTCDate(day.getUTCDate() - 1);
  }
  return day.toISOString();
}
