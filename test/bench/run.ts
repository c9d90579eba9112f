/** `npm run bench`: prints the project's performance figures as JSON (see README, Performance). */
import { benchDomain } from './domain.ts';
import { benchLive } from './live.ts';
import { benchReport } from './report.ts';

const results: Record<string, unknown> = {
  node: process.version,
  at: new Date().toISOString(),
  ...benchDomain(),
  ...(await benchLive()),
  ...(await benchReport()),
};
console.log(JSON.stringify(results, null, 2));
