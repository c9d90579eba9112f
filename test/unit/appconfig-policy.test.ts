import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { appConfigPolicySource } from '../../shared/adapters/appconfig-policy.ts';
import { parsePolicy } from '../../shared/domain/policy.ts';
import { precompiledPolicyJson } from '../../shared/domain/policy-json.ts';

const EXAMPLE = readFileSync('config/policy.example.yaml', 'utf8');
const bytes = (text: string) => new TextEncoder().encode(text);
const version = (label: string) =>
  bytes(precompiledPolicyJson(parsePolicy(EXAMPLE.replace('label: EMEA SDRs', `label: ${label}`))));
const where = { application: 'app', environment: 'env', profile: 'policy', maxAgeSeconds: 30 };

describe('the AppConfig policy source', () => {
  it('serves the cached policy, refreshes it in the background after max age, and keeps the last good one on a bad version', async () => {
    // Prepare
    vi.useFakeTimers({ now: Date.parse('2030-01-07T09:00:00Z'), toFake: ['Date'] });
    const answers = [version('First'), version('Second'), bytes('{"format":"something else"}')];
    const get = vi.fn(async () => answers.shift() ?? bytes('{}'));
    try {
      const source = await appConfigPolicySource(where, { provider: { get } as never });
      const label = () => source.current().teams.get('emea-sdr')?.label;

      // Act, Assess: within max age, no call; past it, a background refresh.
      expect(label()).toBe('First');
      vi.setSystemTime(Date.now() + 10_000);
      expect(label()).toBe('First');
      expect(get).toHaveBeenCalledTimes(1);
      vi.setSystemTime(Date.now() + 31_000);
      expect(label()).toBe('First');
      await vi.waitFor(() => expect(label()).toBe('Second'));
      expect(get).toHaveBeenCalledWith('policy', { maxAge: 30 });

      // Act, Assess: a version that is no leadclock policy is refused.
      vi.setSystemTime(Date.now() + 31_000);
      label();
      await vi.waitFor(() => expect(get).toHaveBeenCalledTimes(3));
      await Promise.resolve();
      expect(label()).toBe('Second');
    } finally {
      vi.useRealTimers();
    }
  });

  it('fails the cold start when the first version cannot be read (the caller falls back to the bundled policy)', async () => {
    // Prepare
    const get = vi.fn(async () => {
      throw new Error('AccessDenied');
    });
    // Act, Assess
    await expect(appConfigPolicySource(where, { provider: { get } as never })).rejects.toThrow(
      'AccessDenied',
    );
  });
});
