/**
 * Alarms and the CloudWatch dashboard. Business metrics are published by the functions with Powertools
 * Metrics (EMF) under the `leadclock` namespace with the one dimension `service=leadclock`; the names
 * below are the contract (documented in README.md, "Deploy to AWS", "Alarms and metrics").
 */
import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  SingleValueWidget,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { LeadclockFunction } from './leadclock-function.ts';

/** Namespace and dimension of every leadclock business metric. */
export const METRICS_NAMESPACE = 'leadclock';
/** Powertools' default dimension; every function runs with POWERTOOLS_SERVICE_NAME=leadclock. */
export const METRICS_DIMENSIONS = { service: 'leadclock' } as const;

/** The business metrics the functions publish, and what each one counts. */
export const METRIC_NAMES = {
  /** Count: a lead captured (not a duplicate). */
  LeadsCaptured: 'LeadsCaptured',
  /** Count: a deadline passed with no first touch (one per breach, per attempt). */
  Breaches: 'Breaches',
  /** Count: a HubSpot response with status 429. */
  HubSpot429: 'HubSpot429',
  /** Seconds: from the sync request being queued to HubSpot reflecting it. */
  SyncLagSeconds: 'SyncLagSeconds',
  /** Seconds: from the lead's submittedAt to its first touch. */
  SpeedToLeadSeconds: 'SpeedToLeadSeconds',
  /** Count: a first touch within the SLA window. */
  SlaMet: 'SlaMet',
  /** Count: a first touch after the SLA window, or none. */
  SlaMissed: 'SlaMissed',
  /** Count: a lead parked in the breach queue after the escalation ladder ran out. */
  Parked: 'Parked',
  /** Count: a lead nobody was eligible for, sent to the default queue. */
  Unroutable: 'Unroutable',
  /** Count: a crm-sync batch held because the secret has no HubSpot token yet. */
  HubSpotTokenMissing: 'HubSpotTokenMissing',
} as const;

/** Alarm thresholds. */
export interface AlarmThresholds {
  breachRateAlarmPercent: number;
  /** The account's SMS monthly spend limit (USD); the alarm fires at 80 % of it. */
  smsMonthlySpendLimitUsd: number;
  syncLagAlarmSeconds: number;
  hubspot429AlarmCount: number;
}

/** Properties of the observability construct. */
export interface ObservabilityProps {
  functions: Record<string, LeadclockFunction>;
  api: HttpApi;
  syncQueue: IQueue;
  deadLetterQueues: Record<string, IQueue>;
  opsTopic: ITopic;
  /** The rep and manager notification topic, whose failed deliveries are alarmed on. */
  notifyTopic: ITopic;
  thresholds: AlarmThresholds;
}

/** Share of the SMS spend limit at which the alarm fires: pages stop silently when the limit is reached. */
export const SMS_SPEND_ALARM_SHARE = 0.8;

/** Least number of SLA outcomes (met + breached) in the window before the breach rate means anything. */
export const BREACH_RATE_MIN_OUTCOMES = 5;

/** A business metric. */
export function leadclockMetric(
  name: keyof typeof METRIC_NAMES,
  statistic: string,
  period: Duration,
): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: METRIC_NAMES[name],
    dimensionsMap: { ...METRICS_DIMENSIONS },
    statistic,
    period,
  });
}

/** Alarms (each notifying the ops topic on alarm and on recovery) and the dashboard. */
export class Observability extends Construct {
  /** Every alarm, by id. */
  readonly alarms: Record<string, Alarm> = {};
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const { thresholds: t } = props;
    const five = Duration.minutes(5);
    const hour = Duration.hours(1);
    const action = new SnsAction(props.opsTopic);
    const alarm = (
      alarmId: string,
      metric: IMetric,
      threshold: number,
      description: string,
      evaluationPeriods = 1,
    ) => {
      const a = new Alarm(this, alarmId, {
        metric,
        threshold,
        evaluationPeriods,
        datapointsToAlarm: evaluationPeriods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      this.alarms[alarmId] = a;
      return a;
    };

    for (const [name, q] of Object.entries(props.deadLetterQueues)) {
      alarm(
        `${name}Depth`,
        q.metricApproximateNumberOfMessagesVisible({ period: five, statistic: 'Maximum' }),
        1,
        `${name}: messages are waiting in a dead-letter queue. Inspect them, fix the cause, then redrive.`,
      );
    }
    for (const [name, f] of Object.entries(props.functions)) {
      alarm(
        `${name}Errors`,
        f.fn.metricErrors({ period: five, statistic: 'Sum' }),
        1,
        `${name} failed (unhandled error or timeout). See its log group for the error.`,
      );
    }

    // Breaches against the SLA outcomes decided in the same window (met + breached), not against this
    // hour's captures: at opening time the night's leads breach while few are captured, and an hour with
    // breaches but no captures read 0. Three hours, and no value below BREACH_RATE_MIN_OUTCOMES outcomes.
    const threeHours = Duration.hours(3);
    const met = leadclockMetric('SlaMet', 'Sum', threeHours);
    const breaches = leadclockMetric('Breaches', 'Sum', threeHours);
    const breachRate = new MathExpression({
      expression: `IF(FILL(met, 0) + FILL(breaches, 0) >= ${BREACH_RATE_MIN_OUTCOMES}, 100 * FILL(breaches, 0) / (FILL(met, 0) + FILL(breaches, 0)))`,
      usingMetrics: { met, breaches },
      period: threeHours,
      label: 'Breaches per 100 SLA outcomes (3 h)',
    });
    alarm(
      'BreachRate',
      breachRate,
      t.breachRateAlarmPercent,
      `${t.breachRateAlarmPercent}% or more of the SLA outcomes of the last 3 hours were breaches: reps unavailable, routing or calendars wrong, or touches not detected.`,
    );
    alarm(
      'HubSpotTokenMissing',
      leadclockMetric('HubSpotTokenMissing', 'Sum', five),
      1,
      'HubSpot token not set: crm-sync is holding every sync request (nothing is lost; they come back every 15 minutes). Put hubspotAccessToken into the leadclock secret (README, Deploy to AWS).',
    );
    alarm(
      'NotificationsFailed',
      props.notifyTopic.metricNumberOfNotificationsFailed({ period: five, statistic: 'Sum' }),
      1,
      'SNS could not deliver a rep or manager notification (bounced address, unreachable or opted-out phone, SMS spend limit or sandbox). The message is in NotifyDeadLetterQueue; SMS delivery-status logs are in CloudWatch Logs under sns/<region>/<account>/DirectPublishToPhoneNumber/Failure.',
    );
    alarm(
      'SmsSpendNearLimit',
      new Metric({
        namespace: 'AWS/SNS',
        metricName: 'SMSMonthToDateSpentUSD',
        statistic: 'Maximum',
        period: five,
      }),
      Math.round(t.smsMonthlySpendLimitUsd * SMS_SPEND_ALARM_SHARE * 100) / 100,
      `SMS spend this month reached ${SMS_SPEND_ALARM_SHARE * 100}% of the ${t.smsMonthlySpendLimitUsd} USD limit (smsMonthlySpendLimitUsd): at the limit SNS stops sending SMS pages without an error. Raise the limit (SNS → Text messaging → Edit) and smsMonthlySpendLimitUsd.`,
    );
    alarm(
      'SyncLag',
      leadclockMetric('SyncLagSeconds', 'Maximum', five),
      t.syncLagAlarmSeconds,
      `HubSpot is ${t.syncLagAlarmSeconds}s or more behind leadclock for 10 minutes: reps do not see owners and tasks.`,
      2,
    );
    alarm(
      'SyncBacklogAge',
      props.syncQueue.metricApproximateAgeOfOldestMessage({ period: five, statistic: 'Maximum' }),
      t.syncLagAlarmSeconds,
      'The oldest CRM sync request has waited too long; crm-sync is failing or not running (SyncLag needs crm-sync to run to be published).',
      2,
    );
    alarm(
      'HubSpot429',
      leadclockMetric('HubSpot429', 'Sum', five),
      t.hubspot429AlarmCount,
      'HubSpot keeps rate-limiting leadclock (every function counts its 429s): another app shares the portal budget, or HUBSPOT_BUDGET is too high.',
      2,
    );
    alarm(
      'Api5xx',
      props.api.metricServerError({ period: five, statistic: 'Sum' }),
      5,
      'The HTTP API answered 5xx: a function crashed or timed out. Leads may be lost at the source; check capture-lead first.',
    );

    const attainment = (period: Duration) =>
      new MathExpression({
        // No touches in a period gives no value rather than a made-up 100%.
        expression: '100 * met / (met + missed)',
        usingMetrics: {
          met: leadclockMetric('SlaMet', 'Sum', period),
          missed: leadclockMetric('SlaMissed', 'Sum', period),
        },
        period,
        label: 'SLA attainment %',
      });
    const speedP50 = (period: Duration) =>
      leadclockMetric('SpeedToLeadSeconds', 'p50', period).with({ label: 'Speed to lead, median (s)' });
    const count = (name: keyof typeof METRIC_NAMES, label: string, period: Duration) =>
      leadclockMetric(name, 'Sum', period).with({ label });

    this.dashboard = new Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(7),
      widgets: [
        [
          new TextWidget({
            markdown:
              '# leadclock\nSpeed to lead and SLA attainment over the selected range; sync backlog and failures below. Alarms and metrics: README.md, Deploy to AWS.',
            width: 24,
            height: 2,
          }),
        ],
        [
          new SingleValueWidget({
            title: 'Over the selected range',
            metrics: [
              speedP50(hour),
              attainment(hour),
              count('LeadsCaptured', 'Leads captured', hour),
              count('Breaches', 'Breaches', hour),
              count('Parked', 'Parked', hour),
              count('Unroutable', 'Unowned (unroutable)', hour),
            ],
            setPeriodToTimeRange: true,
            width: 24,
            height: 4,
          }),
        ],
        [
          new GraphWidget({
            title: 'Speed to lead (s)',
            left: [speedP50(hour), leadclockMetric('SpeedToLeadSeconds', 'p90', hour).with({ label: 'p90' })],
            width: 8,
          }),
          new GraphWidget({
            title: 'SLA attainment (%)',
            left: [attainment(hour)],
            leftYAxis: { min: 0, max: 100 },
            width: 8,
          }),
          new GraphWidget({
            title: 'Breaches, parked, unowned',
            left: [
              count('Breaches', 'Breaches', hour),
              count('Parked', 'Parked', hour),
              count('Unroutable', 'Unowned (unroutable)', hour),
            ],
            width: 8,
          }),
        ],
        [
          new GraphWidget({
            title: 'Sync backlog',
            left: [
              props.syncQueue
                .metricApproximateNumberOfMessagesVisible({ period: five, statistic: 'Maximum' })
                .with({ label: 'Waiting' }),
              props.syncQueue
                .metricApproximateNumberOfMessagesNotVisible({ period: five, statistic: 'Maximum' })
                .with({ label: 'In flight' }),
            ],
            right: [
              props.syncQueue
                .metricApproximateAgeOfOldestMessage({ period: five, statistic: 'Maximum' })
                .with({ label: 'Oldest (s)' }),
              leadclockMetric('SyncLagSeconds', 'Maximum', five).with({ label: 'Sync lag max (s)' }),
            ],
            width: 8,
          }),
          new GraphWidget({
            title: 'HubSpot 429s and dead letters',
            left: [
              count('HubSpot429', 'HubSpot 429', five),
              count('HubSpotTokenMissing', 'Sync held: no HubSpot token', five),
            ],
            right: Object.entries(props.deadLetterQueues).map(([name, q]) =>
              q
                .metricApproximateNumberOfMessagesVisible({ period: five, statistic: 'Maximum' })
                .with({ label: name }),
            ),
            width: 8,
          }),
          new GraphWidget({
            title: 'Function errors',
            left: Object.entries(props.functions).map(([name, f]) =>
              f.fn.metricErrors({ period: five, statistic: 'Sum' }).with({ label: name }),
            ),
            width: 8,
          }),
        ],
        [new AlarmStatusWidget({ title: 'Alarms', alarms: Object.values(this.alarms), width: 24 })],
      ],
    });
  }
}
