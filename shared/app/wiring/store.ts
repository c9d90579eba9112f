/** The lead store on DynamoDB (TABLE_NAME). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoLeadStore } from '../../adapters/dynamodb-store.ts';
import type { Factory, Ports } from './context.ts';

/** DynamoLeadStore on `client` (a default client when omitted). */
export function dynamoStore(client?: DynamoDBClient): Factory<Ports['store']> {
  return ({ settings: s }) =>
    s.TABLE_NAME ? new DynamoLeadStore(client ?? new DynamoDBClient({}), s.TABLE_NAME) : undefined;
}
