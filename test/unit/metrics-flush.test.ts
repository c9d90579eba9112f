/** Handlers publish what they recorded, and nothing (no Powertools warning) when they recorded nothing. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { emfMetrics, powertoolsMetrics, publishRecordedMetrics } from '../../shared/adapters/emf-metrics.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Everything written to stdout and stderr while `fn` runs. */
function output(fn: () => void): string {
  const chunks: string[] = [];
  const capture = (chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    fn();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return chunks.join('');
}

describe('publishing metrics after an invocation', () => {
  it('writes nothing, and no "No application metrics to publish" warning, when nothing was recorded', () => {
    expect(powertoolsMetrics.hasStoredMetrics()).toBe(false);
    expect(output(publishRecordedMetrics)).toBe('');
  });

  it('writes one EMF document with what was recorded, then nothing again', () => {
    emfMetrics.count('LeadsCaptured');
    const first = output(publishRecordedMetrics);
    expect(first).toContain('"LeadsCaptured"');
    expect(first).not.toContain('No application metrics');
    expect(output(publishRecordedMetrics)).toBe('');
  });
});
