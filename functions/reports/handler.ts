/** GET /reports/sla (KPIs over a period) and GET /reports/review (the monthly review), read from GSI2 (leads by submission day), never a Scan. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadLeadsForPeriod } from '../../shared/adapters/dynamodb-report.ts';
import { httpHandler } from '../../shared/http/chain.ts';
import { reportRoute, reviewRoute } from '../../shared/http/report-route.ts';
import { httpAuth } from '../../shared/wiring/auth.ts';
import { runtimeFromEnv } from '../../shared/wiring/runtime.ts';
import { dynamoStore } from '../../shared/wiring/store.ts';

const db = new DynamoDBClient({});
const rt = await runtimeFromEnv({ store: dynamoStore(db), auth: httpAuth() });
// Wiring the store has already failed the cold start when TABLE_NAME is missing.
const table = process.env.TABLE_NAME as string;
// Views over the runtime, not copies: the policy (AWS AppConfig) is read per request.
const sla = reportRoute(
  Object.create(rt, {
    loadLeads: { value: (from: Date, to: Date) => loadLeadsForPeriod(db, table, from, to) },
  }),
);
// Whole items: the review's staffing what-if replays each lead's input through the policy.
const review = reviewRoute(
  Object.create(rt, {
    loadLeads: {
      value: (from: Date, to: Date) => loadLeadsForPeriod(db, table, from, to, { whole: true }),
    },
  }),
);

/** The Lambda handler: one function, two routes. */
export const handler = httpHandler((event) =>
  (event.rawPath ?? '').endsWith('/reports/review') ? review(event) : sla(event),
);
