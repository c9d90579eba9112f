/** `npm run bench`: prints the project's performance figures as JSON (see README, Performance). */
import { benchDomain } from './domain.ts';

const results: Record<string, unknown> = {
  node: process.version,
  at: new Date().toISOString(),
  ...benchDomain(),
};
console.log(JSON.stringify(results, null, 2));
