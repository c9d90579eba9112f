import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../shared/domain/duration.ts';

describe('parseDuration', () => {
  it.each([
    ['PT5M', 300_000],
    ['PT24H', 86_400_000],
    ['P1D', 86_400_000],
    ['PT2S', 2_000],
    ['P1DT4H', 100_800_000],
    ['PT0.5S', 500],
    ['P1W', 604_800_000],
    ['PT1H30M', 5_400_000],
    ['P10D', 864_000_000],
    ['PT0S', 0],
  ])('reads %s as %i ms', (text, ms) => {
    // Prepare: the text is the table row.
    // Act
    const parsed = parseDuration(text);
    // Assess
    expect(parsed).toBe(ms);
  });

  it.each([
    '',
    'P',
    'PT',
    'P1DT',
    '5 minutes',
    'P1Y',
    'P1M',
    'P1Y2M',
    '-PT5M',
    'PT-5M',
    'pt5m',
    'PT5M ',
    ' PT5M',
    'PT.5S',
    'PT1.5M',
    'PT5',
    'T5M',
    '5M',
  ])('refuses %j', (text) => {
    // Prepare: the text is the table row.
    // Act
    const parsed = parseDuration(text);
    // Assess
    expect(parsed).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [4_000, '4s'],
    [270_000, '4m 30s'],
    [7_500_000, '2h 5m'],
    [7_505_000, '2h 5m'],
    [262_800_000, '3d 1h'],
    [86_400_000, '1d'],
    [86_460_000, '1d 1m'],
    [-300_000, '-5m'],
    [59_600, '1m'],
  ])('formats %i ms as %s', (ms, text) => {
    // Prepare: the milliseconds are the table row.
    // Act
    const formatted = formatDuration(ms);
    // Assess
    expect(formatted).toBe(text);
  });
});
