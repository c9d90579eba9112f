/** Metrics as CloudWatch EMF through Powertools: namespace `leadclock`, the single default dimension `service`. */
import { MetricUnit, Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import type { Metrics } from '../app/ports.ts';

/** The process-wide Powertools metrics object; handlers flush it with its middy middleware. */
export const powertoolsMetrics = new PowertoolsMetrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'leadclock',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'leadclock',
});

/** The Metrics port over Powertools. */
export const emfMetrics: Metrics = {
  count: (name, value = 1) => powertoolsMetrics.addMetric(name, MetricUnit.Count, value),
  seconds: (name, value) => powertoolsMetrics.addMetric(name, MetricUnit.Seconds, value),
};
