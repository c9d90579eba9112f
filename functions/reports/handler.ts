/** GET /reports/sla: KPIs over a period, read from GSI2 (leads by submission day), never a Scan. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadLeadsForPeriod } from '../../shared/adapters/dynamodb-report.ts';
import { runtimeFromEnv } from '../../shared/app/runtime.ts';
import { httpHandler } from '../../shared/http/chain.ts';
import { reportRoute } from '../../shared/http/report-route.ts';

const rt = await runtimeFromEnv(['store', 'auth']);
// runtimeFromEnv(['store']) has already failed the cold start when TABLE_NAME is missing.
const table = process.env.TABLE_NAME as string;
const db = new DynamoDBClient({});

/** The Lambda handler. */
export const handler = httpHandler(
  reportRoute({ ...rt, loadLeads: (from, to) => loadLeadsForPeriod(db, table, from, to) }),
);
