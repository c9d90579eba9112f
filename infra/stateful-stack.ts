/**
 * Everything that holds data or state: the table, the CRM sync queue and its DLQ, the timer DLQ, the
 * schedule group (pending SLA timers are schedules in it), the topics and their key, and the secret.
 * Retained on delete; the stateless stack can be redeployed or destroyed without touching any of it.
 */
import {
  ArnFormat,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import { AttributeType, Billing, type ProjectionType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { TABLE_DEFINITION } from '../shared/adapters/table.ts';
import type { DeployConfig } from './config.ts';

/** TTL attribute: idempotency records and other short-lived items set it (epoch seconds). */
export const TTL_ATTRIBUTE = 'expiresAt';

/** crm-sync's timeout; the sync queue's visibility timeout is six times it, as AWS advises for SQS sources. */
export const SYNC_CONSUMER_TIMEOUT = Duration.minutes(1);

/** Deliveries of one sync message before it is parked in the DLQ (the sweeper re-queues stuck syncs too). */
export const SYNC_MAX_RECEIVES = 10;

/** What the stateless stack receives from this one. */
export interface StatefulResources {
  readonly table: TableV2;
  /** Lead → HubSpot sync requests, consumed by crm-sync. */
  readonly syncQueue: Queue;
  readonly syncDeadLetterQueue: Queue;
  /** Timer invocations Scheduler could not deliver, and sla-breach runs that failed every retry. */
  readonly timerDeadLetterQueue: Queue;
  readonly scheduleGroup: ScheduleGroup;
  /** Rep and manager notifications; subscriptions come from the policy. */
  readonly notifyTopic: Topic;
  /** Alarm notifications for whoever runs leadclock. */
  readonly opsTopic: Topic;
  /** Encrypts both topics. */
  readonly topicKey: Key;
  /** `{hubspotAccessToken, hubspotClientSecret, hubspotClientSecretPrevious?, ingestKey, ingestKeyPrevious?}`. */
  readonly secret: Secret;
}

/** Properties of the stateful stack. */
export interface StatefulStackProps extends StackProps {
  config: Pick<DeployConfig, 'scheduleGroup' | 'alarmEmail'>;
}

/** The stateful half of leadclock. */
export class StatefulStack extends Stack implements StatefulResources {
  readonly table: TableV2;
  readonly syncQueue: Queue;
  readonly syncDeadLetterQueue: Queue;
  readonly timerDeadLetterQueue: Queue;
  readonly scheduleGroup: ScheduleGroup;
  readonly notifyTopic: Topic;
  readonly opsTopic: Topic;
  readonly topicKey: Key;
  readonly secret: Secret;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;

    const types = new Map<string, string>(
      TABLE_DEFINITION.AttributeDefinitions.map((a) => [a.AttributeName, a.AttributeType]),
    );
    const dynamoTypes: Record<string, AttributeType> = {
      S: AttributeType.STRING,
      N: AttributeType.NUMBER,
      B: AttributeType.BINARY,
    };
    const attribute = (name: string) => {
      const type = dynamoTypes[types.get(name) ?? ''];
      if (!type) throw new Error(`TABLE_DEFINITION: no attribute definition for ${name}`);
      return { name, type };
    };
    const [hash, range] = TABLE_DEFINITION.KeySchema;
    this.table = new TableV2(this, 'Table', {
      partitionKey: attribute(hash.AttributeName),
      sortKey: attribute(range.AttributeName),
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      globalSecondaryIndexes: TABLE_DEFINITION.GlobalSecondaryIndexes.map((g) => ({
        indexName: g.IndexName,
        partitionKey: attribute(g.KeySchema[0].AttributeName),
        sortKey: attribute(g.KeySchema[1].AttributeName),
        projectionType: g.Projection.ProjectionType as ProjectionType,
        nonKeyAttributes: [...g.Projection.NonKeyAttributes],
      })),
    });

    const queueDefaults = { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true } as const;
    this.syncDeadLetterQueue = new Queue(this, 'SyncDeadLetterQueue', {
      ...queueDefaults,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.syncQueue = new Queue(this, 'SyncQueue', {
      ...queueDefaults,
      visibilityTimeout: Duration.seconds(SYNC_CONSUMER_TIMEOUT.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.syncDeadLetterQueue, maxReceiveCount: SYNC_MAX_RECEIVES },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.timerDeadLetterQueue = new Queue(this, 'TimerDeadLetterQueue', {
      ...queueDefaults,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.timerDeadLetterQueue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason:
        "This queue is itself a DLQ: each SLA timer names it as its Scheduler target's dead-letter queue (set per schedule at run time by the SchedulerTimers adapter) and sla-breach's on-failure destination; cdk-nag only recognises queues referenced by another queue's redrive policy.",
    });

    // Deleting a schedule group deletes every pending SLA timer in it, so it lives here and is retained.
    this.scheduleGroup = new ScheduleGroup(this, 'ScheduleGroup', {
      scheduleGroupName: config.scheduleGroup,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.topicKey = new Key(this, 'TopicKey', {
      description: 'leadclock: encrypts the notification and alarm topics',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch alarms publish to the encrypted ops topic; SNS asks KMS for a data key on CloudWatch's behalf.
    this.topicKey.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.notifyTopic = new Topic(this, 'NotifyTopic', {
      displayName: 'leadclock',
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    this.opsTopic = new Topic(this, 'OpsTopic', {
      displayName: 'leadclock alarms',
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    this.opsTopic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.opsTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: {
            'aws:SourceArn': this.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    if (config.alarmEmail) this.opsTopic.addSubscription(new EmailSubscription(config.alarmEmail));

    // One secret; the ingest key is generated so capture works on day one, the HubSpot values are put in by ops.
    this.secret = new Secret(this, 'Secret', {
      description:
        'leadclock: JSON {hubspotAccessToken, hubspotClientSecret, hubspotClientSecretPrevious?, ingestKey, ingestKeyPrevious?}',
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'ingestKey',
        passwordLength: 48,
        excludePunctuation: true,
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason:
        'The values are a HubSpot private-app token and app client secret, issued and rotated in HubSpot, and an ingest key shared with form tools: no Lambda can rotate them. Rotation is manual and gap-free: the secret holds a current and a previous value (see infra/README.md).',
    });

    new CfnOutput(this, 'SecretArn', {
      value: this.secret.secretArn,
      description:
        'Put hubspotAccessToken and hubspotClientSecret into this secret (JSON) after the first deploy',
    });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
  }
}
