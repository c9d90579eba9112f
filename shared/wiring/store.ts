/** The lead store on DynamoDB (TABLE_NAME). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AuditedLeadStore } from '../adapters/dynamodb-audit.ts';
import type { Factory, Ports } from './context.ts';

/** The lead store (listing leads in the routing audit log as it writes them) on `client` (a default client when omitted). */
export function dynamoStore(client?: DynamoDBClient): Factory<Ports['store']> {
  return ({ settings: s }) =>
    s.TABLE_NAME ? new AuditedLeadStore(client ?? new DynamoDBClient({}), s.TABLE_NAME) : undefined;
}
