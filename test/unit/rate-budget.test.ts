/** The pieces of the shared HubSpot budget that need no DynamoDB: Retry-After parsing and the bucket's bound. */
import { describe, expect, it } from 'vitest';
import { bucketFor } from '../../shared/adapters/dynamodb-rate-budget.ts';
import { RequestBudget, retryAfterMs } from '../../shared/adapters/hubspot/pacing.ts';

describe('retryAfterMs', () => {
  it('reads delta-seconds and HTTP dates, in any header case, and nothing else', () => {
    const now = Date.parse('2030-01-07T09:00:00Z');
    expect(retryAfterMs({ headers: { 'retry-after': '3' } }, now)).toBe(3000);
    expect(retryAfterMs({ headers: { 'Retry-After': '0.5' } }, now)).toBe(500);
    expect(retryAfterMs({ headers: { 'retry-after': 'Mon, 07 Jan 2030 09:00:02 GMT' } }, now)).toBe(2000);
    expect(retryAfterMs({ headers: { 'retry-after': 'soon' } }, now)).toBeUndefined();
    expect(retryAfterMs({ headers: {} }, now)).toBeUndefined();
    expect(retryAfterMs(new Error('socket hang up'), now)).toBeUndefined();
  });
});

describe('bucketFor', () => {
  it('never lets more than the budget through in any window, however long leased tokens wait', () => {
    for (const [max, intervalMs, leaseMs] of [
      [150, 10_000, 250],
      [180, 10_000, 250],
      [90, 10_000, 250],
      [4, 1_000, 0],
      [1, 1_000, 0],
    ] as const) {
      const b = bucketFor({ max, intervalMs }, leaseMs);
      expect(b.capacity).toBeGreaterThanOrEqual(1);
      // Requests are whole: at most the capacity plus what refills while a window lasts.
      expect(Math.floor(b.capacity + b.rate * (intervalMs + leaseMs) + 1e-9)).toBeLessThanOrEqual(max);
      expect(b.rate).toBeGreaterThan(0);
    }
  });
});

describe('RequestBudget (one process)', () => {
  it('holds searches to their own window as well as the general one', async () => {
    // Prepare
    let t = 0;
    const budget = new RequestBudget(100, 10_000, () => t);
    // Act: four searches fit in the first second; the fifth waits for the window to move.
    for (let i = 0; i < 4; i++) await budget.take('search');
    let fifth = false;
    const pending = budget.take('search').then(() => {
      fifth = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    const before = fifth;
    t = 1001;
    await pending;
    // Assess
    expect(before).toBe(false);
    expect(fifth).toBe(true);
  });
});
