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

/**
 * Publishes what the invocation recorded, and nothing when it recorded nothing: Powertools' own
 * `logMetrics` middleware warns "No application metrics to publish" on every such run (the sweeper and
 * accounts-sync, most of the time).
 */
export function publishRecordedMetrics(): void {
  if (powertoolsMetrics.hasStoredMetrics()) powertoolsMetrics.publishStoredMetrics();
}

/** The middy middleware that calls {@link publishRecordedMetrics} after the handler, and after its error. */
export const flushMetrics = () => ({
  after: async () => publishRecordedMetrics(),
  onError: async () => publishRecordedMetrics(),
});
