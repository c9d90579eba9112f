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
  Token,
  Validations,
} from 'aws-cdk-lib';
import { AttributeType, Billing, type ProjectionType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
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

/**
 * sla-breach's timeout; the timer queue's visibility timeout is six times it, as AWS advises for SQS event
 * sources. A batch of up to 100 timers (one batched HubSpot verification, then each escalation) fits in it.
 */
export const BREACH_CONSUMER_TIMEOUT = Duration.minutes(1);

/**
 * Deliveries of one timer message before it moves to the timer DLQ. A failed breach run puts its timer
 * back a minute later for up to an hour past the deadline (shared/app/breach.ts); after that, or when the
 * timer cannot be armed, SQS delivers the message again after the visibility timeout (6 min), and after 10
 * receives (about an hour more) it is dead-lettered, where the DLQ alarm sees it.
 */
export const BREACH_MAX_RECEIVES = 10;

/** Deliveries of one sync message before it is parked in the DLQ (the sweeper re-queues stuck syncs too). */
export const SYNC_MAX_RECEIVES = 10;

/**
 * How CloudFormation generates the secret's first value. NEVER change it: CloudFormation treats a changed
 * GenerateSecretString as a request for a new value and generates one, replacing the whole secret string
 * and with it the HubSpot token and client secret put in by hand (a test pins it).
 */
export const SECRET_GENERATION = Object.freeze({
  secretStringTemplate: '{}',
  generateStringKey: 'ingestKey',
  passwordLength: 48,
  excludePunctuation: true,
});

/** What the stateless stack receives from this one. */
export interface StatefulResources {
  readonly table: TableV2;
  /** Lead → HubSpot sync requests, consumed by crm-sync. */
  readonly syncQueue: Queue;
  readonly syncDeadLetterQueue: Queue;
  /**
   * Where the SLA timers go when they fire (EventBridge Scheduler's SQS SendMessage target), consumed by
   * sla-breach in batches so a wave of breaches is verified in HubSpot a batch at a time.
   */
  readonly timerQueue: Queue;
  /**
   * Timers Scheduler could not deliver, breach messages that failed every receive, and (timers armed
   * before the timer queue) sla-breach runs that failed every retry.
   */
  readonly timerDeadLetterQueue: Queue;
  readonly scheduleGroup: ScheduleGroup;
  /** Rep and manager notifications; subscriptions come from the policy. */
  readonly notifyTopic: Topic;
  /** Alarm notifications for whoever runs leadclock. */
  readonly opsTopic: Topic;
  /** Encrypts both topics and the notification DLQ. */
  readonly topicKey: Key;
  /** Notifications SNS could not deliver to an email address or phone, from every subscription. */
  readonly notifyDeadLetterQueue: Queue;
  /** The role SNS assumes to write SMS delivery-status logs (an account setting; `npm run doctor` checks it). */
  readonly smsDeliveryStatusRole: Role;
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
  readonly timerQueue: Queue;
  readonly timerDeadLetterQueue: Queue;
  readonly scheduleGroup: ScheduleGroup;
  readonly notifyTopic: Topic;
  readonly opsTopic: Topic;
  readonly topicKey: Key;
  readonly notifyDeadLetterQueue: Queue;
  readonly smsDeliveryStatusRole: Role;
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
    this.timerQueue = new Queue(this, 'TimerQueue', {
      ...queueDefaults,
      visibilityTimeout: Duration.seconds(BREACH_CONSUMER_TIMEOUT.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.timerDeadLetterQueue, maxReceiveCount: BREACH_MAX_RECEIVES },
      removalPolicy: RemovalPolicy.RETAIN,
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
    // CloudWatch alarms publish to the encrypted ops topic; SNS asks KMS for a data key on CloudWatch's
    // behalf. SNS itself writes undeliverable notifications to the KMS-encrypted DLQ (an SNS DLQ must use
    // a customer managed key: https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html).
    for (const service of ['cloudwatch.amazonaws.com', 'sns.amazonaws.com'])
      this.topicKey.addToResourcePolicy(
        new PolicyStatement({
          principals: [new ServicePrincipal(service)],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
        }),
      );
    this.notifyDeadLetterQueue = new Queue(this, 'NotifyDeadLetterQueue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.topicKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.notifyDeadLetterQueue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason:
        "This queue is itself a DLQ: every SNS subscription (notifications and alarms) names it in its RedrivePolicy; cdk-nag only recognises queues referenced by another queue's redrive policy.",
    });
    // SMS delivery-status logs are an account setting (SetSMSAttributes DeliveryStatusIAMRole), not a topic
    // attribute: https://docs.aws.amazon.com/sdkfornet/v4/apidocs/items/SNS/TSetSMSAttributesRequest.html. This is the role to name.
    this.smsDeliveryStatusRole = new Role(this, 'SmsDeliveryStatusRole', {
      description: 'Assumed by SNS to write SMS delivery-status logs to CloudWatch Logs',
      assumedBy: new ServicePrincipal('sns.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    });
    const snsLogs = this.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: 'sns/*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.smsDeliveryStatusRole.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [
          'logs:CreateLogGroup',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'logs:PutMetricFilter',
          'logs:PutRetentionPolicy',
        ],
        resources: [snsLogs, `${snsLogs}:*`],
      }),
    );
    // cdk-nag names the finding by the resource as synthesised (pseudo parameters, or a concrete env).
    const region = Token.isUnresolved(this.region) ? '<AWS::Region>' : this.region;
    const account = Token.isUnresolved(this.account) ? '<AWS::AccountId>' : this.account;
    for (const suffix of ['', ':*'])
      Validations.of(this.smsDeliveryStatusRole).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:${region}:${account}:log-group:sns/*${suffix}]`,
        reason:
          'SNS names its SMS delivery-status log groups itself (sns/<region>/<account>/DirectPublishToPhoneNumber[/Failure]) and creates them on first use; the role is confined to the sns/ log groups of this account and region.',
      });
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
    // SNS moves what it could not deliver from either topic's subscriptions into the notification DLQ.
    this.notifyDeadLetterQueue.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowSnsDeadLettersFromLeadclockTopics',
        principals: [new ServicePrincipal('sns.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.notifyDeadLetterQueue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': [this.notifyTopic.topicArn, this.opsTopic.topicArn] } },
      }),
    );
    if (config.alarmEmail)
      this.opsTopic.addSubscription(
        new EmailSubscription(config.alarmEmail, { deadLetterQueue: this.notifyDeadLetterQueue }),
      );

    // One secret; the ingest key is generated so capture works on day one, the HubSpot values are put in by ops.
    this.secret = new Secret(this, 'Secret', {
      description:
        'leadclock: JSON {hubspotAccessToken, hubspotClientSecret, hubspotClientSecretPrevious?, ingestKey, ingestKeyPrevious?, viewerKey, viewerKeyPrevious?, adminKey, adminKeyPrevious?}',
      generateSecretString: { ...SECRET_GENERATION },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason:
        'The values are a HubSpot private-app token and app client secret, issued and rotated in HubSpot, and an ingest key shared with form tools: no Lambda can rotate them. Rotation is manual and gap-free: the secret holds a current and a previous value (README, "Deploy to AWS", Secrets).',
    });

    new CfnOutput(this, 'SecretArn', {
      value: this.secret.secretArn,
      description:
        'Put hubspotAccessToken and hubspotClientSecret into this secret (JSON) after the first deploy',
    });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'NotifyTopicArn', { value: this.notifyTopic.topicArn });
    new CfnOutput(this, 'SyncDeadLetterQueueUrl', { value: this.syncDeadLetterQueue.queueUrl });
    new CfnOutput(this, 'SyncQueueUrl', { value: this.syncQueue.queueUrl });
    new CfnOutput(this, 'TimerQueueArn', {
      value: this.timerQueue.queueArn,
      description: 'Where SLA timers deliver when they fire (npm run replay -- timers)',
    });
    new CfnOutput(this, 'TimerDeadLetterQueueUrl', { value: this.timerDeadLetterQueue.queueUrl });
    new CfnOutput(this, 'TimerDeadLetterQueueArn', { value: this.timerDeadLetterQueue.queueArn });
    new CfnOutput(this, 'SmsDeliveryStatusRoleArn', {
      value: this.smsDeliveryStatusRole.roleArn,
      description:
        'aws sns set-sms-attributes --attributes DeliveryStatusIAMRole=<this>,DeliveryStatusSuccessSamplingRate=100',
    });
  }
}
