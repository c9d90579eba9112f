import { describe, expect, it } from 'vitest';
import { redact, scrub } from '../../shared/app/logging.ts';

describe('scrub: no email or phone number survives, in plain or URL-encoded form', () => {
  it.each([
    ['jane.doe+demo@acme.example wrote', '[email] wrote'],
    ['path /leads/jane.doe%40acme.example/events', 'path /leads/[redacted]/events'],
    ['q=%2B49%2030%201234567&x=1', 'q=[redacted]&x=1'],
    ['q=%2B49+30+1234567', 'q=[redacted]'],
    ['/leads/%2B1%20(202)%20555-0101', '/leads/[redacted]'],
    ['/leads/(030)%201234567', '/leads/[redacted]'],
    ['call +49 30 1234567 now', 'call [phone] now'],
    ['call 030 1234567', 'call [phone]'],
    ['call 030/1234567', 'call [phone]'],
    ['call (030) 1234567', 'call [phone]'],
    ['call 0301234567', 'call [phone]'],
    ['call 0049 30 1234567', 'call [phone]'],
    ['call +44.20.7946.0958', 'call [phone]'],
    ['call 202-555-0101', 'call [phone]'],
  ])('%s', (text, expected) => {
    // Act
    const out = scrub(text);

    // Assess
    expect(out).toBe(expected);
  });

  it.each([
    'lead LqX0123_456-0987654321abc',
    'L3ZxT-0123-4567',
    'at 2030-01-07T09:00:00.000Z',
    'epoch 1893574800000',
    'v0.10.12 took 0.123456 s',
    '100%25 done, a%20b',
    'bad escape %E0%A4%A',
  ])('leaves ids, times and other numbers alone: %s', (text) => {
    // Act
    const out = scrub(text);

    // Assess
    expect(out).toBe(text);
  });

  it('cuts a huge string before scanning it, so a log line cannot be made to cost seconds', () => {
    // Prepare: an unbounded local-part pattern took seconds on 50,000 characters.
    const huge = `${'a'.repeat(300_000)}@acme.example`;

    // Act
    const out = scrub(huge);

    // Assess
    expect(out).toBe(`${'a'.repeat(8192)}…[cut]`);
  });
});

describe('redact', () => {
  it('redacts personal keys, scrubs strings and cuts what is nested too deep to copy', () => {
    // Prepare
    let deep: unknown = { note: 'reach me at jane@acme.example' };
    for (let i = 0; i < 10; i++) deep = { next: deep };

    // Act
    const out = redact({ email: 'x', Phone: 'y', note: 'mail jane@acme.example', deep }) as Record<
      string,
      unknown
    >;

    // Assess
    expect(out.email).toBe('[redacted]');
    expect(out.Phone).toBe('[redacted]');
    expect(out.note).toBe('mail [email]');
    expect(JSON.stringify(out.deep)).toBe(
      '{"next":{"next":{"next":{"next":{"next":{"next":{"next":{"next":"[truncated]"}}}}}}}}',
    );
  });
});
