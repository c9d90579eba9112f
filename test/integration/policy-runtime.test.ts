import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import type { PolicyFileEvent } from '../../shared/adapters/policy-file-watch.ts';
import { history, publish, rollback } from '../../shared/cli/policy-publish.ts';
import { PolicyError } from '../../shared/domain/policy.ts';
import { silent } from '../helpers/live.ts';
import { waitFor } from '../helpers/wait.ts';

const EXAMPLE = readFileSync('config/policy.example.yaml', 'utf8');
const EMEA_RULE = 'match: { region: [EMEA] }\n      target: { team: emea-sdr }';
/** The example policy with EMEA leads sent to the overflow team (Jonas Weber, 1101). */
const TO_OVERFLOW = EXAMPLE.replace(
  EMEA_RULE,
  'match: { region: [EMEA] }\n      target: { team: emea-overflow }',
);
const BROKEN = EXAMPLE.replace(EMEA_RULE, 'match: { region: [EMEA] }\n      target: { team: no-such-team }');

describe('the policy is run-time configuration locally: publish, watch, apply without a restart', () => {
  let dir: string;
  let file: string;
  let lc: LocalRuntime;
  const events: PolicyFileEvent[] = [];
  let n = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leadclock-policy-'));
    file = join(dir, 'policy.yaml');
    writeFileSync(file, EXAMPLE);
    lc = await startLocalRuntime({
      policyPath: file,
      port: 0,
      policyPollMs: 100,
      log: silent,
      onPolicyChange: (e) => events.push(e),
    });
  });
  afterAll(async () => {
    await lc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const capture = async () => {
    const res = await fetch(`${lc.url}/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${lc.stack.ingestKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: `runtime${n++}@acme.example`, intent: 'demo', country: 'DE' }),
    });
    expect(res.status).toBe(202);
    return (await res.json()) as { ownerId: string; leadId: string };
  };

  it('routes under a published policy within seconds, refuses a bad one and keeps the last good, and rolls back', async () => {
    // Prepare: before the change, EMEA goes to the EMEA SDRs.
    const before = await capture();
    expect(['1001', '1002', '1003']).toContain(before.ownerId);

    // Act: publish the change the way `npm run policy -- publish --local` does, with the runtime still up.
    const published = await publish({ kind: 'local', file }, TO_OVERFLOW, 'to-overflow.yaml');
    await waitFor(() => events.some((e) => e.kind === 'applied'), 5000);
    const after = await capture();

    // Assess
    expect(published).toBe(2);
    expect(after.ownerId).toBe('1101');

    // Act: a bad policy is refused by publish, and, written to the file by hand, by the watcher.
    await expect(publish({ kind: 'local', file }, BROKEN, 'broken.yaml')).rejects.toThrow(PolicyError);
    writeFileSync(file, BROKEN);
    const refused = await waitFor(() => events.find((e) => e.kind === 'refused'), 5000);
    const stillGood = await capture();

    // Assess
    expect(refused.kind === 'refused' && refused.message).toContain('no-such-team');
    expect(refused.kind === 'refused' && refused.message).toMatch(/routing\.rules\[\d+\]\.target/);
    expect(stillGood.ownerId).toBe('1101');

    // Act: roll back to the first version.
    writeFileSync(file, TO_OVERFLOW);
    await rollback({ kind: 'local', file }, 1);
    await waitFor(async () => ['1001', '1002', '1003'].includes((await capture()).ownerId), 5000, 150);

    // Assess
    const versions = await history({ kind: 'local', file });
    expect(versions.map((v) => [v.version, v.live])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
  });
});
