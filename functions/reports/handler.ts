/** GET /reports/sla: KPIs over a period, read from GSI2 (leads by submission day), never a Scan. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadLeadsForPeriod } from '../../shared/adapters/dynamodb-report.ts';
import { httpAuth } from '../../shared/app/wiring/auth.ts';
import { runtimeFromEnv } from '../../shared/app/wiring/runtime.ts';
import { dynamoStore } from '../../shared/app/wiring/store.ts';
import { httpHandler } from '../../shared/http/chain.ts';
import { reportRoute } from '../../shared/http/report-route.ts';

const db = new DynamoDBClient({});
const rt = await runtimeFromEnv({ store: dynamoStore(db), auth: httpAuth() });
// Wiring the store has already failed the cold start when TABLE_NAME is missing.
const table = process.env.TABLE_NAME as string;

/** The Lambda handler. */
export const handler = httpHandler(
  // A view over the runtime, not a copy: the policy (AWS AppConfig) is read per request.
  reportRoute(
    Object.create(rt, {
      loadLeads: { value: (from: Date, to: Date) => loadLeadsForPeriod(db, table, from, to) },
    }),
  ),
);
